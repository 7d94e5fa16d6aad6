"""Find the line of a key path in TOML text (tomllib does not keep positions).

A small line scanner that understands what scenario files use: ``[table]`` and
``[[array.of.tables]]`` headers, ``key = value`` and dotted keys, inline tables and multi-line
arrays (continuation lines are skipped). Good enough to point a planner at the right line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["find_line", "key_lines"]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"^\s*((?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)
_INLINE_KEY = re.compile(r"([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")

Path = tuple[str | int, ...]


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r"\"[^\"]*\"|'[^']*'|[^.\s]+", text)
    return [p.strip("\"'") for p in parts]


def _strip_strings(line: str) -> str:
    """Blank out string contents and drop the comment (for bracket counting)."""
    line = re.sub(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'", '""', line)
    return line.split("#", 1)[0]


def key_lines(text: str) -> dict[Path, int]:
    r"""Map every key path found in ``text`` to its 1-based line number.

    Array-of-tables entries are indexed (``("shifts", 1, "start")``); an inline table's keys
    are mapped to the line where they appear.

    Examples
    --------
    >>> lines = key_lines('a = 1\n[b]\nc = 2\n[[d]]\ne = 3\n[[d]]\ne = 4\n')
    >>> lines[("a",)], lines[("b", "c")], lines[("d", 1, "e")]
    (1, 3, 7)
    """
    found: dict[Path, int] = {}
    prefix: Path = ()
    counters: dict[Path, int] = {}
    depth = 0
    inline_stack: list[Path] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        clean = _strip_strings(raw)
        if depth > 0:  # continuation of a multi-line array / inline table
            for m in _INLINE_KEY.finditer(clean):
                if inline_stack:
                    found.setdefault((*inline_stack[-1], m.group(1).strip('"')), number)
            depth += clean.count("[") + clean.count("{") - clean.count("]") - clean.count("}")
            if depth <= 0:
                depth = 0
                inline_stack.clear()
            continue
        header = _HEADER.match(clean)
        if header:
            keys: Path = tuple(_split_dotted(header.group(2)))
            if header.group(1) == "[[":
                index = counters.get(keys, -1) + 1
                counters[keys] = index
                prefix = (*keys, index)
            else:
                prefix = _resolve(keys, counters)
            found.setdefault(prefix, number)
            continue
        key = _KEY.match(clean)
        if not key:
            continue
        path: Path = (*prefix, *_split_dotted(key.group(1)))
        found.setdefault(path, number)
        rest = clean[key.end() :]
        for m in _INLINE_KEY.finditer(rest):
            found.setdefault((*path, m.group(1).strip('"')), number)
        depth = rest.count("[") + rest.count("{") - rest.count("]") - rest.count("}")
        if depth > 0:
            inline_stack.append(path)
        else:
            depth = 0
    return found


def _resolve(keys: Path, counters: dict[Path, int]) -> Path:
    """Insert array-of-tables indices into a ``[a.b]`` header under ``[[a]]``."""
    out: list[str | int] = []
    plain: list[str | int] = []
    for key in keys:
        out.append(key)
        plain.append(key)
        index = counters.get(tuple(plain))
        if index is not None:
            out.append(index)
    return tuple(out)


def find_line(text: str, path: Sequence[str | int]) -> int | None:
    r"""Return the line of ``path`` in ``text`` (or of its longest prefix found), else None.

    Examples
    --------
    >>> find_line('[demand]\nrate = -1\n', ["demand", "rate"])
    2
    >>> find_line('[demand]\nrate = -1\n', ["demand", "hourly", 3])
    1
    """
    lines = key_lines(text)
    parts = tuple(path)
    while parts:
        if parts in lines:
            return lines[parts]
        parts = parts[:-1]
    return None
