"""``nanokg build``: the curated data and the ontology, reasoned, validated and stored."""

from __future__ import annotations

import click

from nanokg.cli.errors import handles_errors
from nanokg.cli.options import data_option, ontology_option, seeds_option, store_option

__all__ = ["build"]


@click.command()
@store_option
@data_option("Curated data folder (default: the project's data/).")
@ontology_option("Ontology folder with nanokg.ttl, shapes.ttl, qc/ (default: ontology/).")
@seeds_option
@click.option(
    "--full",
    is_flag=True,
    help="Reason and validate the whole graph, one step after the other (what CI runs), "
    "rather than the scoped build's same checks in parallel and on what the inferences touch.",
)
@handles_errors
def build(store_path, data_dir, ontology_dir, seeds_dir, full) -> None:
    """Build the graph: validate data, reason with HermiT, check SHACL and QC, store it.

    --store must be a nanokg store (its imports are kept) or a new or empty directory;
    anything else is refused before any work. One command writes a store at a time: a
    load or unload started during the build fails at once, as does a build during a load.
    """
    from nanokg.store.build import build_graph

    report = build_graph(data_dir, ontology_dir, store_path, seeds_dir, full=full)
    for note in report.notes:
        click.echo(f"nanokg: note: {note}", err=True)
    counts = ", ".join(f"{name} {n}" for name, n in report.triples.items())
    click.echo(f"reasoned with HermiT on Java {report.java}", err=True)
    click.echo(
        f"built {report.store} ({counts} triples) in {sum(report.timings.values()):.1f} s"
        + (" (full)" if report.full else ""),
        err=True,
    )
