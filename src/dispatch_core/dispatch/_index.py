"""Technician index for online dispatch (private).

Technicians are indexed by ``(property, skill)`` (and ``(property, "*")``) and, inside each
bucket, by the site node they are at, so a decision scans nodes nearest-first and touches only
the technicians of the right property and rarest required skill. A bucket maps node index to
``{staff id: Tech}``: the scan gets each technician's state without a second lookup.
"""

from __future__ import annotations

from collections import defaultdict

from dispatch_core.model import Role, StaffMember

__all__ = ["ANY_SKILL", "NodeMap", "Tech", "TechIndex"]

ANY_SKILL = "*"

#: One bucket: site node index -> the bucket's technicians at that node.
NodeMap = dict[int, dict[str, "Tech"]]


class Tech:
    """Mutable dispatch state of one staff member.

    ``maps`` lists the node maps of the buckets a technician belongs to (filled by
    :meth:`TechIndex.add`), so a move touches them without recomputing the bucket keys.
    """

    __slots__ = (
        "available",
        "capacity",
        "id",
        "load",
        "loc",
        "maps",
        "member",
        "props",
        "shifts",
        "skills",
        "technician",
    )

    def __init__(self, member: StaffMember, loc: int) -> None:
        self.id = member.id
        self.member = member
        self.skills = {s.name: s.level for s in member.skills}
        self.props = member.properties
        self.capacity = member.capacity
        self.load = 0
        self.loc = loc
        self.available = True
        self.technician = member.role is Role.TECHNICIAN
        self.shifts = bool(member.shifts)
        self.maps: list[NodeMap] = []


class TechIndex:
    """Buckets ``(property, skill) -> node index -> {staff id: Tech}`` plus bucket sizes.

    ``buckets`` is read directly by the dispatcher's hot path (never written outside here).
    """

    __slots__ = ("_sizes", "buckets", "prop_counts", "technicians", "techs")

    def __init__(self) -> None:
        self.techs: dict[str, Tech] = {}
        self.buckets: dict[tuple[str, str], NodeMap] = {}
        self._sizes: dict[tuple[str, str], int] = defaultdict(int)
        self.prop_counts: dict[str, int] = defaultdict(int)
        self.technicians = 0

    @staticmethod
    def _keys(tech: Tech) -> list[tuple[str, str]]:
        keys = []
        for prop in tech.props:
            keys.append((prop, ANY_SKILL))
            keys.extend((prop, skill) for skill in tech.skills)
        return keys

    def add(self, tech: Tech) -> None:
        """Index ``tech`` (replacing nothing: call :meth:`discard` first)."""
        self.techs[tech.id] = tech
        if not tech.technician:
            return
        self.technicians += 1
        for prop in tech.props:
            self.prop_counts[prop] += 1
        maps = tech.maps
        maps.clear()
        for key in self._keys(tech):
            nodes = self.buckets.setdefault(key, {})
            nodes.setdefault(tech.loc, {})[tech.id] = tech
            maps.append(nodes)
            self._sizes[key] += 1

    def discard(self, staff_id: str) -> Tech | None:
        """Remove a staff member from the index; return its state."""
        tech = self.techs.pop(staff_id, None)
        if tech is None or not tech.technician:
            return tech
        self.technicians -= 1
        for prop in tech.props:
            self.prop_counts[prop] -= 1
        for key in self._keys(tech):
            self._sizes[key] -= 1
        self._unplace(tech)
        tech.maps = []
        return tech

    def _unplace(self, tech: Tech) -> None:
        loc, sid = tech.loc, tech.id
        for nodes in tech.maps:
            here = nodes[loc]
            del here[sid]
            if not here:
                del nodes[loc]

    def move(self, tech: Tech, loc: int) -> None:
        """Move ``tech`` to node index ``loc``."""
        old, sid = tech.loc, tech.id
        if loc == old:
            return
        for nodes in tech.maps:  # _unplace, inlined (moves are frequent)
            here = nodes[old]
            del here[sid]
            if not here:
                del nodes[old]
            there = nodes.get(loc)
            if there is None:
                nodes[loc] = {sid: tech}
            else:
                there[sid] = tech
        tech.loc = loc

    def bucket(self, prop: str, skills: list[str]) -> tuple[str, NodeMap]:
        """Return the smallest bucket of ``prop`` among ``skills`` (all of ``prop`` if none).

        Returns the skill name of the bucket (``"*"`` for all) and its node map (empty if no
        technician of the property has that skill).
        """
        if not skills:
            return ANY_SKILL, self.buckets.get((prop, ANY_SKILL), {})
        if len(skills) == 1:
            best = skills[0]
        else:
            sizes = self._sizes
            best = min(skills, key=lambda s: (sizes.get((prop, s), 0), s))
        return best, self.buckets.get((prop, best), {})

    def size(self, prop: str, skill: str) -> int:
        """Count the technicians in bucket ``(prop, skill)``."""
        return self._sizes.get((prop, skill), 0)
