"""Hypothesis profiles for the whole test session, chosen by ``HYPOTHESIS_PROFILE``.

``ci`` (the default, what ``make test`` runs)
    Derandomised: the examples are a function of the test, so a fresh clone and CI see the
    same ones and a green run stays green. No example database, no deadline (the machine is
    shared and noisy), and a failure prints the blob to paste into ``@reproduce_failure``.
``dev``
    Fresh randomness every run, failures kept in the local ``.hypothesis/`` database and
    replayed first next time; hypothesis's default number of examples.
``fuzz`` (``make test-fuzz``)
    Fresh randomness and ten times the examples, to look for what ``ci`` never draws.
    Tests that set ``max_examples`` themselves keep their own bound in every profile.

Run ``HYPOTHESIS_PROFILE=dev pytest tests/test_x.py`` to pick one by hand.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

PROFILE_VARIABLE = "HYPOTHESIS_PROFILE"
DEFAULT_PROFILE = "ci"

settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.register_profile(
    "fuzz", max_examples=1_000, derandomize=False, deadline=None, print_blob=True
)

PROFILES = ("ci", "dev", "fuzz")


def _chosen_profile() -> str:
    name = os.environ.get(PROFILE_VARIABLE, DEFAULT_PROFILE) or DEFAULT_PROFILE
    if name not in PROFILES:
        raise pytest.UsageError(
            f"{PROFILE_VARIABLE}={name!r} is not a hypothesis profile of this suite; "
            f"choose one of {', '.join(PROFILES)}"
        )
    return name


PROFILE = _chosen_profile()
settings.load_profile(PROFILE)
