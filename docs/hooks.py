"""MkDocs hooks: the architecture page's package tree, generated from the source.

The line ``<!-- package-tree -->`` in a page becomes a nested list of every module under
``src/dispatch_core`` (private ones marked) with the first line of its docstring, read with
:mod:`ast` (nothing is imported). The page cannot drift from the layout: a module added, moved
or re-described shows up at the next build.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

PLACEHOLDER = "<!-- package-tree -->"
SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "dispatch_core"
ROLE = re.compile(r":(?:py:)?[a-z]+:`(?P<tilde>~?)\.?(?P<target>[^`]+)`")


def summary(path: Path) -> str:
    """First line of a module's docstring, with Sphinx roles shown as code."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    first = doc.strip().splitlines()[0] if doc.strip() else ""

    def code(match: re.Match[str]) -> str:
        target = match["target"]
        return f"`{target.rsplit('.', 1)[-1] if match['tilde'] else target}`"

    return ROLE.sub(code, first.replace("``", "`"))


def tree(package: Path, depth: int = 0) -> list[str]:
    """Markdown list lines for ``package``: its modules, then its subpackages."""
    indent = "    " * depth
    lines: list[str] = []
    modules = sorted(p for p in package.glob("*.py") if p.name != "__init__.py")
    packages = sorted(p for p in package.iterdir() if (p / "__init__.py").is_file())
    for module in modules:
        private = " *(private)*" if module.name.startswith("_") else ""
        lines.append(f"{indent}- `{module.name}`{private}: {summary(module)}")
    for sub in packages:
        lines.append(f"{indent}- **`{sub.name}/`** {summary(sub / '__init__.py')}")
        lines.extend(tree(sub, depth + 1))
    return lines


def package_tree() -> str:
    """Return the whole tree, headed by the top-level package."""
    root = SRC / PACKAGE
    head = f"- **`{PACKAGE}/`** {summary(root / '__init__.py')}"
    return "\n".join([head, *tree(root, 1)])


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Replace the placeholder, wherever it is."""
    if PLACEHOLDER not in markdown:
        return markdown
    return markdown.replace(PLACEHOLDER, package_tree())
