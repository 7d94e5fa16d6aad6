"""The curated public namespace: sorted, complete, and importable."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import dispatch_core


def _public_modules() -> list[str]:
    names = ["dispatch_core"]
    for info in pkgutil.walk_packages(dispatch_core.__path__, "dispatch_core."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


@pytest.mark.parametrize("module_name", _public_modules())
def test_all_is_sorted_and_resolves(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        assert module_name.endswith(("__main__", "cli")) or not any(
            not n.startswith("_") for n in vars(module)
        ), f"{module_name} has no __all__"
        return
    assert list(exported) == sorted(exported), f"{module_name}.__all__ is not sorted"
    assert len(set(exported)) == len(exported)
    for name in exported:
        assert hasattr(module, name), f"{module_name}.__all__ names missing {name}"


def test_top_level_exports_every_public_error() -> None:
    from dispatch_core import errors

    missing = [n for n in errors.__all__ if n != "FieldError" and n not in dispatch_core.__all__]
    assert not missing


def test_top_level_all_matches_namespace() -> None:
    public = {
        n
        for n, obj in vars(dispatch_core).items()
        if not n.startswith("_")
        and not getattr(obj, "__name__", "").startswith("dispatch_core.")
        and n not in {"annotations", "version", "PackageNotFoundError"}
    }
    assert public - {"__version__"} <= set(dispatch_core.__all__)
