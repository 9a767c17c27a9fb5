"""Shared fixtures; `built_store` (the graph built once per session) is in the root conftest.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from nanokg import KnowledgeGraph, resources
from nanokg.store import open_store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def store(built_store) -> ox.Store:
    return open_store(built_store)


@pytest.fixture(scope="session")
def kg(built_store) -> KnowledgeGraph:
    """The Python API on the session's embedded store."""
    return KnowledgeGraph.open(built_store)


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    """A writable copy of data/ for tests that break it on purpose."""
    target = tmp_path / "data"
    shutil.copytree(resources.data_dir(), target)
    return target


def select(store: ox.Store, text: str) -> list[dict[str, str]]:
    """Run a SELECT with the project's prefixes; rows of plain strings."""
    prefixes = (
        "PREFIX nkg: <https://w3id.org/nanokg/ontology#>\n"
        "PREFIX val: <https://w3id.org/nanokg/value/>\n"
        "PREFIX npo: <http://purl.bioontology.org/ontology/npo#>\n"
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
        "PREFIX qudt: <http://qudt.org/schema/qudt/>\n"
        "PREFIX product: <https://w3id.org/nanokg/product/>\n"
    )
    result = store.query(prefixes + text, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


@pytest.fixture(scope="session")
def oxigraph_server(built_store, tmp_path_factory):
    """A real `oxigraph serve` on 127.0.0.1 holding the built graph (loaded through GSP)."""
    from servers import OxigraphServer

    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "data")
    try:
        server.load_store(open_store(built_store))
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """A real Virtuoso 7 (Debian's virtuoso-opensource) on 127.0.0.1, started empty once per session.

    Tests that write into it use their own graph IRIs or replace ours with the same data.
    """
    from servers import VirtuosoServer

    try:
        server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso") / "db")
    except RuntimeError as exc:  # not installable, or it would not start: say so, never skip
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def virtuoso_loaded(virtuoso_server, store):
    """The session's Virtuoso holding exactly the built graph (its named graphs, same IRIs).

    Module-scoped on the one session instance: loading takes under a second, and it is
    cleared again afterwards, so modules that push into ``virtuoso_server`` find it empty.
    """
    virtuoso_server.clear()
    virtuoso_server.load_store(store)
    yield virtuoso_server
    virtuoso_server.clear()
