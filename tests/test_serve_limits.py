"""`nanokg serve` cannot be exhausted: memory per worker, SERVICE calls, nesting, idle connections.

And the nesting guard on every other path that hands user text to Oxigraph: `nanokg sparql`,
`nanokg query FILE.rq`, `KnowledgeGraph.sparql`. Oxigraph dies of a segmentation fault on text
nested deep enough, so those run in a subprocess here: a regression fails the test, not the run.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from nanokg.curation.catalogue import Catalogue
from nanokg.sparql_text import MAX_DEPTH, MAX_ELEMENTS, QueryTooComplexError, check_query_text, query_shape
from servers import NanokgServer

# every server here is started on loopback; the tests without one are plain unit tests
server = pytest.mark.server

DEEP = "SELECT * WHERE " + "{" * 20_000 + "}" * 20_000
CHAIN = "SELECT * WHERE { " + "OPTIONAL { ?s ?p ?o } " * 3_000 + "}"
CROSS_JOIN = "SELECT * WHERE {?a ?b ?c . ?d ?e ?f} ORDER BY ?a ?f LIMIT 1"
LONG = '"' * 3


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nanokg", *args], input=stdin, capture_output=True, text=True, timeout=120, env=env
    )


def one_error_line(stderr: str) -> str:
    assert stderr.count("\n") == 1 and stderr.startswith("nanokg: error: "), stderr[-2000:]
    assert "Traceback" not in stderr
    return stderr


# -- the guard itself (sparql_text) ------------------------------------------------------------


def test_every_catalogue_query_is_far_below_the_limits():
    for spec in Catalogue():
        shape = check_query_text(spec.text, source=spec.name)
        assert shape.depth <= 12 and shape.elements <= 100, spec.name


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ('ASK { ?s ?p "{{{ \\" (((" }', 1),  # an escaped quote inside a string
        ("ASK { ?s ?p '{{{ \\' (((' }", 1),
        (f'ASK {{ ?s ?p {LONG} {{{{ \n \\{LONG} " "" ((( {LONG} }}', 1),  # a long string, escaped quotes in it
        ("ASK { ?s ?p <http://e/a((([[[> }", 1),  # brackets are IRI characters
        ("ASK { ?s ?p ?o } # {{{ (((", 1),
        ("ASK { ?s ?p ?o # {{{\r} ", 1),  # a carriage return ends a comment
        ("ASK { ?s ex:a\\(\\'b ?o }", 1),  # escaped characters of a prefixed name
        ("ASK { FILTER(?a<(((1)))) }", 5),  # a comparison: what follows it is structure
        ("ASK { FILTER(!!!(true)) }", 6),
        ("ASK { ?s ?p << ?a ?b << ?c ?d ?e >> >> }", 3),
    ],
)
def test_strings_iris_and_comments_hide_no_structure(text, depth):
    assert query_shape(text).depth == depth


@pytest.mark.parametrize(
    "text",
    [
        DEEP,
        CHAIN,
        "ASK { FILTER(" + "!" * 500 + "true) }",
        "ASK { " + "FILTER EXISTS { " * 200 + "}" * 200 + " }",
        "SELECT " + " ".join(f"(1 AS ?x{i})" for i in range(2_000)) + " WHERE {}",
        # structure Oxigraph reads where a naive scanner sees a string, a comment or a name
        "ASK { ?s ex:a\\' ?o " + "{" * 500 + "}" * 500 + " ' }",
        "ASK { ?s ?p " + LONG + ',""' + "{" * 500 + "}" * 500 + " \\q" + LONG + " }",
        "ASK { FILTER(?o<" + "(" * 500 + "1" + ")" * 500 + ">0) }",
        "ASK { { SELECT (?a<(" + "(" * 500 + "1" + ")" * 500 + ")>0 AS ?x) WHERE {} } }",
        "ASK { ?s ?p ?o FILTERBOUND(?a<ex:#>" + LONG + "\n(((" + LONG + ") }",
    ],
)
def test_deep_long_or_ambiguous_text_is_refused(text):
    with pytest.raises(QueryTooComplexError):
        check_query_text(text)


def test_values_rows_and_in_lists_may_be_long():
    rows = " ".join(f"(<http://e/a#{i}> -{i})" for i in range(5_000))
    check_query_text(f"SELECT * WHERE {{ VALUES (?a ?b) {{ {rows} }} FILTER(?b IN ({', '.join(['1'] * 5_000)})) }}")


# -- the same guard in `nanokg sparql`, `nanokg query FILE.rq` and the Python API ----------------


def test_sparql_command_refuses_deep_nesting_in_one_line(built_store):
    # today's segmentation fault: exit 139, no message
    done = run("sparql", "-", "--store", str(built_store), stdin=DEEP)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    line = one_error_line(done.stderr)
    assert line.startswith("nanokg: error: sparql:1:") and f"nested deeper than {MAX_DEPTH} levels" in line


def test_sparql_command_refuses_long_chains(built_store):
    done = run("sparql", "-", "--store", str(built_store), stdin=CHAIN)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert f"more than the {MAX_ELEMENTS}" in one_error_line(done.stderr)


def test_query_file_refuses_deep_nesting(built_store, tmp_path):
    path = tmp_path / "deep.rq"
    path.write_text("PREFIX ex: <http://e/>\n" + DEEP)
    done = run("query", str(path), "--store", str(built_store))
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert one_error_line(done.stderr).startswith(f"nanokg: error: {path}:2:")


def test_knowledge_graph_sparql_raises_instead_of_crashing(built_store):
    script = f"""
import sys
from nanokg import KnowledgeGraph
from nanokg.errors import InputError
kg = KnowledgeGraph.open({str(built_store)!r})
try:
    kg.sparql(sys.stdin.read())
except InputError as exc:
    print(type(exc).__name__, exc)
"""
    done = subprocess.run([sys.executable, "-c", script], input=DEEP, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (done.returncode, done.stderr[-500:])
    assert done.stdout.startswith("QueryTooComplexError sparql:1:")


# -- nanokg serve ------------------------------------------------------------------------------


class FakeEndpoint:
    """A SPARQL endpoint on loopback that answers every query with one row (?x = "called"), and counts."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the name http.server calls
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._answer()

            def do_GET(self) -> None:
                self._answer()

            def _answer(self) -> None:
                endpoint.paths.append(self.path.split("?")[0])
                body = json.dumps(
                    {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "called"}}]}}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def guarded(built_store, tmp_path_factory):
    """`nanokg serve` as it starts by default (one worker, to see it replaced or not)."""
    served = NanokgServer(built_store, tmp_path_factory.mktemp("serve-guarded"), "--workers", "1", "--timeout", "10")
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def fake_endpoint():
    endpoint = FakeEndpoint()
    try:
        yield endpoint
    finally:
        endpoint.stop()


@pytest.fixture(scope="module")
def federating(built_store, tmp_path_factory, fake_endpoint):
    """A server that may call one endpoint by option, and a mirror of Wikidata by $NANOKG_SERVICES."""
    env = {**os.environ, "NANOKG_SERVICES": f"wikidata={fake_endpoint.base}/mirror"}
    served = NanokgServer(
        built_store,
        tmp_path_factory.mktemp("serve-federating"),
        "--allow-service",
        f"{fake_endpoint.base}/sparql",
        "--timeout",
        "10",
        env=env,
    )
    try:
        yield served
    finally:
        served.stop()


def post(server: NanokgServer, query: str, **kwargs) -> httpx.Response:
    return httpx.post(server.url, data={"query": query}, timeout=30, **kwargs)


def still_answers(server: NanokgServer) -> None:
    response = httpx.get(server.url, params={"query": "ASK {}"}, timeout=30)
    assert response.status_code == 200 and response.json()["boolean"] is True


@server
def test_deep_nesting_is_400_and_the_worker_lives(guarded):
    before = guarded.group()
    for text, words in ((DEEP, f"nested deeper than {MAX_DEPTH} levels"), (CHAIN, f"more than the {MAX_ELEMENTS}")):
        response = httpx.post(
            guarded.url, content=text, headers={"Content-Type": "application/sparql-query"}, timeout=30
        )
        assert response.status_code == 400, response.text[:300]
        assert response.text.startswith("query:") and words in response.text
        assert response.text.count("\n") == 1
    assert guarded.group() == before  # no worker died
    still_answers(guarded)


@pytest.fixture()
def listener():
    """A loopback socket listening for connections that must never come."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        sock.setblocking(False)
        yield sock


def connection_attempted(sock: socket.socket, wait: float = 0.0) -> bool:
    # a worker calls a SERVICE before it answers: a connection would be waiting by now
    readable, _, _ = select.select([sock], [], [], wait)
    return bool(readable)


@pytest.mark.slow
@server
def test_service_is_refused_and_nothing_is_called(guarded, listener):
    target = f"http://127.0.0.1:{listener.getsockname()[1]}/admin"
    escaped = target.replace("admin", "adm\\u0069n")  # \u0069 is i, which Oxigraph unescapes in an IRI
    queries = [
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{target}> {{ ?s ?p ?x }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE<{target}>{{}} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }} }} }}",
        f"PREFIX t: <{target}> SELECT * WHERE {{ SERVICE t: {{ ?s ?p ?o }} }}",
        f"BASE <{target}/> SELECT * WHERE {{ SERVICE <x> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE <{escaped}> {{ ?s ?p ?o }} }}",
        f"PREFIX : <{target}> SELECT * WHERE {{ ?s ?p trueSERVICE:x {{ }} }}",  # `true SERVICE :x` to Oxigraph
    ]
    for query in queries:
        for response in (
            post(guarded, query),
            httpx.get(guarded.url, params={"query": query}, timeout=30),
            httpx.post(guarded.url, content=query, headers={"Content-Type": "application/sparql-query"}, timeout=30),
        ):
            assert response.status_code == 400, (query, response.status_code, response.text[:300])
            assert response.text.count("\n") == 1 and "SERVICE" in response.text, response.text
            assert "--allow-service" in response.text
        assert not connection_attempted(listener), f"the server called {target} for: {query}"
    named = post(guarded, f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}").text
    assert target in named  # the refusal names the endpoint
    still_answers(guarded)
    assert not connection_attempted(listener, wait=0.5)


@pytest.mark.slow
@server
def test_allowed_endpoints_and_mirrors_are_called(federating, fake_endpoint, listener):
    def called(endpoint: str) -> httpx.Response:
        return post(federating, f"SELECT ?x WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}")

    fake_endpoint.paths.clear()
    for endpoint, path in (
        (f"{fake_endpoint.base}/sparql", "/sparql"),  # --allow-service
        (f"{fake_endpoint.base}/mirror", "/mirror"),  # the NANOKG_SERVICES mirror, named itself
        ("https://query.wikidata.org/sparql", "/mirror"),  # the public endpoint, sent to its mirror
    ):
        response = called(endpoint)
        assert response.status_code == 200, (endpoint, response.text)
        assert response.json()["results"]["bindings"] == [{"x": {"type": "literal", "value": "called"}}]
        assert fake_endpoint.paths[-1] == path
    for endpoint in (f"{fake_endpoint.base}/other", f"http://127.0.0.1:{listener.getsockname()[1]}/admin"):
        response = called(endpoint)
        assert response.status_code == 400 and endpoint in response.text, response.text
    assert fake_endpoint.paths == ["/sparql", "/mirror", "/mirror"]
    assert not connection_attempted(listener)


def _read_until_closed(sock: socket.socket, received: bytearray) -> bool:
    """Read what ``sock`` has into ``received``; whether the server has closed it."""
    try:
        while chunk := sock.recv(4096):
            received += chunk
        return True
    except ConnectionResetError:
        return True
    except BlockingIOError:
        return False


@server
@pytest.mark.slow
def test_idle_and_half_open_connections_are_closed(built_store, tmp_path):
    timeout = 1.0
    served = NanokgServer(built_store, tmp_path, "--client-timeout", str(timeout))
    sockets: list[socket.socket] = []
    try:
        for n in range(40):
            sock = socket.create_connection(("127.0.0.1", served.port), timeout=5)
            if n % 4 == 1:  # a request line and some headers, never the blank line that ends them
                sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n")
            elif n % 4 == 2:  # a POST whose body never comes whole
                sock.sendall(
                    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                    b"Content-Length: 100\r\n\r\nASK"
                )
            elif n % 4 == 3:  # a byte of a request head now and then
                sock.sendall(b"G")
            sock.setblocking(False)  # n % 4 == 0: nothing at all
            sockets.append(sock)
        opened = time.monotonic()
        still_answers(served)  # meanwhile the server answers others
        received = [bytearray() for _ in sockets]
        open_ = set(range(len(sockets)))
        trickled = opened
        while open_ and time.monotonic() < opened + timeout + 10:
            if time.monotonic() - trickled > timeout / 4:
                for n in open_ & set(range(3, len(sockets), 4)):
                    with contextlib.suppress(OSError):
                        sockets[n].send(b"E")
                trickled = time.monotonic()
            open_ -= {n for n in open_ if _read_until_closed(sockets[n], received[n])}
            time.sleep(0.05)
        elapsed = time.monotonic() - opened
        assert not open_, f"{len(open_)} of 40 connections still open after {elapsed:.1f} s"
        assert elapsed < timeout + 5
        for n in range(2, len(sockets), 4):  # the late bodies were told why
            assert received[n].startswith(b"HTTP/1.1 408 "), bytes(received[n][:200])
        still_answers(served)
    finally:
        for sock in sockets:
            sock.close()
        served.stop()


def _worker_peak(server: NanokgServer, done: threading.Event) -> int:
    """Peak resident memory (KiB) seen in the server's query workers while ``done`` is unset."""
    peak = 0
    while not done.is_set():
        for pid in server.group():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    peak = max(peak, int(line.split()[1]))
        time.sleep(0.02)
    return peak


@pytest.mark.slow
@server
def test_a_query_over_the_memory_cap_is_503_and_its_worker_replaced(built_store, tmp_path):
    # without a cap this query grew a worker past 2.5 GB within 3 s
    cap = 384
    served = NanokgServer(built_store, tmp_path, "--workers", "1", "--timeout", "30", "--worker-memory", str(cap))
    try:
        before = served.group()
        done = threading.Event()
        peak: list[int] = []
        watcher = threading.Thread(target=lambda: peak.append(_worker_peak(served, done)))
        watcher.start()
        started = time.monotonic()
        try:
            response = post(served, CROSS_JOIN)
        finally:
            done.set()
            watcher.join()
        assert time.monotonic() - started < 20  # the cap, not the 30 s timeout
        assert response.status_code == 503, response.text
        assert response.text.count("\n") == 1 and f"{cap} MiB" in response.text and "memory" in response.text
        assert peak[0] < (cap + 128) * 1024, f"a worker reached {peak[0] // 1024} MiB"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (served.group() == before or len(served.group()) != len(before)):
            time.sleep(0.05)
        assert len(served.group()) == len(before) and served.group() != before
        still_answers(served)
    finally:
        served.stop()


def test_the_limits_are_options_of_serve():
    done = run("serve", "--help")
    for option in ("--worker-memory", "--allow-service", "--client-timeout"):
        assert option in done.stdout
