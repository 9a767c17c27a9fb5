"""The ``nanokg`` command line: a thin layer over the Python API.

Every expected failure (bad data, inconsistent ontology, no store yet...) ends with
``nanokg: error: ...`` lines on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import shutil
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

__all__ = ["main"]

FORMATS = click.Choice(["table", "csv", "json"])
PRODUCT_COLUMNS = [
    "name", "aliases", "carrier_class", "carrier_detail", "payloads", "targets", "ligands",
    "indications", "stage", "terminated", "size_nm_min", "size_nm_max", "outcomes", "sources",
]  # fmt: skip
#: product columns that hold several values joined with "; "
MULTI_VALUED = {"aliases", "payloads", "targets", "ligands", "indications", "outcomes", "sources"}


def _fail(lines: list[str], code: int = 1) -> None:
    for line in lines:
        # a message may carry the prefix already (a wrapped or quoted nanokg error): print it once
        line = str(line)
        while line.startswith("nanokg: "):
            line = line.removeprefix("nanokg: ").removeprefix("error: ")
        click.echo(f"nanokg: error: {line}", err=True)
    sys.exit(code)


def _handles_errors(func):
    """Turn the project's known failures into one-line messages and an exit status.

    Exit 2: the user's input is at fault (data, query, parameter, name); exit 1: the
    build or the backend failed.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as failure:
            if os.environ.get("NANOKG_TRACEBACK"):  # a developer asked for the traceback
                raise
            _report(failure)
            raise

    return wrapper


def _report(failure: Exception) -> None:
    """Exit with ``nanokg: error:`` lines for ``failure``; a failure nanokg does not know is a bug.

    Every failure nanokg reports derives from :class:`nanokg.errors.NanokgError`, which
    carries its own lines and exit status, so this handler imports no failure module
    (``nanokg query``'s cold start pays for none of them; see docs/performance.md).
    """
    from nanokg.errors import NanokgError

    if isinstance(failure, NanokgError):
        _fail(failure.lines(), code=failure.exit_code)
    if isinstance(failure, KeyboardInterrupt | click.exceptions.Exit | click.ClickException | SystemExit):
        return
    # not one of ours: a bug, told in one line (with what to send) instead of a traceback
    _fail([f"internal error: {type(failure).__name__}: {failure}",
           "this is a bug in nanokg; please report it with the command you ran (NANOKG_TRACEBACK=1 shows where)"])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _emit(columns: list[str], rows: list[list[Any]], fmt: str, notes: list[list[str]] | None = None) -> None:
    if fmt == "json":
        records = [{c: _json_value(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(v) for v in row] for row in rows)
        click.echo(buffer.getvalue(), nl=False)
        return
    cells = [[_cell(v) for v in row] for row in rows]
    width = max(40, shutil.get_terminal_size((160, 24)).columns // max(1, min(len(columns), 6)))
    widths = [min(width, max([len(c)] + [len(r[i]) for r in cells])) for i, c in enumerate(columns)]

    def fit(text: str, w: int) -> str:
        return text if len(text) <= w else text[: w - 1] + "…"

    click.echo("  ".join(fit(c, w).ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for i, r in enumerate(cells):
        click.echo("  ".join(fit(v, w).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
        for line in notes[i] if notes else ():
            click.echo(line)


store_option = click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Store location (default: $NANOKG_STORE or ~/.local/share/nanokg/store).",
)
endpoint_option = click.option(
    "--endpoint",
    metavar="URL",
    default=None,
    help="Query this SPARQL 1.1 endpoint instead of the embedded store (its default graph must be the union). "
    "Credentials: ~/.netrc for its host, never in the URL.",
)
RESULT_FORMATS = click.Choice(["table", "csv", "tsv", "json"])


def _graph(store_path: Path | None, endpoint: str | None):
    from nanokg.knowledge_graph import KnowledgeGraph

    if endpoint:
        return KnowledgeGraph.remote(endpoint)
    return KnowledgeGraph.open(store_path)


def _emit_results(results, fmt: str) -> None:
    """Write query results: SPARQL 1.1 JSON/CSV/TSV, or a table with compact IRIs."""
    if fmt == "json":
        click.echo(results.to_json())
    elif fmt == "csv":
        click.echo(results.to_csv(), nl=False)
    elif fmt == "tsv":
        click.echo(results.to_tsv(), nl=False)
    else:
        from nanokg.vocabulary import compact_iri

        rows = [[compact_iri(v) if isinstance(v, str) and v.startswith("http") else v for v in r] for r in results.rows]
        notes = None
        if results.evidence is not None:
            from nanokg.query.evidence import render_facts

            notes = [render_facts(facts) or ["    (no curated fact)"] for facts in results.evidence]
        _emit(results.columns, rows, "table", notes)
        click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", err=True)


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    from nanokg.curation.catalogue import ParameterValueError

    params: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            raise ParameterValueError(f"--param {pair!r}: write it as KEY=VALUE")
        if key.strip() in params:
            raise ParameterValueError(f"--param {key.strip()!r} given twice")
        params[key.strip()] = value
    return params


@click.group()
@click.version_option(package_name="nanokg")
def main() -> None:
    """nanokg: a knowledge graph of anti-tumour nanomedicines."""


@main.command()
@store_option
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False, exists=True),
              default=None, help="Curated data folder (default: the project's data/).")  # fmt: skip
@click.option("--ontology", "ontology_dir", type=click.Path(path_type=Path, file_okay=False, exists=True),
              default=None, help="Ontology folder with nanokg.ttl, shapes.ttl, qc/ (default: ontology/).")  # fmt: skip
@click.option("--seeds", "seeds_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Source documents to check quotes against (default: ../shared/seeds or $NANOKG_SEEDS).")  # fmt: skip
@_handles_errors
def build(store_path, data_dir, ontology_dir, seeds_dir) -> None:
    """Build the graph: validate data, reason with HermiT, check SHACL and QC, store it.

    --store must be a nanokg store (its imports are kept) or a new or empty directory;
    anything else is refused before any work. One command writes a store at a time: a
    load or unload started during the build fails at once, as does a build during a load.
    """
    from nanokg.curation.pipeline import build_graph

    report = build_graph(data_dir, ontology_dir, store_path, seeds_dir)
    for note in report.notes:
        click.echo(f"nanokg: note: {note}", err=True)
    counts = ", ".join(f"{name} {n}" for name, n in report.triples.items())
    click.echo(f"reasoned with HermiT on Java {report.java}", err=True)
    click.echo(f"built {report.store} ({counts} triples) in {sum(report.timings.values()):.1f} s", err=True)


@main.command()
@store_option
@endpoint_option
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@_handles_errors
def products(store_path, endpoint, fmt) -> None:
    """One row per nanomedicine product (from queries/products.rq)."""
    results = _graph(store_path, endpoint).query("products")
    rows = []
    for record in results.as_dicts():
        row = []
        for column in PRODUCT_COLUMNS:
            value = record.get(column)
            if column in MULTI_VALUED:
                parts = sorted(value.split("; "), key=str.lower) if value else []
                value = parts if fmt == "json" else "; ".join(parts)
            row.append(value)
        rows.append(row)
    _emit(PRODUCT_COLUMNS, rows, fmt)


@main.command()
@store_option
@endpoint_option
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@_handles_errors
def stats(store_path, endpoint, fmt) -> None:
    """Entities per class and triples per named graph."""
    kg = _graph(store_path, endpoint)
    graphs = kg.query("stats-graphs")
    classes = kg.query("stats-classes")
    from nanokg.store.load import IMPORTS_QUERY

    imports = kg.sparql(IMPORTS_QUERY)  # what `nanokg load` recorded
    if fmt == "json":
        click.echo(json.dumps({
            "graphs": [{"graph": g, "triples": n} for g, n in graphs.rows],
            "classes": [{"class": c, "label": lbl, "count": n} for c, lbl, n in classes.rows],
            "imports": [dict(zip(imports.columns, map(str, r), strict=True)) | {"triples": r[4]} for r in imports.rows],
        }, indent=2, ensure_ascii=False))  # fmt: skip
        return
    _emit(["graph", "triples"], [list(r) for r in graphs.rows], fmt)
    click.echo("")
    _emit(["class", "label", "count"], [list(r) for r in classes.rows], fmt)
    if imports.rows:
        click.echo("")
        _emit(["import graph", "file", "sha256", "triples", "loaded"],
              [[r[0], r[1], r[3], r[4], r[6]] for r in imports.rows], fmt)  # fmt: skip


@main.command()
@click.argument("name", required=False, metavar="[NAME|FILE.rq]")
@click.option("--list", "list_queries", is_flag=True, help="List the catalogue's queries with their parameters.")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter value (label, synonym, CURIE or IRI for entities). Repeat for several.")  # fmt: skip
@click.option("--format", "fmt", type=RESULT_FORMATS, default="table", show_default=True,
              help="json, csv and tsv are the SPARQL 1.1 result formats.")  # fmt: skip
@click.option("--evidence", is_flag=True,
              help="With each row, the curated facts behind it (source, quote, locator, correction).")  # fmt: skip
@store_option
@endpoint_option
@_handles_errors
def query(name, list_queries, params, fmt, evidence, store_path, endpoint) -> None:
    """Run a named competency question from queries/ (or a .rq file) and print its answer.

    \b
    Examples:
      nanokg query --list
      nanokg query products-by-target --param target=CD71
      nanokg query outcomes-above-threshold -p measure=ORR -p threshold=20 --format csv
      nanokg query products-by-target -p target=TfR --evidence
      nanokg query my-question.rq --endpoint http://localhost:7878/query
    """  # noqa: D301 - click keeps a paragraph after a backspace (\b) unwrapped; a raw \b would be printed
    from nanokg.curation.catalogue import Catalogue, QueryNotFoundError

    if list_queries:
        from nanokg.query.engine import describe_parameters

        for spec in Catalogue():
            click.echo(f"{spec.name}: {spec.title}")
            for line in describe_parameters(spec) or ["(no parameters)"]:
                click.echo(f"    {line}")
        return
    if not name:
        raise QueryNotFoundError("name a query (see `nanokg query --list`) or a .rq file")
    target: str | Path = name
    if name.endswith(".rq"):
        target = Path(name)
        if not target.is_file():
            raise QueryNotFoundError(f"{name}: no such query file")
    _emit_results(_graph(store_path, endpoint).query(target, evidence=evidence, **_parse_params(params)), fmt)


@main.command()
@click.argument("text", metavar="QUERY")
@click.option("--format", "fmt", type=RESULT_FORMATS, default="table", show_default=True,
              help="json, csv and tsv are the SPARQL 1.1 result formats.")  # fmt: skip
@store_option
@endpoint_option
@_handles_errors
def sparql(text, fmt, store_path, endpoint) -> None:
    """Run an ad-hoc SELECT query (QUERY is the text, or - to read it from stdin).

    The project's prefixes (nkg:, val:, npo:, product:, drug:, target: ...) are
    predeclared. The default graph is the union of the named graphs.

    \b
    Example:
      nanokg sparql 'SELECT ?p WHERE { ?p nkg:hasPayload drug:doxorubicin }'
    """  # noqa: D301 - click keeps a paragraph after a backspace (\b) unwrapped; a raw \b would be printed
    if text == "-":
        text = sys.stdin.read()
    _emit_results(_graph(store_path, endpoint).sparql(text), fmt)


@main.command()
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["text", "table", "csv", "tsv", "json"]), default="text",
              show_default=True, help="text: facts grouped, with sources; others: SPARQL result formats.")  # fmt: skip
@store_option
@endpoint_option
@_handles_errors
def describe(name, fmt, store_path, endpoint) -> None:
    """Print everything the graph says of one entity (label, synonym, CURIE or IRI), with sources."""
    kg = _graph(store_path, endpoint)
    entity = kg.entity(name)
    results = kg.describe(entity.iri)
    if fmt != "text":
        _emit_results(results, fmt)
        return
    click.echo(_render_description(entity, results))


_PREDICATE_NAMES = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": "type",
    "http://www.w3.org/2000/01/rdf-schema#label": "label",
    "http://www.w3.org/2000/01/rdf-schema#comment": "comment",
    "http://www.w3.org/2004/02/skos/core#altLabel": "synonym",
    "http://www.w3.org/2004/02/skos/core#definition": "definition",
}


def _render_description(entity, results) -> str:
    """Facts grouped by direction and predicate, each followed by its evidence (the model of ``query --evidence``)."""
    from nanokg.query.evidence import evidence_lines, render_facts
    from nanokg.vocabulary import compact_iri

    facts: dict[tuple, list[int]] = {}
    rows = results.as_dicts()
    for i, row in enumerate(rows):
        key = (row["direction"], row["predicate"], str(row["value"]), row["graph"])
        facts.setdefault(key, []).append(i)
    lines = [f"{entity.label or entity.iri}  <{entity.iri}>"]
    for direction, heading in (("out", None), ("in", "mentioned by:")):
        keys = sorted((k for k in facts if k[0] == direction), key=lambda k: (k[1] != RDF_TYPE, k[1], k[2].lower()))
        if heading and keys:
            lines.append(heading)
        for key in keys:
            first = rows[facts[key][0]]
            predicate = (
                first["predicateLabel"] or _PREDICATE_NAMES.get(first["predicate"]) or compact_iri(first["predicate"])
            )
            value = first["value"]
            shown = _cell(value)
            if isinstance(value, str) and value.startswith("http"):
                shown = f"{first['valueLabel']} ({compact_iri(value)})" if first["valueLabel"] else compact_iri(value)
            arrow = "<-" if direction == "in" else ""
            inferred = key[3] == "inferred"
            lines.append(f"  {arrow}{predicate}: {shown}" + ("  [inferred]" if inferred else ""))
            evidence = [fact for i in facts[key] for fact in results.evidence[i]]
            if inferred:
                # the asserted premises the reasoner drew it from, each with its evidence
                premises = render_facts(evidence, indent="        ")
                lines += ["      from:", *premises] if premises else []
                continue
            seen = set()
            for fact in evidence:
                for line in evidence_lines(fact):
                    if line not in seen:
                        seen.add(line)
                        lines.append(f"      {line}")
    return "\n".join(lines)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@main.command()
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
@_handles_errors
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

    names = [name.strip() for name in graphs.split(",") if name.strip()] if graphs else None
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


@main.command("export")
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
@_handles_errors
def export_(fmt, out, graphs, store_path) -> None:
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
    import os

    from nanokg.publish.export import FORMATS, export, select_graphs
    from nanokg.store.transaction import open_store

    listed = None if graphs is None else [name.strip() for name in graphs.split(",") if name.strip()]
    names = select_graphs(listed, "--graphs")
    store = open_store(store_path)
    try:
        count = export(store, fmt, out if out is not None else sys.stdout.buffer, names)
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly, and keep Python from failing on the final flush
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    unit = "quads" if FORMATS[fmt].named_graphs else "triples"
    where = f"to {out}" if out is not None else "to stdout"
    click.echo(f"exported {', '.join(names)} + description: {count} {unit} as {fmt} {where}", err=True)


@main.command()
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
@_handles_errors
def serve(host, port, store_path, timeout, max_rows, workers, cors_origins, worker_memory, allow_services,
          client_timeout) -> None:  # fmt: skip
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
    )


@main.command("release")
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
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False, exists=True),
              default=None, help="Curated data folder to build from (default: the project's data/).")  # fmt: skip
@click.option("--ontology", "ontology_dir", type=click.Path(path_type=Path, file_okay=False, exists=True),
              default=None, help="Ontology folder to build from (default: ontology/).")  # fmt: skip
@click.option("--seeds", "seeds_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Source documents to check quotes against (default: ../shared/seeds or $NANOKG_SEEDS).")  # fmt: skip
@click.option("--date", "date", metavar="YYYY-MM-DD", default=None,
              help="Release date (default: $SOURCE_DATE_EPOCH, else the version's date in CHANGELOG.md).")  # fmt: skip
@click.option("--changelog", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="CHANGELOG to read the release date from (default: the project's CHANGELOG.md).")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace the release in --out (never a directory that is not a release).")
@_handles_errors
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
    from nanokg.publish.release import _check_out, write_release

    _check_out(out.absolute(), force)  # before a build that takes seconds
    if store_path is None:
        from nanokg.curation.pipeline import build_dataset

        report, store = build_dataset(data_dir, ontology_dir, seeds_dir)  # in memory: nothing to clean up
        for note in report.notes:
            click.echo(f"nanokg: note: {note}", err=True)
    else:
        from nanokg.store.transaction import open_store

        store = open_store(store_path)
    written = write_release(store, out, date, changelog=changelog, force=force)
    for name, info in written.files.items():
        click.echo(f"{info['sha256']}  {name}  ({info['bytes']} bytes, {info['statements']} statements)")
    graphs = ", ".join(f"{name} {n}" for name, n in written.graphs.items())
    click.echo(f"released nanokg {written.version} of {written.date} into {written.out} ({graphs} triples)", err=True)


@main.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path), required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table", show_default=True)
@click.option("--inferred", is_flag=True, help="Also compare what the reasoner entails (marked 'inferred').")
@store_option
@_handles_errors
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
    from nanokg.publish.diff import diff_graphs

    old_store, old_name = _version_of(old, None)
    new_store, new_name = _version_of(new, store_path)
    changes = diff_graphs(old_store, new_store, inferred=inferred, old_name=old_name, new_name=new_name)
    if fmt == "json":
        click.echo(changes.to_json())
    elif fmt == "markdown":
        click.echo(changes.to_markdown(), nl=False)
    else:
        click.echo(changes.to_table(), nl=False)


def _version_of(path: Path | None, store_path: Path | None):
    """A release (verified) or a built store, and how to call it; ``None``: the current store."""
    from nanokg.publish.release import ReleaseInputError, is_release, open_release
    from nanokg.store.transaction import default_store_path, is_store, open_store

    if path is None:
        path = Path(store_path) if store_path is not None else default_store_path()
        return open_store(path), f"the store {path}"
    if is_release(path):
        opened = open_release(path)
        return opened.store, f"{opened.version} ({opened.date}, {path})"
    if is_store(path):
        return open_store(path), f"the store {path}"
    if not path.exists():
        raise ReleaseInputError(f"{path}: no such release or store")
    raise ReleaseInputError(f"{path}: neither a nanokg release (no SHA256SUMS) nor a nanokg store")


# -- graph analytics (nanokg.analytics.network, nanokg.analytics.analysis) ------------------------------

ANALYSIS_FORMATS = ("table", "csv", "json")


def _analysis_graph(store_path: Path | None, endpoint: str | None, asserted_only: bool):
    """The knowledge graph and its entity graph (networkx is imported only here, not at start-up)."""
    from nanokg.analytics.network import entity_graph

    kg = _graph(store_path, endpoint)
    return kg, entity_graph(kg, inferred=not asserted_only)


def _emit_rows(rows: list[dict[str, Any]], fmt: str, *, drop: tuple[str, ...] = ()) -> None:
    """Analysis rows as a table (IRIs compacted), CSV or JSON; list cells joined with "; " outside JSON."""
    from nanokg.analytics.network import NetworkUsageError
    from nanokg.vocabulary import compact_iri

    if fmt not in ANALYSIS_FORMATS:
        raise NetworkUsageError(f"--format {fmt!r}: choose one of {', '.join(ANALYSIS_FORMATS)}")
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False, default=_json_value))
        return
    columns = [c for c in (rows[0] if rows else {}) if c not in drop]
    table = []
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if isinstance(value, list | tuple):
                value = "; ".join(map(str, value))
            elif fmt == "table" and isinstance(value, str) and value.startswith("http"):
                value = compact_iri(value)
            cells.append(value)
        table.append(cells)
    if not rows:
        click.echo("(no rows)", err=True)
        return
    _emit(columns, table, fmt)
    if fmt == "table":
        click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", err=True)


analysis_format_option = click.option(
    "--format", "fmt", default="table", show_default=True, metavar="table|csv|json", help="Output format."
)
asserted_only_option = click.option(
    "--asserted-only", is_flag=True, help="Leave out what the reasoner entailed (read the asserted graph only)."
)


@main.group()
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
    """Register an ``analyze`` subcommand with the options every analysis takes."""

    def register(func):
        for option in (analysis_format_option, asserted_only_option, endpoint_option, store_option):
            func = option(func)
        return analyze.command(name)(_handles_errors(func))

    return register


@_analysis_command("centrality")
@click.option("--kind", default="payload", show_default=True, metavar="payload|target|indication")
@click.option("--measure", default="degree", show_default=True, metavar="degree|betweenness|pagerank")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N rows.")
def analyze_centrality(kind, measure, limit, fmt, asserted_only, endpoint, store_path) -> None:
    """Payloads, targets or indications ranked by centrality in the product-feature network."""
    from nanokg.analytics.analysis import centrality

    _, G = _analysis_graph(store_path, endpoint, asserted_only)
    _emit_rows(centrality(G, kind, measure)[:limit], fmt)


@_analysis_command("communities")
@click.option("--seed", type=int, default=42, show_default=True, help="Louvain's random seed (same seed, same split).")
@click.option("--resolution", type=float, default=1.0, show_default=True, help="Louvain resolution (>1: smaller).")
def analyze_communities(seed, resolution, fmt, asserted_only, endpoint, store_path) -> None:
    """Communities of products (Louvain on shared payloads, targets and indications)."""
    from nanokg.analytics.analysis import communities

    _, G = _analysis_graph(store_path, endpoint, asserted_only)
    _emit_rows(communities(G, seed=seed, resolution=resolution), fmt)


@_analysis_command("similar")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N pairs.")
def analyze_similar(limit, fmt, asserted_only, endpoint, store_path) -> None:
    """Pairs of products by Jaccard similarity of payloads, targets, indications and carrier class."""
    from nanokg.analytics.analysis import similarity

    _, G = _analysis_graph(store_path, endpoint, asserted_only)
    _emit_rows(similarity(G)[:limit], fmt)


@_analysis_command("nearest")
@click.argument("product")
@click.option("-k", "k", type=click.IntRange(min=1), default=5, show_default=True, help="How many products.")
def analyze_nearest(product, k, fmt, asserted_only, endpoint, store_path) -> None:
    """The products most similar to PRODUCT (a name, synonym, CURIE or IRI)."""
    from nanokg.analytics.analysis import nearest

    kg, G = _analysis_graph(store_path, endpoint, asserted_only)
    _emit_rows(nearest(G, product, k, kg=kg), fmt)


@_analysis_command("paths")
@click.argument("source")
@click.argument("target")
@click.option("--max-length", type=click.IntRange(min=1), default=4, show_default=True, help="Most steps per path.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True, help="Most paths.")
def analyze_paths(source, target, max_length, limit, fmt, asserted_only, endpoint, store_path) -> None:
    """Paths explaining how SOURCE relates to TARGET, with each step's predicate and direction."""
    from nanokg.analytics.analysis import explain_paths

    kg, G = _analysis_graph(store_path, endpoint, asserted_only)
    rows = explain_paths(G, source, target, max_length, limit=limit, kg=kg)
    if fmt == "table":  # one path per line, never cut to a column width
        for row in rows:
            click.echo(f"{row['rank']:>3}  ({row['length']})  {row['path']}")
        click.echo(f"({len(rows)} path{'s' if len(rows) != 1 else ''})", err=True)
        return
    _emit_rows(rows, fmt, drop=("steps",))


@_analysis_command("gaps")
@click.option("--kind", default="payload-indication", show_default=True, metavar="payload-indication|carrier-target")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Most pairs.")
def analyze_gaps(kind, limit, fmt, asserted_only, endpoint, store_path) -> None:
    """Pairs never tried in the clinic, ranked by an Adamic-Adar link-prediction score."""
    from nanokg.analytics.analysis import gaps

    _, G = _analysis_graph(store_path, endpoint, asserted_only)
    _emit_rows(gaps(G, kind, limit), fmt)


@_analysis_command("attrition")
def analyze_attrition(fmt, asserted_only, endpoint, store_path) -> None:
    """Per carrier class: products, share approved, share terminated, share by highest stage."""
    from nanokg.analytics.analysis import attrition

    _, G = _analysis_graph(store_path, endpoint, asserted_only)
    _emit_rows(attrition(G), fmt)


@main.command("network")
@click.option("--projection", "kind", default="entity", show_default=True,
              metavar="entity|product-target|product-payload|product-indication|carrier-indication|"
                      "payload-codelivery|target-indication")  # fmt: skip
@click.option("--format", "fmt", default="graphml", show_default=True, metavar="graphml|gexf|csv")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="File to write (csv: OUT-nodes.csv and OUT-edges.csv beside it).")  # fmt: skip
@asserted_only_option
@endpoint_option
@store_option
@_handles_errors
def network(kind, fmt, out, asserted_only, endpoint, store_path) -> None:
    """Write the entity graph or a projection for Gephi, Cytoscape or networkx (GraphML, GEXF, CSV)."""
    from nanokg.analytics.network import GRAPH_FORMATS, PROJECTIONS, NetworkUsageError, projection, write_graph

    if kind != "entity" and kind not in PROJECTIONS:
        raise NetworkUsageError(f"--projection {kind!r}: choose entity or one of {', '.join(PROJECTIONS)}")
    if fmt not in GRAPH_FORMATS:
        raise NetworkUsageError(f"--format {fmt!r}: choose one of {', '.join(GRAPH_FORMATS)}")
    _, G = _analysis_graph(store_path, endpoint, asserted_only)
    H = G if kind == "entity" else projection(G, kind)
    for path in write_graph(H, out, fmt):
        click.echo(f"wrote {path} ({H.number_of_nodes()} nodes, {H.number_of_edges()} edges)", err=True)


@main.command("plot")
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
@_handles_errors
def plot_(kind, out, title, store_path, endpoint) -> None:
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
    from nanokg.analytics.network import entity_graph
    from nanokg.analytics.plot import check_output, plot

    check_output(kind, out)  # a wrong extension or folder fails before the graph is read
    kg = _graph(store_path, endpoint)
    try:
        written = plot(kind, entity_graph(kg), out, title=title)
    finally:
        kg.close()
    click.echo(f"nanokg: wrote the {kind} picture to {written}", err=True)


@main.command("mappings")
@click.option("--unmapped", "show_unmapped", is_flag=True,
              help="List drugs, targets, indications and products lacking a mapping per expected source.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "sssom"]), default="table", show_default=True,
              help="sssom: SSSOM TSV with its YAML metadata header (mappings only).")  # fmt: skip
@store_option
@endpoint_option
@_handles_errors
def mappings_(show_unmapped, fmt, store_path, endpoint) -> None:
    """The external identifiers of nanokg entities (skos:exactMatch / closeMatch) with where each was checked.

    A coverage line (entities with at least one mapping, per kind) goes to stderr.

    \b
    Examples:
      nanokg mappings
      nanokg mappings --format sssom > nanokg.sssom.tsv
      nanokg mappings --unmapped --format csv
    """  # noqa: D301 - click keeps a paragraph after a backspace (\b) unwrapped; a raw \b would be printed
    from nanokg.curation.catalogue import ParameterValueError
    from nanokg.publish.mappings import coverage, mapping_rows, to_sssom, unmapped
    from nanokg.vocabulary import compact_iri

    if show_unmapped and fmt == "sssom":
        raise ParameterValueError("--unmapped lists gaps, not mappings: use --format table or csv")
    kg = _graph(store_path, endpoint)
    rows = mapping_rows(kg.backend)
    if show_unmapped:
        gaps = unmapped(kg.backend, rows)
        _emit(["entity", "label", "missing", "reason"],
              [[compact_iri(g.entity), g.label, " or ".join(g.sources), g.reason] for g in gaps], fmt)  # fmt: skip
    elif fmt == "sssom":
        click.echo(to_sssom(rows), nl=False)
    else:
        _emit(["entity", "label", "predicate", "id", "external_label", "checked", "note"],
              [[compact_iri(r.entity), r.label, r.predicate, r.curie, r.object_label, r.checked, r.note]
               for r in rows], fmt)  # fmt: skip
    parts = [f"{c.kind}s {c.mapped}/{c.total} ({c.ratio:.0%})" for c in coverage(kg.backend, rows)]
    click.echo(f"nanokg: entities with at least one mapping: {', '.join(parts)}", err=True)


@main.command()
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
@_handles_errors
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


@main.command()
@click.option("--graph", metavar="IRI", required=True, help="The imported graph to remove (see `nanokg stats`).")
@store_option
@_handles_errors
def unload(graph, store_path) -> None:
    """Remove an imported graph, its name index and its import records."""
    from nanokg.store.load import unload as unload_graph

    records = unload_graph(graph, store_path)
    files = ", ".join(sorted({r.file for r in records}))
    click.echo(f"unloaded {graph} ({sum(r.triples for r in records)} triples from {files})", err=True)
