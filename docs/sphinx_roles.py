"""Griffe extension for the docs build: Sphinx roles in numpydoc docstrings become links.

The docstrings cross-reference with Sphinx roles (``:class:`~dispatch_core.engine.Engine```,
``:func:`gc_paused```, ``:mod:`.gap```), which Markdown would show verbatim. This extension
rewrites each role into an *optional* mkdocs-autorefs reference: a link when the target is
rendered somewhere in the site, plain code when it is not (the standard library, a private
helper), so ``mkdocs build --strict`` stays meaningful without editing the docstrings.

Targets are resolved as Sphinx would: ``~`` shows the last component only; a leading ``.`` is
relative to the documented object's package; a bare name is looked up in the object, then in
its class, module and packages, a dotted one in the module's names (following imports to
their definition) or else taken as absolute.
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

ROLE = re.compile(
    r":(?:py:)?(?P<role>class|func|meth|mod|data|attr|exc|obj|const|type)"
    r":`(?P<body>[^`]+)`"
)
EXPLICIT_TITLE = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$")


def _module_of(obj: griffe.Object) -> griffe.Module:
    return obj if isinstance(obj, griffe.Module) else obj.module


def resolve(target: str, obj: griffe.Object) -> str:
    """Return the full dotted identifier of ``target`` as written in ``obj``'s docstring."""
    module = _module_of(obj)
    if target.startswith("."):
        package = module if module.is_package else module.parent
        base = package.path if package is not None else module.path
        return f"{base}{target}"
    head, _, rest = target.partition(".")
    # A dotted name starts from the module's names (its imports) or is absolute; a bare name
    # may also be a sibling member (``:meth:`advance``` in a class docstring).
    scope: griffe.Object | None = module if rest else obj
    while scope is not None:  # the object itself, its class, its module, its packages
        member = scope.members.get(head)
        if member is not None:
            path = member.target_path if member.is_alias else member.path
            return f"{path}.{rest}" if rest else path
        scope = scope.parent
    return target


def rewrite(text: str, obj: griffe.Object) -> str:
    """Replace every Sphinx role in ``text`` with an optional autorefs reference."""

    def replace(match: re.Match[str]) -> str:
        body = match["body"].strip()
        explicit = EXPLICIT_TITLE.match(body)
        if explicit:
            title, target = explicit["title"], explicit["target"].lstrip("~")
        else:
            target = body.lstrip("~")
            shown = target.lstrip(".")
            title = shown.rsplit(".", 1)[-1] if body.startswith("~") else shown
        if match["role"] in {"func", "meth"} and not title.endswith(")"):
            title += "()"
        identifier = html.escape(resolve(target, obj), quote=True)
        code = f"<code>{html.escape(title)}</code>"
        return f'<autoref identifier="{identifier}" optional>{code}</autoref>'

    return ROLE.sub(replace, text)


def _walk(obj: griffe.Object) -> Any:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)  # type: ignore[arg-type]


class SphinxRoles(griffe.Extension):
    """Rewrite the Sphinx roles of every docstring once the whole package is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Rewrite the docstrings of ``pkg`` and everything defined in it, in place."""
        for obj in _walk(pkg):
            if obj.docstring is not None:
                obj.docstring.value = rewrite(obj.docstring.value, obj)
