"""The effect queue hands effects out in the order recursive settling had: depth-first."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dispatch_core.engine.effects import Effect, EffectKind, EffectQueue

# A forest of effects: each node is (name, follow-ups queued when it is carried out).
Tree = tuple[str, list["Tree"]]
_trees = st.recursive(
    st.builds(lambda: ("", [])),
    lambda kids: st.builds(lambda k: ("", k), st.lists(kids, max_size=4)),
    max_leaves=40,
)


def _named(forest: list[Tree], prefix: str = "") -> list[Tree]:
    return [(f"{prefix}{i}", _named(kids, f"{prefix}{i}.")) for i, (_, kids) in enumerate(forest)]


def _recursive(forest: list[Tree], out: list[str]) -> None:
    for name, kids in forest:  # carry the effect out, then settle its follow-ups
        out.append(name)
        _recursive(kids, out)


@given(forest=st.lists(_trees, max_size=5))
def test_queue_order_equals_recursive_settling(forest: list[Tree]) -> None:
    forest = _named(forest)
    expected: list[str] = []
    _recursive(forest, expected)
    follow_ups = {}

    def walk(nodes: list[Tree]) -> None:
        for name, kids in nodes:
            follow_ups[name] = [k for k, _ in kids]
            walk(kids)

    walk(forest)
    q = EffectQueue()
    for name, _ in forest:
        q.push(Effect(EffectKind.DISPATCH, name))
    seen = []
    while (eff := q.pop()) is not None:
        seen.append(eff.ticket_id)
        for kid in follow_ups[eff.ticket_id]:
            q.push(Effect(EffectKind.DISPATCH, kid))
    assert seen == expected
    assert not q
    assert len(q) == 0


def test_effects_are_immutable_values() -> None:
    a = Effect(EffectKind.SLA_STOP, "T1")
    assert a == Effect(EffectKind.SLA_STOP, "T1")
    assert hash(a) == hash(Effect(EffectKind.SLA_STOP, "T1"))
    assert a != Effect(EffectKind.SLA_START, "T1")
