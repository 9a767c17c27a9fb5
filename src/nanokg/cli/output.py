"""The command line's one table writer: aligned text, CSV or JSON, for every command that prints rows.

:func:`emit` writes columns and rows; :func:`emit_results` and :func:`emit_records` only
turn query results and analysis records into them (a query's json, csv and tsv are the
SPARQL 1.1 result formats, which :class:`~nanokg.query.results.Results` writes itself).

Examples
--------
>>> emit(["name", "payloads", "size"], [["NK105", ["paclitaxel"], Decimal("85.0")]], "csv")
name,payloads,size
NK105,paclitaxel,85
>>> emit(["name", "payloads"], [["NK105", ["paclitaxel"]]], "json")
[
  {
    "name": "NK105",
    "payloads": [
      "paclitaxel"
    ]
  }
]
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from nanokg.query.results import Results

__all__ = ["FORMATS", "RESULT_FORMATS", "cell", "counted", "emit", "emit_records", "emit_results", "json_value"]

#: formats of the tables nanokg writes itself
FORMATS = ("table", "csv", "json")
#: formats of query answers: json, csv and tsv are the SPARQL 1.1 result formats
RESULT_FORMATS = ("table", "csv", "tsv", "json")


def cell(value: Any) -> str:
    """A value as the text of a table or CSV cell; a list is its items joined with ``"; "``.

    Examples
    --------
    >>> [cell(v) for v in (None, True, Decimal("2.50"), ["a", 1])]
    ['', 'true', '2.5', 'a; 1']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple):
        return "; ".join(map(cell, value))
    return str(value)


def json_value(value: Any) -> Any:
    """``json.dumps``'s ``default``: a decimal as an int or float (JSON has one number type)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def emit(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    *,
    notes: Sequence[Sequence[str]] | None = None,
    compact: bool = False,
    count: str | None = None,
) -> None:
    """Write ``rows`` under ``columns`` as an aligned ``table``, ``csv`` or ``json`` records.

    Parameters
    ----------
    columns, rows
        The header and the rows; a list value is one cell (joined with ``"; "``) in a table or
        CSV, and stays a list in JSON.
    fmt
        ``table``, ``csv`` or ``json``.
    notes
        Table only: lines printed under row ``i`` (the evidence of ``query --evidence``).
    compact
        Table only: show IRIs as CURIEs (``product:doxil``).
    count
        Table only: the noun for a ``(N rows)`` line on stderr (``"row"``, ``"path"``).
    """
    if fmt == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False, default=json_value))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([cell(v) for v in row] for row in rows)
        click.echo(buffer.getvalue(), nl=False)
        return
    if compact:
        from nanokg.identifiers import compact_iri

        rows = [[compact_iri(v) if isinstance(v, str) and v.startswith("http") else v for v in row] for row in rows]
    cells = [[cell(v) for v in row] for row in rows]
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
    if count:
        click.echo(counted(len(rows), count), err=True)


def counted(n: int, noun: str) -> str:
    """``(1 row)``, ``(3 rows)``."""
    return f"({n} {noun}{'s' if n != 1 else ''})"


def emit_results(results: Results, fmt: str) -> None:
    """Write query results: SPARQL 1.1 JSON/CSV/TSV, or a table with compact IRIs and any evidence.

    The SPARQL formats are written piece by piece as Results makes them from the engine's
    terms (:meth:`~nanokg.query.results.Results.iter_csv` ...), never as one whole text; an
    answer of the embedded store is read as the engine gives it. An engine error after the
    first solution (before it, the query call fails and nothing is written) stops the output
    where it stands and the command fails with that error: what was written is no whole answer.
    """
    if fmt in ("json", "csv", "tsv"):
        for piece in getattr(results, f"iter_{fmt}")():
            click.echo(piece, nl=False)
        if fmt == "json":
            click.echo("")
    else:
        notes = None
        if results.evidence is not None:
            from nanokg.query.evidence import render_facts

            notes = [render_facts(facts) or ["    (no curated fact)"] for facts in results.evidence]
        emit(results.columns, results.rows, "table", notes=notes, compact=True, count="row")


def emit_records(records: Sequence[Mapping[str, Any]], fmt: str, *, drop: tuple[str, ...] = ()) -> None:
    """Write dictionaries of one shape (analysis rows): every key in JSON, the others but ``drop`` elsewhere."""
    if fmt == "json":
        click.echo(json.dumps(list(records), indent=2, ensure_ascii=False, default=json_value))
        return
    if not records:
        click.echo("(no rows)", err=True)
        return
    columns = [c for c in records[0] if c not in drop]
    emit(columns, [[r[c] for c in columns] for r in records], fmt, compact=True, count="row")
