from __future__ import annotations

import dataclasses

import pytest

from dispatch_core.dispatch import Decision, Explanation
from dispatch_core.dispatch.explain import (
    _sorted_dict,
    assign_decision,
    assigned_explanation,
)


def test_fast_constructors_equal_the_dataclass_constructors() -> None:
    components = {"lateness": 0.0, "load": 2.5, "skill_fit": 0.5, "travel": 1.0}
    args = (60.0, 1, 4, 0.25, -30.0, 2.0, components, 7)
    fast = assigned_explanation(*args)
    ref = Explanation(*args[:7], {}, 7)
    assert type(fast) is Explanation
    assert fast == ref
    assert fast.as_dict() == ref.as_dict()
    assert fast.rejected == {}
    assert fast.compared_to is None
    other = assigned_explanation(*args)
    assert other.rejected is not fast.rejected  # a fresh dict each time, like default_factory
    dec = assign_decision("ana", 4.0, fast)
    assert type(dec) is Decision
    assert dec == Decision("ana", 4.0, ref)
    assert dec.action == "assign"
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.load = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        dec.score = 1.0  # type: ignore[misc]
    # every field is set (nothing left to a default the fast path forgot)
    for f in dataclasses.fields(Explanation):
        getattr(fast, f.name)
    for f in dataclasses.fields(Decision):
        getattr(dec, f.name)


def test_sorted_dict_sorts_and_copies() -> None:
    assert _sorted_dict({}) == {}
    ordered = {"lateness": 1.0, "load": 2.0, "skill_fit": 3.0, "travel": 4.0}
    out = _sorted_dict(ordered)
    assert out == ordered
    assert out is not ordered
    assert list(_sorted_dict({"travel": 1.0, "load": 2.0})) == ["load", "travel"]
    assert list(_sorted_dict({"b": 1, "a": 2, "c": 3})) == ["a", "b", "c"]
