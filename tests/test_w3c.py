"""The W3C SPARQL 1.1 Service Description and Protocol tests, run against a real `nanokg serve`.

The manifests are the W3C's own (tests/fixtures/w3c, copied from the public w3c/rdf-tests
repository: see tests/fixtures/README.md), read here by a small runner of our own:

* Protocol (``sparql/sparql11/protocol/manifest.ttl``): each ``mf:ProtocolTest`` is a list of
  ``ht:Request`` (method, path, headers, body with its encoding) with the expected
  ``ht:Response`` (status class, format ``boolean``/``tabular``/``RDF``, boolean value). The
  runner sends each request as written, the path's ``/sparql/`` pointed at the server's
  ``/sparql`` as the manifest says to, and checks the answer's status, its media type (one
  of the family the format names) and, by parsing the body, the format and the boolean.
  The data its ``ut:graphData`` name (data1.nt .. data3.nt, each in the graph of its label)
  make the served store. Every test runs but those in :data:`SKIPPED`, each with its reason.
* Service description (``sparql/sparql11/service-description/manifest.ttl``): its three
  tests have no machine-readable action; they are those of the W3C's validator
  (kasei/sparql11-sdvalidator, ``sdvalidator.cgi``): ``returns-rdf`` (a GET on the endpoint
  returns RDF), ``has-endpoint-triple`` (``?service sd:endpoint <the URL fetched>``) and
  ``conforms-to-schema`` (every ``sd:NamedGraph`` has an ``sd:name``; the runner also
  checks the validator's best-practice tests: services, datasets, named graphs and graphs
  typed, a recognised language, a dataset with a graph).
"""

from __future__ import annotations

import os
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from nanokg.serve.description import RESULT_FORMAT_IRIS, SD
from nanokg.serve.protocol import GRAPH_MEDIA_TYPES, RESULT_MEDIA_TYPES
from nanokg.store.transaction import write_store
from servers import NanokgServer

# every test here talks to a real server started on loopback (tiers: tests/conftest.py)
pytestmark = pytest.mark.server

W3C = Path(__file__).parent / "fixtures" / "w3c"
PROTOCOL = W3C / "protocol" / "manifest.ttl"
SERVICE_DESCRIPTION = W3C / "service-description" / "manifest.ttl"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
UT = "http://www.w3.org/2009/sparql/tests/test-update#"
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

#: Protocol tests not run, by the local name of their IRI in the manifest, with the reason.
#: Each sends SPARQL Update and expects it to succeed; `nanokg serve` is read-only by design
#: (docs/guide/serve.md) and answers every update 403, which test_update_requests_are_refused checks.
SKIPPED = {
    "update_dataset_default_graph": "SPARQL Update with using-graph-uri: the endpoint is read-only",
    "update_dataset_default_graphs": "SPARQL Update with using-graph-uri: the endpoint is read-only",
    "update_dataset_named_graphs": "SPARQL Update with using-named-graph-uri: the endpoint is read-only",
    "update_dataset_full": "SPARQL Update with a protocol dataset: the endpoint is read-only",
    "update_post_form": "SPARQL Update by form POST: the endpoint is read-only",
    "update_post_direct": "SPARQL Update by application/sparql-update POST: the endpoint is read-only",
    "update_base_uri": "SPARQL Update (INSERT DATA with a relative IRI): the endpoint is read-only",
}
# The bad_update_* tests do run: each expects a 4xx, which a read-only endpoint gives every update.
# No protocol test asks for a dataset nanokg refuses: default-graph-uri, named-graph-uri and FROM are honoured.


# -- reading a manifest --------------------------------------------------------------------------


class Manifest:
    """The triples of a Turtle manifest, indexed by subject and predicate."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.index: dict[tuple, list] = defaultdict(list)
        for triple in ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=path.as_uri()):
            self.index[(triple.subject, triple.predicate.value)].append(triple.object)

    def objects(self, subject, predicate: str) -> list:
        return self.index.get((subject, predicate), [])

    def one(self, subject, predicate: str, default=None):
        found = self.objects(subject, predicate)
        assert len(found) <= 1, (subject, predicate, found)
        return found[0] if found else default

    def items(self, head) -> list:
        """The members of the RDF list starting at ``head``."""
        members = []
        while head != ox.NamedNode(RDF + "nil"):
            members.append(self.one(head, RDF + "first"))
            head = self.one(head, RDF + "rest")
        return members

    def entries(self) -> list[ox.NamedNode]:
        return self.items(self.one(ox.NamedNode(self.path.as_uri()), MF + "entries"))


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[str]  # the expected status classes: "2xx", "3xx", "4xx" ...
    fmt: str | None = None  # "boolean", "tabular" or "RDF"
    boolean: bool | None = None


@dataclass(frozen=True)
class ProtocolTest:
    iri: str
    name: str
    requests: list[HttpRequest]
    graph_data: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.iri.rsplit("#", 1)[1]


def _request(manifest: Manifest, node) -> HttpRequest:
    headers = {
        manifest.one(h, HT + "fieldName").value: manifest.one(h, HT + "fieldValue").value
        for head in manifest.objects(node, HT + "headers")
        for h in manifest.items(head)
    }
    body = manifest.one(node, HT + "body")
    data = None
    if body is not None:
        data = manifest.one(body, CNT + "chars").value.encode(manifest.one(body, CNT + "characterEncoding").value)
    response = manifest.one(node, HT + "resp")
    boolean = manifest.one(response, MF + "expectedBoolean")
    fmt = manifest.one(response, MF + "expectedFormat")
    return HttpRequest(
        method=manifest.one(node, HT + "methodName").value,
        path=manifest.one(node, HT + "absolutePath").value,
        headers=headers,
        body=data,
        statuses=frozenset(s.value.removeprefix(HTS) for s in manifest.objects(response, MF + "expectedStatus")),
        fmt=fmt.value if fmt is not None else None,
        boolean=None if boolean is None else boolean.value == "true",
    )


def protocol_tests() -> list[ProtocolTest]:
    manifest = Manifest(PROTOCOL)
    tests = []
    for entry in manifest.entries():
        assert manifest.one(entry, RDF + "type") == ox.NamedNode(MF + "ProtocolTest"), entry
        action = manifest.one(entry, MF + "action")
        requests = [_request(manifest, r) for head in manifest.objects(action, HT + "requests")
                    for r in manifest.items(head)]  # fmt: skip
        graph_data = [
            (
                Path(urllib.parse.urlparse(manifest.one(g, UT + "graph").value).path),
                manifest.one(g, RDFS + "label").value,
            )
            for g in manifest.objects(entry, UT + "graphData")
        ]
        tests.append(ProtocolTest(entry.value, manifest.one(entry, MF + "name").value, requests, graph_data))
    return tests


PROTOCOL_TESTS = protocol_tests()


# -- the server ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`nanokg serve` over a store holding the manifest's graph data, each file in the graph of its label."""
    source = ox.Store()
    for path, graph in {pair for test in PROTOCOL_TESTS for pair in test.graph_data}:
        source.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                      for t in ox.parse(path=path, format=ox.RdfFormat.N_TRIPLES))  # fmt: skip
    directory = tmp_path_factory.mktemp("w3c")
    write_store(directory / "store", source)
    # no $NANOKG_SERVICES mirrors here (another module's stand-in may have set them): SERVICE calls nothing
    env = {k: v for k, v in os.environ.items() if k != "NANOKG_SERVICES"}
    served = NanokgServer(directory / "store", directory, env=env)
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.base, timeout=30) as client:
        yield client


# -- the protocol manifest -----------------------------------------------------------------------


def _path(request: HttpRequest) -> str:
    """The request's path on the server: "replace [/sparql/] with whatever path prefix is appropriate" (the manifest)."""
    assert request.path.startswith("/sparql/"), request.path
    return "/sparql" + request.path.removeprefix("/sparql/")


def _status_class(status: int) -> str:
    return f"{status // 100}xx"


def _check_format(request: HttpRequest, response: httpx.Response) -> None:
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if request.fmt in ("boolean", "tabular"):
        assert media_type in RESULT_MEDIA_TYPES, media_type
        format_ = ox.QueryResultsFormat.from_media_type(media_type)
        parsed = ox.parse_query_results(response.content, format=format_)
        if request.fmt == "boolean":
            assert isinstance(parsed, ox.QueryBoolean), parsed
            if request.boolean is not None:
                assert bool(parsed) is request.boolean
        else:
            assert isinstance(parsed, ox.QuerySolutions), parsed
            assert parsed.variables and list(parsed)
    elif request.fmt == "RDF":
        assert media_type in GRAPH_MEDIA_TYPES, media_type
        list(ox.parse(response.content, format=ox.RdfFormat.from_media_type(media_type)))


@pytest.mark.parametrize("test", PROTOCOL_TESTS, ids=lambda t: t.id)
def test_protocol(http, server, test):
    if test.id in SKIPPED:
        pytest.skip(SKIPPED[test.id])
    for request in test.requests:
        response = http.request(request.method, _path(request), headers=request.headers, content=request.body)
        assert _status_class(response.status_code) in request.statuses, (test.iri, response.status_code, response.text)
        if 200 <= response.status_code < 300:
            _check_format(request, response)


def test_the_manifest_is_read_whole():
    # 34 tests: a fixture cut short, or a runner that misreads it, would pass vacuously
    assert len(PROTOCOL_TESTS) == 34
    assert set(SKIPPED) <= {t.id for t in PROTOCOL_TESTS}
    assert all(t.requests and all(r.statuses for r in t.requests) for t in PROTOCOL_TESTS)
    by_id = {t.id: t for t in PROTOCOL_TESTS}
    construct = by_id["query_content_type_construct"].requests[0]
    assert (construct.method, construct.body, construct.fmt) == ("POST", b"CONSTRUCT { <s> <p> 1 } WHERE {}", "RDF")
    assert by_id["bad_query_non_utf8"].requests[0].body == "ASK {}".encode("utf-16")
    assert len(by_id["query_dataset_full"].graph_data) == 3


def test_every_skipped_test_sends_an_update():
    for test in PROTOCOL_TESTS:
        sends_update = any(
            r.headers.get("content-type") == "application/sparql-update" or (r.body or b"").startswith(b"update=")
            for r in test.requests
        )
        assert (test.id in SKIPPED) == (sends_update and not test.id.startswith("bad_")), test.id


def test_update_requests_are_refused(http):
    # what the skipped tests send first is an update: refused, and the data stay as they were
    for test in PROTOCOL_TESTS:
        if test.id not in SKIPPED:
            continue
        first = test.requests[0]
        response = http.request(first.method, _path(first), headers=first.headers, content=first.body)
        assert response.status_code == 403, (test.id, response.text)
        assert "read-only" in response.text
    count = http.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"})
    assert count.json()["results"]["bindings"][0]["n"]["value"] == "3"


# -- the service-description manifest --------------------------------------------------------------

SD_RDF_ACCEPTS = [None, "*/*", "text/turtle", "application/rdf+xml", "application/n-triples", "application/ld+json",
                  "application/n-quads", "text/turtle;q=0.9, application/rdf+xml;q=0.5"]  # fmt: skip


def _description(http, path: str = "/sparql", accept: str | None = None) -> list[ox.Triple]:
    """GET ``path`` without parameters and parse the RDF it answers (the validator's returns-rdf)."""
    response = http.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.text
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type in GRAPH_MEDIA_TYPES, media_type
    triples = list(ox.parse(response.content, format=ox.RdfFormat.from_media_type(media_type)))
    assert triples
    return triples


def _returns_rdf(http, server) -> None:
    for accept in SD_RDF_ACCEPTS:
        _description(http, accept=accept)


def _has_endpoint_triple(http, server) -> None:
    for path in ("/sparql", "/query"):
        for accept in SD_RDF_ACCEPTS:
            triples = _description(http, path, accept)
            endpoint = ox.NamedNode(server.base + path)
            assert [t for t in triples if t.predicate == ox.NamedNode(SD + "endpoint") and t.object == endpoint], (
                path,
                accept,
            )


def _typed(triples, kind: str, domains=(), ranges=()) -> list:
    """The validator's best-practice check: every node in those positions is typed ``sd:kind``."""
    candidates = {t.subject for t in triples if t.predicate.value in {SD + d for d in domains}}
    candidates |= {t.object for t in triples if t.predicate.value in {SD + r for r in ranges}}
    typed = {t.subject for t in triples if t.predicate.value == RDF + "type" and t.object.value == SD + kind}
    assert candidates and candidates <= typed, (kind, candidates - typed)
    return sorted(candidates, key=str)


def _conforms_to_schema(http, server) -> None:
    for accept in SD_RDF_ACCEPTS:
        triples = _description(http, accept=accept)
        # the validator's required check: every sd:NamedGraph has an sd:name
        named = {
            t.subject for t in triples if t.predicate.value == RDF + "type" and t.object.value == SD + "NamedGraph"
        }
        with_name = {t.subject for t in triples if t.predicate.value == SD + "name"}
        assert named and named <= with_name
        # and its best-practice checks
        _typed(triples, "Service", domains=["endpoint", "feature", "supportedLanguage", "resultFormat",
                                            "defaultDataset", "defaultEntailmentRegime"])  # fmt: skip
        datasets = _typed(triples, "Dataset", domains=["defaultGraph"], ranges=["defaultDataset"])
        _typed(triples, "NamedGraph", domains=["name", "graph"], ranges=["namedGraph"])
        _typed(triples, "Graph", ranges=["defaultGraph", "graph"])
        languages = {t.object.value for t in triples if t.predicate.value == SD + "supportedLanguage"}
        assert languages & {SD + "SPARQL10Query", SD + "SPARQL11Query", SD + "SPARQL11Update"}
        for dataset in datasets:
            assert [t for t in triples if t.subject == dataset and t.predicate.value in (SD + "defaultGraph",
                                                                                         SD + "namedGraph")]  # fmt: skip


SD_CHECKS = {"returns-rdf": _returns_rdf, "has-endpoint-triple": _has_endpoint_triple,
             "conforms-to-schema": _conforms_to_schema}  # fmt: skip


def service_description_tests() -> list[str]:
    manifest = Manifest(SERVICE_DESCRIPTION)
    entries = manifest.entries()
    assert all(manifest.one(e, RDF + "type") == ox.NamedNode(MF + "ServiceDescriptionTest") for e in entries)
    return [e.value.rsplit("#", 1)[1] for e in entries]


@pytest.mark.parametrize("name", service_description_tests())
def test_service_description(http, server, name):
    SD_CHECKS[name](http, server)


def test_the_service_description_manifest_has_the_three_tests():
    assert sorted(service_description_tests()) == sorted(SD_CHECKS)


def test_the_description_says_what_the_server_does(http, server):
    triples = _description(http)

    def values(predicate: str) -> set[str]:
        return {t.object.value for t in triples if t.predicate.value == SD + predicate}

    # one IRI per format the protocol answers in, and no other
    assert set(RESULT_FORMAT_IRIS) == set(RESULT_MEDIA_TYPES.values()) | set(GRAPH_MEDIA_TYPES.values())
    assert values("resultFormat") == set(RESULT_FORMAT_IRIS.values())
    assert values("supportedLanguage") == {SD + "SPARQL10Query", SD + "SPARQL11Query"}  # no Update
    assert values("feature") == {SD + "UnionDefaultGraph"}  # no SERVICE endpoint allowed here
    graphs = {t.subject: t.object.value for t in triples if t.predicate.value == SD + "name"}
    assert sorted(graphs.values()) == [f"http://kasei.us/2009/09/sparql/data/data{n}.rdf" for n in (1, 2, 3)]
    sizes = {t.subject: t.object.value for t in triples if t.predicate.value == "http://rdfs.org/ns/void#triples"}
    assert len(sizes) == 3 and set(sizes.values()) == {"1"}
