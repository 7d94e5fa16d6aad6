"""Site graph: buildings, gates, floors and depots with travel times between them.

A :class:`SiteGraph` wraps an undirected :mod:`networkx` graph whose edges carry travel
seconds (given, or derived from node coordinates and a walking speed). At construction it
precomputes the all-pairs travel-time matrix and, for every node, the order of all nodes by
travel time from it, so dispatch never runs a shortest-path search on its hot path.

Examples
--------
>>> site = SiteGraph.from_edges([("gate", "B1", 60), ("B1", "B2", 90), ("gate", "depot", 30)])
>>> site.travel_seconds("depot", "B2")
180.0
>>> site.nearest("gate")[:2]
('gate', 'depot')
>>> site.travel_seconds("depot", "B9")
Traceback (most recent call last):
...
dispatch_core.errors.UnknownNodeError: unknown site node 'B9' (field 'to')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import networkx as nx
import numpy as np
import numpy.typing as npt

from dispatch_core.errors import InvalidInputError, UnknownNodeError
from dispatch_core.model import SiteSpec

__all__ = ["NODE_KINDS", "SiteGraph"]

#: Node kinds a site graph knows about (``kind`` node attribute; default ``"building"``).
NODE_KINDS = frozenset({"building", "depot", "floor", "gate"})

_MODEL = "SiteGraph"


class SiteGraph:
    """Travel times between the nodes of one site (or a group of sites).

    Parameters
    ----------
    graph : networkx.Graph
        Undirected, connected graph. Node names are strings; each edge has a positive finite
        ``seconds`` attribute. Nodes may carry ``kind`` (one of :data:`NODE_KINDS`).

    Raises
    ------
    InvalidInputError
        If the graph is empty, disconnected, or has a bad edge weight or node kind.

    Notes
    -----
    Memory is ``O(n²)`` (two ``n×n`` arrays); fine for sites up to a few thousand nodes.
    """

    __slots__ = ("_graph", "_index", "_kinds", "_matrix", "_nodes", "_order")

    def __init__(self, graph: nx.Graph) -> None:
        if graph.number_of_nodes() == 0:
            raise InvalidInputError("graph", graph, "has no nodes", model=_MODEL)
        if graph.is_directed():
            raise InvalidInputError("graph", graph, "must be undirected", model=_MODEL)
        for node, data in graph.nodes(data=True):
            if not isinstance(node, str) or not node:
                raise InvalidInputError("node", node, "must be a non-empty string", model=_MODEL)
            kind = data.get("kind", "building")
            if kind not in NODE_KINDS:
                msg = f"must be one of {sorted(NODE_KINDS)}"
                raise InvalidInputError(f"nodes.{node}.kind", kind, msg, model=_MODEL)
        for a, b, data in graph.edges(data=True):
            sec = data.get("seconds")
            if not isinstance(sec, (int, float)) or not math.isfinite(sec) or sec <= 0:
                msg = "must be a positive finite number of seconds"
                raise InvalidInputError(f"edges.{a}-{b}.seconds", sec, msg, model=_MODEL)
        if not nx.is_connected(graph):
            parts = nx.number_connected_components(graph)
            msg = f"is disconnected ({parts} components); every node must be reachable"
            raise InvalidInputError("graph", graph, msg, model=_MODEL)
        self._graph = graph.copy()
        self._nodes: tuple[str, ...] = tuple(sorted(graph.nodes))
        self._index = {node: i for i, node in enumerate(self._nodes)}
        self._kinds = {n: str(d.get("kind", "building")) for n, d in graph.nodes(data=True)}
        matrix = nx.floyd_warshall_numpy(graph, nodelist=list(self._nodes), weight="seconds")
        self._matrix: npt.NDArray[np.float64] = np.asarray(matrix, dtype=np.float64)
        self._matrix.setflags(write=False)
        # Stable sort: equal travel times are ordered by node name (the index order).
        self._order: npt.NDArray[np.int32] = np.argsort(self._matrix, axis=1, kind="stable").astype(
            np.int32
        )
        self._order.setflags(write=False)

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_edges(
        cls,
        edges: Iterable[tuple[str, str, float]],
        *,
        kinds: Mapping[str, str] | None = None,
    ) -> SiteGraph:
        """Build from ``(a, b, seconds)`` edges; ``kinds`` maps nodes to their kind."""
        graph = nx.Graph()
        for a, b, seconds in edges:
            graph.add_edge(a, b, seconds=seconds)
        for node, kind in (kinds or {}).items():
            graph.add_node(node, kind=kind)
        return cls(graph)

    @classmethod
    def from_spec(cls, spec: SiteSpec) -> SiteGraph:
        """Build from a serialisable :class:`~dispatch_core.model.SiteSpec` (e.g. from config).

        Examples
        --------
        >>> spec = SiteSpec(edges=[{"a": "depot", "b": "B1", "seconds": 90}])
        >>> SiteGraph.from_spec(spec).travel_seconds("depot", "B1")
        90.0
        """
        return cls.from_edges(((e.a, e.b, e.seconds) for e in spec.edges), kinds=spec.kinds)

    @classmethod
    def from_coordinates(
        cls,
        coordinates: Mapping[str, tuple[float, float]],
        links: Iterable[tuple[str, str]],
        *,
        speed_m_per_s: float = 1.2,
        kinds: Mapping[str, str] | None = None,
    ) -> SiteGraph:
        """Build from planar coordinates in metres; each link takes distance ÷ speed seconds.

        Examples
        --------
        >>> g = SiteGraph.from_coordinates({"a": (0, 0), "b": (3, 4)}, [("a", "b")],
        ...                                speed_m_per_s=1.0)
        >>> g.travel_seconds("a", "b")
        5.0
        """
        if not (math.isfinite(speed_m_per_s) and speed_m_per_s > 0):
            raise InvalidInputError("speed_m_per_s", speed_m_per_s, "must be > 0", model=_MODEL)
        edges = []
        for a, b in links:
            for end in (a, b):
                if end not in coordinates:
                    raise UnknownNodeError(end, field="links")
            (xa, ya), (xb, yb) = coordinates[a], coordinates[b]
            edges.append((a, b, max(math.hypot(xb - xa, yb - ya) / speed_m_per_s, 1e-3)))
        graph = nx.Graph()
        graph.add_nodes_from(coordinates)
        graph.add_weighted_edges_from(edges, weight="seconds")
        for node, kind in (kinds or {}).items():
            graph.add_node(node, kind=kind)
        return cls(graph)

    @classmethod
    def grid(
        cls, rows: int, cols: int, *, seed: int, min_s: float = 30.0, max_s: float = 120.0
    ) -> SiteGraph:
        """Synthetic ``rows×cols`` grid site with seeded random travel times (tests, benchmarks).

        Nodes are named ``"n<row>-<col>"``; ``"n0-0"`` is a depot, the rest buildings.

        Examples
        --------
        >>> g = SiteGraph.grid(20, 25, seed=1)
        >>> len(g), g.kind("n0-0")
        (500, 'depot')
        """
        if rows < 1 or cols < 1:
            raise InvalidInputError("rows", (rows, cols), "need at least 1x1", model=_MODEL)
        rng = np.random.default_rng(seed)
        graph = nx.Graph()
        for r in range(rows):
            for c in range(cols):
                graph.add_node(f"n{r}-{c}", kind="building")
        graph.nodes["n0-0"]["kind"] = "depot"
        for r in range(rows):
            for c in range(cols):
                if c + 1 < cols:
                    sec = round(float(rng.uniform(min_s, max_s)), 1)
                    graph.add_edge(f"n{r}-{c}", f"n{r}-{c + 1}", seconds=sec)
                if r + 1 < rows:
                    sec = round(float(rng.uniform(min_s, max_s)), 1)
                    graph.add_edge(f"n{r}-{c}", f"n{r + 1}-{c}", seconds=sec)
        return cls(graph)

    # -- queries ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, node: object) -> bool:
        return node in self._index

    @property
    def nodes(self) -> tuple[str, ...]:
        """Node names in index order (sorted)."""
        return self._nodes

    @property
    def matrix(self) -> npt.NDArray[np.float64]:
        """Read-only ``n×n`` travel seconds, indexed like :attr:`nodes`."""
        return self._matrix

    @property
    def graph(self) -> nx.Graph:
        """A copy of the underlying graph."""
        return self._graph.copy()

    def index(self, node: str, *, field: str = "node") -> int:
        """Index of ``node``; :class:`UnknownNodeError` (naming ``field``) if unknown."""
        try:
            return self._index[node]
        except (KeyError, TypeError):
            raise UnknownNodeError(node, field=field) from None

    def kind(self, node: str) -> str:
        """Kind of ``node`` (building, depot, floor or gate)."""
        return self._kinds[self._nodes[self.index(node)]]

    def travel_seconds(self, origin: str, to: str) -> float:
        """Shortest travel time in seconds from ``origin`` to ``to``."""
        return float(self._matrix[self.index(origin, field="origin"), self.index(to, field="to")])

    def order_from(self, index: int) -> npt.NDArray[np.int32]:
        """Node indices ordered by travel time from node ``index`` (itself first)."""
        row: npt.NDArray[np.int32] = self._order[index]
        return row

    def nearest(self, node: str, *, limit: int | None = None) -> tuple[str, ...]:
        """Node names ordered by travel time from ``node`` (ties by name), ``node`` first."""
        order = self._order[self.index(node)]
        if limit is not None:
            order = order[:limit]
        return tuple(self._nodes[i] for i in order)
