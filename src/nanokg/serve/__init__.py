"""Serving the built store over HTTP: a read-only SPARQL 1.1 endpoint, the catalogue as a web API, a query page.

A request is read by :mod:`~nanokg.serve.protocol`, run in a worker process of
:mod:`~nanokg.serve.workers` (killed on timeout, capped in memory) by
:mod:`~nanokg.serve.answers`, and answered in the format negotiated; a GET without parameters
gets the service description of :mod:`~nanokg.serve.description`; :mod:`~nanokg.serve.api`
and :mod:`~nanokg.serve.page` add ``/api/`` and the browser page, and
:mod:`~nanokg.serve.app` composes them (``nanokg serve`` runs :func:`serve`).
"""

from nanokg.exports import lazy_exports

__all__ = [
    "CatalogueApi",
    "GraphInfo",
    "QueryPool",
    "Reply",
    "ServeError",
    "ServeUsageError",
    "answer",
    "answer_named",
    "create_app",
    "negotiate",
    "openapi_document",
    "serve",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "CatalogueApi": "nanokg.serve.api",
        "GraphInfo": "nanokg.serve.page",
        "QueryPool": "nanokg.serve.workers",
        "Reply": "nanokg.serve.protocol",
        "ServeError": "nanokg.serve.workers",
        "ServeUsageError": "nanokg.serve.workers",
        "answer": "nanokg.serve.answers",
        "answer_named": "nanokg.serve.answers",
        "create_app": "nanokg.serve.app",
        "negotiate": "nanokg.serve.protocol",
        "openapi_document": "nanokg.serve.openapi",
        "serve": "nanokg.serve.app",
    },
)
