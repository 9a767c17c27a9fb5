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
"""

from __future__ import annotations

import html
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from nanokg import settings

__all__ = ["INSTALL_COMMAND", "YASGUI_BUILD", "routes", "yasgui_installed"]

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


def routes(web: Path | None = None) -> list[BaseRoute]:
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
