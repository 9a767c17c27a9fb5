"""Asking the graph: ``nanokg products``, ``stats``, ``query``, ``sparql`` and ``describe``.

These commands run on ``nanokg query``'s cold start: they import the query layer when they
run, and never the reasoner, networkx, pyshacl or matplotlib.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from nanokg.cli.errors import handles_errors
from nanokg.cli.options import endpoint_option, format_option, open_graph, result_format_option, store_option
from nanokg.cli.output import emit, emit_results

__all__ = ["describe", "parse_params", "products", "query", "render_description", "sparql", "stats"]

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@click.command()
@store_option
@endpoint_option
@format_option
@handles_errors
def products(store_path, endpoint, fmt) -> None:
    """One row per nanomedicine product (from queries/products.rq)."""
    from nanokg.query.overview import PRODUCT_COLUMNS

    records = open_graph(store_path, endpoint).products()
    emit(PRODUCT_COLUMNS, [[record[c] for c in PRODUCT_COLUMNS] for record in records], fmt)


@click.command()
@store_option
@endpoint_option
@format_option
@handles_errors
def stats(store_path, endpoint, fmt) -> None:
    """Entities per class and triples per named graph."""
    found = open_graph(store_path, endpoint).stats()
    if fmt == "json":
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    emit(["graph", "triples"], [[g["graph"], g["triples"]] for g in found["graphs"]], fmt)
    click.echo("")
    emit(["class", "label", "count"], [[c["class"], c["label"], c["count"]] for c in found["classes"]], fmt)
    if found["imports"]:  # what `nanokg load` recorded
        click.echo("")
        shown = {"import graph": "graph", "file": "file", "sha256": "sha256", "triples": "triples", "loaded": "created"}
        emit(list(shown), [[r[key] for key in shown.values()] for r in found["imports"]], fmt)


def parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    """``("target=CD71",)`` -> ``{"target": "CD71"}``: the ``--param`` options of ``nanokg query``."""
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


@click.command()
@click.argument("name", required=False, metavar="[NAME|FILE.rq]")
@click.option("--list", "list_queries", is_flag=True, help="List the catalogue's queries with their parameters.")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter value (label, synonym, CURIE or IRI for entities). Repeat for several.")  # fmt: skip
@result_format_option
@click.option("--evidence", is_flag=True,
              help="With each row, the curated facts behind it (source, quote, locator, correction).")  # fmt: skip
@store_option
@endpoint_option
@handles_errors
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
    emit_results(open_graph(store_path, endpoint).query(target, evidence=evidence, **parse_params(params)), fmt)


@click.command()
@click.argument("text", metavar="QUERY")
@result_format_option
@store_option
@endpoint_option
@handles_errors
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
    emit_results(open_graph(store_path, endpoint).sparql(text), fmt)


@click.command()
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["text", "table", "csv", "tsv", "json"]), default="text",
              show_default=True, help="text: facts grouped, with sources; others: SPARQL result formats.")  # fmt: skip
@store_option
@endpoint_option
@handles_errors
def describe(name, fmt, store_path, endpoint) -> None:
    """Print everything the graph says of one entity (label, synonym, CURIE or IRI), with sources."""
    kg = open_graph(store_path, endpoint)
    entity = kg.entity(name)
    results = kg.describe(entity.iri)
    if fmt != "text":
        emit_results(results, fmt)
        return
    click.echo(render_description(entity, results))


def render_description(entity, results) -> str:
    """Facts grouped by direction and predicate, each followed by its evidence (the model of ``query --evidence``).

    An asserted fact shows its own sources; an inferred one, the asserted premises the
    reasoner drew it from, each with its sources (both as
    :func:`nanokg.query.evidence.render_facts` writes them).
    """
    from nanokg.cli.output import cell
    from nanokg.identifiers import compact_iri
    from nanokg.publish.diff import PREDICATE_NAMES
    from nanokg.query.evidence import render_facts

    facts: dict[tuple, list[int]] = {}
    rows = results.as_dicts()
    for i, row in enumerate(rows):
        key = (row["direction"], row["predicate"], str(row["value"]), row["graph"])
        facts.setdefault(key, []).append(i)
    lines = [f"{entity.label or entity.iri}  <{entity.iri}>"]
    for direction, heading in (("out", None), ("in", "mentioned by:")):
        keys = sorted((k for k in facts if k[0] == direction), key=lambda k: (k[1] != _RDF_TYPE, k[1], k[2].lower()))
        if heading and keys:
            lines.append(heading)
        for key in keys:
            first = rows[facts[key][0]]
            predicate = (
                first["predicateLabel"] or PREDICATE_NAMES.get(first["predicate"]) or compact_iri(first["predicate"])
            )
            value = first["value"]
            shown = cell(value)
            if isinstance(value, str) and value.startswith("http"):
                shown = f"{first['valueLabel']} ({compact_iri(value)})" if first["valueLabel"] else compact_iri(value)
            arrow = "<-" if direction == "in" else ""
            inferred = key[3] == "inferred"
            lines.append(f"  {arrow}{predicate}: {shown}" + ("  [inferred]" if inferred else ""))
            evidence = [fact for i in facts[key] for fact in results.evidence[i]]
            if inferred:
                premises = render_facts(evidence, indent="        ")
                lines += ["      from:", *premises] if premises else []
            else:
                # one triple, the line above: its evidence lines without render_facts' triple line
                lines += render_facts(evidence, indent="  ")[1:]
    return "\n".join(lines)
