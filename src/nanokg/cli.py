"""The ``nanokg`` command line: a thin layer over the Python API.

Every expected failure (bad data, inconsistent ontology, no store yet...) ends with
``nanokg: error: ...`` lines on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import csv
import functools
import io
import json
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
        click.echo(f"nanokg: error: {line}", err=True)
    sys.exit(code)


def _handles_errors(func):
    """Turn the project's known failures into one-line messages and an exit status."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .pipeline import OntologyError, ValidationFailed
        from .query import QueryNotFoundError
        from .reason import InconsistentOntologyError, ReasonerError
        from .records import DataErrors
        from .store import StoreMissingError

        try:
            return func(*args, **kwargs)
        except DataErrors as exc:
            _fail([str(e) for e in exc.errors], code=2)
        except InconsistentOntologyError as exc:
            _fail(["HermiT: ontology + data are inconsistent", *exc.reasons])
        except ValidationFailed as exc:
            _fail([str(exc), *exc.problems])
        except (OntologyError, ReasonerError, StoreMissingError, QueryNotFoundError) as exc:
            _fail([str(exc)])

    return wrapper


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


def _emit(columns: list[str], rows: list[list[Any]], fmt: str) -> None:
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
    for r in cells:
        click.echo("  ".join(fit(v, w).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


store_option = click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Store location (default: $NANOKG_STORE or ~/.local/share/nanokg/store).",
)


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
    """Build the graph: validate data, reason with HermiT, check SHACL and QC, store it."""
    from .pipeline import build_graph

    report = build_graph(data_dir, ontology_dir, store_path, seeds_dir)
    for note in report.notes:
        click.echo(f"nanokg: note: {note}", err=True)
    counts = ", ".join(f"{name} {n}" for name, n in report.triples.items())
    click.echo(f"built {report.store} ({counts} triples) in {sum(report.timings.values()):.1f} s", err=True)


@main.command()
@store_option
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@_handles_errors
def products(store_path, fmt) -> None:
    """One row per nanomedicine product (from queries/products.rq)."""
    from .query import run_named
    from .store import open_store

    results = run_named(open_store(store_path), "products")
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
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@_handles_errors
def stats(store_path, fmt) -> None:
    """Entities per class and triples per named graph."""
    from .query import run_named
    from .store import open_store

    store = open_store(store_path)
    graphs = run_named(store, "stats-graphs")
    classes = run_named(store, "stats-classes")
    if fmt == "json":
        click.echo(json.dumps({
            "graphs": [{"graph": g, "triples": n} for g, n in graphs.rows],
            "classes": [{"class": c, "label": lbl, "count": n} for c, lbl, n in classes.rows],
        }, indent=2, ensure_ascii=False))  # fmt: skip
        return
    _emit(["graph", "triples"], [list(r) for r in graphs.rows], fmt)
    click.echo("")
    _emit(["class", "label", "count"], [list(r) for r in classes.rows], fmt)
