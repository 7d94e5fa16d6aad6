"""The README's Python examples run, and print what their comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_an_example() -> None:
    assert BLOCKS


def test_readme_examples_print_what_they_claim() -> None:
    for block in BLOCKS:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(README), "exec"), {})  # noqa: S102 - our own README
        claimed = [c.split("   (")[0] for c in re.findall(r"^# -> (.*)$", block, re.M)]
        assert out.getvalue().splitlines() == claimed
