"""The browser query page of ``nanokg serve``: our own HTML around YASGUI, all from one origin.

``/`` is ``web/index.html``; it loads ``web/page.js`` and ``web/page.css`` from ``/assets/``
and the YASGUI build (``web/node_modules/@zazuko/yasgui/build``, put there by
``npm ci --prefix web`` from the versions pinned in ``web/package-lock.json``) from
``/assets/yasgui/``. Nothing comes from a CDN, and the page's script switches off every
YASGUI feature that would call another host (prefix.cc, LOV, the endpoint catalogue), so
the page works offline and the browser only ever talks to the server that sent it.

When the YASGUI build is missing, ``/`` still answers, with a plain page that says how
to install it; the SPARQL endpoint does not depend on it. The build is looked for on
every request, so an ``npm ci`` while the server runs takes effect on reload.

The page reads three JSON routes (:func:`data_routes`): ``/api/queries`` (the catalogue,
each query with its defaults bound), ``/api/prefixes`` and ``/api/terms`` (the
ontology's classes and properties, for autocompletion), read once from the store by
:class:`GraphInfo`.
"""

from __future__ import annotations

import html
import threading
from pathlib import Path
from typing import Any

import anyio.to_thread
import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from nanokg import settings
from nanokg.identifiers import compact_iri
from nanokg.vocabulary import GRAPHS, PREFIXES

__all__ = ["INSTALL_COMMAND", "YASGUI_BUILD", "GraphInfo", "data_routes", "page_routes", "yasgui_installed"]

#: Where ``npm ci --prefix web`` puts the YASGUI build, relative to the web folder.
YASGUI_BUILD = Path("node_modules/@zazuko/yasgui/build")
#: The command that installs the front-end packages (run in the project folder).
INSTALL_COMMAND = "npm ci --prefix web"
# our own files beside index.html, served under /assets/ (not the whole folder: node_modules
# and package.json stay private)
_OWN_ASSETS = {"page.js": "text/javascript; charset=utf-8", "page.css": "text/css; charset=utf-8"}


def yasgui_installed(web: Path | None = None) -> bool:
    """Whether the YASGUI build the page loads is in place.

    Parameters
    ----------
    web
        The web folder; by default :func:`nanokg.settings.web_dir`.
    """
    build = (Path(web) if web else settings.web_dir()) / YASGUI_BUILD
    return (build / "yasgui.min.js").is_file() and (build / "yasgui.min.css").is_file()


def _missing_page(request: Request, web: Path) -> HTMLResponse:
    """A plain page saying what is missing and how to install it; the endpoint still works."""
    sparql = html.escape(f"{request.base_url}sparql")
    build = html.escape(str(web / YASGUI_BUILD))
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nanokg query page: YASGUI not installed</title></head>
<body style="font-family: sans-serif; max-width: 46em; margin: 2em auto; line-height: 1.5">
<h1>nanokg query page</h1>
<p>The query editor (YASGUI) is not installed on this server: <code>{build}</code> is missing.</p>
<p>Install it in the nanokg project folder with</p>
<pre>{INSTALL_COMMAND}</pre>
<p>(the version is pinned in <code>web/package.json</code>), then reload this page.</p>
<p>The SPARQL endpoint works without it: send <code>query=</code> by GET or form POST to
<a href="{sparql}">{sparql}</a>, for example</p>
<pre>curl {sparql} --data-urlencode 'query=SELECT * WHERE {{ ?s ?p ?o }} LIMIT 10'</pre>
</body></html>
"""
    return HTMLResponse(body)


class _Build:
    """Static files of a folder that may be missing, or appear while the server runs.

    Starlette's StaticFiles fails with a server error when its folder does not exist;
    this answers 404 with the install command instead.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files = StaticFiles(directory=directory, check_dir=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.directory.is_dir():
            response = PlainTextResponse(f"YASGUI is not installed: run `{INSTALL_COMMAND}`\n", status_code=404)
            await response(scope, receive, send)
            return
        await self.files(scope, receive, send)


def page_routes(web: Path | None = None) -> list[BaseRoute]:
    """The query page's routes, to mount beside the SPARQL endpoint.

    Parameters
    ----------
    web
        The folder holding ``index.html``, ``page.js``, ``page.css`` and ``node_modules``;
        by default :func:`nanokg.settings.web_dir`.

    Returns
    -------
    list of starlette.routing.BaseRoute
        ``/`` (the page), ``/assets/page.js``, ``/assets/page.css`` and
        ``/assets/yasgui/...`` (the YASGUI build).
    """
    web = Path(web) if web else settings.web_dir()

    async def page(request: Request) -> Response:
        index = web / "index.html"
        if not (index.is_file() and yasgui_installed(web)):
            return _missing_page(request, web)
        return FileResponse(index, media_type="text/html; charset=utf-8")

    def own_asset(name: str, media_type: str) -> Route:
        async def endpoint(request: Request) -> Response:
            path = web / name
            if not path.is_file():
                return PlainTextResponse(f"{path} is missing\n", status_code=404)
            return FileResponse(path, media_type=media_type)

        return Route(f"/assets/{name}", endpoint, name=f"page-{name}")

    return [
        Route("/", page, name="query-page"),
        *(own_asset(name, media_type) for name, media_type in _OWN_ASSETS.items()),
        Mount("/assets/yasgui", app=_Build(web / YASGUI_BUILD), name="yasgui"),
    ]


# -- what the page reads -------------------------------------------------------------

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
                from nanokg.store.transaction import reading

                # a short read: the server process keeps no generation from a writer's clean-up
                with reading(self.store_path) as store:
                    backend = EmbeddedBackend(store)
                    self._cached = (_catalogue_entries(backend), _ontology_terms(backend))
            return self._cached

    def queries(self) -> list[dict[str, Any]]:
        """Every catalogue query, with its parameters and its text with the defaults bound."""
        return self._load()[0]

    def terms(self) -> list[dict[str, Any]]:
        """The ontology's classes and properties with label, CURIE and definition."""
        return self._load()[1]


def _catalogue_entries(backend) -> list[dict[str, Any]]:
    from nanokg.curation.catalogue import Catalogue
    from nanokg.query.engine import bind_parameters
    from nanokg.sparql_text import with_values

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


def data_routes(info: GraphInfo) -> list[BaseRoute]:
    """The page's JSON routes: ``/api/queries``, ``/api/prefixes`` and ``/api/terms``.

    ``info`` reads the store on the first request, in a thread, and keeps what it read.
    """

    async def queries(request: Request) -> Response:
        return JSONResponse(await anyio.to_thread.run_sync(info.queries))

    async def prefixes(request: Request) -> Response:
        return JSONResponse(PREFIXES)

    async def terms(request: Request) -> Response:
        return JSONResponse(await anyio.to_thread.run_sync(info.terms))

    return [
        Route("/api/queries", queries, name="api-queries"),
        Route("/api/prefixes", prefixes, name="api-prefixes"),
        Route("/api/terms", terms, name="api-terms"),
    ]
