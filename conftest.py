"""Fixtures shared by the tests and the doctests: the graph is built once per session."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from nanokg import KnowledgeGraph
from nanokg.store.build import BuildReport


@pytest.fixture(scope="session")
def session_build(tmp_path_factory) -> tuple[Path, BuildReport]:
    """The session's one build of the project's own data and ontology, by the facade, and its report."""
    path = tmp_path_factory.mktemp("store") / "store"
    with KnowledgeGraph.build(path) as kg:
        return path, kg.build_report


@pytest.fixture(scope="session")
def built_store(session_build) -> Path:
    """Path of a store built from the project's own data and ontology."""
    return session_build[0]


@pytest.fixture(scope="session")
def console_build(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A second, independent build of the same input, by the installed ``nanokg build``.

    Run as the README runs it, in another process with another hash seed; shared by the
    tests of the console script and of two builds giving the same triples and bytes.
    """
    path = tmp_path_factory.mktemp("console-build") / "store"
    done = subprocess.run(
        ["nanokg", "build", "--store", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "7"},
    )
    return path, done


@pytest.fixture(autouse=True)
def _doctest_store(request, doctest_namespace) -> None:
    # doctests that need the graph name it STORE; build it only for them
    if isinstance(request.node, pytest.DoctestItem) and "STORE" in request.node.dtest.docstring:
        doctest_namespace["STORE"] = request.getfixturevalue("built_store")
