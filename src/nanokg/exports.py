"""Lazy re-exports for the subpackages' faces, so that ``import nanokg.query`` stays cheap.

Each subpackage's ``__init__`` names its public API once, as ``name -> module``, and hands
the mapping to :func:`lazy_exports`; the module is imported when a name is first used. A
command's cold start then pays only for what it touches (``nanokg query`` must not import
owlready2, networkx, pyshacl or matplotlib; see docs/performance.md).

Examples
--------
>>> getattr_, dir_ = lazy_exports("demo", {"sqrt": "math"})
>>> getattr_("sqrt")(9.0)
3.0
>>> dir_()
['sqrt']
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` that import ``exports[name]`` on first use."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
