"""Same answer everywhere: every catalogue query on the embedded store, an rdflib graph
and a real Oxigraph server loaded through the Graph Store Protocol."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyoxigraph as ox
import pytest

from nanokg import KnowledgeGraph
from nanokg.backends import EndpointError, QuerySyntaxError, with_values
from nanokg.catalogue import Catalogue

QUERIES = Catalogue().names()


@pytest.fixture(scope="module")
def backends(kg, built_store, oxigraph_server) -> dict[str, KnowledgeGraph]:
    return {
        "embedded": kg,
        "rdflib": KnowledgeGraph.in_memory(built_store),
        "oxigraph-server": KnowledgeGraph.remote(oxigraph_server.query_url),
    }


def normalise(value):
    """Compare by value: 85 == 85.0 (Oxigraph keeps values, not lexical forms); GROUP_CONCAT
    order is undefined in SPARQL, so joined lists compare as sorted lists."""
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return ("number", Decimal(str(value)).normalize())
    if isinstance(value, str) and value.startswith("_:"):
        return ("bnode",)
    if isinstance(value, str) and "; " in value:
        return ("list", tuple(sorted(value.split("; "))))
    if isinstance(value, dt.date):
        return ("date", value.isoformat())
    return ("value", value)


def answer(kg: KnowledgeGraph, name: str, **params):
    results = kg.query(name, **params)
    return results.columns, sorted(tuple(normalise(v) for v in row) for row in results.rows)


@pytest.mark.parametrize("name", QUERIES)
def test_every_query_gives_the_same_answer_on_every_backend(backends, name):
    expected = answer(backends["embedded"], name)
    assert expected[1], f"{name} answers nothing with its defaults"
    for backend in ("rdflib", "oxigraph-server"):
        assert answer(backends[backend], name) == expected, backend


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("products-by-target", {"target": "cd71"}),
        ("products-by-target", {"target": "PSMA"}),
        ("describe", {"entity": "Caelyx"}),
    ],
)
def test_names_resolve_the_same_on_every_backend(backends, name, params):
    expected = answer(backends["embedded"], name, **params)
    assert expected[1]
    for backend in ("rdflib", "oxigraph-server"):
        assert answer(backends[backend], name, **params) == expected, backend


def test_find_on_every_backend(backends):
    for kg in backends.values():
        assert kg.find("CAELYX") == ["https://w3id.org/nanokg/product/doxil"]
        assert kg.find("target:psma") == ["https://w3id.org/nanokg/target/psma"]


def test_remote_keeps_datatypes(backends):
    rows = backends["oxigraph-server"].sparql("SELECT ?rank WHERE { val:phase-3 nkg:stageRank ?rank }").rows
    assert rows == [(5,)] and isinstance(rows[0][0], int)


def test_unreachable_endpoint_is_one_clear_error():
    from servers import free_port

    kg = KnowledgeGraph.remote(f"http://127.0.0.1:{free_port()}/query", timeout=5)
    with pytest.raises(EndpointError, match="cannot reach"):
        kg.sparql("SELECT * WHERE { ?s ?p ?o } LIMIT 1")


def test_syntax_errors_are_located_before_anything_is_sent(backends):
    for kg in backends.values():
        with pytest.raises(QuerySyntaxError, match=r"sparql:2:\d+"):
            kg.sparql("SELECT ?s WHERE {\n  ?s ?p }")


def test_values_block_keeps_hostile_strings_inside_one_literal():
    text = with_values("SELECT ?x WHERE { ?x ?p ?_name }", {"_name": ox.Literal('x" } ; DROP ALL #')})
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal('x" } ; DROP ALL #')))
    assert [s["x"].value for s in store.query(text)] == ["http://e/s"]
    assert len(store) == 1
