from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from dispatch_core import __version__
from dispatch_core.cli import main
from dispatch_core.planning.scenario import default_scenario_text


def run(*argv: str) -> tuple[int, str]:
    buf = io.StringIO()
    code = main(list(argv), console=Console(file=buf, width=200, color_system=None))
    return code, buf.getvalue()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_targets_lists_every_category() -> None:
    code, out = run("targets")
    assert code == 0
    for word in ("inquiry", "repair", "emergency", "报修处理", "on_site ≤ 1 h"):
        assert word in out


def test_schema_is_json() -> None:
    code, out = run("schema", "ticket")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "Ticket"


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["bogus"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_plan_default_estate(tmp_path: Path) -> None:
    code, out = run("plan", "--out", str(tmp_path), "--interval", "60", "--day", "mon")
    assert code == 0
    assert "answered within T ÷ offered" in out
    assert "mon (mon, events: monday_morning), 60 min" in out
    assert "10:00" in out
    assert "Daily roll-up" in out
    assert "rule: 1 per 500" in out
    assert (tmp_path / "report.html").exists()
    assert (tmp_path / "service_level.png").exists()


def test_plan_roster_prints_and_reports(tmp_path: Path) -> None:
    code, out = run("plan", "--roster", "--interval", "60", "--day", "sun", "--out", str(tmp_path))
    assert code == 0
    assert "Proposed roster: sun (CP-SAT" in out
    assert "Proposed rosters: every day" in out
    assert "Cost per month (CNY), normal week" in out
    assert "scaled shifts" in out
    assert "NO" not in out.split("Proposed rosters: every day")[1].split("Cost per month")[0]
    assert (tmp_path / "roster_coverage.png").exists()
    assert "Proposed roster" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_plan_shows_status_reasons_and_the_balance() -> None:
    code, out = run("plan", "--no-report", "--interval", "60", "--day", "mon")
    assert code == 0
    assert "separate phone and digital pools" in out
    assert "R ab,dSL" in out or "R dSL" in out  # red, and why
    assert "bl,ovl" in out  # the 08:00 backlog, and where Erlang does not hold
    assert "arrived + in (the night before) = answered + aband + over" in out


def test_plan_metro_1m_blended_estate() -> None:
    scenario = Path(__file__).resolve().parents[1] / "simulations" / "metro-1m.toml"
    code, out = run("plan", str(scenario), "--no-report", "--interval", "60")
    assert code == 0
    assert "1,000,000 households" in out
    assert "blended pool, phone first" in out


def test_plan_scenario_file_and_no_report(tmp_path: Path) -> None:
    scenario = Path(__file__).resolve().parents[1] / "simulations" / "default.toml"
    code, out = run(
        "plan", str(scenario), "--no-report", "--interval", "60", "--out", str(tmp_path)
    )
    assert code == 0
    assert "storm" in out
    assert not any(tmp_path.iterdir())


def test_plan_bad_scenario_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[estate]\nhouseholds = 100\nhousholds = 3\n", encoding="utf-8")
    code, _ = run("plan", str(bad), "--out", str(tmp_path / "out"))
    assert code == 2
    err = capsys.readouterr().err
    assert "line 3" in err
    assert "housholds" in err
    assert not (tmp_path / "out").exists()


def test_plan_unknown_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("plan", "--day", "holiday", "--out", str(tmp_path / "o"))
    assert code == 2
    assert "holiday" in capsys.readouterr().err


def test_plan_rejects_bad_interval(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["plan", "--interval", "20"])
    assert "15, 30 or 60" in capsys.readouterr().err


def test_schema_of_scenario() -> None:
    code, out = run("schema", "scenario")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "Scenario"
    assert "demand" in schema["properties"]


def _storm_only_scenario(tmp_path: Path) -> Path:
    """The default estate reduced to its storm day (one day keeps the simulation quick)."""
    text = default_scenario_text()
    text = text[: text.index("[[days]]")].replace('days = ["storm"]', "")
    path = tmp_path / "storm.toml"
    path.write_text(text + '[[days]]\nname = "storm"\nweekday = "tue"\nevents = ["storm"]\n')
    return path


def test_plan_simulate_writes_side_by_side_tables(tmp_path: Path) -> None:
    scenario = _storm_only_scenario(tmp_path)
    out_dir = tmp_path / "out"
    code, out = run(
        *("plan", str(scenario), "--simulate", "--replications", "2", "--seed", "7"),
        *("--interval", "60", "--out", str(out_dir)),
    )
    assert code == 0
    assert "storm: Erlang versus simulated agents (search 2 replications/level" in out
    assert "Headcount: rule of thumb, Erlang, simulation" in out
    assert "Part-timers on event days" in out
    page = (out_dir / "report.html").read_text(encoding="utf-8")
    assert "Simulation: analytic versus simulated staffing" in page
    assert "<b>Verification</b>" in page
    assert (out_dir / "partial" / "sim-storm.json").exists()  # written as the day finished
    assert "SLA attainment vs staffing" in page
    assert (out_dir / "attainment.png").exists()


def test_plan_simulate_rejects_one_replication(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["plan", "--simulate", "--replications", "1"])
    assert "at least 2" in capsys.readouterr().err


@pytest.mark.slow
def test_plan_simulate_quick_default_estate(tmp_path: Path) -> None:
    """The acceptance run (`plan --simulate --quick`, under 60 s on the 2-core machine)."""
    code, out = run("plan", "--simulate", "--quick", "--out", str(tmp_path))
    assert code == 0
    assert "10 replications" in out
    assert "simulated: every day like storm" in out
    assert (tmp_path / "attainment.png").exists()
