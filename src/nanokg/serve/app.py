"""``nanokg serve``: a read-only SPARQL 1.1 Protocol endpoint over the built store, with its query page.

``/sparql`` (also ``/query``, Oxigraph's name for it) answers queries sent as GET
``?query=``, as a form-encoded POST, or as a POST of ``application/sparql-query``
(:mod:`nanokg.serve.protocol`). ``default-graph-uri`` and ``named-graph-uri`` are
honoured. Otherwise the default graph is the union of the named graphs, as on every
nanokg backend, unless the query names its own dataset with ``FROM``. The project's
prefixes (``nkg:``, ``product:`` ...) are predeclared. Results are negotiated on
``Accept`` (or a ``format`` parameter): SELECT and ASK as SPARQL JSON (the default), XML,
CSV or TSV; CONSTRUCT and DESCRIBE as Turtle (the default), N-Triples, N-Quads, JSON-LD
or RDF/XML. No acceptable format is 406. A client's text is parsed with the endpoint's URL
as its base IRI (as on Oxigraph's own server), so ``CONSTRUCT { <s> <p> 1 } WHERE {}``
makes ``<http://host:port/s>``.

``GET /sparql`` without any parameter answers the endpoint's SPARQL 1.1 Service
Description (:mod:`nanokg.serve.description`: the endpoint, the language, every result
format, the union default graph, the store's named graphs), negotiated among the graph
formats, Turtle when ``Accept`` takes none of them; a browser, whose ``Accept`` prefers
HTML, is sent on to the query page at ``/`` (303).

The endpoint is read-only: SPARQL Update, whether sent as ``update=``, as an
``application/sparql-update`` body or disguised as ``query=``, is refused with 403.
A syntax error is 400 with the parser's message and position.

Limits. A query runs in one of a few worker processes (:mod:`nanokg.serve.workers`),
each with its own read-only handle on the store. pyoxigraph cannot interrupt a running
query, so when one outlives ``timeout`` its worker is killed and replaced, and the client
gets 503 "query timed out after N s". A SELECT is cut at ``max_rows`` rows (a CONSTRUCT
or DESCRIBE at ``max_rows`` triples), and a response that was cut carries the header
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
body; an idle or half-open connection is closed then (:mod:`nanokg.serve.server`), a body
that never comes whole gets 408.

Beside the endpoint: the query page of :mod:`nanokg.serve.page` at ``/`` with its JSON
routes ``/api/queries``, ``/api/prefixes`` and ``/api/terms``, and the catalogue as a
web API, ``/api/NAME`` described by ``/api/openapi.json`` (:mod:`nanokg.serve.api`). CORS
is open to ``cors_origins`` (every origin by default).

Serve a rebuilt store by restarting the server: workers read the store they opened. With
``memory`` each worker copies the store into memory at start and answers from the copy.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio.to_thread
import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from nanokg import settings
from nanokg.query.backends import MAX_ROWS_HEADER
from nanokg.query.federation import service_overrides
from nanokg.serve.api import CatalogueApi
from nanokg.serve.description import description_triples, serialize_description
from nanokg.serve.page import GraphInfo, data_routes, page_routes
from nanokg.serve.protocol import (
    GraphsJob,
    Reply,
    description_format,
    query_job,
    reply_media_type,
    request_params,
)
from nanokg.serve.server import listen, timed_protocol
from nanokg.serve.workers import DEFAULT_WORKER_MEMORY, QueryPool, ServeUsageError, check_memory
from nanokg.store.transaction import open_store

__all__ = ["DEFAULT_CLIENT_TIMEOUT", "SparqlEndpoint", "create_app", "endpoint_url", "serve"]

#: seconds a client has to send a request's headers (from connecting or its last answer), and its body
DEFAULT_CLIENT_TIMEOUT = 10.0


def _endpoint_iri(url: str) -> str:
    """``url`` as ``SERVICE <...>`` would name it, if it is an absolute http(s) IRI."""
    try:
        iri = ox.NamedNode(url).value
    except ValueError as exc:
        raise ServeUsageError(f"--allow-service {url!r}: not an IRI ({exc})", parameter="--allow-service") from None
    if not re.match(r"https?://[^/?#]", iri):
        raise ServeUsageError(f"--allow-service {url!r}: not an http(s) endpoint", parameter="--allow-service")
    return iri


def endpoint_url(request: Request) -> str | None:
    """The URL ``request`` was sent to, without its query: the endpoint's IRI, or None if it is no IRI.

    It names the endpoint in the service description and is the base of a query's relative
    IRIs, as in Oxigraph's server (``base_url`` in its ``cli/src/main.rs``).
    """
    url = str(request.url.replace(query="", fragment=""))
    try:
        return ox.NamedNode(url).value
    except ValueError:  # a Host header no IRI can hold
        return None


class SparqlEndpoint:
    """The ``/sparql`` route: a request becomes a job for ``pool``, its answer a response.

    ``services`` are the endpoints a client's ``SERVICE`` may call, ``mirrors`` the
    redirections of :func:`nanokg.query.federation.service_overrides`; ``client_timeout``
    the seconds a request body may take to arrive.
    """

    def __init__(
        self, pool: QueryPool, services: Sequence[str], mirrors: Mapping[str, str], client_timeout: float
    ) -> None:
        self.pool, self.services, self.mirrors, self.client_timeout = pool, services, mirrors, client_timeout
        self._graphs: list[tuple[str, int]] | None = None
        self._graphs_lock = threading.Lock()

    async def handle(self, request: Request) -> Response:
        """Answer one SPARQL Protocol request, or a GET without parameters with the service description."""
        accept = request.headers.get("accept")
        params = await request_params(request, self.client_timeout)
        if isinstance(params, Reply):
            return self.respond(params)
        endpoint = endpoint_url(request)
        if endpoint is None:
            return self.respond(Reply.error(400, "the request's URL (its Host header) is not an IRI"))
        if request.method in ("GET", "HEAD") and not params:
            return await self.describe(request, endpoint, accept)
        job = query_job(params, accept)
        if isinstance(job, Reply):
            return self.respond(job)
        # a client's text: SERVICE calls only these, relative IRIs resolve against the endpoint
        job = dataclasses.replace(job, services=self.services, mirrors=self.mirrors, base_iri=endpoint)
        # the wait happens in a thread; the worker process does the work
        reply = await anyio.to_thread.run_sync(self.pool.run, job, abandon_on_cancel=True)
        return self.respond(reply, None if params.get("format") else accept)

    def graphs(self) -> list[tuple[str, int]] | Reply:
        """The store's named graphs with their sizes, asked of a worker once (blocks: call it from a thread)."""
        with self._graphs_lock:
            if self._graphs is None:
                reply = self.pool.run(GraphsJob())
                if reply.status != 200:
                    return reply
                self._graphs = [(iri, size) for iri, size in json.loads(reply.body)]
            return self._graphs

    async def describe(self, request: Request, endpoint: str, accept: str | None) -> Response:
        """The service description of the endpoint at ``endpoint``, or a browser sent on to the query page."""
        fmt = description_format(accept)
        if fmt is None:
            return RedirectResponse(str(request.url_for("query-page")), status_code=303, headers={"Vary": "Accept"})
        graphs = await anyio.to_thread.run_sync(self.graphs, abandon_on_cancel=True)
        if isinstance(graphs, Reply):
            return self.respond(graphs)
        triples = description_triples(endpoint, graphs, federated=bool(self.services))
        return self.respond(Reply(200, serialize_description(triples, fmt), fmt), accept)

    def respond(self, reply: Reply, accept: str | None = None) -> Response:
        """``reply`` as a response, in the media type ``accept`` named for its format (plain text for an error)."""
        media_type = "text/plain" if reply.fmt is None else reply_media_type(reply.fmt, accept)
        headers = {"Vary": "Accept"}
        if reply.truncated:
            headers[MAX_ROWS_HEADER] = str(self.pool.max_rows)
        if reply.status == 503:
            headers["Retry-After"] = "1"
        return Response(reply.body, status_code=reply.status, media_type=media_type, headers=headers)


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
    memory: bool = False,
):
    """The ASGI application: the SPARQL endpoint, the query page and its JSON routes, the catalogue's API.

    Parameters
    ----------
    store_path
        The built store (default: :func:`nanokg.settings.store_path`).
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
    memory
        Each worker answers from its own in-memory copy of the store, made when it starts
        (:mod:`nanokg.serve.workers`); ``worker_memory`` then counts on top of the copy.

    Returns
    -------
    starlette.applications.Starlette
        Its ``state.pool`` (:class:`~nanokg.serve.workers.QueryPool`) starts with the
        application's lifespan, or earlier by calling ``state.pool.start()``.

    Raises
    ------
    nanokg.store.transaction.StoreMissingError
        If nothing was built at ``store_path``.
    nanokg.store.memory.MemoryStoreError
        With ``memory``: ``store_path`` is an endpoint URL or holds no built store (exit 2).
    ServeUsageError
        If ``worker_memory`` is too small to start a worker or an allowed endpoint is no http(s) IRI.
    nanokg.serve.workers.ServeError
        If a query of the catalogue takes a name of the server's own ``/api/`` routes.
    nanokg.query.federation.ServiceOverrideError
        If ``$NANOKG_SERVICES`` is malformed.
    """
    if timeout <= 0 or max_rows < 1 or workers < 1 or client_timeout <= 0:
        raise ValueError("timeout and client_timeout must be positive, max_rows and workers at least 1")
    check_memory(worker_memory)
    mirrors = service_overrides()  # from $NANOKG_SERVICES, checked now rather than at the first query
    services = sorted({*map(_endpoint_iri, allow_services), *mirrors.values()})
    if memory:
        from nanokg.store.memory import check_store

        # checked without pinning a generation here: the workers copy it and let it go
        path = check_store(store_path)
    else:
        path = Path(store_path) if store_path is not None else settings.store_path()
        open_store(path)  # fails now, with the usual message, if nothing was built there
    pool = QueryPool(path, size=workers, timeout=timeout, max_rows=max_rows, memory=worker_memory, in_memory=memory)
    info = GraphInfo(path)
    api = CatalogueApi(pool)
    sparql = SparqlEndpoint(pool, services, mirrors, client_timeout)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await anyio.to_thread.run_sync(pool.start)
        try:
            yield
        finally:
            pool.stop()

    routes = [
        Route("/sparql", sparql.handle, methods=["GET", "POST"], name="sparql"),
        Route("/query", sparql.handle, methods=["GET", "POST"], name="query"),
        *data_routes(info),
        *api.routes(),  # after every other /api/ route: its /api/{name} takes what they leave
        *page_routes(),
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


def serve(host: str = "127.0.0.1", port: int = 7878, *, announce: Callable[[str], None] | None = None,
          **options: Any) -> None:  # fmt: skip
    """Serve the store until interrupted (Ctrl-C or SIGTERM).

    ``options`` are :func:`create_app`'s. The port is taken before the workers start,
    so a busy port fails at once; ``announce`` receives the endpoint's URL when the
    server is ready. A connection that sends no complete request head within
    ``client_timeout`` seconds of opening (or of its last answer) is closed
    (:func:`nanokg.serve.server.timed_protocol`).

    Raises
    ------
    nanokg.serve.workers.ServeError
        If the address cannot be listened on or a worker cannot open the store.
    """
    import uvicorn  # only to listen: create_app alone (tests, other ASGI servers) does without it

    app = create_app(**options)
    sock = listen(host, port)
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
            http=timed_protocol(client_timeout),
            timeout_keep_alive=max(1, round(client_timeout)),
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        app.state.pool.stop()
        sock.close()
