"""Online dispatch: one ticket at a time, hard rules first, then a weighted score.

The :class:`OnlineDispatcher` keeps every technician's location, load and availability in an
index by ``(property, skill)`` and site node. A decision scans site nodes nearest-first from
the ticket's location, only in the bucket of the rarest required skill of the ticket's
property, and stops as soon as the travel-only lower bound of the score exceeds the best score
found. Because every other score term is non-negative, the choice is exactly the best feasible
technician under the score (ties broken by staff id) while touching few candidates.

Examples
--------
>>> from datetime import UTC, datetime
>>> from dispatch_core.model import StaffMember, Ticket
>>> from dispatch_core.site import SiteGraph
>>> site = SiteGraph.from_edges([("depot", "B1", 60), ("B1", "B2", 60), ("B2", "B3", 60)])
>>> d = OnlineDispatcher(site)
>>> d.upsert(StaffMember(id="ana", home="depot", properties={"P1"},
...                      skills=[{"name": "plumbing", "level": 3}]))
>>> d.upsert(StaffMember(id="bo", home="B3", properties={"P1"},
...                      skills=[{"name": "plumbing", "level": 2}]))
>>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
>>> t = Ticket(id="T1", property_id="P1", category="repair", location="B2",
...            required_skills=[{"skill": "plumbing", "min_level": 2}], opened_at=at)
>>> dec = d.choose(t, at=at)
>>> dec.staff_id, dec.explanation.travel_s
('bo', 60.0)
>>> d.set_load("bo", 1)  # bo's capacity is 1: now full
>>> d.choose(t, at=at).staff_id
'ana'
>>> d.set_available("ana", False)
>>> dict(d.choose(t, at=at).explanation.rejected)
{'available': 1, 'capacity': 1}
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Collection
from datetime import datetime, timedelta

from dispatch_core.clock import require_aware
from dispatch_core.dispatch._index import ANY_SKILL, NodeMap, Tech, TechIndex
from dispatch_core.dispatch.explain import (
    Decision,
    Explanation,
    ScoreWeights,
    assign_decision,
    assigned_explanation,
)
from dispatch_core.errors import InvalidInputError, UnknownStaffError
from dispatch_core.model import (
    DEFAULT_TARGETS,
    MAX_SKILL_LEVEL,
    Category,
    DispatchAction,
    SlaMetric,
    StaffMember,
    Ticket,
)
from dispatch_core.site import SiteGraph

__all__ = ["OnlineDispatcher", "default_due_at"]

_MODEL = "OnlineDispatcher"
_OVER_SCALE = float(MAX_SKILL_LEVEL - 1)
_SECOND = timedelta(seconds=1)


def default_due_at(ticket: Ticket) -> datetime | None:
    """Due time used for SLA slack when none is given: the category's on-site target.

    Falls back to the first-response target, then None. Wall-clock time, not business time;
    the SLA layer passes its own business-time due time as ``due_at`` when it has one.
    """
    category = ticket.category
    after = _DUE_AFTER[category] if category in _DUE_AFTER else _due_after(category)
    return None if after is None else ticket.opened_at + after


def _due_after(category: Category) -> timedelta | None:
    """Work out (and remember) a category's default due time's distance from intake."""
    targets = {t.metric: t.target for t in DEFAULT_TARGETS.get(category, ())}
    after = next((targets[m] for m in _DUE_METRICS if m in targets), None)
    _DUE_AFTER[category] = after
    return after


_DUE_METRICS = (SlaMetric.ON_SITE, SlaMetric.FIRST_RESPONSE)
#: Per category, the default due time's distance from intake (None: no due time).
_DUE_AFTER: dict[object, timedelta | None] = {}
#: No one excluded.
_NO_ONE: frozenset[str] = frozenset()


class _Scan:
    """What one scan of the index found (one per call, never one per candidate).

    Attributes
    ----------
    best : list of (float, str)
        The k best ``(score, staff id)`` pairs, best first.
    examined : int
        Technicians looked at.
    factor : float
        The ticket priority's factor.
    slack : float or None
        Seconds from the decision to the due time (None: no due time).
    skill : str
        The scanned bucket's skill (``"*"``: the whole property).
    travel, late, over : float
        For a scan for the single best: its travel and late seconds and over-qualification,
        the figures its score was made of (0.0 when nobody passes).
    """

    __slots__ = ("best", "examined", "factor", "late", "over", "skill", "slack", "travel")

    def __init__(  # noqa: PLR0917 - positional: twice as fast to build as by keyword (measured)
        self,
        best: list[tuple[float, str]],
        examined: int,
        factor: float,
        slack: float | None,
        skill: str,
        travel: float,
        late: float,
        over: float,
    ) -> None:
        self.best = best
        self.examined = examined
        self.factor = factor
        self.slack = slack
        self.skill = skill
        self.travel = travel
        self.late = late
        self.over = over


class OnlineDispatcher:
    """Choose a technician for one ticket by location, skill and load.

    Parameters
    ----------
    site : SiteGraph
        The site; technicians' homes and locations and tickets' locations are its nodes.
    weights : ScoreWeights, optional
        Score weights (lower score is better).

    Notes
    -----
    Hard rules, in order (a rejected candidate counts under the first it fails): role is
    technician; serves ``ticket.property_id`` (tenant isolation: never crosses properties);
    every required skill at its minimum level; available (on duty as driven by the engine);
    on shift at ``at`` (when the member has shifts); load below capacity; not excluded.
    """

    __slots__ = ("_index", "_matrix", "_node_index", "_order", "_site", "_techs", "weights")

    def __init__(self, site: SiteGraph, *, weights: ScoreWeights | None = None) -> None:
        self._site = site
        self.weights = weights if weights is not None else ScoreWeights()
        self._index = TechIndex()
        # Hot-path shortcuts: the index's technicians, and node name -> index (what
        # ``site.index`` looks up, without the call; misses go through it for its error).
        self._techs = self._index.techs
        self._node_index = {node: i for i, node in enumerate(site.nodes)}
        # Plain lists: the hot path indexes them far faster than numpy scalars.
        self._matrix: list[list[float]] = site.matrix.tolist()
        # Per site node, built on first use: node indices nearest-first.
        self._order: dict[int, list[int]] = {}

    def _nearest(self, loc: int) -> list[int]:
        order = self._order.get(loc)
        if order is None:
            order = self._order[loc] = self._site.order_from(loc).tolist()
        return order

    # -- state updates (the engine drives these) -------------------------------------------

    @property
    def site(self) -> SiteGraph:
        """The site graph."""
        return self._site

    def __len__(self) -> int:
        return len(self._index.techs)

    def __contains__(self, staff_id: object) -> bool:
        return staff_id in self._index.techs

    def _tech(self, staff_id: str) -> Tech:
        try:
            return self._index.techs[staff_id]
        except KeyError:
            raise UnknownStaffError(staff_id, field="staff_id") from None

    def upsert(self, member: StaffMember) -> None:
        """Add or replace a staff member; load, availability and location carry over.

        A new member starts at ``member.home`` with load 0, available.
        """
        loc = self._site.index(member.home, field="home")
        old = self._index.techs.get(member.id)
        tech = Tech(member, loc)
        if old is not None:
            tech.load, tech.available, tech.loc = old.load, old.available, old.loc
            self._index.discard(member.id)
        self._index.add(tech)

    def remove(self, staff_id: str) -> None:
        """Forget a staff member."""
        self._tech(staff_id)
        self._index.discard(staff_id)

    def set_load(self, staff_id: str, load: int) -> None:
        """Set the number of open work orders a technician holds."""
        tech = self._techs.get(staff_id)
        if tech is not None and type(load) is int and load >= 0:  # the engine's every call
            tech.load = load
            return
        tech = self._tech(staff_id)
        if isinstance(load, bool) or not isinstance(load, int) or load < 0:
            raise InvalidInputError("load", load, "must be an integer >= 0", model=_MODEL)
        tech.load = load

    def set_location(self, staff_id: str, node: str) -> None:
        """Record that a technician is now at site node ``node``."""
        tech = self._techs.get(staff_id)
        if tech is None:
            tech = self._tech(staff_id)  # raises
        try:
            loc = self._node_index[node]
        except (KeyError, TypeError):
            loc = self._site.index(node, field="location")  # raises
        if loc != tech.loc:
            self._index.move(tech, loc)

    def set_available(self, staff_id: str, available: bool) -> None:
        """Put a technician on duty (True) or off duty (False)."""
        tech = self._tech(staff_id)
        if not isinstance(available, bool):
            raise InvalidInputError("available", available, "must be a bool", model=_MODEL)
        tech.available = available

    def load(self, staff_id: str) -> int:
        """Return the current load of a technician."""
        return self._tech(staff_id).load

    def location(self, staff_id: str) -> str:
        """Return the current site node of a technician."""
        return self._site.nodes[self._tech(staff_id).loc]

    # -- scoring ---------------------------------------------------------------------------

    def score(
        self, staff_id: str, ticket: Ticket, *, at: datetime, due_at: datetime | None = None
    ) -> float | None:
        """Score of ``staff_id`` for ``ticket`` (None if a hard rule rejects it).

        The same number :meth:`choose` minimises, from the same code: the scan of
        :meth:`choose` run over this one technician. Useful for audits and brute-force checks.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> from dispatch_core.model import StaffMember, Ticket
        >>> from dispatch_core.site import SiteGraph
        >>> d = OnlineDispatcher(SiteGraph.from_edges([("depot", "B1", 120)]))
        >>> d.upsert(StaffMember(id="ana", home="depot", properties={"P1"},
        ...                      skills=[{"name": "plumbing", "level": 3}]))
        >>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
        >>> t = Ticket(id="T1", property_id="P1", category="repair", location="B1",
        ...            required_skills=[{"skill": "plumbing", "min_level": 3}], opened_at=at)
        >>> d.score("ana", t, at=at)  # 2 travel minutes, no load, an exact skill fit
        2.0
        >>> d.score("ana", t, at=at) == d.choose(t, at=at).score
        True
        >>> d.set_available("ana", False)
        >>> d.score("ana", t, at=at) is None
        True
        """
        return self._score_of(self._tech(staff_id), ticket, at, due_at)

    def _score_of(
        self, tech: Tech, ticket: Ticket, at: datetime, due_at: datetime | None
    ) -> float | None:
        best = self._search(ticket, at, due_at, _NO_ONE, 1, only=tech).best
        return best[0][0] if best else None

    # -- decisions -------------------------------------------------------------------------

    def _search(  # noqa: PLR0912, PLR0915, PLR0917 - the hot loop, inlined on purpose
        self,
        ticket: Ticket,
        at: datetime,
        due_at: datetime | None,
        exclude: Collection[str],
        k: int,
        only: Tech | None = None,
        tally: dict[str, int] | None = None,
    ) -> _Scan:
        """Scan the index for the ``k`` best feasible technicians (rules and score, once).

        This is the one implementation of the dispatcher's hard rules and score.

        ``only`` restricts the scan to that technician (:meth:`score`); ``tally`` counts each
        rejected technician of the scanned bucket under the first hard rule it fails
        (:meth:`_rejections`). Rejected candidates are otherwise skipped without saying why.
        """
        # inlined: require_aware, site.index, bucket and default_due_at (the calls were a
        # measurable share of a decision); anything unusual takes the called path.
        if type(at) is not datetime or at.utcoffset() is None:
            require_aware(at, field="at")
        try:
            ticket_loc = self._node_index[ticket.location]
        except (KeyError, TypeError):
            ticket_loc = self._site.index(ticket.location, field="location")  # raises
        required = ticket.required_skills
        nodes: NodeMap
        if len(required) == 1:  # the usual single requirement: its own bucket
            req = required[0]
            skill, one_level = req.skill, req.min_level
            one_skill = skill
            reqs = [(one_skill, one_level)]
            nodes = self._index.buckets.get((ticket.property_id, skill)) or {}
        else:
            one_skill, one_level = "", 0
            reqs = [(r.skill, r.min_level) for r in required]
            skill, nodes = self._index.bucket(ticket.property_id, [need for need, _ in reqs])
        if only is not None:  # one technician: scan it alone if it is in the bucket
            here = nodes.get(only.loc)
            in_bucket = here is not None and here.get(only.id) is only
            nodes = {only.loc: {only.id: only}} if in_bucket else {}
        if due_at is None:
            category = ticket.category
            after = _DUE_AFTER[category] if category in _DUE_AFTER else _due_after(category)
            slack = None if after is None else (ticket.opened_at + after - at) / _SECOND
        else:
            slack = (due_at - at) / _SECOND
        w = self.weights
        factor = w.priority_factors[ticket.priority]
        row = self._matrix[ticket_loc]
        best: list[tuple[float, str]] = []
        examined = 0
        # What the score of the best (k == 1) was made of, for its explanation.
        best_travel = best_late = best_over = 0.0
        # Nearest-first over the nodes where the bucket has someone: when they are few, sort
        # just those by travel time (ties among equal travel times cannot change the outcome:
        # the bound is only compared with a node's location part, equal for both); otherwise
        # walk the nearest-first order, skipping empty nodes, until every one was seen.
        # (Stopping at the first node beyond the bound examines the same technicians whether
        # or not that node is empty: the bound only moves at occupied nodes.)
        if not nodes:
            scan: list[int] = []
        elif len(nodes) * 8 < len(row):
            scan = sorted(nodes, key=row.__getitem__)
        else:
            scan = self._nearest(ticket_loc)
        unseen = len(nodes)
        travel_w, lateness_w, load_w, fit_w = w.travel, w.lateness, w.load, w.skill_fit
        over_scale = _OVER_SCALE * len(reqs)
        bound = math.inf  # the k-th best score so far
        one = len(reqs) == 1
        on_time = lateness_w * 0.0 / 60.0  # the lateness term below at ``late = 0.0``
        # inlined: the score and the hard rules, per node and per technician (calls per
        # candidate were most of a decision's time). This loop is their only implementation:
        # choose, candidates, score, reallocate and the rejection tallies all run it. Every
        # technician of a bucket is a technician serving the property with the bucket's
        # skill, so the role and property rules hold here; the others are checked in
        # HARD_RULES order. Every technician at a node counts as examined.
        for node in scan:
            if not unseen:
                break
            here = nodes.get(node)
            if not here:
                continue
            unseen -= 1
            travel_s = row[node]
            if slack is None or travel_s <= slack:
                late = 0.0
                loc_part = factor * (travel_w * travel_s / 60.0 + on_time)
            else:
                late = travel_s - slack
                loc_part = factor * (travel_w * travel_s / 60.0 + lateness_w * late / 60.0)
            if loc_part > bound:
                break
            examined += len(here)
            for tech in here.values():
                if one:  # the usual single requirement, without the loop
                    total = tech.skills.get(one_skill, 0) - one_level
                else:
                    skills = tech.skills
                    total = 0
                    for need, level in reqs:
                        have = skills.get(need, 0)
                        if have < level:
                            total = -1
                            break
                        total += have - level
                if total < 0:
                    rule = "skill"
                elif not tech.available:
                    rule = "available"
                elif tech.shifts and not tech.member.on_shift(at):
                    rule = "shift"
                elif (load := tech.load) >= (capacity := tech.capacity):
                    rule = "capacity"
                elif exclude and tech.id in exclude:
                    rule = "excluded"
                else:
                    over = total / over_scale if reqs else 0.0
                    score = loc_part + (load_w * load / capacity + fit_w * over)
                    if score > bound:
                        continue  # cannot enter the k best (a tie on the score still can)
                    item = (score, tech.id)
                    if len(best) < k or item < best[-1]:
                        if k == 1:  # choose: the new item is the best, without insort and del
                            best = [item]
                            bound = score
                            best_travel, best_late, best_over = travel_s, late, over
                            continue
                        bisect.insort(best, item)
                        del best[k:]
                        if len(best) == k:
                            bound = best[-1][0]
                    continue
                if tally is not None:
                    tally[rule] = tally.get(rule, 0) + 1
        return _Scan(best, examined, factor, slack, skill, best_travel, best_late, best_over)

    def _rejections(
        self, ticket: Ticket, at: datetime, due_at: datetime | None, exclude: Collection[str]
    ) -> dict[str, int]:
        """Count every staff member under the first hard rule it fails (nobody passes).

        Members outside the scanned bucket fail on role, property or skill without being
        looked at; the bucket's members are tallied by the scan itself.
        """
        counts: dict[str, int] = {}
        skill = self._search(ticket, at, due_at, exclude, 1, tally=counts).skill
        idx = self._index
        prop = ticket.property_id
        counts["role"] = len(idx.techs) - idx.technicians
        counts["property"] = idx.technicians - idx.prop_counts.get(prop, 0)
        if skill != ANY_SKILL:
            outside = idx.size(prop, ANY_SKILL) - idx.size(prop, skill)
            counts["skill"] = counts.get("skill", 0) + outside
        return {rule: n for rule, n in sorted(counts.items()) if n}

    def _explain(self, staff_id: str, scan: _Scan) -> Explanation:
        """Explain choosing ``staff_id``, the best of ``scan`` (a scan for the single best)."""
        tech = self._techs[staff_id]
        w = self.weights
        factor, slack, travel, over = scan.factor, scan.slack, scan.travel, scan.over
        load, capacity = tech.load, tech.capacity
        components = {  # the score's terms, each on its own
            "lateness": factor * w.lateness * scan.late / 60.0,
            "load": w.load * load / capacity,
            "skill_fit": w.skill_fit * over,
            "travel": factor * w.travel * travel / 60.0,
        }
        return assigned_explanation(
            travel,  # travel_s
            load,
            capacity,
            over,  # over_qualification
            None if slack is None else slack - travel,  # sla_slack_s
            factor,  # priority_factor
            components,
            scan.examined,
        )

    def choose(
        self,
        ticket: Ticket,
        *,
        at: datetime,
        exclude: Collection[str] = (),
        due_at: datetime | None = None,
    ) -> Decision:
        """Best technician for ``ticket`` at time ``at`` (None if the hard rules reject all).

        Parameters
        ----------
        ticket : Ticket
            The ticket; its ``location`` must be a site node.
        at : datetime
            Decision time (timezone-aware); used for shifts and SLA slack.
        exclude : collection of str
            Staff ids not to choose (e.g. who declined).
        due_at : datetime, optional
            When the technician should be on site; defaults to :func:`default_due_at`.

        Returns
        -------
        Decision
            Minimum score, ties broken by the smaller staff id. For an unassignable ticket,
            ``explanation.rejected`` counts the candidates rejected per hard rule.
        """
        excluded = frozenset(exclude) if exclude else _NO_ONE
        scan = self._search(ticket, at, due_at, excluded, 1)
        if not scan.best:
            rejected = self._rejections(ticket, at, due_at, excluded)
            expl = Explanation(
                priority_factor=scan.factor, rejected=rejected, examined=scan.examined
            )
            return Decision(staff_id=None, score=None, explanation=expl, action=DispatchAction.NONE)
        score, sid = scan.best[0]
        return assign_decision(sid, score, self._explain(sid, scan))

    def candidates(
        self,
        ticket: Ticket,
        *,
        at: datetime,
        limit: int,
        exclude: Collection[str] = (),
        due_at: datetime | None = None,
    ) -> list[tuple[str, float]]:
        """Return the ``limit`` best feasible technicians as ``(staff_id, score)``, best first.

        Batch dispatch uses these as the sparse candidate arcs of a ticket.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidInputError("limit", limit, "must be an integer >= 1", model=_MODEL)
        best = self._search(ticket, at, due_at, frozenset(exclude), limit).best
        return [(sid, score) for score, sid in best]

    def reallocate(
        self, ticket: Ticket, *, at: datetime, current: str, due_at: datetime | None = None
    ) -> Decision:
        """SLA yellow-level hook: find a better or an additional technician for ``ticket``.

        ``current`` holds the ticket (its load includes it). Its score is recomputed as if it
        did not hold the ticket and compared with the best other feasible technician:
        ``action=REASSIGN`` if the other is strictly better (or ``current`` no longer passes
        the hard rules), ``ASSIST`` if the other should join as an additional technician,
        ``NONE`` if nobody else is feasible.
        """
        tech = self._tech(current)
        saved = tech.load
        tech.load = max(saved - 1, 0)  # as if it did not hold the ticket
        try:
            current_score = self._score_of(tech, ticket, at, due_at)
        finally:
            tech.load = saved
        dec = self.choose(ticket, at=at, exclude={current}, due_at=due_at)
        if dec.staff_id is None or dec.score is None:
            return dec
        better = current_score is None or dec.score < current_score
        e = dec.explanation
        # Positional, field by field (Explanation's order): a copy with ``compared_to`` set,
        # several times cheaper than rebuilding it from a dict of its slots.
        expl = Explanation(
            e.travel_s,
            e.load,
            e.capacity,
            e.over_qualification,
            e.sla_slack_s,
            e.priority_factor,
            e.components,
            e.rejected,
            e.examined,
            current_score,
        )
        return Decision(
            staff_id=dec.staff_id,
            score=dec.score,
            explanation=expl,
            action=DispatchAction.REASSIGN if better else DispatchAction.ASSIST,
        )
