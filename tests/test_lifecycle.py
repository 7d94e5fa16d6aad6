from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch_core.engine.lifecycle import (
    ACTIVE,
    OWNED,
    TERMINAL,
    TRANSITIONS,
    Action,
    Stage,
    Status,
    allowed,
    stage,
    transition,
)
from dispatch_core.errors import IllegalTransitionError


def test_happy_path_walks_the_closed_loop() -> None:
    s = Status.OPENED
    path = [Action.ASSIGN, Action.ACCEPT, Action.ARRIVE, Action.RESOLVE, Action.CLOSE]
    stages = [stage(s)]
    for action in path:
        s = transition("T", s, action)
        stages.append(stage(s))
    assert s is Status.CLOSED
    assert stages == [
        Stage.INTAKE,
        Stage.DISPATCH,
        Stage.EXECUTION,
        Stage.EXECUTION,
        Stage.FEEDBACK,
        Stage.EVALUATION,
    ]


def test_hold_resumes_to_where_it_was() -> None:
    for before in (Status.ASSIGNED, Status.ACCEPTED, Status.ON_SITE):
        held = transition("T", before, Action.HOLD)
        assert held is Status.ON_HOLD
        assert transition("T", held, Action.RESUME, held_from=before) is before


@given(st.sampled_from(Status), st.sampled_from(Action))
def test_transition_is_total_and_matches_the_table(status: Status, action: Action) -> None:
    if allowed(status, action):
        assert isinstance(transition("T", status, action, held_from=Status.ACCEPTED), Status)
    else:
        with pytest.raises(IllegalTransitionError) as info:
            transition("T", status, action)
        assert info.value.state == status.value
        assert info.value.entity_id == "T"


def test_cancelled_is_a_dead_end_and_sets_are_consistent() -> None:
    assert not any(allowed(Status.CANCELLED, a) for a in Action)
    assert OWNED <= ACTIVE
    assert not (ACTIVE & TERMINAL)
    targets = {t for table in TRANSITIONS.values() for t in table.values() if t is not None}
    assert targets <= set(Status)
