"""Writing imports into the store: ``nanokg load`` and ``nanokg unload``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nanokg.cli.errors import handles_errors
from nanokg.cli.options import store_option

__all__ = ["load", "unload"]


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["nt", "nq", "ttl", "trig", "xml", "jsonld"]), default=None,
              help="Format of every FILE (default: from each file name; .gz is read as gzip).")  # fmt: skip
@click.option("--graph", metavar="IRI", default=None,
              help="Load every FILE into this named graph (default: graph/import/<file name>; "
                   "quads files keep their own graphs).")  # fmt: skip
@click.option(
    "--no-optimize", is_flag=True, help="Skip compacting the store afterwards (queries run slower until then)."
)
@click.option(
    "--no-names", is_flag=True, help="Skip indexing the imported labels for name resolution (data with their own keys)."
)
@store_option
@handles_errors
def load(files, fmt, graph, no_optimize, no_names, store_path) -> None:
    """Bulk-import RDF files into the store, beside the curated graph, each into its own named graph.

    N-Triples, N-Quads, Turtle, TriG, RDF/XML and JSON-LD, plain or gzip. Each file is
    loaded completely or not at all; a file whose content (SHA-256) is already in its
    graph is skipped. Queries see curated and imported data together; imported labels
    resolve as query parameters. `nanokg build` keeps imports; `nanokg unload` removes one.

    \b
    Examples:
      nanokg load trials.nt.gz
      nanokg load drugs.ttl more-drugs.ttl --graph https://example.org/graph/drugs
    """  # noqa: D301 - click keeps a paragraph after a backspace (\b) unwrapped; a raw \b would be printed
    # the module function, not the facade: a load needs no open store, and reports a missing one itself
    from nanokg.store.load import load as load_files

    bars: dict[Path, object] = {}

    def progress(path: Path, done: int, total: int) -> None:
        bar = bars.get(path)
        if bar is None:
            bar = bars[path] = click.progressbar(length=max(total, 1), label=path.name, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        report = load_files(
            files, store_path, fmt=fmt, graph=graph, progress=progress, optimize=not no_optimize, names=not no_names
        )
    finally:
        for bar in bars.values():
            bar.__exit__(None, None, None)
    for file, into, reason in report.skipped:
        click.echo(f"nanokg: note: {file} not loaded into {into}: {reason}", err=True)
    for record in report.loaded:
        click.echo(f"{record.graph}\t{record.triples} triples\t{record.file}")
    if "optimize" in report.timings:
        click.echo(f"nanokg: compacted the store in {report.timings['optimize']:.1f} s", err=True)


@click.command()
@click.option("--graph", metavar="IRI", required=True, help="The imported graph to remove (see `nanokg stats`).")
@store_option
@handles_errors
def unload(graph, store_path) -> None:
    """Remove an imported graph, its name index and its import records."""
    from nanokg.store.load import unload as unload_graph

    records = unload_graph(graph, store_path)
    files = ", ".join(sorted({r.file for r in records}))
    click.echo(f"unloaded {graph} ({sum(r.triples for r in records)} triples from {files})", err=True)
