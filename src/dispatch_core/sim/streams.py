"""Seeded random streams: one independent stream per process, per replication.

A stream is identified by ``(seed, replication, name)``. Its generator is built from
``numpy.random.SeedSequence(seed, spawn_key=(replication, crc32(name)))``, so

* the same seed, replication and name always give the same draws (on any machine, in any
  worker process: nothing depends on the order in which streams are created);
* different names (``"arrivals"``, ``"handling:repair"``, ``"patience"``…) are independent;
* **common random numbers**: the draws never depend on the staffing, so the n-th caller of a
  replication has the same arrival time, handling time and patience whatever the number of
  agents. Comparisons between staffing levels are then much sharper than with independent runs.

Examples
--------
>>> streams = Streams(seed=7, replication=0)
>>> a = streams.generator("arrivals").random(3)
>>> b = Streams(seed=7, replication=0).generator("arrivals").random(3)
>>> bool((a == b).all())
True
>>> bool((a == streams.generator("patience").random(3)).all())
False
"""

from __future__ import annotations

import random
import zlib

import numpy as np

from dispatch_core.errors import InvalidInputError

__all__ = ["Streams", "derived_seed", "stream_key"]

_MAX_SEED = 2**128


def stream_key(name: str) -> int:
    """Return the stable 32-bit key of a stream name (CRC-32 of its UTF-8 bytes).

    Examples
    --------
    >>> stream_key("arrivals")
    3612958146
    """
    if not isinstance(name, str) or not name:
        raise InvalidInputError("name", name, "a stream name must be a non-empty string")
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of independent, reproducible random streams for one replication.

    Parameters
    ----------
    seed : int
        The experiment's master seed, 0 <= seed < 2**128.
    replication : int
        Index of the replication (>= 0); replication ``i`` of seed ``s`` is the same
        whichever executor or worker runs it.
    """

    __slots__ = ("_replication", "_seed")

    def __init__(self, seed: int, *, replication: int = 0) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < _MAX_SEED:
            raise InvalidInputError("seed", seed, "must be an integer in [0, 2**128)")
        if isinstance(replication, bool) or not isinstance(replication, int) or replication < 0:
            raise InvalidInputError("replication", replication, "must be an integer >= 0")
        self._seed = seed
        self._replication = replication

    @property
    def seed(self) -> int:
        """The master seed."""
        return self._seed

    @property
    def replication(self) -> int:
        """The replication index."""
        return self._replication

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """Return the :class:`numpy.random.SeedSequence` of stream ``name``."""
        return np.random.SeedSequence(self._seed, spawn_key=(self._replication, stream_key(name)))

    def generator(self, name: str) -> np.random.Generator:
        """Return a fresh numpy generator (PCG64) for stream ``name``.

        Calling it twice with the same name restarts the stream from its beginning.
        """
        return np.random.Generator(np.random.PCG64(self.seed_sequence(name)))

    def random(self, name: str) -> random.Random:
        """Return a fresh :class:`random.Random` for stream ``name`` (fast scalar draws).

        Examples
        --------
        >>> Streams(1).random("x").random() == Streams(1).random("x").random()
        True
        """
        state = self.seed_sequence(name).generate_state(4, dtype=np.uint64)
        return random.Random(int.from_bytes(state.tobytes(), "little"))  # noqa: S311 - simulation, not crypto

    def __repr__(self) -> str:
        return f"Streams(seed={self._seed}, replication={self._replication})"


def derived_seed(seed: int, *names: str) -> int:
    """Return a 64-bit seed for one part of an experiment, stable across runs and machines.

    Examples
    --------
    >>> derived_seed(1, "storm", "phone") == derived_seed(1, "storm", "phone")
    True
    >>> derived_seed(1, "storm", "phone") != derived_seed(1, "storm", "digital")
    True
    """
    keys = tuple(zlib.crc32(n.encode("utf-8")) for n in names)
    state = np.random.SeedSequence(seed, spawn_key=keys).generate_state(2, dtype=np.uint32)
    return int(state[0]) << 32 | int(state[1])
