"""Seeded streams and duration distributions (dispatch_core.sim.streams, .distributions)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.distributions import Distribution
from dispatch_core.sim.streams import Streams, stream_key

names = st.text("abcdefghij:_", min_size=1, max_size=12)


@given(st.integers(0, 2**64), st.integers(0, 1000), st.lists(names, min_size=1, max_size=5))
def test_a_stream_does_not_depend_on_which_streams_were_made_before(
    seed: int, replication: int, order: list[str]
) -> None:
    first = Streams(seed, replication=replication)
    for name in order:
        first.generator(name).random(2)
    again = Streams(seed, replication=replication)
    for name in reversed(order):
        assert np.array_equal(first.generator(name).random(4), again.generator(name).random(4))
        assert first.random(name).random() == again.random(name).random()


def test_streams_differ_by_name_seed_and_replication() -> None:
    base = Streams(11, replication=2).generator("arrivals").random(8)
    for other in (
        Streams(11, replication=2).generator("patience"),
        Streams(12, replication=2).generator("arrivals"),
        Streams(11, replication=3).generator("arrivals"),
    ):
        assert not np.array_equal(base, other.random(8))


def test_stream_key_is_stable() -> None:
    # Changing these would silently change every seeded result: they are part of the contract.
    assert stream_key("arrivals") == 3612958146
    assert Streams(0).generator("arrivals").integers(0, 10**9) == 279070115


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": 1, "replication": -2}, "replication"),
    ],
)
def test_streams_reject_bad_keys(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        Streams(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize(
    "dist",
    [
        Distribution.exponential(180.0),
        Distribution.lognormal(300.0, cv=0.6),
        Distribution.gamma(240.0, cv=1.5),
        Distribution.fixed(60.0),
    ],
)
def test_distributions_have_their_mean_and_cv(dist: Distribution) -> None:
    x = dist.sample(np.random.default_rng(42), 200_000)
    assert (x >= 0).all()
    assert x.mean() == pytest.approx(dist.mean, rel=0.02)
    assert x.std() / x.mean() == pytest.approx(dist.cv, abs=0.03)
    assert str(dist).startswith(dist.kind)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("weibull", 10.0, 1.0), "kind"),
        (("exponential", 0.0, 1.0), "mean"),
        (("exponential", 10.0, 0.5), "cv"),
        (("fixed", 10.0, 1.0), "cv"),
        (("gamma", 10.0, -1.0), "cv"),
    ],
)
def test_distribution_rejects_bad_parameters(args: tuple[str, float, float], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        Distribution(*args)  # type: ignore[arg-type]
    assert info.value.field == field
