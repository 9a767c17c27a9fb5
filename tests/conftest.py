"""Shared fixtures: the graph is built once per test session into a temporary store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from nanokg import resources
from nanokg.pipeline import build_graph
from nanokg.store import open_store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> Path:
    """Path of a store built from the project's own data and ontology."""
    path = tmp_path_factory.mktemp("store") / "store"
    build_graph(store_path=path)
    return path


@pytest.fixture(scope="session")
def store(built_store) -> ox.Store:
    return open_store(built_store)


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
