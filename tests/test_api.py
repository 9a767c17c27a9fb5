"""The catalogue as a web API: `/api/NAME` of a real `nanokg serve`, its OpenAPI document, and the
catalogue published in the graph as SHACL SPARQL executables (the SIB sparql-examples convention)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest

from nanokg import settings
from nanokg.curation.catalogue import Catalogue
from nanokg.curation.catalogue_graph import catalogue_graph, query_iri
from nanokg.query.federation import SERVICES, redirect_services
from nanokg.serve.app import create_app
from nanokg.serve.openapi import RESERVED_NAMES
from nanokg.serve.workers import ServeError
from nanokg.vocabulary import GRAPHS
from servers import NanokgServer

# every test here talks to a real server started on loopback (tiers: tests/conftest.py)
pytestmark = pytest.mark.server

QUERIES = Catalogue().names()
INJECTION = 'x" } ; DROP ALL #'


@pytest.fixture(scope="module")
def server(built_store, federation_standin, tmp_path_factory):
    # federation_standin sets $NANOKG_SERVICES, which the server inherits: the federated queries call
    # the local stand-in instead of Wikidata and UniProt, on the server as in `nanokg query`
    served = NanokgServer(built_store, tmp_path_factory.mktemp("api"))
    try:
        yield served
    finally:
        served.stop()


def get(url: str, accept: str | None = None):
    """Status, headers (case-insensitive) and body of a GET."""
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def api(server, name: str, accept: str | None = None, **params: str):
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    return get(f"{server.base}/api/{name}{query}", accept)


def sparql(server, text: str) -> dict:
    form = urllib.parse.urlencode({"query": text}).encode()
    request = urllib.request.Request(
        server.url, data=form, headers={"Accept": "application/sparql-results+json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


# -- /api/NAME gives what `nanokg query` gives ------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", QUERIES)
def test_every_query_answers_as_nanokg_query_does(server, kg, name):
    status, headers, body = api(server, name)
    assert status == 200, body
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    expected = json.loads(kg.query(name).to_json())
    assert json.loads(body) == expected
    assert expected["results"]["bindings"], f"{name} answers nothing with its defaults"
    # the text the graph publishes for this query (sh:select, defaults bound) gives the same rows at /sparql
    published = sparql(server, f"""PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?text WHERE {{ <{query_iri(name)}> sh:select ?text }}""")  # fmt: skip
    (row,) = published["results"]["bindings"]
    text = row["text"]["value"]
    if "SERVICE" in text:  # the published text names the public endpoints; point them at the stand-in
        text = redirect_services(text)
    assert sparql(server, text) == expected


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("products-by-target", {"target": "CD71"}),  # a synonym, resolved as `nanokg query` resolves it
        ("products-by-target", {"target": "target:psma"}),  # a CURIE
        ("approvals-timeline", {"fromyear": "2000", "toyear": "2010"}),
        ("products-by-size", {"minsize": "50", "maxsize": "150.5"}),
        ("findings-by-text", {"text": "neutropenia"}),
        ("terminated-trials", {"reason": "nephrotoxicity"}),  # an optional parameter given
        ("fact-sources", {"subject": "Doxil"}),
    ],
)
def test_parameters_are_bound_as_nanokg_query_binds_them(server, kg, name, params):
    status, _, body = api(server, name, **params)
    assert status == 200, body
    expected = kg.query(name, **params)
    assert json.loads(body) == json.loads(expected.to_json())
    assert len(expected), f"{name} {params} answers nothing"
    # CSV, by extension and by Accept
    for status, headers, csv in (api(server, f"{name}.csv", **params), api(server, name, "text/csv", **params)):
        assert status == 200
        assert headers["Content-Type"].startswith("text/csv")
        assert csv.decode() == expected.to_csv()
    status, headers, body = api(server, f"{name}.json", "text/csv", **params)  # the extension wins
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == json.loads(expected.to_json())


def test_the_accept_header_chooses_the_format(server):
    assert api(server, "products", "application/json")[1]["Content-Type"].startswith("application/json")
    assert api(server, "products", "text/csv;q=0.9, application/json;q=0.5")[1]["Content-Type"].startswith("text/csv")
    assert api(server, "products", "text/html,*/*;q=0.8")[1]["Content-Type"].startswith("application/sparql-results")
    status, headers, body = api(server, "products", "image/png")
    assert status == 406
    assert headers["Content-Type"] == "application/json"
    assert "text/csv" in json.loads(body)["error"]


# -- values are values -------------------------------------------------------------------------


def test_an_injected_value_is_only_a_value(server, store, kg):
    before = len(store)
    status, _, body = api(server, "findings-by-text", text=INJECTION)
    assert status == 200, body
    assert json.loads(body)["results"]["bindings"] == []  # a literal that no finding contains
    status, _, body = api(server, "products-by-target", target=INJECTION)
    assert status == 400
    assert json.loads(body) == {
        "error": f"parameter 'target': no nkg:MolecularTarget named {INJECTION!r} in the graph",
        "parameter": "target",
    }
    assert len(store) == before
    status, _, body = api(server, "stats-graphs")
    counts = {b["graph"]["value"]: int(b["triples"]["value"]) for b in json.loads(body)["results"]["bindings"]}
    assert counts == {str(g): len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(str(g))))) for g in GRAPHS.values()}  # fmt: skip
    assert {r["name"] for r in kg.query("products-by-target")} == {"SGT-53", "CALAA-01"}


@pytest.mark.parametrize(
    ("name", "params", "parameter", "message"),
    [
        ("products-by-target", {"bogus": "1"}, "bogus", "query 'products-by-target' has no parameter 'bogus'"),
        ("approvals-timeline", {"fromyear": "soon"}, "fromyear", "parameter 'fromyear' takes a integer, not 'soon'"),
        ("products-by-size", {"minsize": "NaN"}, "minsize", "parameter 'minsize' takes a number"),
        ("products-by-target", {"target": " "}, "target", "parameter 'target' is empty"),
        ("products-by-target", {"target": "Unobtainium"}, "target", "no nkg:MolecularTarget named 'Unobtainium'"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(server, name, params, parameter, message):
    status, headers, body = api(server, name, **params)
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert b"\n" not in body.strip()  # one line
    error = json.loads(body)
    assert error["parameter"] == parameter
    assert message in error["error"]


def test_a_repeated_parameter_is_400(server):
    status, _, body = get(f"{server.base}/api/products-by-target?target=CD71&target=PSMA")
    assert status == 400
    assert json.loads(body) == {"error": "parameter 'target' is given 2 times; give it once", "parameter": "target"}


def test_an_unknown_query_is_404(server):
    for path in ("/api/no-such-query", "/api/no-such-query.csv", "/api/products.xml"):
        status, headers, body = get(f"{server.base}{path}")
        assert status == 404, path
        assert headers["Content-Type"] == "application/json"
        assert "no query named" in json.loads(body)["error"]


# -- the server's own routes and names ---------------------------------------------------------


def test_the_server_routes_still_answer(server, kg):
    status, _, body = get(f"{server.base}/api/queries")
    assert status == 200
    assert [q["name"] for q in json.loads(body)] == QUERIES
    assert json.loads(get(f"{server.base}/api/prefixes")[2])["nkg"] == "https://w3id.org/nanokg/ontology#"
    assert any(t["curie"] == "nkg:Nanomedicine" for t in json.loads(get(f"{server.base}/api/terms")[2]))


def test_no_query_takes_a_name_of_the_server():
    assert not set(QUERIES) & RESERVED_NAMES


def test_a_query_named_like_a_server_route_stops_the_server(built_store, tmp_path, monkeypatch):
    folder = tmp_path / "queries"
    folder.mkdir()
    for name in ("products", "terms"):
        (folder / f"{name}.rq").write_text((settings.queries_dir() / "products.rq").read_text())
    monkeypatch.setattr(settings, "queries_dir", lambda: folder)
    with pytest.raises(ServeError, match=r"terms\.rq: the name 'terms' is the server's own /api/terms"):
        create_app(built_store)


@pytest.mark.slow
def test_answers_are_cut_at_max_rows_and_time_out(built_store, tmp_path):
    served = NanokgServer(built_store, tmp_path, "--max-rows", "3")
    try:
        status, headers, body = api(served, "products")
        assert status == 200
        assert len(json.loads(body)["results"]["bindings"]) == 3
        assert headers["X-SPARQL-MaxRows"] == "3"
    finally:
        served.stop()
    served = NanokgServer(built_store, tmp_path, "--timeout", "0.001")
    try:
        status, headers, body = api(served, "products")
        assert status == 503
        assert headers["Retry-After"] == "1"
        assert json.loads(body) == {"error": "query timed out after 0.001 s"}
    finally:
        served.stop()


# -- the OpenAPI document ---------------------------------------------------------------------


def test_the_openapi_document_validates_and_covers_the_catalogue(server, kg):
    from openapi_spec_validator import validate

    status, _, body = get(f"{server.base}/api/openapi.json")
    assert status == 200
    document = json.loads(body)
    validate(document)
    assert document["servers"] == [{"url": f"{server.base}/"}]
    assert sorted(path.removeprefix("/api/") for path in document["paths"]) == QUERIES
    operation = document["paths"]["/api/products-by-size"]["get"]
    spec = kg.catalogue["products-by-size"]
    assert (operation["operationId"], operation["summary"], operation["tags"]) == (spec.name, spec.summary, spec.tags)
    assert operation["description"].startswith(spec.description)
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["minsize"]["schema"] == {"type": "number", "default": 10}
    assert parameters["maxsize"]["in"] == "query"
    target = document["paths"]["/api/products-by-target"]["get"]["parameters"][0]
    assert target["schema"] == {"type": "string", "default": "https://w3id.org/nanokg/target/transferrin-receptor"}
    assert "nkg:MolecularTarget" in target["description"]
    timeline = {p["name"]: p["schema"] for p in document["paths"]["/api/approvals-timeline"]["get"]["parameters"]}
    assert timeline == {
        "fromyear": {"type": "integer", "default": 1990},
        "toyear": {"type": "integer", "default": 2030},
    }
    optional = document["paths"]["/api/terminated-trials"]["get"]["parameters"][0]
    assert "default" not in optional["schema"] and "Optional" in optional["description"]
    assert {t["name"] for t in document["tags"]} == {t for name in QUERIES for t in kg.catalogue[name].tags}
    responses = operation["responses"]
    assert set(responses) == {"200", "400", "406", "503"}
    assert set(responses["200"]["content"]) == {"application/sparql-results+json", "application/json", "text/csv"}


def test_a_broken_document_does_not_validate(server):
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    document = json.loads(get(f"{server.base}/api/openapi.json")[2])
    del document["paths"]["/api/products"]["get"]["responses"]
    with pytest.raises(OpenAPIValidationError):
        validate(document)


# -- the catalogue in the graph -----------------------------------------------------------------

# the SIB sparql-examples shape for an example query (their ValidateSparqlExamplesWithSHACLTest)
SIB_SHAPE = """
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
[] sh:targetClass sh:SPARQLExecutable ;
  sh:property [ sh:path [ sh:alternativePath ( sh:select sh:ask sh:describe sh:construct ) ] ;
                sh:maxCount 1 ; sh:minCount 1 ] ,
              [ sh:path rdfs:comment ; sh:minCount 1 ;
                sh:or ( [ sh:datatype rdf:langString ] [ sh:datatype rdf:HTML ] ) ] ,
              [ sh:path schema:target ; sh:minCount 1 ] ,
              [ sh:path schema:keyword ; sh:maxCount 0 ] .
"""


def test_the_published_catalogue_follows_the_sib_convention(store):
    from pyshacl import validate
    from rdflib import RDFS, Graph

    graph = Graph()
    graph.parse(
        data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(str(GRAPHS["queries"]))), format="nt"
    )
    conforms, _, report = validate(graph, shacl_graph=Graph().parse(data=SIB_SHAPE, format="turtle"))
    assert conforms, report
    assert len(graph) == len(catalogue_graph())
    # and the shape does catch a query without its description
    graph.remove((None, RDFS.comment, None))
    assert not validate(graph, shacl_graph=Graph().parse(data=SIB_SHAPE, format="turtle"))[0]


def test_a_sparql_user_finds_the_questions_at_the_endpoint(server, kg):
    found = sparql(
        server,
        """PREFIX sh: <http://www.w3.org/ns/shacl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?query ?title ?question WHERE {
          ?query a sh:SPARQLSelectExecutable ; dcterms:title ?title ; rdfs:comment ?question .
        } ORDER BY ?query""",
    )["results"]["bindings"]
    assert [row["query"]["value"] for row in found] == [query_iri(name) for name in QUERIES]
    spec = kg.catalogue["products-by-target"]
    row = next(r for r in found if r["query"]["value"] == query_iri("products-by-target"))
    assert (row["title"], row["question"]) == (
        {"type": "literal", "value": spec.summary, "xml:lang": "en"},
        {"type": "literal", "value": spec.description, "xml:lang": "en"},
    )
    parameters = sparql(
        server,
        f"""PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?name ?default ?class ?optional WHERE {{
          <{query_iri("terminated-trials")}> sh:parameter ?p . <{query_iri("products-by-target")}> sh:parameter ?q .
          ?q sh:name ?name ; sh:defaultValue ?default ; sh:class ?class . ?p sh:optional ?optional
        }}""",
    )["results"]["bindings"]
    assert [{k: v["value"] for k, v in row.items()} for row in parameters] == [
        {
            "name": "target",
            "default": "https://w3id.org/nanokg/target/transferrin-receptor",
            "class": "https://w3id.org/nanokg/ontology#MolecularTarget",
            "optional": "true",
        }
    ]


def test_federated_queries_name_their_endpoints(server):
    found = sparql(
        server,
        """PREFIX spex: <https://purl.expasy.org/sparql-examples/ontology#>
        SELECT ?query ?endpoint WHERE { ?query spex:federatesWith ?endpoint } ORDER BY ?query""",
    )["results"]["bindings"]
    assert [(row["query"]["value"], row["endpoint"]["value"]) for row in found] == [
        (query_iri("federated-uniprot-targets"), SERVICES["uniprot"]),
        (query_iri("federated-wikidata-drugs"), SERVICES["wikidata"]),
    ]
