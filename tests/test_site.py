from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_core.errors import InvalidInputError, UnknownNodeError
from dispatch_core.site import SiteGraph


def test_matrix_matches_dijkstra() -> None:
    site = SiteGraph.grid(6, 7, seed=3)
    g = site.graph
    for src in ("n0-0", "n3-4", "n5-6"):
        lengths = nx.single_source_dijkstra_path_length(g, src, weight="seconds")
        for dst, sec in lengths.items():
            assert site.travel_seconds(src, dst) == pytest.approx(sec)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 10_000))
def test_nearest_order_is_sorted_and_complete(rows: int, cols: int, seed: int) -> None:
    site = SiteGraph.grid(rows, cols, seed=seed)
    node = site.nodes[seed % len(site)]
    order = site.nearest(node)
    assert order[0] == node
    assert sorted(order) == sorted(site.nodes)
    times = [site.travel_seconds(node, o) for o in order]
    assert times == sorted(times)


def test_grid_is_seeded() -> None:
    a = SiteGraph.grid(4, 4, seed=9)
    b = SiteGraph.grid(4, 4, seed=9)
    assert np.array_equal(a.matrix, b.matrix)
    assert not np.array_equal(a.matrix, SiteGraph.grid(4, 4, seed=10).matrix)


def test_disconnected_graph_rejected() -> None:
    with pytest.raises(InvalidInputError, match="disconnected") as err:
        SiteGraph.from_edges([("a", "b", 10), ("c", "d", 10)])
    assert err.value.field == "graph"


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), float("inf"), "5"])
def test_bad_edge_weight_rejected(seconds: object) -> None:
    with pytest.raises(InvalidInputError) as err:
        SiteGraph.from_edges([("a", "b", seconds)])  # type: ignore[list-item]
    assert err.value.field == "edges.a-b.seconds"


def test_bad_kind_and_unknown_nodes() -> None:
    with pytest.raises(InvalidInputError) as err:
        SiteGraph.from_edges([("a", "b", 5)], kinds={"a": "castle"})
    assert err.value.field == "nodes.a.kind"
    site = SiteGraph.from_edges([("a", "b", 5)], kinds={"a": "gate"})
    assert site.kind("a") == "gate"
    assert site.kind("b") == "building"
    with pytest.raises(UnknownNodeError) as unk:
        site.travel_seconds("zz", "a")
    assert unk.value.field == "origin"
    assert "zz" not in site
    assert len(site) == 2


def test_from_coordinates_and_unknown_link() -> None:
    coords = {"gate": (0.0, 0.0), "b1": (12.0, 0.0), "b2": (12.0, 24.0)}
    site = SiteGraph.from_coordinates(coords, [("gate", "b1"), ("b1", "b2")], speed_m_per_s=1.2)
    assert site.travel_seconds("gate", "b2") == pytest.approx(30.0)
    with pytest.raises(UnknownNodeError):
        SiteGraph.from_coordinates(coords, [("gate", "nowhere")])
    with pytest.raises(InvalidInputError):
        SiteGraph.from_coordinates(coords, [("gate", "b1")], speed_m_per_s=0)


def test_empty_and_directed_rejected() -> None:
    with pytest.raises(InvalidInputError):
        SiteGraph(nx.Graph())
    with pytest.raises(InvalidInputError):
        SiteGraph(nx.DiGraph([("a", "b")]))
