from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from dispatch_core import __version__
from dispatch_core.cli import main


def run(*argv: str) -> tuple[int, str]:
    buf = io.StringIO()
    code = main(list(argv), console=Console(file=buf, width=200, color_system=None))
    return code, buf.getvalue()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_targets_lists_every_category() -> None:
    code, out = run("targets")
    assert code == 0
    for word in ("inquiry", "repair", "emergency", "报修处理", "on_site ≤ 1 h"):
        assert word in out


def test_schema_is_json() -> None:
    code, out = run("schema", "ticket")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "Ticket"


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["bogus"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
