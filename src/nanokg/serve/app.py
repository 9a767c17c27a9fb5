"""``nanokg serve``: a read-only SPARQL 1.1 Protocol endpoint over the built store, with its query page.

``/sparql`` (also ``/query``, Oxigraph's name for it) answers queries sent as GET
``?query=``, as a form-encoded POST, or as a POST of ``application/sparql-query``.
``default-graph-uri`` and ``named-graph-uri`` are honoured. Otherwise the default graph
is the union of the named graphs, as on every nanokg backend, unless the query names its
own dataset with ``FROM``. The project's prefixes (``nkg:``, ``product:`` ...) are
predeclared. Results are negotiated on ``Accept`` (or a ``format`` parameter):
SELECT and ASK as SPARQL JSON (the default), XML, CSV or TSV; CONSTRUCT and DESCRIBE
as Turtle (the default), N-Triples, N-Quads, JSON-LD or RDF/XML. No acceptable format
is 406.

The endpoint is read-only: SPARQL Update, whether sent as ``update=``, as an
``application/sparql-update`` body or disguised as ``query=``, is refused with 403.
A syntax error is 400 with the parser's message and position.

Limits. A query runs in one of a few worker processes, each with its own read-only
handle on the store. pyoxigraph cannot interrupt a running query, so when one outlives
``timeout`` its worker is killed and replaced, and the client gets 503 "query timed out
after N s". A SELECT is cut at ``max_rows`` rows (a CONSTRUCT or DESCRIBE at
``max_rows`` triples), and a response that was cut carries the header
``X-SPARQL-MaxRows: <max_rows>``, the one Virtuoso sends in the same case. Each worker's
data memory (heap and anonymous mappings, ``RLIMIT_DATA``) is capped at ``worker_memory``
MiB: a query that needs more makes its worker fail an allocation and die, the worker is
replaced, and the client gets 503. Text nested deeper than
:data:`nanokg.sparql_text.MAX_DEPTH` levels or holding more than
:data:`~nanokg.sparql_text.MAX_ELEMENTS` operators, which would overflow Oxigraph's parser
stack and kill the worker, is 400 before it is parsed.

``SERVICE`` makes the worker call another endpoint, which a public server must not do on
anyone's behalf (it could reach hosts only the server sees). A query sent to ``/sparql``
may call only the endpoints in ``allow_services`` and the mirrors of ``$NANOKG_SERVICES``
(:mod:`nanokg.query.federation`; the public endpoints they stand for are pointed at them, as
``nanokg query`` does); any other ``SERVICE``, or one naming its endpoint other than by a
full IRI, is 400. The catalogue's own queries (``/api/NAME``) call what they name.

Connections: a client has ``client_timeout`` seconds, from the moment it connects or its
last answer was sent, to send a request's line and headers, and as long again for its
body; an idle or half-open connection is closed then (uvicorn alone times out only idle
kept-alive connections, not a request that never ends), a body that never comes whole
gets 408.

Beside the endpoint: the query page of :mod:`nanokg.serve.page` at ``/``, and three JSON
routes: ``/api/queries`` (the catalogue, each query with its defaults bound),
``/api/prefixes`` and ``/api/terms`` (the ontology's classes and properties, for the
page's autocompletion). CORS is open to ``cors_origins`` (every origin by default).

The catalogue as a web API: ``/api/NAME?param=value`` runs ``queries/NAME.rq`` in the
same worker pool (same timeout and row limit), its values bound as RDF terms exactly as
``nanokg query`` binds them (:func:`answer_named`), and answers SPARQL results JSON or CSV
(``Accept``, or the extension ``.json``/``.csv``). A bad parameter is 400 and an unknown
query 404, each a one-line JSON ``{"error": ..., "parameter": ...}``.
``/api/openapi.json`` describes these operations (:mod:`nanokg.serve.openapi`). The server's own
names under ``/api/`` (:data:`nanokg.serve.openapi.RESERVED_NAMES`) cannot be query names: the
server refuses to start over a catalogue that uses one.

Serve a rebuilt store by restarting the server: workers read the store they opened.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import multiprocessing
import os
import queue
import re
import resource
import signal
import socket
import sys
import threading
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from nanokg.errors import InputError, NanokgError
from nanokg.query.backends import MAX_ROWS_HEADER
from nanokg.sparql_text import QueryTooComplexError, check_query_text, query_shape
from nanokg.vocabulary import GRAPHS, PREFIXES

__all__ = ["MAX_ROWS_HEADER", "QueryPool", "ServeError", "ServeUsageError", "create_app", "negotiate", "serve"]

#: Largest request body accepted (a query, or a form holding one).
MAX_BODY_BYTES = 1 << 20
#: MiB of data memory a query worker may use unless told otherwise; an idle worker uses about 100
DEFAULT_WORKER_MEMORY = 1024
MIN_WORKER_MEMORY = 256
#: seconds a client has to send a request's headers (from connecting or its last answer), and its body
DEFAULT_CLIENT_TIMEOUT = 10.0

# media type -> format key, in the order the server prefers them when Accept ties
RESULT_MEDIA_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_MEDIA_TYPES = {
    "text/turtle": "turtle",
    "application/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/n-quads": "nquads",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/xml": "rdfxml",
    "text/xml": "rdfxml",
}
_GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
_BOOLEAN_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
# the `format` parameter: short name -> (results key, graph key)
_FORMAT_NAMES = {
    "json": ("json", "jsonld"),
    "xml": ("xml", "rdfxml"),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "turtle": (None, "turtle"),
    "ttl": (None, "turtle"),
    "ntriples": (None, "ntriples"),
    "nt": (None, "ntriples"),
    "nquads": (None, "nquads"),
    "nq": (None, "nquads"),
    "jsonld": (None, "jsonld"),
    "json-ld": (None, "jsonld"),
    "rdfxml": (None, "rdfxml"),
    "rdf": (None, "rdfxml"),
}
_UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_QUERY_FORMS = {"SELECT": "results", "ASK": "results", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
# the prologue (BASE and PREFIX declarations, comments) before a query's or update's first keyword
_PROLOGUE = re.compile(r"(?:\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s*[^\s:]*:\s*<[^>]*>)*", re.IGNORECASE)
# what may hide a FROM keyword: comments, strings, IRIs
_OPAQUE = re.compile(
    r"#[^\n]*"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>",
    re.DOTALL,
)
# the parameter a ParameterValueError of nanokg.query.engine names: "parameter 'target': ...", "needs parameter 'x'"
_PARAMETER_IN_MESSAGE = re.compile(r"parameter '([^']+)'")
# FROM as a keyword, not part of a variable (?from) or a prefixed name (ex:from, from:x)
_FROM = re.compile(r"(?<![\w?$:.\-])FROM(?![\w:\-])", re.IGNORECASE)


class ServeError(NanokgError, RuntimeError):
    """The server cannot start (the port is taken, the address is wrong...)."""


class ServeUsageError(InputError, ValueError):
    """An option of the server is unusable as given (exit 2)."""


def _endpoint_iri(url: str) -> str:
    """``url`` as ``SERVICE <...>`` would name it, if it is an absolute http(s) IRI."""
    try:
        iri = ox.NamedNode(url).value
    except ValueError as exc:
        raise ServeUsageError(f"--allow-service {url!r}: not an IRI ({exc})") from None
    if not re.match(r"https?://[^/?#]", iri):
        raise ServeUsageError(f"--allow-service {url!r}: not an http(s) endpoint")
    return iri


# -- reading a request -------------------------------------------------------------


def first_keyword(text: str) -> str:
    r"""The first keyword after the prologue, upper-cased: SELECT, ASK, INSERT ...

    Examples
    --------
    >>> first_keyword("PREFIX ex: <http://e/>  # a comment\n  insert data { ex:a ex:b ex:c }")
    'INSERT'
    >>> first_keyword("BASE <http://e/> select * {}")
    'SELECT'
    """
    rest = text[_PROLOGUE.match(text).end() :]
    word = re.match(r"[A-Za-z]+", rest)
    return word.group(0).upper() if word else ""


def names_a_dataset(text: str) -> bool:
    """Whether the query has a ``FROM`` or ``FROM NAMED`` clause (comments, strings and IRIs skipped).

    Examples
    --------
    >>> names_a_dataset("SELECT * FROM <http://e/g> WHERE { ?s ?p ?o }")
    True
    >>> names_a_dataset('SELECT ?from WHERE { ?from ex:from "FROM" }  # from')
    False
    """
    return _FROM.search(_OPAQUE.sub(" ", text)) is not None


def _accept_ranges(header: str) -> list[tuple[str, float]]:
    ranges = []
    for item in header.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q))
    return ranges


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offered media type the ``Accept`` header likes best, or None if it takes none.

    The most specific range that matches an offer gives its quality; ties go to the
    earlier offer. No header (or an empty one) takes the first offer.

    Examples
    --------
    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", ["application/sparql-results+json", "text/csv"])
    'text/csv'
    >>> negotiate("text/html,application/xml;q=0.9,*/*;q=0.8", ["text/turtle", "application/xml"])
    'application/xml'
    >>> negotiate("image/png", ["text/turtle"]) is None
    True
    """
    if not accept or not accept.strip():
        return offers[0] if offers else None
    ranges = _accept_ranges(accept)
    best, best_q = None, 0.0
    for offer in offers:
        kind = offer.split("/")[0]
        q = None
        for pattern in (offer, f"{kind}/*", "*/*"):
            matches = [quality for media, quality in ranges if media == pattern]
            if matches:
                q = max(matches)
                break
        if q is not None and q > best_q:
            best, best_q = offer, q
    return best


@dataclass(frozen=True)
class Reply:
    """What a worker (or the handler) answers.

    ``fmt`` is the format key of an answer (``json``, ``turtle`` ...), None for a
    plain-text error; ``truncated`` says the answer was cut at the row limit.
    """

    status: int
    body: bytes
    fmt: str | None = None
    truncated: bool = False

    @classmethod
    def error(cls, status: int, message: str) -> Reply:
        """A one-line plain-text error."""
        return cls(status, (message.rstrip() + "\n").encode("utf-8"))


# -- the worker processes ----------------------------------------------------------


def _syntax_message(text: str) -> str:
    from nanokg.query.backends import QuerySyntaxError, check_syntax

    try:
        check_syntax(text, prefixes=PREFIXES)
    except QuerySyntaxError as exc:
        return str(exc)
    return "query: SPARQL syntax error"


def _refused_service(calls, allowed: Sequence[str]) -> str | None:
    """Why one of ``calls`` (:class:`nanokg.sparql_text.ServiceCall`) may not run here, or None."""
    for call in calls:
        if call.endpoint is None:
            return (
                f"{call.written}: this server calls only endpoints its operator allows (nanokg serve "
                "--allow-service URL), named by their full IRI, SERVICE <http://...>"
            )
        if call.endpoint not in allowed:
            return (
                f"SERVICE <{call.endpoint}>: this server does not call that endpoint; its operator may allow "
                "it with `nanokg serve --allow-service URL`"
            )
    return None


def answer(store: ox.Store, job: dict[str, Any], max_rows: int) -> Reply:
    """Run one query on ``store`` and serialise its answer as the job asks.

    ``job`` holds ``query`` (text), ``results`` and ``graph`` (the format keys chosen for
    a SELECT/ASK and a CONSTRUCT/DESCRIBE answer; None where the client takes none),
    and the dataset: ``default_graph`` and ``named_graphs`` (IRIs, or None). A client's
    text also comes with ``services`` (the endpoints ``SERVICE`` may call) and ``mirrors``
    (public endpoint -> mirror, from ``$NANOKG_SERVICES``); without ``services`` (the
    catalogue's own text) any ``SERVICE`` runs.
    """
    from nanokg.query.results import Results

    text = job["query"]
    try:
        # before Oxigraph parses it: text nested too deep would overflow the parser's stack
        shape = check_query_text(text)
    except QueryTooComplexError as exc:
        return Reply.error(400, str(exc))
    if job.get("mirrors") and "SERVICE" in text.upper():
        from nanokg.query.federation import redirect_services

        text = redirect_services(text, job["mirrors"])
        shape = query_shape(text)  # what runs is what is checked
    if job.get("services") is not None:
        refusal = _refused_service(shape.services, job["services"])
        if refusal:
            return Reply.error(400, refusal)
    dataset: dict[str, Any] = {}
    if job.get("default_graph") is not None or job.get("named_graphs") is not None:
        # the protocol's dataset replaces the query's; naming only named graphs leaves the default graph empty
        dataset["default_graph"] = [ox.NamedNode(iri) for iri in job.get("default_graph") or []]
        if job.get("named_graphs") is not None:
            dataset["named_graphs"] = [ox.NamedNode(iri) for iri in job["named_graphs"]]
    elif not names_a_dataset(text):
        # pyoxigraph's union flag would override a FROM clause, so it is set only without one
        dataset["use_default_graph_as_union"] = True
    try:
        result = store.query(text, prefixes=PREFIXES, **dataset)
    except SyntaxError:
        return Reply.error(400, _syntax_message(text))
    if isinstance(result, ox.QueryBoolean):
        if job["results"] is None:
            return Reply.error(406, "an ASK answer is a SPARQL results document: accept JSON, XML, CSV or TSV")
        return Reply(200, result.serialize(format=_BOOLEAN_FORMATS[job["results"]]), job["results"])
    if isinstance(result, ox.QuerySolutions):
        if job["results"] is None:
            return Reply.error(406, "a SELECT answer is a SPARQL results document: accept JSON, XML, CSV or TSV")
        columns = [v.value for v in result.variables]
        solutions = list(itertools.islice(result, max_rows + 1))
        truncated = len(solutions) > max_rows
        results = Results(columns, [tuple(s[c] for c in columns) for s in solutions[:max_rows]])
        writer = {"json": results.to_json, "xml": results.to_xml, "csv": results.to_csv, "tsv": results.to_tsv}
        return Reply(200, writer[job["results"]]().encode("utf-8"), job["results"], truncated)
    if job["graph"] is None:
        return Reply.error(406, "a CONSTRUCT or DESCRIBE answer is RDF: accept Turtle, N-Triples, JSON-LD or RDF/XML")
    triples = list(itertools.islice(result, max_rows + 1))
    body = ox.serialize(triples[:max_rows], format=_GRAPH_FORMATS[job["graph"]], prefixes=PREFIXES)
    return Reply(200, body, job["graph"], len(triples) > max_rows)


_CATALOGUE: dict[str, Any] = {}


def answer_named(store: ox.Store, job: dict[str, Any], max_rows: int) -> Reply:
    """Run catalogue query ``job["named"]`` with ``job["params"]`` (strings) bound as RDF terms.

    Values become terms through :func:`nanokg.query.engine.prepare`, names of entities
    resolved on ``store`` as ``nanokg query`` resolves them; the terms reach the query in
    ``VALUES`` blocks, never pasted into its text. A parameter that is unknown, missing,
    of the wrong type or naming no entity is 400; an unknown query 404.
    """
    from nanokg.curation.catalogue import Catalogue, ParameterValueError, QueryNotFoundError
    from nanokg.query.backends import EmbeddedBackend, with_values
    from nanokg.query.engine import prepare

    catalogue = _CATALOGUE.setdefault("catalogue", Catalogue())  # one per worker: files parsed once
    try:
        spec = catalogue[job["named"]]
        text, bindings = prepare(EmbeddedBackend(store), spec, job["params"])
    except QueryNotFoundError as exc:
        return Reply.error(404, str(exc))
    except ParameterValueError as exc:
        return Reply.error(400, str(exc))
    return answer(store, {"query": with_values(text, bindings), "results": job["results"], "graph": None}, max_rows)


def _memory_message(memory: int) -> str:
    return (
        f"query needed more memory than the {memory} MiB a query worker may use (nanokg serve --worker-memory); "
        "narrow it"
    )


def _worker_main(conn, store_path: str, max_rows: int, memory: int = 0) -> None:
    """A worker's life: cap its memory, open the store, then answer jobs until the pipe closes.

    ``memory`` (MiB, 0: no cap) caps the data segment and anonymous mappings, where the
    engine's allocations go: past it an allocation fails and the engine aborts the process.
    """
    # Ctrl-C reaches the whole process group; the server decides when workers stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory:
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        cap = memory << 20 if hard == resource.RLIM_INFINITY else min(memory << 20, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    from nanokg.store.transaction import open_store  # the active generation, kept while this worker lives

    try:
        store = open_store(store_path)
    except OSError as exc:
        conn.send(("failed", f"cannot open the store {store_path}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = answer_named(store, job, max_rows) if "named" in job else answer(store, job, max_rows)
        except MemoryError:  # Python's allocations failed under the cap (Oxigraph's abort the worker)
            reply = Reply.error(503, _memory_message(memory))
        except Exception as exc:  # a failed query must not take the worker down
            reply = Reply.error(500, f"query failed: {' '.join(str(exc).split())[:500]}")
        conn.send(reply)


@dataclass(eq=False)  # hashed by identity: the pool keeps a set of them
class _Worker:
    process: Any
    conn: Any


class QueryPool:
    """A few worker processes, each holding a read-only handle on the store.

    :meth:`run` gives a job to an idle worker and waits for its answer at most
    ``timeout`` seconds; a worker that takes longer is killed and a new one started in
    its place, as is one that dies (over its ``memory`` cap, in MiB; 0: none). Workers
    come from a ``forkserver`` (the server has threads, so plain ``fork`` is unsafe),
    preloaded with this module so a replacement starts in milliseconds.
    """

    def __init__(
        self, store_path: Path, *, size: int = 2, timeout: float = 30.0, max_rows: int = 10000, memory: int = 0
    ) -> None:
        self.store_path, self.size, self.timeout, self.max_rows = Path(store_path), size, timeout, max_rows
        self.memory = memory
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._started = self._closed = False
        self._context = multiprocessing.get_context("forkserver")

    def start(self) -> None:
        """Start the workers and wait until each has opened the store (idempotent)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        self._context.set_forkserver_preload([__name__])
        launched = [self._launch() for _ in range(self.size)]
        for worker in launched:
            self._await_ready(worker)
            self._idle.put(worker)

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        with self._lock:
            return sorted(w.process.pid for w in self._workers)

    def _launch(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main,
            args=(child, str(self.store_path), self.max_rows, self.memory),
            name="nanokg-query",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _await_ready(self, worker: _Worker, boot_timeout: float = 60.0) -> None:
        message = "did not start"
        if worker.conn.poll(boot_timeout):
            try:
                status, detail = worker.conn.recv()
            except (EOFError, OSError):
                status, detail = "failed", "exited while starting"
            if status == "ready":
                return
            message = detail
        self._retire(worker)
        raise ServeError(f"a query worker failed: {message}")

    def _retire(self, worker: _Worker) -> int | None:
        """Stop ``worker`` if it runs; its exit code (-N: killed by signal N), None if it would not end."""
        with self._lock:
            self._workers.discard(worker)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        return worker.process.exitcode

    def _replace(self) -> None:
        def replace() -> None:
            if self._closed:
                return
            try:
                worker = self._launch()
                self._await_ready(worker)
            except (ServeError, OSError) as exc:
                print(f"nanokg serve: {exc}", file=sys.stderr, flush=True)
                return
            if self._closed:
                self._retire(worker)
            else:
                self._idle.put(worker)

        threading.Thread(target=replace, name="nanokg-replace-worker", daemon=True).start()

    def run(self, job: dict[str, Any]) -> Reply:
        """Answer ``job`` (see :func:`answer`) in a worker; blocks, so call it from a thread."""
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            return Reply.error(503, f"all {self.size} query workers stayed busy for {self.timeout:g} s; try again")
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                self._retire(worker)
                self._replace()
                return Reply.error(503, f"query timed out after {self.timeout:g} s")
            reply = worker.conn.recv()
        except (EOFError, OSError):
            code = self._retire(worker)
            self._replace()
            # an allocation over the cap aborts the engine (SIGABRT); the kernel's OOM killer sends SIGKILL
            if self.memory and code in (-signal.SIGABRT, -signal.SIGKILL):
                return Reply.error(503, _memory_message(self.memory))
            return Reply.error(500, "the query worker died while answering; try again")
        self._idle.put(worker)
        return reply

    def stop(self) -> None:
        """Kill every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            self._retire(worker)


# -- what the query page reads -----------------------------------------------------

_TERMS = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?term ?kind ?type (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?definition) WHERE {
  GRAPH ?ontology {
    VALUES (?type ?kind) {
      (owl:Class "class") (rdfs:Class "class") (owl:ObjectProperty "property")
      (owl:DatatypeProperty "property") (owl:AnnotationProperty "property") (rdf:Property "property")
    }
    ?term a ?type .
    FILTER(isIRI(?term))
    OPTIONAL { ?term rdfs:label ?l }
    OPTIONAL { ?term skos:definition ?d }
  }
}
GROUP BY ?term ?kind ?type
ORDER BY ?term
"""


class GraphInfo:
    """The catalogue and the ontology's terms as JSON-ready lists, read once from the store."""

    def __init__(self, store_path: Path) -> None:
        self.store_path = Path(store_path)
        self._lock = threading.Lock()
        self._cached: tuple[list, list] | None = None

    def _load(self) -> tuple[list, list]:
        with self._lock:
            if self._cached is None:
                from nanokg.query.backends import EmbeddedBackend
                from nanokg.store.transaction import open_store

                backend = EmbeddedBackend(open_store(self.store_path))
                try:
                    self._cached = (_catalogue_entries(backend), _ontology_terms(backend))
                finally:
                    backend.close()
            return self._cached

    def queries(self) -> list[dict[str, Any]]:
        """Every catalogue query, with its parameters and its text with the defaults bound."""
        return self._load()[0]

    def terms(self) -> list[dict[str, Any]]:
        """The ontology's classes and properties with label, CURIE and definition."""
        return self._load()[1]


def _catalogue_entries(backend) -> list[dict[str, Any]]:
    from nanokg.curation.catalogue import Catalogue
    from nanokg.query.backends import with_values
    from nanokg.query.engine import bind_parameters
    from nanokg.vocabulary import compact_iri

    entries = []
    for spec in Catalogue():
        params = [
            {
                "name": p.name,
                "type": p.type_label,
                "kind": p.kind,
                "required": p.required,
                "default": p.default,
                "description": p.description,
                "class": p.cls,
                "classCurie": compact_iri(p.cls) if p.cls else None,
            }
            for p in spec.params.values()
        ]
        entries.append(
            {
                "name": spec.name,
                "summary": spec.summary,
                "description": spec.description,
                "tags": spec.tags,
                "example": spec.example,
                "parameters": params,
                # the defaults as RDF terms in a VALUES block (nanokg.query.engine), never pasted into the text
                "query": with_values(spec.text, bind_parameters(backend, spec, {})),
                "template": spec.text,
            }
        )
    return entries


def _ontology_terms(backend) -> list[dict[str, Any]]:
    from nanokg.vocabulary import compact_iri

    results = backend.select(_TERMS, {"ontology": ox.NamedNode(str(GRAPHS["ontology"]))})
    return [
        {
            "iri": row["term"],
            "curie": compact_iri(row["term"]),
            "kind": row["kind"],
            "type": compact_iri(row["type"]),
            "label": row["label"],
            "definition": row["definition"],
        }
        for row in results.as_dicts()
    ]


# -- the application ---------------------------------------------------------------


async def _read_body(request, timeout: float) -> bytes | Reply:
    import anyio

    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return Reply.error(413, f"request body over {MAX_BODY_BYTES} bytes")
    chunks, size = [], 0
    # a body sent a byte at a time, or never finished, would hold the connection forever
    with anyio.move_on_after(timeout) as scope:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                return Reply.error(413, f"request body over {MAX_BODY_BYTES} bytes")
            chunks.append(chunk)
    if scope.cancelled_caught:
        return Reply.error(408, f"the request body did not arrive within {timeout:g} s")
    return b"".join(chunks)


def _parse_qs(text: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(text, keep_blank_values=True, errors="strict")


async def _protocol_request(request, body_timeout: float) -> dict[str, list[str]] | Reply:
    """The request's protocol parameters (query, update, default-graph-uri ...) or the reply refusing it."""
    try:
        params = _parse_qs(request.url.query)
    except UnicodeDecodeError:
        return Reply.error(400, "the URL's parameters are not UTF-8")
    if request.method != "POST":
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/sparql-update":
        return Reply.error(403, "this endpoint is read-only: SPARQL Update is not accepted")
    if content_type not in ("application/x-www-form-urlencoded", "application/sparql-query"):
        return Reply.error(415, "POST a form (application/x-www-form-urlencoded) or a query (application/sparql-query)")
    body = await _read_body(request, body_timeout)
    if isinstance(body, Reply):
        return body
    try:
        text = body.decode("utf-8")
        if content_type == "application/sparql-query":
            params.setdefault("query", []).insert(0, text)
        else:
            for key, values in _parse_qs(text).items():
                params.setdefault(key, []).extend(values)
    except UnicodeDecodeError:
        return Reply.error(400, "the request body is not UTF-8")
    return params


def _job(params: dict[str, list[str]], accept: str | None) -> dict[str, Any] | Reply:
    """The worker's job for a request, or the reply refusing it."""
    if "update" in params:
        return Reply.error(403, "this endpoint is read-only: SPARQL Update is not accepted")
    queries = params.get("query") or []
    if len(queries) != 1 or not queries[0].strip():
        what = "several `query` parameters" if len(queries) > 1 else "no `query` parameter"
        return Reply.error(400, f"{what}: send one SPARQL query as query= (GET or form POST) or a sparql-query body")
    text = queries[0]
    keyword = first_keyword(text)
    if keyword in _UPDATE_KEYWORDS:
        return Reply.error(403, f"this endpoint is read-only: {keyword} is SPARQL Update, which is not accepted")
    dataset: dict[str, list[str] | None] = {}
    for name, key in (("default-graph-uri", "default_graph"), ("named-graph-uri", "named_graphs")):
        values = params.get(name)
        for value in values or []:
            try:
                ox.NamedNode(value)
            except ValueError:
                return Reply.error(400, f"{name}: {value!r} is not an absolute IRI")
        dataset[key] = values
    formats = params.get("format")
    if formats:
        chosen = formats[-1].strip().lower()
        if chosen in _FORMAT_NAMES:
            results, graph = _FORMAT_NAMES[chosen]
        elif chosen in RESULT_MEDIA_TYPES or chosen in GRAPH_MEDIA_TYPES:
            results, graph = RESULT_MEDIA_TYPES.get(chosen), GRAPH_MEDIA_TYPES.get(chosen)
        else:
            names = ", ".join(dict.fromkeys(n for n in _FORMAT_NAMES if n not in ("ttl", "nt", "nq", "json-ld", "rdf")))
            return Reply.error(400, f"format: {formats[-1]!r} is not one of {names} or a media type of those")
    else:
        results = RESULT_MEDIA_TYPES.get(negotiate(accept, list(RESULT_MEDIA_TYPES)) or "")
        graph = GRAPH_MEDIA_TYPES.get(negotiate(accept, list(GRAPH_MEDIA_TYPES)) or "")
    kind = _QUERY_FORMS.get(keyword)
    if (kind == "results" and results is None) or (kind == "graph" and graph is None):
        offered = RESULT_MEDIA_TYPES if kind == "results" else GRAPH_MEDIA_TYPES
        return Reply.error(
            406, f"cannot answer a {keyword} query as {accept or formats[-1]!r}; it comes as {', '.join(offered)}"
        )
    return {"query": text, "results": results, "graph": graph, **dataset}


# the media type of a reply: the one the client asked for when it named an alias
def _media_type(key: str, accept: str | None, kind_map: dict[str, str]) -> str:
    aliases = [media for media, k in kind_map.items() if k == key]
    return negotiate(accept, aliases) or aliases[0]


def create_app(
    store_path: Path | str | None = None,
    *,
    timeout: float = 30.0,
    max_rows: int = 10000,
    workers: int = 2,
    cors_origins: Sequence[str] = ("*",),
    worker_memory: int = DEFAULT_WORKER_MEMORY,
    allow_services: Sequence[str] = (),
    client_timeout: float = DEFAULT_CLIENT_TIMEOUT,
):
    """The ASGI application: the SPARQL endpoint, the query page and its JSON routes.

    Parameters
    ----------
    store_path
        The built store (default: :func:`nanokg.store.transaction.default_store_path`).
    timeout
        Seconds a query may run before its worker is killed (the client gets 503).
    max_rows
        Rows (or triples) after which an answer is cut and marked with ``X-SPARQL-MaxRows``.
    workers
        Worker processes, hence queries that run at the same time.
    cors_origins
        Origins allowed to call the endpoint from a browser (``*``: every origin).
    worker_memory
        MiB of data memory each worker may use (0: no cap); a query that needs more gets 503.
    allow_services
        Endpoints a query's ``SERVICE`` may call, besides the mirrors of ``$NANOKG_SERVICES``.
    client_timeout
        Seconds a client has to send a request body (the headers: see :func:`serve`).

    Returns
    -------
    starlette.applications.Starlette
        Its ``state.pool`` (:class:`QueryPool`) starts with the application's lifespan,
        or earlier by calling ``state.pool.start()``.

    Raises
    ------
    nanokg.store.transaction.StoreMissingError
        If nothing was built at ``store_path``.
    ServeUsageError
        If ``worker_memory`` is too small to start a worker or an allowed endpoint is no http(s) IRI.
    nanokg.query.federation.ServiceOverrideError
        If ``$NANOKG_SERVICES`` is malformed.
    """
    import anyio.to_thread
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.middleware.gzip import GZipMiddleware
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from nanokg.curation.catalogue import Catalogue
    from nanokg.query.federation import service_overrides
    from nanokg.serve import page
    from nanokg.serve.openapi import API_MEDIA_TYPES, RESERVED_NAMES, openapi_document
    from nanokg.store.transaction import default_store_path, open_store

    if timeout <= 0 or max_rows < 1 or workers < 1 or client_timeout <= 0:
        raise ValueError("timeout and client_timeout must be positive, max_rows and workers at least 1")
    if worker_memory and worker_memory < MIN_WORKER_MEMORY:
        raise ServeUsageError(
            f"--worker-memory {worker_memory}: a worker needs about 100 MiB before any query; "
            f"give at least {MIN_WORKER_MEMORY} (MiB), or 0 for no cap"
        )
    mirrors = service_overrides()  # from $NANOKG_SERVICES, checked now rather than at the first query
    services = sorted({*map(_endpoint_iri, allow_services), *mirrors.values()})
    path = Path(store_path) if store_path is not None else default_store_path()
    open_store(path)  # fails now, with the usual message, if nothing was built there
    pool = QueryPool(path, size=workers, timeout=timeout, max_rows=max_rows, memory=worker_memory)
    info = GraphInfo(path)
    catalogue = Catalogue()
    names = set(catalogue.names())
    taken = sorted(names & RESERVED_NAMES)
    if taken:
        raise ServeError(
            f"{catalogue.directory / taken[0]}.rq: the name {taken[0]!r} is the server's own /api/{taken[0]}; "
            f"rename the query (reserved: {', '.join(sorted(RESERVED_NAMES))})"
        )

    def respond(reply: Reply, accept: str | None = None) -> Response:
        media_type = "text/plain"
        if reply.fmt is not None:
            media_type = _media_type(
                reply.fmt, accept, GRAPH_MEDIA_TYPES if reply.fmt in _GRAPH_FORMATS else RESULT_MEDIA_TYPES
            )
        headers = {"Vary": "Accept"}
        if reply.truncated:
            headers[MAX_ROWS_HEADER] = str(max_rows)
        if reply.status == 503:
            headers["Retry-After"] = "1"
        return Response(reply.body, status_code=reply.status, media_type=media_type, headers=headers)

    async def sparql(request) -> Response:
        accept = request.headers.get("accept")
        params = await _protocol_request(request, client_timeout)
        if isinstance(params, Reply):
            return respond(params)
        job = _job(params, accept)
        if isinstance(job, Reply):
            return respond(job)
        job.update(services=services, mirrors=mirrors)  # a client's text: SERVICE calls only these
        # the wait happens in a thread; the worker process does the work
        reply = await anyio.to_thread.run_sync(pool.run, job, abandon_on_cancel=True)
        return respond(reply, None if params.get("format") else accept)

    async def api_queries(request) -> Response:
        return JSONResponse(await anyio.to_thread.run_sync(info.queries))

    async def api_prefixes(request) -> Response:
        return JSONResponse(PREFIXES)

    async def api_terms(request) -> Response:
        return JSONResponse(await anyio.to_thread.run_sync(info.terms))

    def api_error(status: int, message: str) -> Response:
        error = {"error": " ".join(message.split())}
        named = _PARAMETER_IN_MESSAGE.search(message)
        if named:
            error["parameter"] = named.group(1)
        headers = {"Vary": "Accept", **({"Retry-After": "1"} if status == 503 else {})}
        return JSONResponse(error, status_code=status, headers=headers)

    async def api_openapi(request) -> Response:
        return JSONResponse(openapi_document(catalogue, server_url=str(request.base_url)))

    async def api_named(request) -> Response:
        name, fmt = request.path_params["name"], None
        stem, dot, extension = name.rpartition(".")
        if dot and extension in ("json", "csv") and stem in names:
            name, fmt = stem, extension
        if name not in names:
            return api_error(404, f"no query named {name!r} under /api/ (the catalogue: /api/openapi.json)")
        try:
            query = _parse_qs(request.url.query)
        except UnicodeDecodeError:
            return api_error(400, "the URL's parameters are not UTF-8")
        repeated = sorted(key for key, values in query.items() if len(values) > 1)
        if repeated:
            return api_error(400, f"parameter {repeated[0]!r} is given {len(query[repeated[0]])} times; give it once")
        accept = request.headers.get("accept")
        media_type = (
            {"json": "application/json", "csv": "text/csv"}[fmt] if fmt else negotiate(accept, list(API_MEDIA_TYPES))
        )
        if media_type is None:
            return api_error(406, f"cannot answer as {accept!r}; /api/{name} comes as {', '.join(API_MEDIA_TYPES)}")
        job = {"named": name, "params": {k: v[0] for k, v in query.items()}, "results": API_MEDIA_TYPES[media_type]}
        reply = await anyio.to_thread.run_sync(pool.run, job, abandon_on_cancel=True)
        if reply.status != 200:
            return api_error(reply.status, reply.body.decode("utf-8", "replace"))
        headers = {"Vary": "Accept", **({MAX_ROWS_HEADER: str(max_rows)} if reply.truncated else {})}
        if media_type == "text/csv":
            media_type = "text/csv; charset=utf-8"
        return Response(reply.body, media_type=media_type, headers=headers)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await anyio.to_thread.run_sync(pool.start)
        try:
            yield
        finally:
            pool.stop()

    routes = [
        Route("/sparql", sparql, methods=["GET", "POST"], name="sparql"),
        Route("/query", sparql, methods=["GET", "POST"], name="query"),
        Route("/api/queries", api_queries, name="api-queries"),
        Route("/api/prefixes", api_prefixes, name="api-prefixes"),
        Route("/api/terms", api_terms, name="api-terms"),
        Route("/api/openapi.json", api_openapi, name="api-openapi"),
        # after the fixed routes: the catalogue may not use their names (RESERVED_NAMES)
        Route("/api/{name}", api_named, name="api-named"),
        *page.routes(),
    ]
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Accept", "Content-Type", "Authorization", "X-Requested-With"],
            expose_headers=[MAX_ROWS_HEADER],
        ),
        # the query page's YASGUI bundle is 1 MB, 300 KB compressed; large results shrink as much
        Middleware(GZipMiddleware, minimum_size=2048),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.pool = pool
    app.state.store_path = path
    return app


def _listen(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ServeError(f"--host {host!r}: {exc.strerror}") from None
    # proto must say TCP: asyncio sets TCP_NODELAY on accepted connections only then, and without
    # it a keep-alive client waits ~40 ms per answer (Nagle's algorithm against delayed ACKs)
    sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"{host}:{port} is already in use (choose another --port)") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _timed_protocol(seconds: float):
    """The HTTP/1.1 protocol of uvicorn (h11), closing a connection whose request head is late.

    uvicorn times out only a kept-alive connection that stays silent; its first byte stops
    that clock, and a new connection has none. Here the clock runs from the connection's
    opening, and again from each answer, until a whole request line and headers have
    arrived: bytes that trickle in do not stop it.
    """
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TimedH11Protocol(H11Protocol):
        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self.timeout_keep_alive_task = self.loop.call_later(seconds, self.timeout_keep_alive_handler)

        def data_received(self, data: bytes) -> None:
            # unlike uvicorn's own, the clock keeps running: handle_events stops it at a whole request head
            self.conn.receive_data(data)
            self.handle_events()

    return TimedH11Protocol


def serve(host: str = "127.0.0.1", port: int = 7878, *, announce: Callable[[str], None] | None = None,
          **options: Any) -> None:  # fmt: skip
    """Serve the store until interrupted (Ctrl-C or SIGTERM).

    ``options`` are :func:`create_app`'s. The port is taken before the workers start,
    so a busy port fails at once; ``announce`` receives the endpoint's URL when the
    server is ready. A connection that sends no complete request head within
    ``client_timeout`` seconds of opening (or of its last answer) is closed
    (:func:`_timed_protocol`).

    Raises
    ------
    ServeError
        If the address cannot be listened on or a worker cannot open the store.
    """
    import uvicorn

    app = create_app(**options)
    sock = _listen(host, port)
    try:
        app.state.pool.start()
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        if announce is not None:
            announce(f"http://{shown}:{bound}/sparql")
        client_timeout = options.get("client_timeout", DEFAULT_CLIENT_TIMEOUT)
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=5,
            http=_timed_protocol(client_timeout),
            timeout_keep_alive=max(1, round(client_timeout)),
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        app.state.pool.stop()
        sock.close()
