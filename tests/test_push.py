"""Push into real stores, then query them: Oxigraph server (GSP and Update) and Virtuoso.

Faults are real too: a server stopped half-way through a push, and transient errors and
auth injected by a proxy in front of a real server (tests/proxy.py).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pyoxigraph as ox
import pytest
import requests

from nanokg import KnowledgeGraph
from nanokg.publish.push import (
    Credentials,
    PushError,
    PushUsageError,
    Target,
    chunk_triples,
    push,
    store_targets,
)
from nanokg.vocabulary import GRAPHS
from proxy import FaultyProxy
from servers import OxigraphServer
from test_backends import QUERIES, allow_service_calls, answer

# every test here talks to a real server started on loopback (tiers: tests/conftest.py)
pytestmark = pytest.mark.server

ASSERTED = str(GRAPHS["asserted"])


def graph_triples(server_url: str, graph: str) -> set[tuple[str, str, str]]:
    kg = KnowledgeGraph.remote(server_url)
    rows = kg.sparql(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").rows
    return {tuple(str(v) for v in row) for row in rows}


def graph_names(server_url: str) -> set[str]:
    rows = KnowledgeGraph.remote(server_url).sparql("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    return {str(row[0]) for row in rows}


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    """A fresh, empty Oxigraph server of this module's own (the session one is shared)."""
    server = OxigraphServer(tmp_path_factory.mktemp("push-oxigraph") / "data")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def targets(store) -> list[Target]:
    return store_targets(store)


# -- chunking --------------------------------------------------------------------------


def test_chunks_never_split_a_blank_node_group(store):
    ontology = next(t for t in store_targets(store, ["ontology"]))
    chunks = chunk_triples(ontology.triples, 50)
    assert sum(len(c) for c in chunks) == len(ontology.triples)
    owner: dict[str, int] = {}
    for number, chunk in enumerate(chunks):
        for triple in chunk:
            for term in (triple.subject, triple.object):
                if isinstance(term, ox.BlankNode):
                    assert owner.setdefault(term.value, number) == number, f"_:{term.value} split across chunks"
    assert owner, "the ontology graph has OWL axioms as blank nodes"
    assert max(len(c) for c in chunks) <= 50 or len(chunks) > 1


def test_chunk_size_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        chunk_triples([], 0)


# -- Oxigraph server: both protocols, then the whole query library ----------------------


@pytest.mark.slow
@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_push_then_every_query_answers_as_embedded(oxigraph, targets, kg, protocol, federation_standin):
    report = push(targets, oxigraph.query_url, protocol=protocol, chunk_size=2000)
    assert report.profile == "oxigraph"  # detected from the Server header
    assert report.graphs == {t.graph: len(t.triples) for t in targets}
    assert report.chunks > len(targets)  # the provenance graph alone needs several chunks
    remote = KnowledgeGraph.remote(oxigraph.query_url)
    for name in QUERIES:
        assert answer(remote, name) == answer(kg, name), name


@pytest.mark.slow
def test_push_replaces_the_graph_and_leaves_other_graphs_alone(oxigraph, targets, kg):
    stale = '<https://w3id.org/nanokg/product/stale> <http://www.w3.org/2000/01/rdf-schema#label> "stale" .'
    theirs = "https://example.org/their-own-graph"
    oxigraph.put_graph(theirs, b"<https://example.org/a> <https://example.org/b> <https://example.org/c> .")
    # a stale triple in our graph must go: a push replaces, it does not add
    push([Target(ASSERTED, [*ox.parse(stale, format=ox.RdfFormat.N_TRIPLES)])], oxigraph.query_url)
    push(targets, oxigraph.query_url)
    assert "https://w3id.org/nanokg/product/stale" not in {s for s, _, _ in graph_triples(oxigraph.query_url, ASSERTED)}
    assert graph_triples(oxigraph.query_url, theirs) == {
        ("https://example.org/a", "https://example.org/b", "https://example.org/c")
    }
    assert not any("staging" in g for g in graph_names(oxigraph.query_url))
    assert answer(KnowledgeGraph.remote(oxigraph.query_url), "products-by-target") == answer(kg, "products-by-target")


def test_push_into_one_named_graph(oxigraph, store):
    into = "https://example.org/nanokg-all"
    [target] = store_targets(store, ["asserted", "inferred"], into=into)
    report = push([target], oxigraph.query_url)
    assert report.graphs == {into: len(target.triples)}
    assert len(target.triples) == len(set(target.triples))
    # the union would answer the provenance questions twice for the tests that follow
    requests.post(f"{oxigraph.base}/update", data={"update": f"DROP GRAPH <{into}>"}, timeout=30).raise_for_status()


# -- faults ------------------------------------------------------------------------------


def previous_version(targets: list[Target]) -> list[Target]:
    """The asserted graph less its first 100 triples: a 'previous release' to overwrite."""
    asserted = next(t for t in targets if t.graph == ASSERTED)
    return [Target(ASSERTED, list(asserted.triples)[100:])]


def test_server_stopped_half_way_leaves_the_previous_graph(tmp_path, targets):
    location = tmp_path / "data"
    server = OxigraphServer(location)
    try:
        old = previous_version(targets)
        push(old, server.query_url)
        before = graph_triples(server.query_url, ASSERTED)
        written = []

        def stop_after_two_chunks(triples: int) -> None:
            written.append(triples)
            if len(written) == 2:
                server.stop()

        with pytest.raises(PushError) as caught:
            push(targets, server.query_url, chunk_size=500, retries=1, backoff=0.01, progress=stop_after_two_chunks)
        message = str(caught.value)
        assert "cannot reach" in message and "previous graphs are left in place" in message
        assert "\n" not in message
    finally:
        server.stop()

    restarted = OxigraphServer(location)
    try:
        assert graph_triples(restarted.query_url, ASSERTED) == before
        assert len(before) == len(old[0].triples)
    finally:
        restarted.stop()


def test_rejected_chunk_leaves_the_previous_graph_and_drops_staging(oxigraph, targets):
    old = previous_version(targets)
    push(old, oxigraph.query_url)
    before = graph_triples(oxigraph.query_url, ASSERTED)
    proxy = FaultyProxy(oxigraph.base)
    try:
        # three requests pass (chunks), then the store answers 400 to the fourth
        passed = []
        with pytest.raises(PushError, match=r"rejected it .*HTTP 400.*previous graphs are left in place"):
            push(
                targets,
                f"{proxy.base}/query",
                profile="oxigraph",
                chunk_size=1000,
                progress=lambda n: passed.append(n) or (len(passed) == 3 and proxy.fail_next(1, 400)),
            )
    finally:
        proxy.stop()
    assert graph_triples(oxigraph.query_url, ASSERTED) == before
    assert not any("staging" in g for g in graph_names(oxigraph.query_url))


def test_transient_errors_are_retried(oxigraph, targets):
    proxy = FaultyProxy(oxigraph.base)
    try:
        proxy.fail_next(2, 503)
        report = push(targets[:1], f"{proxy.base}/query", profile="oxigraph", backoff=0.01)
    finally:
        proxy.stop()
    assert report.retries == 2
    assert report.graphs == {targets[0].graph: len(targets[0].triples)}


def test_transient_errors_give_up_with_a_clear_error(oxigraph, targets):
    proxy = FaultyProxy(oxigraph.base)
    try:
        proxy.fail_next(10, 503)
        with pytest.raises(PushError, match=r"HTTP 503.*gave up after 3 attempts.*left in place"):
            push(targets[:1], f"{proxy.base}/query", profile="oxigraph", retries=2, backoff=0.01)
    finally:
        proxy.stop()


def test_basic_auth_from_the_environment(oxigraph, targets, monkeypatch):
    proxy = FaultyProxy(oxigraph.base)
    proxy.require_basic("curator", "s3cret-basic")
    try:
        monkeypatch.setenv("NANOKG_PUSH_USER", "curator")
        monkeypatch.setenv("NANOKG_PUSH_PASSWORD", "wrong-password")
        with pytest.raises(PushError, match="refused the credentials") as caught:
            push(targets[:1], f"{proxy.base}/query", profile="oxigraph")
        assert "wrong-password" not in str(caught.value)
        monkeypatch.setenv("NANOKG_PUSH_PASSWORD", "s3cret-basic")
        report = push(targets[:1], f"{proxy.base}/query", profile="oxigraph")
    finally:
        proxy.stop()
    assert report.graphs == {targets[0].graph: len(targets[0].triples)}
    assert set(proxy.authorization_headers[-3:]) == {proxy.credentials}


def test_credentials_from_netrc(tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine store.example.org login curator password from-netrc\n")
    netrc.chmod(0o600)
    monkeypatch.delenv("NANOKG_PUSH_USER", raising=False)
    monkeypatch.setenv("NETRC", str(netrc))
    found = Credentials.lookup("https://store.example.org/sparql")
    assert found == Credentials("curator", "from-netrc")
    assert "from-netrc" not in repr(found)
    assert Credentials.lookup("https://elsewhere.example.org/sparql") is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"endpoint": "ftp://example.org/sparql"}, "--endpoint"),
        ({"endpoint": "http://user:pw@example.org/sparql"}, "credentials in the URL are refused"),
        ({"endpoint": "http://example.org/sparql", "protocol": "put"}, "--protocol"),
        ({"endpoint": "http://example.org/sparql", "profile": "fuseki2"}, "--profile"),
    ],
)
def test_bad_options_are_usage_errors(targets, kwargs, message):
    with pytest.raises(PushUsageError, match=message) as caught:
        push(targets[:1], **kwargs)
    assert "pw" not in str(caught.value)


def test_unknown_graph_name(store):
    with pytest.raises(PushUsageError, match="--graphs nonsense: unknown graph"):
        store_targets(store, ["asserted", "nonsense"])


# -- the command line -------------------------------------------------------------------


def nanokg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nanokg", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


@pytest.mark.slow
def test_cli_push(oxigraph, built_store, kg):
    done = nanokg("push", "--endpoint", oxigraph.query_url, "--store", str(built_store), "--protocol", "update")
    assert done.returncode == 0, done.stderr
    assert f"{ASSERTED}\t" in done.stdout
    assert "(oxigraph, update)" in done.stderr
    assert answer(KnowledgeGraph.remote(oxigraph.query_url), "describe") == answer(kg, "describe")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--endpoint", "http://127.0.0.1:9/query"], 1, "cannot reach"),
        (["--endpoint", "http://127.0.0.1:9/query", "--graphs", "asserted,bogus"], 2, "--graphs bogus"),
        (["--endpoint", "http://a:b@127.0.0.1:9/query"], 2, "credentials in the URL"),
    ],
)
@pytest.mark.slow
def test_cli_push_errors(built_store, args, code, message):
    done = nanokg("push", "--store", str(built_store), *args)
    assert done.returncode == code
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("nanokg: error: ") and message in lines[-1], done.stderr
    assert "Traceback" not in done.stderr


# -- Virtuoso: digest auth, both protocols, then the whole query library ----------------


@pytest.fixture()
def virtuoso_credentials(virtuoso_server, monkeypatch):
    user, password = virtuoso_server.credentials
    monkeypatch.setenv("NANOKG_PUSH_USER", user)
    monkeypatch.setenv("NANOKG_PUSH_PASSWORD", password)
    return user, password


@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_push_to_virtuoso_then_every_query_answers_as_embedded(virtuoso_server, virtuoso_credentials, targets, kg,
                                                               protocol, federation_standin):  # fmt: skip
    allow_service_calls(virtuoso_server)  # the federated queries call the local stand-in
    report = push(targets, virtuoso_server.query_url, protocol=protocol)
    assert report.profile == "virtuoso"
    assert report.graphs == {t.graph: len(t.triples) for t in targets}
    if protocol == "update":  # Virtuoso's SQL-size limit caps update chunks
        assert report.chunks >= sum(-(-len(t.triples) // 1000) for t in targets)
    remote = KnowledgeGraph.remote(virtuoso_server.query_url)
    for name in sorted(QUERIES):
        columns, rows = answer(remote, name)
        if name == "stats-graphs":  # Virtuoso's own system graphs are part of its union
            rows = [row for row in rows if row[0][1].startswith("https://w3id.org/nanokg/graph/")]
        assert (columns, rows) == answer(kg, name), name
    assert not any("staging" in g for g in graph_names(virtuoso_server.query_url))


def test_virtuoso_refuses_wrong_credentials_without_echoing_them(virtuoso_server, targets, monkeypatch):
    monkeypatch.setenv("NANOKG_PUSH_USER", "dba")
    monkeypatch.setenv("NANOKG_PUSH_PASSWORD", "not-the-password")
    with pytest.raises(PushError, match=r"refused the credentials \(HTTP 401\)") as caught:
        push(targets[:1], virtuoso_server.query_url)
    assert "not-the-password" not in str(caught.value)
    assert "previous graphs are left in place" in str(caught.value)


def test_virtuoso_asks_for_credentials(virtuoso_server, targets, monkeypatch, tmp_path):
    monkeypatch.delenv("NANOKG_PUSH_USER", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    with pytest.raises(PushError, match=r"asks for credentials \(HTTP 401\)"):
        push(targets[:1], virtuoso_server.query_url)


def test_cli_push_to_virtuoso_with_netrc(virtuoso_server, built_store, kg, tmp_path):
    user, password = virtuoso_server.credentials
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {user} password {password}\n")
    netrc.chmod(0o600)
    done = nanokg(
        "push", "--endpoint", virtuoso_server.query_url, "--store", str(built_store), "--graphs", "asserted,lookup",
        env={"NETRC": str(netrc), "NANOKG_PUSH_USER": ""},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "(virtuoso, gsp)" in done.stderr
    assert f"password {password}" not in done.stdout + done.stderr
    remote = KnowledgeGraph.remote(virtuoso_server.query_url)
    assert answer(remote, "products-by-target", target="CD71") == answer(kg, "products-by-target", target="CD71")
