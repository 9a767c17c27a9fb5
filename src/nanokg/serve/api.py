"""The query catalogue as a web API: ``/api/NAME`` of ``nanokg serve``, described at ``/api/openapi.json``.

``/api/NAME?param=value`` runs ``queries/NAME.rq`` in the server's worker pool (same
timeout and row limit as ``/sparql``), its values bound as RDF terms exactly as ``nanokg
query`` binds them (:func:`nanokg.serve.answers.answer_named`), and answers SPARQL
results JSON or CSV (``Accept``, or the extension ``.json``/``.csv``). A bad parameter
is 400 and an unknown query 404, each a one-line JSON ``{"error": ..., "parameter": ...}``
whose ``parameter`` is the one the failure names (:attr:`nanokg.errors.NanokgError.parameter`).

``/api/openapi.json`` describes these operations (:mod:`nanokg.serve.openapi`). The
server's own names under ``/api/`` (:data:`nanokg.serve.openapi.RESERVED_NAMES`) cannot be
query names: :class:`CatalogueApi` refuses a catalogue that uses one.
"""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from nanokg.curation.catalogue import Catalogue
from nanokg.query.backends import MAX_ROWS_HEADER
from nanokg.serve.openapi import API_MEDIA_TYPES, RESERVED_NAMES, openapi_document
from nanokg.serve.protocol import NamedJob, negotiate, parse_qs
from nanokg.serve.workers import QueryPool, ServeError

__all__ = ["CatalogueApi", "error_response"]

# the media type an extension asks for
_EXTENSIONS = {"json": "application/json", "csv": "text/csv"}


def error_response(status: int, message: str, parameter: str | None = None) -> JSONResponse:
    """A one-line JSON error, ``{"error": message, "parameter": parameter}`` (without a parameter: no key).

    Examples
    --------
    >>> import json
    >>> json.loads(error_response(400, "parameter 'x'  is empty", "x").body)
    {'error': "parameter 'x' is empty", 'parameter': 'x'}
    >>> json.loads(error_response(404, "no query named 'y'").body)
    {'error': "no query named 'y'"}
    """
    error = {"error": " ".join(message.split())}
    if parameter is not None:
        error["parameter"] = parameter
    headers = {"Vary": "Accept", **({"Retry-After": "1"} if status == 503 else {})}
    return JSONResponse(error, status_code=status, headers=headers)


class CatalogueApi:
    """The ``/api/`` routes of the catalogue's queries, run in ``pool``.

    Parameters
    ----------
    pool
        The worker pool that runs the queries.
    catalogue
        The query catalogue (default: ``queries/``).

    Raises
    ------
    ServeError
        If a query of the catalogue takes one of the server's own names (:data:`RESERVED_NAMES`).
    """

    def __init__(self, pool: QueryPool, catalogue: Catalogue | None = None) -> None:
        self.pool = pool
        self.catalogue = catalogue if catalogue is not None else Catalogue()
        self.names = set(self.catalogue.names())
        taken = sorted(self.names & RESERVED_NAMES)
        if taken:
            raise ServeError(
                f"{self.catalogue.directory / taken[0]}.rq: the name {taken[0]!r} is the server's own "
                f"/api/{taken[0]}; rename the query (reserved: {', '.join(sorted(RESERVED_NAMES))})"
            )

    def routes(self) -> list[BaseRoute]:
        """``/api/openapi.json`` and ``/api/{name}``, to mount after the server's other ``/api/`` routes."""
        return [
            Route("/api/openapi.json", self.openapi, name="api-openapi"),
            # last: the catalogue may not use the names of the routes before it (RESERVED_NAMES)
            Route("/api/{name}", self.named, name="api-named"),
        ]

    async def openapi(self, request: Request) -> Response:
        """The OpenAPI document of the catalogue, its server the one asked."""
        return JSONResponse(openapi_document(self.catalogue, server_url=str(request.base_url)))

    async def named(self, request: Request) -> Response:
        """Run the query ``/api/NAME`` (or ``NAME.json``, ``NAME.csv``) with the URL's parameters."""
        name, media_type = request.path_params["name"], None
        stem, dot, extension = name.rpartition(".")
        if dot and extension in _EXTENSIONS and stem in self.names:
            name, media_type = stem, _EXTENSIONS[extension]
        if name not in self.names:
            return error_response(404, f"no query named {name!r} under /api/ (the catalogue: /api/openapi.json)")
        try:
            query = parse_qs(request.url.query)
        except UnicodeDecodeError:
            return error_response(400, "the URL's parameters are not UTF-8")
        repeated = sorted(key for key, values in query.items() if len(values) > 1)
        if repeated:
            key = repeated[0]
            return error_response(400, f"parameter {key!r} is given {len(query[key])} times; give it once", key)
        accept = request.headers.get("accept")
        media_type = media_type or negotiate(accept, list(API_MEDIA_TYPES))
        if media_type is None:
            return error_response(
                406, f"cannot answer as {accept!r}; /api/{name} comes as {', '.join(API_MEDIA_TYPES)}"
            )
        job = NamedJob(name, {k: v[0] for k, v in query.items()}, API_MEDIA_TYPES[media_type])
        reply = await anyio.to_thread.run_sync(self.pool.run, job, abandon_on_cancel=True)
        if reply.status != 200:
            return error_response(reply.status, reply.body.decode("utf-8", "replace"), reply.parameter)
        headers = {"Vary": "Accept", **({MAX_ROWS_HEADER: str(self.pool.max_rows)} if reply.truncated else {})}
        if media_type == "text/csv":
            media_type = "text/csv; charset=utf-8"
        return Response(reply.body, media_type=media_type, headers=headers)
