"""Duration distributions for handling times, patience, travel and work (in seconds).

Each distribution is a small frozen value described by its mean and, where it has one, its
coefficient of variation (``cv`` = standard deviation ÷ mean). Samples are drawn in vectors
from a numpy generator, so one stream serves a whole replication.

Examples
--------
>>> import numpy as np
>>> d = Distribution.exponential(180.0)
>>> d.sample(np.random.default_rng(0), 3).round(1)
array([122.4, 183.5,   3.6])
>>> Distribution.lognormal(300.0, cv=0.5).cv
0.5
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from dispatch_core.errors import InvalidInputError

__all__ = ["Distribution", "DistributionKind"]

#: The supported families.
DistributionKind = Literal["exponential", "lognormal", "gamma", "fixed"]
_KINDS = ("exponential", "lognormal", "gamma", "fixed")


@dataclass(frozen=True, slots=True)
class Distribution:
    """A non-negative duration distribution.

    Parameters
    ----------
    kind : {"exponential", "lognormal", "gamma", "fixed"}
        The family.
    mean : float
        Mean in seconds (> 0).
    cv : float
        Coefficient of variation; fixed by the family for ``exponential`` (1) and ``fixed`` (0),
        free (> 0) for ``lognormal`` and ``gamma``.
    """

    kind: DistributionKind
    mean: float
    cv: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise InvalidInputError("kind", self.kind, f"must be one of {', '.join(_KINDS)}")
        if not (isinstance(self.mean, int | float) and math.isfinite(self.mean) and self.mean > 0):
            raise InvalidInputError("mean", self.mean, "must be a finite number > 0 (seconds)")
        if self.kind == "exponential" and self.cv != 1.0:
            raise InvalidInputError("cv", self.cv, "an exponential distribution has cv = 1")
        if self.kind == "fixed" and self.cv != 0.0:
            raise InvalidInputError("cv", self.cv, "a fixed duration has cv = 0")
        if self.kind in ("lognormal", "gamma") and not (
            isinstance(self.cv, int | float) and math.isfinite(self.cv) and self.cv > 0
        ):
            raise InvalidInputError("cv", self.cv, "must be a finite number > 0")

    @classmethod
    def exponential(cls, mean: float) -> Distribution:
        """Exponential with the given mean (seconds)."""
        return cls("exponential", mean, 1.0)

    @classmethod
    def lognormal(cls, mean: float, *, cv: float) -> Distribution:
        """Lognormal with the given mean (seconds) and coefficient of variation."""
        return cls("lognormal", mean, cv)

    @classmethod
    def gamma(cls, mean: float, *, cv: float) -> Distribution:
        """Gamma with the given mean (seconds) and coefficient of variation."""
        return cls("gamma", mean, cv)

    @classmethod
    def fixed(cls, value: float) -> Distribution:
        """Return a constant duration (seconds)."""
        return cls("fixed", value, 0.0)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values (seconds) from ``rng`` as a float64 array.

        Parameters
        ----------
        rng : numpy.random.Generator
            The stream to draw from.
        size : int
            How many values.
        """
        if self.kind == "exponential":
            return rng.exponential(self.mean, size)
        if self.kind == "fixed":
            return np.full(size, float(self.mean))
        if self.kind == "gamma":
            shape = 1.0 / (self.cv * self.cv)
            return rng.gamma(shape, self.mean / shape, size)
        sigma2 = math.log1p(self.cv * self.cv)
        mu = math.log(self.mean) - sigma2 / 2.0
        return rng.lognormal(mu, math.sqrt(sigma2), size)

    def __str__(self) -> str:
        if self.kind in ("exponential", "fixed"):
            return f"{self.kind}(mean={self.mean:g}s)"
        return f"{self.kind}(mean={self.mean:g}s, cv={self.cv:g})"
