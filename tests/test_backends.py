"""Same answer everywhere: every catalogue query on the embedded store, an rdflib graph,
a real Oxigraph server and a real Virtuoso 7, both loaded through the Graph Store Protocol."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal

import pyoxigraph as ox
import pytest

from nanokg import KnowledgeGraph
from nanokg.curation.catalogue import Catalogue
from nanokg.query.backends import EndpointError, RemoteBackend, TruncatedResultsError
from nanokg.sparql_text import QuerySyntaxError, with_values
from nanokg.vocabulary import NKG

QUERIES = Catalogue().names()


def allow_service_calls(virtuoso) -> None:
    """Virtuoso 7.2 lets the anonymous SPARQL user call a SERVICE only when granted its invocation view."""
    virtuoso.isql(
        'GRANT SELECT ON DB.DBA.SPARQL_SINV_2 TO "SPARQL"; GRANT EXECUTE ON DB.DBA.SPARQL_SINV_IMP TO "SPARQL";'
    )


@pytest.fixture(scope="module")
def backends(kg, built_store, oxigraph_server, virtuoso_loaded, federation_standin) -> dict[str, KnowledgeGraph]:
    # federation_standin: the federated queries call a local stand-in instead of Wikidata and UniProt
    allow_service_calls(virtuoso_loaded)
    return {
        "embedded": kg,
        "rdflib": KnowledgeGraph.in_memory(built_store),
        "oxigraph-server": KnowledgeGraph.remote(oxigraph_server.query_url),
        "virtuoso": KnowledgeGraph.remote(virtuoso_loaded.query_url),
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
    for backend in ("rdflib", "oxigraph-server", "virtuoso"):
        assert answer(backends[backend], name, **params) == expected, backend


def test_find_on_every_backend(backends):
    for kg in backends.values():
        assert kg.find("CAELYX") == ["https://w3id.org/nanokg/product/doxil"]
        assert kg.find("target:psma") == ["https://w3id.org/nanokg/target/psma"]


def test_remote_keeps_datatypes(backends):
    for backend in ("oxigraph-server", "virtuoso"):  # Virtuoso's JSON says "typed-literal"
        rows = backends[backend].sparql("SELECT ?rank WHERE { val:phase-3 nkg:stageRank ?rank }").rows
        assert rows == [(5,)] and isinstance(rows[0][0], int), backend


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


# -- Virtuoso 7 ---------------------------------------------------------------------------


# every query is in a form Virtuoso 7.2.5 compiles (README.md, "Virtuoso": the portable forms)
@pytest.mark.parametrize("name", QUERIES)
def test_every_query_gives_the_same_answer_on_virtuoso(backends, virtuoso_loaded, name):
    expected = answer(backends["embedded"], name)
    columns, rows = answer(backends["virtuoso"], name)
    if name == "stats-graphs":
        # the union of every graph in the store: Virtuoso's own system graphs are in it too
        system = {("value", g) for g in virtuoso_loaded.system_graphs}
        assert system <= {row[0] for row in rows}
        rows = [row for row in rows if row[0] not in system]
    assert (columns, rows) == expected


def test_names_resolve_within_a_class_on_virtuoso(backends):
    # 65 of the 13,056 (key, parameter class) lookups of the built graph differ; these are three
    for name, cls in [
        ("Genexol-PM", NKG.CarrierPlatform),
        ("PK1", NKG.Nanomedicine),
        ("small interfering RNA", NKG.Agent),
    ]:
        assert backends["virtuoso"].find(name, str(cls)) == backends["embedded"].find(name, str(cls)), name


def test_virtuoso_holds_the_graph_as_built(backends, virtuoso_loaded, store):
    from collections import Counter

    assert virtuoso_loaded.graphs() - virtuoso_loaded.system_graphs == {g.value for g in store.named_graphs()}
    count = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    built = Counter({q.graph_name.value: 0 for q in store}) + Counter(q.graph_name.value for q in store)
    held = dict(backends["virtuoso"].sparql(count).rows)
    assert {g: held[g] for g in built} == dict(built)
    # the OWL axioms stay blank nodes: same structure, and labels Virtuoso writes nodeID://b1001 read as _:b1001
    axioms = "SELECT ?r ?p WHERE { GRAPH <https://w3id.org/nanokg/graph/ontology> { ?r owl:onProperty ?p } }"
    on_virtuoso, embedded = backends["virtuoso"].sparql(axioms).rows, backends["embedded"].sparql(axioms).rows
    assert on_virtuoso and all(r.startswith("_:") for r, _ in on_virtuoso)
    assert sorted(p for _, p in on_virtuoso) == sorted(p for _, p in embedded)
    assert len({r for r, _ in on_virtuoso}) == len({r for r, _ in embedded})


def test_virtuoso_booleans_read_as_booleans(backends):
    # Virtuoso writes xsd:boolean as 1 and 0; the backend gives them their canonical forms
    results = backends["virtuoso"].sparql("SELECT (xsd:boolean(1 < 2) AS ?yes) (xsd:boolean(2 < 1) AS ?no) WHERE {}")
    assert results.rows == [(True, False)]
    assert [t.value for t in results.terms[0]] == ["true", "false"]


def test_virtuoso_refusal_is_its_own_message(backends):
    with pytest.raises(EndpointError) as caught:
        backends["virtuoso"].sparql("SELECT * WHERE { ?a rdfs:subClassOf+ ?b }")
    message = str(caught.value)
    assert "transitive start not given" in message and "SPARQL query:" not in message
    assert len(message) < 400 and "\n" not in message


@pytest.fixture(scope="module")
def small_virtuoso(tmp_path_factory):
    """A second Virtuoso that cuts results at 5 rows; its own system graphs are data enough."""
    from servers import VirtuosoServer

    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso-small") / "db", max_rows=5)
    yield server
    server.stop()


def test_results_cut_at_the_row_limit_raise(small_virtuoso):
    kg = KnowledgeGraph.remote(small_virtuoso.query_url)
    with pytest.raises(TruncatedResultsError, match=r"127\.0\.0\.1:\d+/sparql: .*5 rows.*X-SPARQL-MaxRows: 5"):
        kg.sparql("SELECT * WHERE { ?s ?p ?o }")
    assert len(kg.sparql("SELECT * WHERE { ?s ?p ?o } LIMIT 4")) == 4
    assert kg.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0] > 5


def test_results_cut_at_the_time_limit_raise(small_virtuoso):
    # a `timeout` (ms) in the request makes Virtuoso answer with what it has so far, HTTP 200
    backend = RemoteBackend(f"{small_virtuoso.query_url}?timeout=300")
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(REGEX(CONCAT(STR(?c), STR(?f)), 'z.*z.*q')) }"
    with pytest.raises(TruncatedResultsError, match=r"incomplete results.*S1TAT"):
        backend.select(slow)


def test_cli_reports_cut_results_in_one_line(small_virtuoso):
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nanokg",
            "sparql",
            "SELECT * WHERE { ?s ?p ?o }",
            "--endpoint",
            small_virtuoso.query_url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("nanokg: error: ") and "X-SPARQL-MaxRows: 5" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_the_query_face_exports_lazily():
    # importing the package imports none of its modules; each name then comes from its module
    code = (
        "import sys, nanokg.query as q\n"
        "print(sorted(m for m in sys.modules if m.startswith('nanokg.query.')))\n"
        "print(all(getattr(q, n).__module__.startswith('nanokg.') for n in q.__all__ if callable(getattr(q, n))))\n"
        "print(sorted(set(q.__all__) ^ set(dir(q))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "True", "[]"]
