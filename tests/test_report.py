from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dispatch_core.planning.plan import Plan, build_plan
from dispatch_core.planning.scenario import default_scenario
from dispatch_core.report.plan import write_report
from dispatch_core.staffing import SL_DEFINITION

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build_plan(default_scenario(), interval_minutes=60)


@pytest.fixture(scope="module")
def report_dir(plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_report(plan, out, day="mon")
    return out


def test_report_files(report_dir: Path) -> None:
    for name in ("load_profile.png", "staffing_grid.png", "service_level.png"):
        data = (report_dir / name).read_bytes()
        assert data.startswith(PNG_MAGIC)
        assert len(data) > 5_000


def test_html_is_self_contained(report_dir: Path) -> None:
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert SL_DEFINITION in page
    assert "Intervals: mon" in page
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3
    assert all(base64.b64decode(i).startswith(PNG_MAGIC) for i in images)
    # nothing fetched from elsewhere: no external scripts, stylesheets or images
    assert not re.search(r'(src|href)="(?!data:)', page)
    for cls in ("green", "yellow"):
        assert f'class="{cls}"' in page


def test_default_day_is_the_busiest(plan: Plan, tmp_path: Path) -> None:
    report = write_report(plan, tmp_path / "nested" / "out")
    assert report.html.exists()
    assert f"Intervals: {plan.busiest_day.name}" in report.html.read_text(encoding="utf-8")
    assert len(report.images) == 3


def _distinct_colours(png: Path) -> int:
    image = pytest.importorskip("matplotlib.image")
    pixels = image.imread(png)
    flat = pixels.reshape(-1, pixels.shape[-1])
    return len({tuple(p) for p in flat[:: max(1, len(flat) // 200_000)].tolist()})


@pytest.mark.browser
def test_report_renders_in_headless_chromium(report_dir: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (Debian package `chromium`)")
    shot = tmp_path / "shot.png"
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1200,900",
        (report_dir / "report.html").resolve().as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603 - fixed argv, no shell
    assert shot.exists(), done.stderr[-2000:]
    assert shot.read_bytes().startswith(PNG_MAGIC)
    # a blank page has one colour; the report has text, coloured rows and table borders
    assert _distinct_colours(shot) > 20


def test_interval_table_says_why_and_how(report_dir: Path) -> None:
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    assert "productive required (phone+digital)" in page
    assert "status (worst checks)" in page
    assert re.search(r"<td>red: [a-zA-Z ,]+</td>", page)  # the row names its failing checks
    assert "<td>exact</td>" in page
    assert "<td>backlog, overload</td>" in page or "<td>backlog</td>" in page
    assert "arrived + carried in (the night before) = answered" in page
    assert "rostered × (1 − shrinkage)" in page


def test_report_with_roster(tmp_path: Path) -> None:
    from dispatch_core.planning.roster import propose_rosters

    small = build_plan(default_scenario(), interval_minutes=60, days=["sun"])
    rosters = propose_rosters(small)
    report = write_report(small, tmp_path, roster=rosters)
    page = report.html.read_text(encoding="utf-8")
    assert "Proposed roster" in page
    assert "Cost per month (CNY)" in page
    assert "scenario shifts scaled to meet targets" in page
    coverage = tmp_path / "roster_coverage.png"
    assert coverage in report.images
    assert coverage.read_bytes().startswith(PNG_MAGIC)
    assert len(re.findall(r'src="data:image/png;base64,', page)) == 4


def test_blended_report_curve(tmp_path: Path) -> None:
    from dispatch_core.planning.scenario import default_scenario_text, parse_scenario

    s = parse_scenario(default_scenario_text().replace("blended = false", "blended = true"))
    report = write_report(build_plan(s, interval_minutes=60, days=["wed"]), tmp_path)
    page = report.html.read_text(encoding="utf-8")
    assert "One blended pool answers both queues, phone first" in page
    assert (tmp_path / "service_level.png").read_bytes().startswith(PNG_MAGIC)
