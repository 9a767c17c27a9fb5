"""The faces of nanokg.publish and nanokg.store: lazy, complete, and the same whatever is imported first."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

FACES = ["nanokg.publish", "nanokg.store"]


def submodules(face: str) -> set[str]:
    package = importlib.import_module(face)
    return {info.name for info in pkgutil.iter_modules(package.__path__)}


@pytest.mark.parametrize("face", FACES)
def test_no_exported_name_is_also_a_submodule(face):
    """Importing ``face.name`` sets the package attribute ``name`` to the module, hiding the export."""
    package = importlib.import_module(face)
    assert not set(package.__all__) & submodules(face)


@pytest.mark.parametrize("face", FACES)
def test_every_name_resolves_to_its_home_module_in_any_order(face):
    package = importlib.import_module(face)
    assert sorted(package.__all__) == package.__dir__() == sorted(set(package.__all__))
    first = {name: getattr(package, name) for name in package.__all__}
    for name in submodules(face):
        importlib.import_module(f"{face}.{name}")
    for name, value in first.items():
        assert getattr(package, name) is value, name
        assert getattr(importlib.import_module(value.__module__), name) is value, name
    with pytest.raises(AttributeError, match="has no attribute 'nonsense'"):
        package.nonsense  # noqa: B018


def test_the_faces_import_nothing_of_their_stages():
    code = (
        "import json, sys, nanokg; before = set(sys.modules); import nanokg.publish, nanokg.store; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert set(json.loads(done.stdout)) - {"nanokg.exports"} == {"nanokg.publish", "nanokg.store"}
