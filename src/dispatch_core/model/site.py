"""A serialisable description of a site graph, so a configuration can carry its site."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from dispatch_core.model._base import DomainModel, Identifier

__all__ = ["SiteEdge", "SiteSpec"]


class SiteEdge(DomainModel):
    """An undirected walkway between two site nodes, taking ``seconds`` to travel."""

    a: Identifier
    b: Identifier
    seconds: Annotated[float, Field(gt=0, allow_inf_nan=False)]


class SiteSpec(DomainModel):
    """Nodes and travel times of a site (buildings, gates, floors, depots).

    ``dispatch_core.site.SiteGraph.from_spec`` turns it into the graph the dispatcher uses.

    Examples
    --------
    >>> spec = SiteSpec(edges=[{"a": "depot", "b": "B1", "seconds": 120}],
    ...                 kinds={"depot": "depot", "B1": "building"})
    >>> [(e.a, e.b, e.seconds) for e in spec.edges]
    [('depot', 'B1', 120.0)]
    """

    edges: Annotated[tuple[SiteEdge, ...], Field(min_length=1)]
    kinds: dict[Identifier, Identifier] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _kinds_name_nodes(self) -> SiteSpec:
        nodes = {e.a for e in self.edges} | {e.b for e in self.edges}
        unknown = sorted(set(self.kinds) - nodes)
        if unknown:
            msg = f"kinds names node {unknown[0]!r}, which no edge touches"
            raise ValueError(msg)
        return self
