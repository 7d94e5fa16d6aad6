r"""Readers for the OR-Library GAP and linear-assignment instance formats.

Formats (whitespace-separated integers; line breaks are not significant):

* OR-Library GAP multi-instance file: ``P``, then ``P`` times ``m n``, the ``m×n`` costs
  (agent-major), the ``m×n`` resource uses and the ``m`` capacities.
* Yagiura single-instance file: the same without the leading ``P``.
* OR-Library assignment file: ``n`` then ``n×n`` costs, row-major.

Examples
--------
>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as d:
...     p = pathlib.Path(d) / "tiny.txt"
...     _ = p.write_text("1\n2 3\n1 2 3 4 5 6\n1 1 1 1 1 1\n2 2\n")
...     [inst] = read_orlib_gap(p)
>>> inst.agents, inst.jobs, inst.capacity
(2, 3, [2, 2])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dispatch_core.errors import InvalidInputError

__all__ = ["GapInstance", "read_orlib_assign", "read_orlib_gap"]


@dataclass(frozen=True, slots=True)
class GapInstance:
    """One generalised-assignment instance, in OR-Library (agent-major) order.

    Attributes
    ----------
    cost : list of list of int
        ``cost[i][j]``: cost of giving job ``j`` to agent ``i``.
    weight : list of list of int
        ``weight[i][j]``: resource job ``j`` uses on agent ``i``.
    capacity : list of int
        Capacity of each agent.
    """

    cost: list[list[int]]
    weight: list[list[int]]
    capacity: list[int]

    @property
    def agents(self) -> int:
        """Number of agents ``m``."""
        return len(self.capacity)

    @property
    def jobs(self) -> int:
        """Number of jobs ``n``."""
        return len(self.cost[0]) if self.cost else 0


def _tokens(path: Path) -> list[int]:
    text = Path(path).read_text(encoding="ascii")
    try:
        return [int(tok) for tok in text.split()]
    except ValueError as exc:
        raise InvalidInputError("path", str(path), f"not an integer file: {exc}") from None


def _matrix(tokens: list[int], pos: int, rows: int, cols: int) -> tuple[list[list[int]], int]:
    out = [tokens[pos + r * cols : pos + (r + 1) * cols] for r in range(rows)]
    return out, pos + rows * cols


def _read_one(tokens: list[int], pos: int, path: Path) -> tuple[GapInstance, int]:
    if pos + 2 > len(tokens):
        raise InvalidInputError("path", str(path), "truncated GAP instance header")
    m, n = tokens[pos], tokens[pos + 1]
    pos += 2
    if m <= 0 or n <= 0 or pos + 2 * m * n + m > len(tokens):
        raise InvalidInputError("path", str(path), f"truncated GAP instance of size {m}x{n}")
    cost, pos = _matrix(tokens, pos, m, n)
    weight, pos = _matrix(tokens, pos, m, n)
    capacity = tokens[pos : pos + m]
    return GapInstance(cost=cost, weight=weight, capacity=capacity), pos + m


def read_orlib_gap(path: str | Path) -> list[GapInstance]:
    """Read a GAP file: an OR-Library multi-instance file or a Yagiura single instance.

    The two are told apart by the token count: a Yagiura file holds exactly
    ``2 + 2·m·n + m`` integers.

    Parameters
    ----------
    path : str or Path
        The instance file.

    Returns
    -------
    list of GapInstance
        The instances in file order.

    Raises
    ------
    InvalidInputError
        If the file is truncated, has trailing data or holds non-integers.
    """
    path = Path(path)
    tokens = _tokens(path)
    if len(tokens) >= 2:
        m, n = tokens[0], tokens[1]
        if m > 0 and n > 0 and len(tokens) == 2 + 2 * m * n + m:
            inst, _ = _read_one(tokens, 0, path)
            return [inst]
    if not tokens or tokens[0] <= 0:
        raise InvalidInputError("path", str(path), "empty file or bad instance count")
    count, pos = tokens[0], 1
    out = []
    for _ in range(count):
        inst, pos = _read_one(tokens, pos, path)
        out.append(inst)
    if pos != len(tokens):
        raise InvalidInputError("path", str(path), f"{len(tokens) - pos} trailing integers")
    return out


def read_orlib_assign(path: str | Path) -> list[list[int]]:
    """Read an OR-Library dense assignment file: ``n`` then ``n×n`` costs, row-major.

    Parameters
    ----------
    path : str or Path
        The instance file.

    Returns
    -------
    list of list of int
        The ``n×n`` cost matrix (row = agent, column = task).

    Raises
    ------
    InvalidInputError
        If the token count does not match ``1 + n²``.
    """
    path = Path(path)
    tokens = _tokens(path)
    if not tokens or tokens[0] <= 0 or len(tokens) != 1 + tokens[0] ** 2:
        raise InvalidInputError("path", str(path), "expected n followed by n*n costs")
    n = tokens[0]
    matrix, _ = _matrix(tokens, 1, n, n)
    return matrix
