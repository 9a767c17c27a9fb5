"""The SPARQL 1.1 Protocol as ``nanokg serve`` speaks it: from a request to a job, from a job's answer to a reply.

A query comes as GET ``?query=``, as a form-encoded POST, or as a POST of
``application/sparql-query``; ``default-graph-uri`` and ``named-graph-uri`` name its
dataset. :func:`request_params` reads those parameters from a request (refusing an
update, a foreign content type, a body too large, late, or not UTF-8, whether by its
bytes or by the charset it declares) and :func:`query_job` turns them into the
:class:`QueryJob` a worker runs, or the :class:`Reply` that refuses it (403 for SPARQL
Update, 400, 406). A GET without any parameter asks for the service description
(:mod:`nanokg.serve.description`), in the graph format :func:`description_format` picks.

Formats are negotiated on ``Accept`` (:func:`negotiate`) or named by a ``format``
parameter: SELECT and ASK as SPARQL JSON (the default), XML, CSV or TSV; CONSTRUCT and
DESCRIBE as Turtle (the default), N-Triples, N-Quads, JSON-LD or RDF/XML.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import anyio
import pyoxigraph as ox

from nanokg.errors import NanokgError
from nanokg.sparql_text import first_keyword

__all__ = [
    "GRAPH_MEDIA_TYPES",
    "MAX_BODY_BYTES",
    "RESULT_MEDIA_TYPES",
    "GraphsJob",
    "NamedJob",
    "QueryJob",
    "Reply",
    "description_format",
    "negotiate",
    "parse_qs",
    "query_job",
    "read_body",
    "reply_media_type",
    "request_params",
]

#: Largest request body accepted (a query, or a form holding one).
MAX_BODY_BYTES = 1 << 20

#: Media type -> format key of a SELECT or ASK answer, in the order the server prefers them when Accept ties.
RESULT_MEDIA_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
#: Media type -> format key of a CONSTRUCT or DESCRIBE answer, in the order the server prefers them.
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
# aliases left out when a refusal lists the format names
_FORMAT_ALIASES = {"ttl", "nt", "nq", "json-ld", "rdf"}
_UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_QUERY_FORMS = {"SELECT": "results", "ASK": "results", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
_READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted"


# -- what travels between the server and its workers ---------------------------------


@dataclass(frozen=True)
class QueryJob:
    """A query a worker runs (:func:`nanokg.serve.answers.answer`).

    ``results`` and ``graph`` are the format keys chosen for a SELECT/ASK and for a
    CONSTRUCT/DESCRIBE answer (None where the client takes none); ``default_graph`` and
    ``named_graphs`` the protocol's dataset (IRIs, or None). A client's text also comes
    with ``services`` (the endpoints ``SERVICE`` may call) and ``mirrors`` (public
    endpoint -> mirror, from ``$NANOKG_SERVICES``); without ``services`` (the catalogue's
    own text) any ``SERVICE`` runs. ``base_iri`` resolves the text's relative IRIs: the
    endpoint's URL for a client's text, as Oxigraph's own server does; None (the
    catalogue's queries, whose IRIs are absolute) leaves a relative IRI a syntax error.
    """

    query: str
    results: str | None = None
    graph: str | None = None
    default_graph: Sequence[str] | None = None
    named_graphs: Sequence[str] | None = None
    services: Sequence[str] | None = None
    mirrors: Mapping[str, str] | None = None
    base_iri: str | None = None


@dataclass(frozen=True)
class NamedJob:
    """A catalogue query ``name`` with its ``params`` (strings), answered in format ``results`` (``json``, ``csv``)."""

    name: str
    params: Mapping[str, str]
    results: str


@dataclass(frozen=True)
class GraphsJob:
    """Ask a worker for the store's named graphs and their sizes (for the service description).

    The answer is a JSON list of ``[graph IRI, triple count]``, never cut at the row limit.
    """


@dataclass(frozen=True)
class Reply:
    """What a worker (or the handler) answers.

    ``fmt`` is the format key of an answer (``json``, ``turtle`` ...), None for a
    plain-text error; ``truncated`` says the answer was cut at the row limit;
    ``parameter`` names the request parameter an error is about, if one is.

    Examples
    --------
    >>> from nanokg.errors import InputError
    >>> reply = Reply.failure(InputError("parameter 'x' is empty", parameter="x"))
    >>> reply.status, reply.body.decode().strip(), reply.parameter
    (400, "parameter 'x' is empty", 'x')
    """

    status: int
    body: bytes
    fmt: str | None = None
    truncated: bool = False
    parameter: str | None = None

    @classmethod
    def error(cls, status: int, message: str, parameter: str | None = None) -> Reply:
        """A one-line plain-text error."""
        return cls(status, (message.rstrip() + "\n").encode("utf-8"), parameter=parameter)

    @classmethod
    def failure(cls, error: NanokgError, status: int | None = None) -> Reply:
        """The error reply to ``error``: its class's HTTP status (unless ``status``), message and parameter."""
        return cls.error(status or error.http_status, str(error), error.parameter)


# -- reading a request -------------------------------------------------------------


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


def description_format(accept: str | None) -> str | None:
    """The graph format key the service description goes out in, or None when ``accept`` prefers HTML.

    Turtle when ``accept`` takes no graph format (the description is never refused with 406).

    Examples
    --------
    >>> description_format(None), description_format("application/ld+json"), description_format("image/png")
    ('turtle', 'jsonld', 'turtle')
    >>> description_format("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8") is None
    True
    """
    chosen = negotiate(accept, [*GRAPH_MEDIA_TYPES, "text/html"])
    if chosen == "text/html":
        return None
    return GRAPH_MEDIA_TYPES.get(chosen or "", "turtle")


def reply_media_type(fmt: str, accept: str | None) -> str:
    """The media type of an answer in format ``fmt``: the alias the client asked for, else the first one.

    Examples
    --------
    >>> reply_media_type("xml", "text/xml"), reply_media_type("xml", None)
    ('text/xml', 'application/sparql-results+xml')
    >>> reply_media_type("turtle", "*/*")
    'text/turtle'
    """
    kind_map = RESULT_MEDIA_TYPES if fmt in RESULT_MEDIA_TYPES.values() else GRAPH_MEDIA_TYPES
    aliases = [media for media, key in kind_map.items() if key == fmt]
    return negotiate(accept, aliases) or aliases[0]


def parse_qs(text: str) -> dict[str, list[str]]:
    """The parameters of a query string or form, blank values kept.

    Raises
    ------
    UnicodeDecodeError
        If a percent-encoded value is not UTF-8.

    Examples
    --------
    >>> parse_qs("query=ASK%20%7B%7D&format=&format=csv")
    {'query': ['ASK {}'], 'format': ['', 'csv']}
    """
    return urllib.parse.parse_qs(text, keep_blank_values=True, errors="strict")


async def read_body(request, timeout: float) -> bytes | Reply:
    """The request's body, or the reply refusing it: 413 over :data:`MAX_BODY_BYTES`, 408 after ``timeout`` s."""
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


def _charset(media_params: Sequence[str]) -> str | None:
    """The ``charset`` a Content-Type's parameters declare (lower-case, unquoted), or None."""
    for param in media_params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


async def request_params(request, body_timeout: float) -> dict[str, list[str]] | Reply:
    """The request's protocol parameters (query, update, default-graph-uri ...) or the reply refusing it."""
    try:
        params = parse_qs(request.url.query)
    except UnicodeDecodeError:
        return Reply.error(400, "the URL's parameters are not UTF-8")
    if request.method != "POST":
        return params
    content_type, *media_params = request.headers.get("content-type", "").split(";")
    content_type = content_type.strip().lower()
    if content_type == "application/sparql-update":
        return Reply.error(403, _READ_ONLY)
    if content_type not in ("application/x-www-form-urlencoded", "application/sparql-query"):
        return Reply.error(415, "POST a form (application/x-www-form-urlencoded) or a query (application/sparql-query)")
    charset = _charset(media_params)
    if charset not in (None, "utf-8", "utf8"):
        # UTF-16 text can also be valid UTF-8 bytes (ASCII letters with NULs between): refuse what it says it is
        return Reply.error(400, f"the request body is declared {charset}: send it in UTF-8, as the protocol requires")
    body = await read_body(request, body_timeout)
    if isinstance(body, Reply):
        return body
    try:
        text = body.decode("utf-8")
        if content_type == "application/sparql-query":
            params.setdefault("query", []).insert(0, text)
        else:
            for key, values in parse_qs(text).items():
                params.setdefault(key, []).extend(values)
    except UnicodeDecodeError:
        return Reply.error(400, "the request body is not UTF-8")
    return params


def _formats(params: Mapping[str, list[str]], accept: str | None) -> tuple[str | None, str | None] | Reply:
    """The (results, graph) format keys a ``format`` parameter names, else those ``accept`` takes."""
    formats = params.get("format")
    if not formats:
        results = RESULT_MEDIA_TYPES.get(negotiate(accept, list(RESULT_MEDIA_TYPES)) or "")
        return results, GRAPH_MEDIA_TYPES.get(negotiate(accept, list(GRAPH_MEDIA_TYPES)) or "")
    chosen = formats[-1].strip().lower()
    if chosen in _FORMAT_NAMES:
        return _FORMAT_NAMES[chosen]
    if chosen in RESULT_MEDIA_TYPES or chosen in GRAPH_MEDIA_TYPES:
        return RESULT_MEDIA_TYPES.get(chosen), GRAPH_MEDIA_TYPES.get(chosen)
    names = ", ".join(name for name in _FORMAT_NAMES if name not in _FORMAT_ALIASES)
    return Reply.error(400, f"format: {formats[-1]!r} is not one of {names} or a media type of those")


def query_job(params: Mapping[str, list[str]], accept: str | None) -> QueryJob | Reply:
    """The worker's job for a request's parameters, or the reply refusing it.

    Examples
    --------
    >>> job = query_job({"query": ["SELECT * {}"]}, "text/csv")
    >>> job.query, job.results, job.graph, job.default_graph
    ('SELECT * {}', 'csv', None, None)
    >>> query_job({"query": ["DROP ALL"]}, None).status
    403
    """
    if "update" in params:
        return Reply.error(403, _READ_ONLY)
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
    formats = _formats(params, accept)
    if isinstance(formats, Reply):
        return formats
    results, graph = formats
    kind = _QUERY_FORMS.get(keyword)
    if (kind == "results" and results is None) or (kind == "graph" and graph is None):
        offered = RESULT_MEDIA_TYPES if kind == "results" else GRAPH_MEDIA_TYPES
        asked = accept or params["format"][-1]
        return Reply.error(406, f"cannot answer a {keyword} query as {asked!r}; it comes as {', '.join(offered)}")
    return QueryJob(text, results, graph, **dataset)
