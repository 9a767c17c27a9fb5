"""Fixtures shared by the tests and the doctests: the graph is built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanokg.pipeline import build_graph


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> Path:
    """Path of a store built from the project's own data and ontology."""
    path = tmp_path_factory.mktemp("store") / "store"
    build_graph(store_path=path)
    return path


@pytest.fixture(autouse=True)
def _doctest_store(request, doctest_namespace) -> None:
    # doctests that need the graph name it STORE; build it only for them
    if isinstance(request.node, pytest.DoctestItem) and "STORE" in request.node.dtest.docstring:
        doctest_namespace["STORE"] = request.getfixturevalue("built_store")
