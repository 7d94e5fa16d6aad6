"""Simulation: SimPy replays of the service desk, replications and confidence intervals.

Modules
-------
streams
    Seeded, independent random streams per process and replication (common random numbers).
distributions
    Duration distributions (exponential, lognormal, gamma, fixed).
desk
    The desk model: time-varying Poisson arrivals, agents on shifts, FIFO, abandonment, KPIs.
bare
    A textbook SimPy M/M/c(+M) model: the benchmark baseline.
replicate
    Replications on any :class:`concurrent.futures.Executor` (process pool, dask).
stats
    Student t quantiles and confidence intervals (no scipy).
summary
    Replicated desk runs summarised as estimates.
search
    Staffing search: fewest staff per interval meeting every target with confidence.
simclock
    A :class:`~dispatch_core.clock.Clock` bound to SimPy time, for driving the engine.
gcpause
    :func:`gc_paused`: the cyclic garbage collector paused for one block (callers opt in).
scenario_desk
    A staffing scenario's day as phone and digital desks (the planner's demand).
staffing_plan
    The analytic plan re-sized by simulation (``dispatch-core plan --simulate``).
field_spec, field
    The field simulation: desks, the real engine, technicians on shifts, SLA wakes, follow-ups.
field_plan, field_report
    Technicians per shift: analytic estimate, simulated search, attainment curves, tables.
"""

from dispatch_core.sim.desk.model import ContactType, DeskRun, DeskSpec, simulate_desk
from dispatch_core.sim.desk.plan import SimPlan, simulate_plan
from dispatch_core.sim.desk.scenario import ScenarioDesk, scenario_desk
from dispatch_core.sim.desk.summary import DeskSummary, replicate_desk
from dispatch_core.sim.distributions import Distribution
from dispatch_core.sim.field.driver import simulate_field
from dispatch_core.sim.field.plan import FieldDay, simulate_field_day
from dispatch_core.sim.field.spec import FieldRun, FieldSpec, TechShift
from dispatch_core.sim.gcpause import gc_paused
from dispatch_core.sim.replicate import InlineExecutor, replicate
from dispatch_core.sim.search import SearchResult, search_desk_staffing, search_staffing
from dispatch_core.sim.simclock import SimClock
from dispatch_core.sim.stats import Estimate, estimate
from dispatch_core.sim.streams import Streams

__all__ = [
    "ContactType",
    "DeskRun",
    "DeskSpec",
    "DeskSummary",
    "Distribution",
    "Estimate",
    "FieldDay",
    "FieldRun",
    "FieldSpec",
    "InlineExecutor",
    "ScenarioDesk",
    "SearchResult",
    "SimClock",
    "SimPlan",
    "Streams",
    "TechShift",
    "estimate",
    "gc_paused",
    "replicate",
    "replicate_desk",
    "scenario_desk",
    "search_desk_staffing",
    "search_staffing",
    "simulate_desk",
    "simulate_field",
    "simulate_field_day",
    "simulate_plan",
]
