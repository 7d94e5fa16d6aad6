"""Calibrate a staffing scenario from a real call log and check Erlang A against it.

Reads the Technion "Anonymous Bank" call-centre month (``shared/data/real/
anonymous_bank_calls_1999-08.csv``, next to this repository), fits

* the hourly arrival profile and the weekday profile of calls offered to agents,
* the handling-time distribution (mean, coefficient of variation, lognormal by moments),
* mean patience (total queue time of all offered calls ÷ abandons, the Technion estimator),

writes them as a scenario TOML that ``dispatch-core plan`` accepts, and compares Erlang A at the
10:00 Sun–Thu peak with what the centre actually delivered (abandonment, service level, wait).

Usage::

    .venv/bin/python simulations/calibrate_bank.py [--data CSV] [--out out/bank.toml]

Service levels are "answered within T ÷ offered" on both sides of the comparison.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dispatch_core.model import Category
from dispatch_core.planning.scenario import parse_scenario
from dispatch_core.staffing import QueueMetrics, erlang_a

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "real" / "anonymous_bank_calls_1999-08.csv"
WITHIN_S = 20.0
# In Israel the working week is Sunday to Thursday; Friday and Saturday are the weekend.
WORKDAYS = {6, 0, 1, 2, 3}  # date.weekday(): Mon=0 … Sun=6


@dataclass(frozen=True)
class Call:
    """One call offered to the agents (served, or abandoned from the queue)."""

    day: date
    hour: int
    queue_s: float
    served: bool
    service_s: float


@dataclass(frozen=True)
class Fit:
    """What the log says, Sun–Thu unless stated."""

    calls: int
    days: int
    workdays: int
    hourly_share: tuple[float, ...]  # 24 shares of Sun–Thu calls, sum 1
    weekday_share: tuple[float, ...]  # 7 shares Mon..Sun of mean calls per weekday, sum 1
    calls_per_day: float  # mean over all days of the month
    aht_s: float
    aht_cv: float
    patience_s: float
    p_abandon: float


@dataclass(frozen=True)
class Peak:
    """Observed figures in one hour of the Sun–Thu days, and Erlang A fitted to them."""

    hour: int
    rate_per_hour: float
    aht_s: float
    patience_s: float
    observed_p_abandon: float
    observed_sl: float
    observed_mean_wait_s: float
    model: dict[int, QueueMetrics]

    @property
    def best_agents(self) -> int:
        """Agents whose Erlang A abandonment is closest to the observed one."""
        return min(self.model, key=lambda c: abs(self.model[c].p_abandon - self.observed_p_abandon))


def _seconds(clock: str) -> int:
    h, m, s = (int(x) for x in clock.split(":"))
    return h * 3600 + m * 60 + s


def load_calls(path: Path) -> list[Call]:
    """Calls offered to agents: served (``AGENT``) or abandoned after queueing."""
    calls = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            served = row["outcome"] == "AGENT"
            queued = row["q_start"] != "0:00:00"
            if not (served or (row["outcome"] == "HANG" and queued)):
                continue
            calls.append(
                Call(
                    day=date.fromisoformat(row["date"]),
                    hour=_seconds(row["vru_exit"]) // 3600 % 24,
                    queue_s=float(row["q_time"]),
                    served=served,
                    service_s=float(row["ser_time"]),
                )
            )
    return calls


def fit(calls: list[Call]) -> Fit:
    """Fit profiles, handling time and patience."""
    days = sorted({c.day for c in calls})
    work = [c for c in calls if c.day.weekday() in WORKDAYS]
    per_hour = Counter(c.hour for c in work)
    hourly = [per_hour.get(h, 0) / len(work) for h in range(24)]
    per_day = Counter(c.day for c in calls)
    by_weekday: dict[int, list[int]] = defaultdict(list)
    for d in days:
        by_weekday[d.weekday()].append(per_day[d])
    means = [statistics.fmean(by_weekday[w]) if by_weekday[w] else 0.0 for w in range(7)]
    service = [c.service_s for c in calls if c.served]
    aht = statistics.fmean(service)
    abandons = sum(1 for c in calls if not c.served)
    return Fit(
        calls=len(calls),
        days=len(days),
        workdays=len({c.day for c in work}),
        hourly_share=_normalise(hourly),
        weekday_share=_normalise(means),
        calls_per_day=len(calls) / len(days),
        aht_s=aht,
        aht_cv=statistics.pstdev(service) / aht,
        patience_s=sum(c.queue_s for c in calls) / abandons,
        p_abandon=abandons / len(calls),
    )


def _normalise(values: list[float]) -> tuple[float, ...]:
    """Shares rounded to 6 decimals that still sum to exactly 1 (the rest goes to the largest)."""
    total = sum(values)
    shares = [round(v / total, 6) for v in values]
    biggest = max(range(len(shares)), key=shares.__getitem__)
    shares[biggest] = round(shares[biggest] + 1.0 - sum(shares), 6)
    return tuple(shares)


def peak(calls: list[Call], f: Fit, *, hour: int = 10, agents: range = range(5, 11)) -> Peak:
    """Observed figures at ``hour`` on Sun–Thu days next to Erlang A for a range of agents."""
    at = [c for c in calls if c.hour == hour and c.day.weekday() in WORKDAYS]
    served = [c for c in at if c.served]
    rate = len(at) / f.workdays
    aht = statistics.fmean(c.service_s for c in served)
    return Peak(
        hour=hour,
        rate_per_hour=rate,
        aht_s=aht,
        patience_s=f.patience_s,
        observed_p_abandon=1 - len(served) / len(at),
        observed_sl=sum(1 for c in served if c.queue_s <= WITHIN_S) / len(at),
        observed_mean_wait_s=statistics.fmean(c.queue_s for c in at),
        model={
            c: erlang_a(rate, aht, c, patience_s=f.patience_s, within_s=WITHIN_S) for c in agents
        },
    )


def scenario_toml(f: Fit, *, agents: int, households: int = 10_000) -> str:
    """A scenario for ``dispatch-core plan``: one phone queue, every call an inquiry."""
    hourly = ", ".join(f"{s:.6f}" for s in f.hourly_share)
    weekly = ", ".join(f"{s:.6f}" for s in f.weekday_share)
    handling = "\n".join(
        f'[handling.{c.value}]\ndistribution = "lognormal"\nmean_s = {f.aht_s:.1f}\n'
        f"cv = {f.aht_cv:.3f}\n"
        for c in Category
    )
    mix = "\n".join(f"{c.value} = {1.0 if c is Category.INQUIRY else 0.0}" for c in Category)
    days = "\n".join(
        f'[[days]]\nname = "{w}"\nweekday = "{w}"\n'
        for w in ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
    )
    return f"""# Calibrated from the Anonymous Bank call log (Technion SEE Center), August 1999:
# {f.calls:,} calls offered to agents over {f.days} days; written by simulations/calibrate_bank.py.
# Households are notional ({households:,}); the contact rate reproduces the observed volume.

[scenario]
name = "anonymous-bank-1999-08"
description = "Bank call centre calibrated from {f.calls} real calls (Sun-Thu profile)"

[estate]
households = {households}
communities = 1

[demand]
contacts_per_household_per_day = {f.calls_per_day / households:.6f}
hourly_profile = [{hourly}]
weekday_profile = [{weekly}]

[demand.category_mix]
{mix}

[demand.channel_mix]
phone = 1.0
app = 0.0
online = 0.0

{handling}
[patience]
distribution = "exponential"
mean_s = {f.patience_s:.1f}

[resolution]
first_contact = 1.0
callback_share = 0.0

[desk]
open = "07:00"
close = "24:00"
evening_close = "24:00"

[sla]
model = "erlang_a"
phone_target = 0.80
phone_within_s = {WITHIN_S:g}
max_occupancy = 0.95
max_abandon = 0.05

[staffing]
shrinkage = 0.30

[[shifts]]
name = "agents-effective"   # agents effectively on the phones, fitted at the 10:00 peak
start = "07:00"
end = "24:00"
desk_agents = {agents}

{days}"""


def main(argv: list[str] | None = None) -> int:
    """Fit, write the scenario, print the peak comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the bank call log CSV")
    parser.add_argument("--out", type=Path, default=REPO / "out" / "bank_calibrated.toml")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"data not found: {args.data}", file=sys.stderr)
        return 1
    calls = load_calls(args.data)
    f = fit(calls)
    p = peak(calls, f)
    text = scenario_toml(f, agents=p.best_agents)
    parse_scenario(text, source=str(args.out))  # never write a scenario the planner rejects
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")

    print(f"{f.calls:,} calls offered over {f.days} days ({f.workdays} Sun–Thu)")
    print(f"AHT {f.aht_s:.1f} s (cv {f.aht_cv:.2f}); patience {f.patience_s:.0f} s")
    print(f"P(abandon) over the month {f.p_abandon:.3f}")
    print(f"peak hour {p.hour:02d}:00 Sun–Thu: {p.rate_per_hour:.1f} calls/h, AHT {p.aht_s:.0f} s")
    print("service level = answered within 20 s ÷ offered")
    print(f"{'':>10} {'P(ab)':>7} {'SL20':>7} {'wait s':>7}")
    observed = (p.observed_p_abandon, p.observed_sl, p.observed_mean_wait_s)
    print(f"{'observed':>10} {observed[0]:7.3f} {observed[1]:7.3f} {observed[2]:7.1f}")
    for c, m in p.model.items():
        mark = "  <- closest abandonment" if c == p.best_agents else ""
        row = f"{m.p_abandon:7.3f} {m.service_level:7.3f} {m.mean_wait_s:7.1f}"
        print(f"{f'A c={c}':>10} {row}{mark}")
    print(f"scenario written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
