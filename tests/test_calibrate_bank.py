"""simulations/calibrate_bank.py on the real bank call log (skipped when the file is absent)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from dispatch_core.planning.scenario import load_scenario
from dispatch_core.staffing import erlang_a

SCRIPT = Path(__file__).resolve().parents[1] / "simulations" / "calibrate_bank.py"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("calibrate_bank", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("calibrate_bank", module)
    spec.loader.exec_module(module)
    return module


cb = _module()
needs_data = pytest.mark.skipif(not cb.DATA.exists(), reason=f"real data not found: {cb.DATA}")


def test_erlang_a_reproduces_the_data_readme_example() -> None:
    # shared/data/real/README.md: λ = 144/h, AHT 204 s, patience 406 s, c = 7 →
    # P(ab) 0.196, SL20 0.268, mean wait 80 s (rounded there).
    # The inputs are rounded there, so the tolerance is loose; the fitted peak is checked below.
    m = erlang_a(144, 204, 7, patience_s=406, within_s=20)
    assert m.p_abandon == pytest.approx(0.196, abs=0.003)
    assert m.service_level == pytest.approx(0.268, abs=0.006)
    assert m.mean_wait_s == pytest.approx(80, abs=2)


@pytest.fixture(scope="module")
def calls() -> list:  # type: ignore[type-arg]
    if not cb.DATA.exists():
        pytest.skip(f"real data not found: {cb.DATA}")
    return cb.load_calls(cb.DATA)


@needs_data
def test_fit_matches_the_published_summary(calls: list) -> None:  # type: ignore[type-arg]
    f = cb.fit(calls)
    assert f.calls == 38_711
    assert f.p_abandon == pytest.approx(7_309 / 38_711)
    assert f.aht_s == pytest.approx(184.4, abs=0.1)
    assert f.aht_cv == pytest.approx(1.96, abs=0.01)
    assert f.patience_s == pytest.approx(406, abs=1)
    assert sum(f.hourly_share) == pytest.approx(1, abs=1e-9)
    assert sum(f.weekday_share) == pytest.approx(1, abs=1e-9)
    assert max(range(24), key=lambda h: f.hourly_share[h]) == 10
    assert f.weekday_share[4] < 0.1  # Friday is half a day
    assert f.weekday_share[5] < 0.02  # Saturday is closed until the evening


@needs_data
def test_peak_comparison(calls: list) -> None:  # type: ignore[type-arg]
    f = cb.fit(calls)
    p = cb.peak(calls, f)
    assert p.rate_per_hour == pytest.approx(144, abs=1)
    assert p.observed_p_abandon == pytest.approx(0.217, abs=0.005)
    assert p.observed_sl == pytest.approx(0.324, abs=0.005)
    assert p.best_agents == 7
    # Erlang A with the fitted agents is close on abandonment and pessimistic on SL and wait,
    # as expected with service times far more variable than exponential (cv ≈ 2).
    m = p.model[7]
    assert m.p_abandon == pytest.approx(0.196, abs=0.002)
    assert m.service_level == pytest.approx(0.268, abs=0.003)
    assert m.mean_wait_s == pytest.approx(80, abs=1)
    assert abs(m.p_abandon - p.observed_p_abandon) < 0.03
    assert m.service_level < p.observed_sl


@needs_data
def test_script_writes_a_scenario_the_planner_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bank.toml"
    assert cb.main(["--out", str(out)]) == 0
    scenario = load_scenario(out)
    assert scenario.patience.mean_s == pytest.approx(406, abs=1)
    printed = capsys.readouterr().out
    assert "answered within 20 s ÷ offered" in printed
    assert "closest abandonment" in printed


def test_missing_data_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cb.main(["--data", str(tmp_path / "none.csv"), "--out", str(tmp_path / "x")]) == 1
    assert "not found" in capsys.readouterr().err
