"""Network analytics: ``nanokg analyze ...``, ``nanokg network`` and ``nanokg plot``.

networkx, and matplotlib for pictures, are imported when one of these commands runs,
never at the command line's start.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from nanokg.cli.errors import handles_errors
from nanokg.cli.options import endpoint_option, open_graph, store_option
from nanokg.cli.output import FORMATS, counted, emit_records

__all__ = ["analyze", "network", "plot"]

analysis_format_option = click.option(
    "--format", "fmt", default="table", show_default=True, metavar="table|csv|json", help="Output format."
)
asserted_only_option = click.option(
    "--asserted-only", is_flag=True, help="Leave out what the reasoner entailed (read the asserted graph only)."
)


@click.group()
def analyze() -> None:
    """Network analyses of the graph (networkx): centrality, communities, similarity, paths, gaps, attrition.

    \b
    nanokg analyze centrality --kind payload --measure pagerank
    nanokg analyze nearest Abraxane -k 3
    nanokg analyze paths SGT-53 "transferrin receptor"
    nanokg analyze gaps --kind carrier-target --format csv
    nanokg analyze attrition --endpoint http://localhost:7878/query
    """  # noqa: D301 - click keeps a paragraph after a backspace (\b) unwrapped; a raw \b would be printed


def _analysis_command(name: str):
    """Register an ``analyze`` subcommand with the options every analysis takes (its --format checked first)."""

    def register(func):
        @functools.wraps(func)
        def checked(*args, fmt, **kwargs):
            if fmt not in FORMATS:
                from nanokg.analytics.network import NetworkUsageError

                raise NetworkUsageError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
            return func(*args, fmt=fmt, **kwargs)

        command = checked
        for option in (analysis_format_option, asserted_only_option, endpoint_option, store_option):
            command = option(command)
        return analyze.command(name)(handles_errors(command))

    return register


@_analysis_command("centrality")
@click.option("--kind", default="payload", show_default=True, metavar="payload|target|indication")
@click.option("--measure", default="degree", show_default=True, metavar="degree|betweenness|pagerank")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N rows.")
def analyze_centrality(kind, measure, limit, fmt, asserted_only, endpoint, store_path) -> None:
    """Payloads, targets or indications ranked by centrality in the product-feature network."""
    from nanokg.analytics.analysis import centrality

    G = open_graph(store_path, endpoint).network(asserted_only)
    emit_records(centrality(G, kind, measure)[:limit], fmt)


@_analysis_command("communities")
@click.option("--seed", type=int, default=42, show_default=True, help="Louvain's random seed (same seed, same split).")
@click.option("--resolution", type=float, default=1.0, show_default=True, help="Louvain resolution (>1: smaller).")
def analyze_communities(seed, resolution, fmt, asserted_only, endpoint, store_path) -> None:
    """Communities of products (Louvain on shared payloads, targets and indications)."""
    from nanokg.analytics.analysis import communities

    G = open_graph(store_path, endpoint).network(asserted_only)
    emit_records(communities(G, seed=seed, resolution=resolution), fmt)


@_analysis_command("similar")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N pairs.")
def analyze_similar(limit, fmt, asserted_only, endpoint, store_path) -> None:
    """Pairs of products by Jaccard similarity of payloads, targets, indications and carrier class."""
    from nanokg.analytics.analysis import similarity

    G = open_graph(store_path, endpoint).network(asserted_only)
    emit_records(similarity(G)[:limit], fmt)


@_analysis_command("nearest")
@click.argument("product")
@click.option("-k", "k", type=click.IntRange(min=1), default=5, show_default=True, help="How many products.")
def analyze_nearest(product, k, fmt, asserted_only, endpoint, store_path) -> None:
    """The products most similar to PRODUCT (a name, synonym, CURIE or IRI)."""
    from nanokg.analytics.analysis import nearest

    kg = open_graph(store_path, endpoint)
    G = kg.network(asserted_only)
    emit_records(nearest(G, product, k, kg=kg), fmt)


@_analysis_command("paths")
@click.argument("source")
@click.argument("target")
@click.option("--max-length", type=click.IntRange(min=1), default=4, show_default=True, help="Most steps per path.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True, help="Most paths.")
def analyze_paths(source, target, max_length, limit, fmt, asserted_only, endpoint, store_path) -> None:
    """Paths explaining how SOURCE relates to TARGET, with each step's predicate and direction."""
    from nanokg.analytics.analysis import explain_paths

    kg = open_graph(store_path, endpoint)
    G = kg.network(asserted_only)
    rows = explain_paths(G, source, target, max_length, limit=limit, kg=kg)
    if fmt == "table":  # one path per line, never cut to a column width
        for row in rows:
            click.echo(f"{row['rank']:>3}  ({row['length']})  {row['path']}")
        click.echo(counted(len(rows), "path"), err=True)
        return
    emit_records(rows, fmt, drop=("steps",))


@_analysis_command("gaps")
@click.option("--kind", default="payload-indication", show_default=True, metavar="payload-indication|carrier-target")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Most pairs.")
def analyze_gaps(kind, limit, fmt, asserted_only, endpoint, store_path) -> None:
    """Pairs never tried in the clinic, ranked by an Adamic-Adar link-prediction score."""
    from nanokg.analytics.analysis import gaps

    G = open_graph(store_path, endpoint).network(asserted_only)
    emit_records(gaps(G, kind, limit), fmt)


@_analysis_command("attrition")
def analyze_attrition(fmt, asserted_only, endpoint, store_path) -> None:
    """Per carrier class: products, share approved, share terminated, share by highest stage."""
    from nanokg.analytics.analysis import attrition

    G = open_graph(store_path, endpoint).network(asserted_only)
    emit_records(attrition(G), fmt)


@click.command("network")
@click.option("--projection", "kind", default="entity", show_default=True,
              metavar="entity|product-target|product-payload|product-indication|carrier-indication|"
                      "payload-codelivery|target-indication")  # fmt: skip
@click.option("--format", "fmt", default="graphml", show_default=True, metavar="graphml|gexf|csv")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="File to write (csv: OUT-nodes.csv and OUT-edges.csv beside it).")  # fmt: skip
@asserted_only_option
@endpoint_option
@store_option
@handles_errors
def network(kind, fmt, out, asserted_only, endpoint, store_path) -> None:
    """Write the entity graph or a projection for Gephi, Cytoscape or networkx (GraphML, GEXF, CSV)."""
    from nanokg.analytics.network import GRAPH_FORMATS, PROJECTIONS, NetworkUsageError, projection, write_graph

    if kind != "entity" and kind not in PROJECTIONS:
        raise NetworkUsageError(f"--projection {kind!r}: choose entity or one of {', '.join(PROJECTIONS)}")
    if fmt not in GRAPH_FORMATS:
        raise NetworkUsageError(f"--format {fmt!r}: choose one of {', '.join(GRAPH_FORMATS)}")
    G = open_graph(store_path, endpoint).network(asserted_only)
    H = G if kind == "entity" else projection(G, kind)
    for path in write_graph(H, out, fmt):
        click.echo(f"wrote {path} ({H.number_of_nodes()} nodes, {H.number_of_edges()} edges)", err=True)


@click.command("plot")
@click.argument("kind", type=click.Choice(["network", "attrition", "similarity", "html"]))
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="File to write: .png or .svg (network, attrition, similarity), .html (html).",
)
@click.option("--title", default=None, help="A title instead of the picture's own.")
@store_option
@endpoint_option
@handles_errors
def plot(kind, out, title, store_path, endpoint) -> None:
    """Draw a picture of the graph: PNG or SVG by the extension of --out, or the interactive HTML view.

    \b
    network     products, their molecular targets and indications, coloured by carrier class
    attrition   clinical attrition by carrier class and highest stage, shares approved and terminated
    similarity  the product similarity heat map (Jaccard), products grouped by community
    html        the network as an interactive page that works offline (everything inlined)

    \b
    Examples:
      nanokg plot network --out network.svg
      nanokg plot html --out network.html --endpoint http://localhost:7878/query
    """  # noqa: D301 - click keeps a paragraph after a backspace (\b) unwrapped; a raw \b would be printed
    from nanokg.analytics.plot import check_output, plot

    check_output(kind, out)  # a wrong extension or folder fails before the graph is read
    kg = open_graph(store_path, endpoint)
    try:
        written = plot(kind, kg.network(), out, title=title)
    finally:
        kg.close()
    click.echo(f"nanokg: wrote the {kind} picture to {written}", err=True)
