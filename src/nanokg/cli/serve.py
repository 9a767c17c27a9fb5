"""``nanokg serve``: the graph as a read-only SPARQL endpoint with a query page."""

from __future__ import annotations

import click

from nanokg.cli.errors import handles_errors
from nanokg.cli.options import store_option

__all__ = ["serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True, help="Port (0: any free one).")
@store_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30,
    show_default=True,
    help="Seconds a query may run; then its worker is killed and the client gets 503.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=10000,
    show_default=True,
    help="Rows (or triples) after which an answer is cut, marked by the X-SPARQL-MaxRows header.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Worker processes, hence queries running at the same time.",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="An origin browsers may query from (repeat for several; default: every origin).",
)
@click.option(
    "--worker-memory",
    type=click.IntRange(min=0),
    default=1024,
    show_default=True,
    metavar="MIB",
    help="Memory (MiB) a worker may use (heap and anonymous mappings); a query that needs more gets 503 "
    "and its worker is replaced. 0: no cap.",
)
@click.option(
    "--allow-service",
    "allow_services",
    multiple=True,
    metavar="URL",
    help="An endpoint queries may call with SERVICE (repeat for several). Others are refused with 400, "
    "except the mirrors of $NANOKG_SERVICES.",
)
@click.option(
    "--client-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10,
    show_default=True,
    metavar="SECONDS",
    help="Seconds a client has to send a request's headers (from connecting, or from its last answer), "
    "and as long for its body; then the connection is closed (a late body: 408).",
)
@click.option(
    "--memory",
    is_flag=True,
    help="Answer from an in-memory copy of the store that each worker makes when it starts: faster "
    "queries, slower start, and about 470 bytes of memory per quad per worker (475 MB at 1 M quads). "
    "--worker-memory then counts on top of the copy.",
)
@handles_errors
def serve(host, port, store_path, timeout, max_rows, workers, cors_origins, worker_memory, allow_services,
          client_timeout, memory) -> None:  # fmt: skip
    """Serve the graph read-only: a SPARQL 1.1 endpoint at /sparql and a query page at /.

    Updates are refused; the default graph is the union of the named graphs. Queries nested
    deeper than 128 levels are refused, and SERVICE calls only the endpoints allowed. Stop
    with Ctrl-C.
    """
    from nanokg.serve.app import serve as run_server

    def announce(url: str) -> None:
        base = url.rsplit("/", 1)[0]
        click.echo(f"nanokg: serving SPARQL at {url} and the query page at {base}/ (Ctrl-C stops)")

    run_server(
        host,
        port,
        announce=announce,
        store_path=store_path,
        timeout=timeout,
        max_rows=max_rows,
        workers=workers,
        cors_origins=cors_origins or ("*",),
        worker_memory=worker_memory,
        allow_services=allow_services,
        client_timeout=client_timeout,
        memory=memory,
    )
