"""Run named SPARQL queries from ``queries/`` on the embedded store.

Results come back as rows of Python values that keep their datatypes: integers as
``int``, decimals as :class:`decimal.Decimal`, booleans as ``bool``, dates as
:class:`datetime.date`, IRIs as ``str``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from . import resources

__all__ = ["QueryNotFoundError", "Results", "query_text", "run_named", "run_sparql", "to_python"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {
    f"{_XSD}{t}"
    for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
              "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong")
}  # fmt: skip


class QueryNotFoundError(LookupError):
    """No query of that name in ``queries/``."""


def to_python(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> Any:
    """Convert an Oxigraph term to the Python value a user expects.

    Examples
    --------
    >>> to_python(ox.Literal("25", datatype=ox.NamedNode(_XSD + "decimal")))
    Decimal('25')
    >>> to_python(ox.Literal("true", datatype=ox.NamedNode(_XSD + "boolean")))
    True
    >>> to_python(ox.NamedNode("https://w3id.org/nanokg/product/doxil"))
    'https://w3id.org/nanokg/product/doxil'
    """
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        value = term.value
        try:
            if datatype in _INTEGER_TYPES:
                return int(value)
            if datatype == f"{_XSD}decimal":
                return Decimal(value)
            if datatype in (f"{_XSD}double", f"{_XSD}float"):
                return float(value)
            if datatype == f"{_XSD}boolean":
                return value in ("true", "1")
            if datatype == f"{_XSD}date":
                return dt.date.fromisoformat(value)
        except ValueError:
            return value
        return value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


@dataclass
class Results:
    """Column names and rows of Python values."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as dictionaries keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def query_text(name: str, directory: Path | None = None) -> str:
    """The SPARQL text of the named query (``queries/NAME.rq``)."""
    path = Path(directory or resources.queries_dir()) / f"{name}.rq"
    if not path.is_file():
        raise QueryNotFoundError(f"no query named {name!r} in {path.parent}")
    return path.read_text(encoding="utf-8")


def run_sparql(store: ox.Store, text: str) -> Results:
    """Run a SELECT query; the default graph is the union of all named graphs."""
    solutions = store.query(text, use_default_graph_as_union=True)
    columns = [v.value for v in solutions.variables]
    rows = [tuple(to_python(s[c]) for c in columns) for s in solutions]
    return Results(columns, rows)


def run_named(store: ox.Store, name: str) -> Results:
    """Run the query ``queries/NAME.rq`` on ``store``."""
    return run_sparql(store, query_text(name))
