"""`nanokg serve`: the real command on 127.0.0.1, asked through SPARQLWrapper and plain HTTP.

Same answers as the embedded store for every named query; updates refused in every form
with the store unchanged; the three ways of sending a query; every result format parsed
back; content negotiation, errors, CORS; the row limit and its header; the timeout that
kills and replaces a worker; the command's own errors.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import httpx
import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare
from rdflib.query import Result

from nanokg import KnowledgeGraph
from nanokg.curation.catalogue import Catalogue
from nanokg.query.backends import TruncatedResultsError
from nanokg.query.federation import redirect_services
from nanokg.vocabulary import GRAPHS, PREFIXES
from servers import NanokgServer
from test_backends import answer

# every test here talks to a real server started on loopback (tiers: tests/conftest.py)
pytestmark = pytest.mark.server

QUERIES = Catalogue().names()
PRODUCTS = "SELECT ?p ?label WHERE { ?p a nkg:Nanomedicine ; rdfs:label ?label } ORDER BY ?p"
DOXIL = "CONSTRUCT { product:doxil ?p ?o } WHERE { product:doxil ?p ?o }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
UPDATE = "INSERT DATA { GRAPH <https://w3id.org/nanokg/graph/asserted> { <urn:x:s> <urn:x:p> <urn:x:o> } }"
SPARQL_XML = "{http://www.w3.org/2005/sparql-results#}"


@pytest.fixture(scope="module")
def server(built_store, federation_standin, tmp_path_factory):
    # federation_standin sets $NANOKG_SERVICES before the server starts: SERVICE may call its mirrors only
    served = NanokgServer(built_store, tmp_path_factory.mktemp("serve"))
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.base, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def remote(server, federation_standin) -> KnowledgeGraph:
    # federation_standin: the federated queries call a local stand-in instead of Wikidata and UniProt
    return KnowledgeGraph.remote(server.url)


def products(kg: KnowledgeGraph) -> list[tuple]:
    return kg.sparql(PRODUCTS).rows


# -- same answers -------------------------------------------------------------------


@pytest.mark.parametrize("name", QUERIES)
def test_every_query_gives_the_embedded_answer_through_sparqlwrapper(kg, remote, name):
    expected = answer(kg, name)
    assert expected[1], f"{name} answers nothing with its defaults"
    assert answer(remote, name) == expected


@pytest.mark.parametrize(
    ("name", "params"), [("products-by-target", {"target": "PSMA"}), ("describe", {"entity": "Caelyx"})]
)
def test_names_resolve_through_the_server(kg, remote, name, params):
    assert answer(remote, name, **params) == answer(kg, name, **params)


def test_the_server_announces_its_url(server):
    assert f"{server.url} " in server.announced
    assert server.announced.count("\n") == 1


# -- read-only ----------------------------------------------------------------------


def test_updates_are_refused_in_every_form_and_nothing_changes(http, remote, store):
    before = (len(store), products(remote))
    attempts = [
        http.post("/sparql", data={"update": UPDATE}),
        http.post("/sparql", content=UPDATE, headers={"Content-Type": "application/sparql-update"}),
        http.post("/sparql", data={"query": UPDATE}),
        http.post("/sparql", content=UPDATE, headers={"Content-Type": "application/sparql-query"}),
        http.get("/sparql", params={"update": UPDATE}),
        http.get("/sparql", params={"query": "# a comment\nPREFIX x: <urn:x:>\n DROP ALL"}),
    ]
    for response in attempts:
        assert response.status_code == 403, response.text
        assert "read-only" in response.text and response.text.count("\n") == 1
    ask = http.post("/sparql", data={"query": "ASK { <urn:x:s> ?p ?o }"})
    assert ask.json()["boolean"] is False
    assert (len(store), products(remote)) == before


# -- the three ways to send a query -------------------------------------------------


def test_get_form_post_and_sparql_query_post_give_the_same_answer(http, kg):
    expected = kg.sparql(PRODUCTS).to_sparql_json()
    accept = {"Accept": "application/sparql-results+json"}
    responses = [
        http.get("/sparql", params={"query": PRODUCTS}, headers=accept),
        http.post("/sparql", data={"query": PRODUCTS}, headers=accept),
        http.post("/sparql", content=PRODUCTS, headers={**accept, "Content-Type": "application/sparql-query"}),
        http.post("/query", data={"query": PRODUCTS}, headers=accept),
    ]
    for response in responses:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/sparql-results+json"
        assert response.json() == expected


def test_keep_alive_answers_do_not_stall(http):
    # a listening socket not marked TCP made asyncio skip TCP_NODELAY: 40 ms per answer on a kept-alive connection
    timings = []
    for _ in range(21):
        started = time.perf_counter()
        assert http.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        timings.append(time.perf_counter() - started)
    assert sorted(timings)[10] < 0.025


# -- formats ------------------------------------------------------------------------


def _xml_rows(text: str) -> list[dict[str, str]]:
    root = ET.fromstring(text)
    return [
        {b.get("name"): next(iter(b)).text for b in result.iter(f"{SPARQL_XML}binding")}
        for result in root.iter(f"{SPARQL_XML}result")
    ]


def test_select_in_every_results_format(http, kg):
    expected = [{"p": p, "label": label} for p, label in kg.sparql(PRODUCTS).rows]
    assert len(expected) == 42

    def get(accept: str) -> httpx.Response:
        response = http.post("/sparql", data={"query": PRODUCTS}, headers={"Accept": accept})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == accept
        return response

    document = get("application/sparql-results+json").json()
    assert [{k: v["value"] for k, v in b.items()} for b in document["results"]["bindings"]] == expected
    xml = get("application/sparql-results+xml").text
    assert _xml_rows(xml) == expected
    parsed = Result.parse(io.BytesIO(xml.encode()), format="xml")
    assert [(str(r.p), str(r.label)) for r in parsed] == [(e["p"], e["label"]) for e in expected]
    assert list(csv.DictReader(io.StringIO(get("text/csv").text))) == expected
    tsv = Result.parse(io.BytesIO(get("text/tab-separated-values").content), format="tsv")
    assert [(str(r.p), str(r.label)) for r in tsv] == [(e["p"], e["label"]) for e in expected]


def test_ask_in_every_results_format(http):
    query = {"query": "ASK { product:doxil nkg:hasPayload drug:doxorubicin }"}
    assert http.post("/sparql", data=query).json() == {"head": {}, "boolean": True}
    xml = http.post("/sparql", data=query, headers={"Accept": "application/sparql-results+xml"}).text
    assert ET.fromstring(xml).find(f"{SPARQL_XML}boolean").text == "true"
    for accept in ("text/csv", "text/tab-separated-values"):
        assert http.post("/sparql", data=query, headers={"Accept": accept}).text.strip() == "true"


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/n-quads", "nquads"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_in_every_rdf_format(http, store, accept, rdflib_format):
    triples = store.query(DOXIL, prefixes=PREFIXES, use_default_graph_as_union=True)
    expected = rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    assert len(expected) > 20
    response = http.post("/sparql", data={"query": DOXIL}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    graph = rdflib.Dataset() if rdflib_format == "nquads" else rdflib.Graph()
    graph.parse(data=response.content, format=rdflib_format)
    triples = rdflib.Graph()
    for triple in graph.triples((None, None, None)) if rdflib_format != "nquads" else graph.quads():
        triples.add(triple[:3])
    assert rdflib.compare.isomorphic(triples, expected)


def test_format_parameter_overrides_accept(http):
    response = http.get("/sparql", params={"query": PRODUCTS, "format": "csv"}, headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("text/csv")
    response = http.get("/sparql", params={"query": DOXIL, "format": "nt"})
    assert response.headers["content-type"] == "application/n-triples"
    response = http.get("/sparql", params={"query": DOXIL, "format": "yaml"})
    assert response.status_code == 400 and "format" in response.text


def test_unacceptable_formats_are_406(http):
    for query, accept in ((PRODUCTS, "image/png"), (DOXIL, "text/csv"), (PRODUCTS, "text/turtle")):
        response = http.post("/sparql", data={"query": query}, headers={"Accept": accept})
        assert response.status_code == 406, (query, accept)
        assert response.text.count("\n") == 1
    assert http.get("/sparql", params={"query": DOXIL, "format": "csv"}).status_code == 406


def test_browser_accept_gets_a_results_document(http):
    # what a browser sends: XML is preferred over */*, HTML is not on offer
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = http.get("/sparql", params={"query": PRODUCTS}, headers={"Accept": accept})
    assert response.headers["content-type"] == "application/xml"
    assert len(_xml_rows(response.text)) == 42


# -- bad requests -------------------------------------------------------------------


def test_syntax_error_is_400_with_the_parsers_position(http):
    response = http.post("/sparql", data={"query": "SELECT ?s WHERE {\n  ?s ?p }"})
    assert response.status_code == 400
    assert response.text.startswith("query:2:") and "SPARQL syntax error" in response.text


def test_missing_or_doubled_query_is_400(http):
    # without any parameter, GET is the service description (below); with some but no query, 400
    assert http.get("/sparql", params={"default-graph-uri": str(GRAPHS["ontology"])}).status_code == 400
    assert http.post("/sparql", data={"default-graph-uri": str(GRAPHS["ontology"])}).status_code == 400
    assert "no `query`" in http.post("/sparql", data={"query": " "}).text
    doubled = http.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert doubled.status_code == 400 and "several" in doubled.text


def test_other_bodies_are_refused(http):
    response = http.post("/sparql", content=PRODUCTS, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    huge = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (1 << 20)
    assert http.post("/sparql", content=huge, headers={"Content-Type": "application/sparql-query"}).status_code == 413
    bad_iri = http.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert bad_iri.status_code == 400 and bad_iri.text.startswith("default-graph-uri:")


# -- dataset ------------------------------------------------------------------------


def test_default_graph_is_the_union_and_the_protocol_dataset_is_honoured(http, store):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def n(**params) -> int:
        response = http.get("/sparql", params={"query": count, **params})
        assert response.status_code == 200, response.text
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    ontology = len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(str(GRAPHS["ontology"])))))
    assert n() == len(store)
    assert n(**{"default-graph-uri": str(GRAPHS["ontology"])}) == ontology
    assert n(**{"named-graph-uri": str(GRAPHS["ontology"])}) == 0  # named graphs only: an empty default graph
    from_clause = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPHS['ontology']}> WHERE {{ ?s ?p ?o }}"
    assert n(query=from_clause) == ontology
    named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert n(query=named, **{"named-graph-uri": str(GRAPHS["ontology"])}) == ontology


def test_no_triple_of_the_build_is_in_two_graphs(http):
    # so the union default graph is a set on nanokg's own graph, whatever the engine does with a
    # triple in two graphs (pyoxigraph 0.5 counts it twice: docs/guide/serve.md, "The default graph")
    shared = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?a { ?s ?p ?o } GRAPH ?b { ?s ?p ?o } FILTER(?a != ?b) }"
    response = http.get("/sparql", params={"query": shared})
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "0"
    distinct = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
    plain = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    counts = [http.get("/sparql", params={"query": q}).json()["results"]["bindings"][0]["n"]["value"]
              for q in (distinct, plain)]  # fmt: skip
    assert counts[0] == counts[1]


# -- relative IRIs and the service description --------------------------------------


def test_relative_iris_resolve_against_the_endpoint(http, server):
    # the W3C protocol test query_content_type_construct, and a BIND that once failed as "expected GROUP_CONCAT"
    construct = http.post("/sparql", content="CONSTRUCT { <s> <p> 1 } WHERE {}",
                          headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})  # fmt: skip
    assert construct.status_code == 200, construct.text
    assert construct.text.split(" ")[:2] == [f"<{server.base}/s>", f"<{server.base}/p>"]
    bind = http.get("/query", params={"query": "SELECT * WHERE { BIND(<x> AS ?x) }"})
    assert bind.json()["results"]["bindings"] == [{"x": {"type": "uri", "value": f"{server.base}/x"}}]
    # a query's own BASE wins; a syntax error beside a relative IRI is reported where it is
    base = http.get("/sparql", params={"query": "BASE <http://e.example/> SELECT * WHERE { BIND(<x> AS ?x) }"})
    assert base.json()["results"]["bindings"][0]["x"]["value"] == "http://e.example/x"
    broken = http.get("/sparql", params={"query": "SELECT * WHERE { <x> ?p }"})
    assert broken.status_code == 400 and broken.text.startswith("query:1:"), broken.text
    assert "SPARQL syntax error" in broken.text and "IRI" not in broken.text


SD = "http://www.w3.org/ns/sparql-service-description#"


def test_the_service_description_lists_the_store_s_named_graphs(http, server, store):
    response = http.get("/sparql", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/n-triples"
    assert "Accept" in response.headers["vary"].split(", ")
    triples = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
    names = {t.subject: t.object.value for t in triples if t.predicate.value == SD + "name"}
    graph_of = {t.subject: t.object for t in triples if t.predicate.value == SD + "graph"}
    sizes = {t.subject: int(t.object.value) for t in triples if t.predicate.value == "http://rdfs.org/ns/void#triples"}
    described = {names[n]: sizes[graph_of[n]] for n in names}
    expected = {g.value: sum(1 for _ in store.quads_for_pattern(None, None, None, g)) for g in store.named_graphs()}
    assert described == expected and str(GRAPHS["ontology"]) in described
    assert [t.object for t in triples if t.predicate.value == SD + "endpoint"] == [ox.NamedNode(server.url)]
    # SERVICE may call the stand-in's mirrors here, so federation is a feature of this server
    features = {t.object.value for t in triples if t.predicate.value == SD + "feature"}
    assert features == {SD + "UnionDefaultGraph", SD + "BasicFederatedQuery"}


def test_the_service_description_is_negotiated_and_a_browser_goes_to_the_page(http, server):
    assert http.get("/sparql").headers["content-type"] == "text/turtle; charset=utf-8"
    assert http.get("/sparql", headers={"Accept": "image/png"}).headers["content-type"].startswith("text/turtle")
    assert http.get("/sparql", headers={"Accept": "application/json"}).headers["content-type"] == "application/json"
    rdfxml = http.get("/sparql", headers={"Accept": "application/rdf+xml"})
    parsed = rdflib.Graph().parse(data=rdfxml.content, format="xml")  # another parser than the server's writer
    assert (None, rdflib.RDF.type, rdflib.URIRef(SD + "Service")) in parsed
    assert (None, rdflib.URIRef(SD + "endpoint"), rdflib.URIRef(server.url)) in parsed
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = http.get("/sparql", headers={"Accept": browser})
    assert page.status_code == 303 and page.headers["location"] == f"{server.base}/"


# -- CORS ---------------------------------------------------------------------------


def test_cors_preflight_and_headers(http):
    preflight = http.options(
        "/sparql",
        headers={
            "Origin": "http://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, accept",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    response = http.post("/sparql", data={"query": "ASK {}"}, headers={"Origin": "http://elsewhere.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "x-sparql-maxrows" in response.headers["access-control-expose-headers"].lower()


# -- the JSON routes of the query page ----------------------------------------------


@pytest.mark.slow
def test_api_queries_bind_defaults_as_terms_and_run(http, kg, federation_standin):
    entries = http.get("/api/queries").json()
    assert [e["name"] for e in entries] == QUERIES
    by_name = {e["name"]: e for e in entries}
    target = by_name["products-by-target"]
    assert target["summary"] and target["description"] and target["tags"] == ["targeting"]
    assert target["parameters"][0] | {"description": None} == {
        "name": "target",
        "type": "entity (nkg:MolecularTarget)",
        "kind": "iri",
        "required": True,
        "default": "https://w3id.org/nanokg/target/transferrin-receptor",
        "description": None,
        "class": "https://w3id.org/nanokg/ontology#MolecularTarget",
        "classCurie": "nkg:MolecularTarget",
    }
    assert "VALUES ?_target_iri { <https://w3id.org/nanokg/target/transferrin-receptor> }" in target["query"]
    assert target["template"] != target["query"]
    for entry in entries:
        # a client sends the query as it is, so the federated ones are pointed at the stand-in here
        query = redirect_services(entry["query"]) if "federated" in entry["tags"] else entry["query"]
        response = http.post("/sparql", data={"query": query})
        assert response.status_code == 200, (entry["name"], response.text)
        rows = response.json()["results"]["bindings"]
        assert len(rows) == len(kg.query(entry["name"])), entry["name"]


def test_api_prefixes_and_terms(http):
    assert http.get("/api/prefixes").json() == PREFIXES
    terms = {t["curie"]: t for t in http.get("/api/terms").json()}
    assert terms["nkg:Nanomedicine"]["kind"] == "class" and terms["nkg:Nanomedicine"]["label"]
    assert terms["nkg:hasPayload"]["kind"] == "property" and terms["nkg:hasPayload"]["type"] == "owl:ObjectProperty"
    assert terms["nkg:Nanomedicine"]["definition"]


# -- limits -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def limited(built_store, tmp_path_factory):
    served = NanokgServer(
        built_store, tmp_path_factory.mktemp("serve-limited"), "--max-rows", "5", "--cors-origin", "http://ok.example"
    )
    try:
        yield served
    finally:
        served.stop()


def test_results_are_cut_at_max_rows_with_the_header(limited):
    response = httpx.post(limited.url, data={"query": PRODUCTS}, timeout=30)
    assert response.status_code == 200
    assert response.headers["X-SPARQL-MaxRows"] == "5"
    assert len(response.json()["results"]["bindings"]) == 5
    graph = httpx.post(limited.url, data={"query": DOXIL}, headers={"Accept": "application/n-triples"}, timeout=30)
    assert graph.headers["X-SPARQL-MaxRows"] == "5" and len(graph.text.splitlines()) == 5
    small = httpx.post(limited.url, data={"query": "SELECT * WHERE { VALUES ?x { 1 2 3 4 5 } }"}, timeout=30)
    assert "X-SPARQL-MaxRows" not in small.headers and len(small.json()["results"]["bindings"]) == 5


def test_remote_backend_says_the_result_was_cut(limited):
    with pytest.raises(TruncatedResultsError, match="5"):
        KnowledgeGraph.remote(limited.url).sparql(PRODUCTS)


def test_cors_origins_can_be_restricted(limited):
    allowed = httpx.get(limited.url, params={"query": "ASK {}"}, headers={"Origin": "http://ok.example"})
    assert allowed.headers["access-control-allow-origin"] == "http://ok.example"
    other = httpx.get(limited.url, params={"query": "ASK {}"}, headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = httpx.options(
        limited.url, headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 400


@pytest.mark.slow
def test_a_slow_query_times_out_and_its_worker_is_replaced(built_store, tmp_path):
    served = NanokgServer(built_store, tmp_path, "--timeout", "1", "--workers", "1")
    try:
        before = served.group()
        started = time.monotonic()
        response = httpx.post(served.url, data={"query": SLOW}, timeout=30)
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert response.text.strip() == "query timed out after 1 s"
        assert elapsed < 5
        # the one worker was killed and a new one took its place
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (served.group() == before or len(served.group()) != len(before)):
            time.sleep(0.05)
        after = served.group()
        assert len(after) == len(before) and after != before
        assert products(KnowledgeGraph.remote(served.url)) == products(KnowledgeGraph.open(built_store))
    finally:
        served.stop()


def test_sigterm_stops_the_workers_too(built_store, tmp_path):
    served = NanokgServer(built_store, tmp_path, "--workers", "2")
    group = served.group()
    assert len(group) >= 4  # server, fork server, two workers
    os.kill(served.process.pid, signal.SIGTERM)  # the server alone, not its group
    served.process.wait(timeout=15)
    deadline = time.monotonic() + 10
    while served.group() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert served.group() == []
    served.stop()


# -- the command's own errors -------------------------------------------------------


def _serve(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nanokg", "serve", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_port_in_use_is_one_line(server, built_store):
    run = _serve("--port", str(server.port), "--store", str(built_store))
    assert run.returncode == 1
    assert run.stderr == f"nanokg: error: 127.0.0.1:{server.port} is already in use (choose another --port)\n"


def test_missing_store_is_one_line(tmp_path):
    run = _serve("--port", "0", "--store", str(tmp_path / "nothing"))
    assert run.returncode == 1
    assert run.stderr.startswith("nanokg: error: no nanokg store at ") and run.stderr.count("\n") == 1
    assert "Traceback" not in run.stderr
