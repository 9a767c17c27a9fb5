"""Publishing the graph: ``nanokg push``, ``export``, ``release``, ``diff`` and ``mappings``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from nanokg.cli.errors import handles_errors
from nanokg.cli.options import (
    data_option,
    endpoint_option,
    ontology_option,
    open_graph,
    seeds_option,
    split_names,
    store_option,
)
from nanokg.cli.output import emit

__all__ = ["diff", "export", "mappings", "push", "release"]


@click.command()
@click.option("--endpoint", required=True, metavar="URL", help="The store's SPARQL query endpoint.")
@click.option(
    "--update-endpoint",
    metavar="URL",
    default=None,
    help="Its SPARQL Update service (default: derived from --endpoint by the profile).",
)
@click.option(
    "--store-endpoint",
    metavar="URL",
    default=None,
    help="Its Graph Store Protocol service (default: derived from --endpoint by the profile).",
)
@click.option(
    "--protocol",
    type=click.Choice(["gsp", "update"]),
    default="gsp",
    show_default=True,
    help="Send the data by Graph Store HTTP Protocol or by SPARQL Update.",
)
@click.option(
    "--graph",
    "into",
    metavar="IRI",
    default=None,
    help="Push the chosen graphs merged into this one named graph (default: each into its own IRI).",
)
@click.option(
    "--graphs",
    metavar="NAMES",
    default=None,
    help="Comma-separated graphs to push (default: all of ontology, asserted, inferred, provenance, lookup, queries).",
)
@click.option(
    "--profile",
    type=click.Choice(["auto", "oxigraph", "virtuoso", "generic"]),
    default="auto",
    show_default=True,
    help="The store's dialect: service paths, graph parameter, auth.",
)
@click.option("--chunk-size", type=click.IntRange(min=1), default=5000, show_default=True, help="Triples per request.")
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=4,
    show_default=True,
    help="Attempts after a transient failure, with exponential backoff.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=300,
    show_default=True,
    help="Seconds allowed per request.",
)
@click.option(
    "--allow-graph-overwrite",
    is_flag=True,
    help="Let --graph be one of nanokg's own graph IRIs (https://w3id.org/nanokg/graph/...) while other graphs "
    "go into it, replacing that graph in the store (refused otherwise).",
)
@click.option(
    "--cleanup",
    is_flag=True,
    help="Write nothing: drop the staging graphs a killed push left beside the targets that --graphs/--graph "
    "name, and say how many.",
)
@store_option
@handles_errors
def push(endpoint, update_endpoint, store_endpoint, protocol, into, graphs, profile, chunk_size, retries, timeout,
         allow_graph_overwrite, cleanup, store_path) -> None:  # fmt: skip
    """Replace the graph's named graphs in a SPARQL 1.1 store, staged and then swapped.

    Credentials: $NANOKG_PUSH_USER and $NANOKG_PUSH_PASSWORD, else ~/.netrc for the host.
    Each graph is written into a staging graph named after its target, counted, and moved
    over its target in one Update request; a failure before that leaves the store's
    previous graphs in place and drops the staging graphs. Ctrl-C or SIGTERM acts once the
    request under way is answered: before the swap it drops the staging graphs too, and
    the push exits with 130 (SIGINT) or 143 (SIGTERM); a second Ctrl-C stops at once. A
    push starts by dropping the staging graphs a killed push left; --cleanup drops them
    without pushing.
    """
    from nanokg.publish.push import push as push_graphs
    from nanokg.publish.push import store_targets

    names = split_names(graphs or None)
    if cleanup:
        _push_cleanup(endpoint, update_endpoint, names, into, profile, retries, timeout)
        return

    from nanokg.store.transaction import open_store

    targets = store_targets(open_store(store_path), names, into, allow_graph_overwrite=allow_graph_overwrite)
    total = sum(len(target.triples) for target in targets)
    bar = click.progressbar(length=total, label="pushing", file=sys.stderr, show_pos=True)
    started = False

    def advance(triples: int) -> None:
        # the bar appears with the first chunk, not before the options are checked
        nonlocal started
        if not started:
            bar.__enter__()
            started = True
        bar.update(triples)

    try:
        report = push_graphs(
            targets,
            endpoint,
            protocol=protocol,
            update_endpoint=update_endpoint,
            store_endpoint=store_endpoint,
            profile=None if profile == "auto" else profile,
            chunk_size=chunk_size,
            retries=retries,
            timeout=timeout,
            progress=advance,
            handle_signals=True,
        )
    finally:
        if started:
            bar.__exit__(None, None, None)
    if report.stale:
        click.echo(f"nanokg: note: dropped {_graphs(len(report.stale))} a killed push had left", err=True)
    for graph, count in report.graphs.items():
        click.echo(f"{graph}\t{count} triples")
    click.echo(
        f"pushed to {report.endpoint} ({report.profile}, {report.protocol}): {report.chunks} requests, "
        f"{report.retries} retries, {report.seconds:.1f} s",
        err=True,
    )


def _push_cleanup(endpoint, update_endpoint, names, into, profile, retries, timeout) -> None:
    """``nanokg push --cleanup``: the dropped staging graphs on stdout, how many on stderr."""
    from nanokg.publish.push import cleanup, target_graphs

    # the targets' IRIs only: no built store needed, and no overwrite to refuse (nothing is written)
    plan = target_graphs(names, into, allow_graph_overwrite=True)
    report = cleanup(
        list(plan),
        endpoint,
        update_endpoint=update_endpoint,
        profile=None if profile == "auto" else profile,
        retries=retries,
        timeout=timeout,
    )
    for graph in report.dropped:
        click.echo(f"{graph}\tdropped")
    click.echo(f"dropped {_graphs(len(report.dropped))} from {report.endpoint} ({report.profile})", err=True)


def _graphs(count: int) -> str:
    return f"{count} staging graph{'' if count == 1 else 's'}"


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ttl", "nt", "nq", "trig", "jsonld", "xml"]),
    required=True,
    help="nq, trig and jsonld keep the named graphs; ttl, nt and xml merge them into one graph.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Write to this file (complete or not at all; an existing file is replaced only on success). Default: stdout.",
)
@click.option(
    "--graphs",
    metavar="NAMES",
    default=None,
    help="Comma-separated graphs to export (default: asserted,inferred,ontology,provenance,queries; lookup if named).",
)
@store_option
@handles_errors
def export(fmt, out, graphs, store_path) -> None:
    """Export the graph as RDF, with a VoID/DCAT description of the dataset.

    Quad formats (nq, trig, jsonld) keep each graph as a named graph and put the
    description in <https://w3id.org/nanokg/graph/description>; triple formats (ttl, nt,
    xml) merge the chosen graphs and the description into one graph, each triple once.
    The same store always gives the same bytes.

    \b
    Examples:
      nanokg export --format ttl --out nanokg.ttl
      nanokg export --format nq --graphs asserted,provenance,lookup | gzip > nanokg.nq.gz
    """  # noqa: D301 - click keeps a paragraph after a backspace (\b) unwrapped; a raw \b would be printed
    from nanokg.knowledge_graph import KnowledgeGraph
    from nanokg.publish.export import FORMATS, select_graphs

    names = select_graphs(split_names(graphs), "--graphs")
    kg = KnowledgeGraph.open(store_path)
    try:
        count = kg.export(fmt, out if out is not None else sys.stdout.buffer, names)
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly, and keep Python from failing on the final flush
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    unit = "quads" if FORMATS[fmt].named_graphs else "triples"
    where = f"to {out}" if out is not None else "to stdout"
    click.echo(f"exported {', '.join(names)} + description: {count} {unit} as {fmt} {where}", err=True)


@click.command("release")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="The release directory (created; a non-empty one is replaced only with --force).",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Release this built store instead of building from --data and --ontology.",
)
@data_option("Curated data folder to build from (default: the project's data/).")
@ontology_option("Ontology folder to build from (default: ontology/).")
@seeds_option
@click.option("--date", "date", metavar="YYYY-MM-DD", default=None,
              help="Release date (default: $SOURCE_DATE_EPOCH, else the version's date in CHANGELOG.md).")  # fmt: skip
@click.option("--changelog", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="CHANGELOG to read the release date from (default: the project's CHANGELOG.md).")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace the release in --out (never a directory that is not a release).")
@handles_errors
def release(out, store_path, data_dir, ontology_dir, seeds_dir, date, changelog, force) -> None:
    """Write a release: every export format, a VoID/DCAT description, a manifest and SHA256SUMS.

    Builds the graph afresh from --data and --ontology in memory (or takes --store as it
    is). The same inputs and date give the same bytes; check a release with
    `sha256sum -c SHA256SUMS` in its directory. --force replaces a release, never a
    directory that is not one.

    \b
    Examples:
      nanokg release --out dist/nanokg-0.1.0
      nanokg release --store ~/.local/share/nanokg/store --date 2026-11-24 --out dist/nanokg-0.1.0
    """  # noqa: D301 - click keeps a paragraph after a backspace (\b) unwrapped; a raw \b would be printed
    from nanokg.knowledge_graph import KnowledgeGraph
    from nanokg.publish.release import check_out

    check_out(out.absolute(), force)  # before a build that takes seconds
    if store_path is None:
        from nanokg.store.build import build_dataset

        report, store = build_dataset(data_dir, ontology_dir, seeds_dir)  # in memory: nothing to clean up
        for note in report.notes:
            click.echo(f"nanokg: note: {note}", err=True)
        kg = KnowledgeGraph.from_store(store)
    else:
        kg = KnowledgeGraph.open(store_path)
    written = kg.release(out, date=date, changelog=changelog, force=force)
    for name, info in written.files.items():
        click.echo(f"{info['sha256']}  {name}  ({info['bytes']} bytes, {info['statements']} statements)")
    graphs = ", ".join(f"{name} {n}" for name, n in written.graphs.items())
    click.echo(f"released nanokg {written.version} of {written.date} into {written.out} ({graphs} triples)", err=True)


@click.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path), required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table", show_default=True)
@click.option("--inferred", is_flag=True, help="Also compare what the reasoner entails (marked 'inferred').")
@store_option
@handles_errors
def diff(old, new, fmt, inferred, store_path) -> None:
    """List the facts added, removed and changed from OLD to NEW, grouped by entity.

    OLD and NEW are release directories (checked against their SHA256SUMS) or built
    stores; NEW defaults to the current store (--store). Compared: the curated facts, and
    the evidence of each fact kept (source, quote, locator, note, correction); --inferred
    adds the entailments.

    \b
    Examples:
      nanokg diff dist/nanokg-0.1.0 dist/nanokg-0.2.0 --format markdown >> CHANGELOG.md
      nanokg diff dist/nanokg-0.1.0              # the release against the current store
    """  # noqa: D301 - click keeps a paragraph after a backspace (\b) unwrapped; a raw \b would be printed
    old_graph, old_name = _version_of(old, None)
    new_graph, new_name = _version_of(new, store_path)
    changes = old_graph.diff(new_graph, inferred=inferred, old_name=old_name, new_name=new_name)
    if fmt == "json":
        click.echo(changes.to_json())
    elif fmt == "markdown":
        click.echo(changes.to_markdown(), nl=False)
    else:
        click.echo(changes.to_table(), nl=False)


def _version_of(path: Path | None, store_path: Path | None):
    """A release (verified) or a built store as a graph, and how to call it; ``None``: the current store."""
    from nanokg import settings
    from nanokg.knowledge_graph import KnowledgeGraph
    from nanokg.publish.release import ReleaseInputError, is_release, open_release
    from nanokg.store.transaction import is_store

    if path is None:
        path = Path(store_path) if store_path is not None else settings.store_path()
        return KnowledgeGraph.open(path), f"the store {path}"
    if is_release(path):
        opened = open_release(path)
        return KnowledgeGraph.from_store(opened.store), f"{opened.version} ({opened.date}, {path})"
    if is_store(path):
        return KnowledgeGraph.open(path), f"the store {path}"
    if not path.exists():
        raise ReleaseInputError(f"{path}: no such release or store")
    raise ReleaseInputError(f"{path}: neither a nanokg release (no SHA256SUMS) nor a nanokg store")


@click.command("mappings")
@click.option("--unmapped", "show_unmapped", is_flag=True,
              help="List drugs, targets, indications and products lacking a mapping per expected source.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "sssom"]), default="table", show_default=True,
              help="sssom: SSSOM TSV with its YAML metadata header (mappings only).")  # fmt: skip
@store_option
@endpoint_option
@handles_errors
def mappings(show_unmapped, fmt, store_path, endpoint) -> None:
    """The external identifiers of nanokg entities (skos:exactMatch / closeMatch) with where each was checked.

    A coverage line (entities with at least one mapping, per kind) goes to stderr.

    \b
    Examples:
      nanokg mappings
      nanokg mappings --format sssom > nanokg.sssom.tsv
      nanokg mappings --unmapped --format csv
    """  # noqa: D301 - click keeps a paragraph after a backspace (\b) unwrapped; a raw \b would be printed
    from nanokg.curation.catalogue import ParameterValueError
    from nanokg.identifiers import compact_iri
    from nanokg.publish.mappings import coverage, to_sssom, unmapped

    if show_unmapped and fmt == "sssom":
        raise ParameterValueError("--unmapped lists gaps, not mappings: use --format table or csv")
    kg = open_graph(store_path, endpoint)
    rows = kg.mappings()
    if show_unmapped:
        gaps = unmapped(kg.backend, rows)
        emit(["entity", "label", "missing", "reason"],
             [[compact_iri(g.entity), g.label, " or ".join(g.sources), g.reason] for g in gaps], fmt)  # fmt: skip
    elif fmt == "sssom":
        click.echo(to_sssom(rows), nl=False)
    else:
        emit(["entity", "label", "predicate", "id", "external_label", "checked", "note"],
             [[compact_iri(r.entity), r.label, r.predicate, r.curie, r.object_label, r.checked, r.note]
              for r in rows], fmt)  # fmt: skip
    parts = [f"{c.kind}s {c.mapped}/{c.total} ({c.ratio:.0%})" for c in coverage(kg.backend, rows)]
    click.echo(f"nanokg: entities with at least one mapping: {', '.join(parts)}", err=True)
