"""Technician index for online dispatch (private).

Technicians are indexed by ``(property, skill)`` (and ``(property, "*")``) and, inside each
bucket, by the site node they are at, so a decision scans nodes nearest-first and touches only
the technicians of the right property and rarest required skill.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from dispatch_core.model import Role, StaffMember

__all__ = ["ANY_SKILL", "Tech", "TechIndex"]

ANY_SKILL = "*"


class Tech:
    """Mutable dispatch state of one staff member."""

    __slots__ = (
        "available",
        "capacity",
        "id",
        "load",
        "loc",
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


class TechIndex:
    """Buckets ``(property, skill) -> node index -> {staff ids}`` plus bucket sizes."""

    __slots__ = ("_buckets", "_sizes", "prop_counts", "technicians", "techs")

    def __init__(self) -> None:
        self.techs: dict[str, Tech] = {}
        self._buckets: dict[tuple[str, str], dict[int, set[str]]] = {}
        self._sizes: dict[tuple[str, str], int] = defaultdict(int)
        self.prop_counts: dict[str, int] = defaultdict(int)
        self.technicians = 0

    def _keys(self, tech: Tech) -> Iterator[tuple[str, str]]:
        for prop in tech.props:
            yield prop, ANY_SKILL
            for skill in tech.skills:
                yield prop, skill

    def add(self, tech: Tech) -> None:
        """Index ``tech`` (replacing nothing: call :meth:`discard` first)."""
        self.techs[tech.id] = tech
        if tech.member.role is not Role.TECHNICIAN:
            return
        self.technicians += 1
        for prop in tech.props:
            self.prop_counts[prop] += 1
        for key in self._keys(tech):
            self._buckets.setdefault(key, {}).setdefault(tech.loc, set()).add(tech.id)
            self._sizes[key] += 1

    def discard(self, staff_id: str) -> Tech | None:
        """Remove a staff member from the index; return its state."""
        tech = self.techs.pop(staff_id, None)
        if tech is None or tech.member.role is not Role.TECHNICIAN:
            return tech
        self.technicians -= 1
        for prop in tech.props:
            self.prop_counts[prop] -= 1
        for key in self._keys(tech):
            nodes = self._buckets[key]
            ids = nodes[tech.loc]
            ids.discard(tech.id)
            if not ids:
                del nodes[tech.loc]
            self._sizes[key] -= 1
        return tech

    def move(self, tech: Tech, loc: int) -> None:
        """Move ``tech`` to node index ``loc``."""
        if tech.member.role is not Role.TECHNICIAN:
            tech.loc = loc
            return
        for key in self._keys(tech):
            nodes = self._buckets[key]
            ids = nodes[tech.loc]
            ids.discard(tech.id)
            if not ids:
                del nodes[tech.loc]
            nodes.setdefault(loc, set()).add(tech.id)
        tech.loc = loc

    def bucket(self, prop: str, skills: list[str]) -> tuple[str, dict[int, set[str]]]:
        """Return the smallest bucket of ``prop`` among ``skills`` (all of ``prop`` if none).

        Returns the skill name of the bucket (``"*"`` for all) and its node map (empty if no
        technician of the property has that skill).
        """
        if not skills:
            return ANY_SKILL, self._buckets.get((prop, ANY_SKILL), {})
        best = min(skills, key=lambda s: (self._sizes.get((prop, s), 0), s))
        return best, self._buckets.get((prop, best), {})

    def size(self, prop: str, skill: str) -> int:
        """Count the technicians in bucket ``(prop, skill)``."""
        return self._sizes.get((prop, skill), 0)
