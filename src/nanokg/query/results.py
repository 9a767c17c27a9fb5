"""Query results: RDF terms underneath, Python values on top, standard formats out.

Every backend (embedded store, rdflib graph, remote endpoint) hands back its answer as
:class:`Results` holding Oxigraph terms, so conversion and serialisation are written
once. Python values keep their datatypes: ``xsd:integer`` is ``int``, ``xsd:decimal``
is :class:`decimal.Decimal`, ``xsd:double`` is ``float``, ``xsd:boolean`` is ``bool``,
``xsd:date`` is :class:`datetime.date`, ``xsd:dateTime`` is :class:`datetime.datetime`,
IRIs are ``str``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

import pyoxigraph as ox

__all__ = ["CSV_COLUMNS", "Results", "Term", "to_python"]

Term = ox.NamedNode | ox.BlankNode | ox.Literal
#: the columns ``Results.to_csv``/``to_tsv`` append when evidence is attached, one line per row x fact
#: (the cells of :meth:`nanokg.query.evidence.Fact.cells` after ``evidence_row``)
CSV_COLUMNS = [
    "evidence_row", "evidence_subject", "evidence_predicate", "evidence_object", "evidence_source",
    "evidence_quote", "evidence_locator", "evidence_note", "evidence_curated_from", "evidence_seed_says",
    "evidence_corrected", "evidence_correction_reason",
]  # fmt: skip

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = f"{_XSD}string"
_INTEGER_TYPES = {
    f"{_XSD}{t}"
    for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
              "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort",
              "unsignedByte", "gYear")
}  # fmt: skip


def to_python(term: Term | None) -> Any:
    """Convert an RDF term to the Python value a user expects.

    A literal whose lexical form does not fit its datatype stays a string.

    Examples
    --------
    >>> to_python(ox.Literal("25", datatype=ox.NamedNode(_XSD + "decimal")))
    Decimal('25')
    >>> to_python(ox.Literal("1995", datatype=ox.NamedNode(_XSD + "gYear")))
    1995
    >>> to_python(ox.Literal("2004-05-01", datatype=ox.NamedNode(_XSD + "date")))
    datetime.date(2004, 5, 1)
    >>> to_python(ox.NamedNode("https://w3id.org/nanokg/product/doxil"))
    'https://w3id.org/nanokg/product/doxil'
    """
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype, value = term.datatype.value, term.value
        try:
            if datatype in _INTEGER_TYPES:
                return int(value)
            if datatype == f"{_XSD}decimal":
                return Decimal(value)
            if datatype in (f"{_XSD}double", f"{_XSD}float"):
                return float(value)
            if datatype == f"{_XSD}boolean":
                return {"true": True, "1": True, "false": False, "0": False}[value]
            if datatype == f"{_XSD}date":
                return dt.date.fromisoformat(value)
            if datatype == f"{_XSD}dateTime":
                return dt.datetime.fromisoformat(value)
        except (ValueError, KeyError, InvalidOperation):
            return value
        return value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != _XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


@dataclass
class Results:
    """The answer to a SELECT query: column names and rows of RDF terms.

    ``rows`` gives the same rows as Python values; ``as_dicts()`` keys them by column.

    Examples
    --------
    >>> r = Results(["n"], [(ox.Literal("3", datatype=ox.NamedNode(_XSD + "integer")),)])
    >>> r.rows
    [(3,)]
    >>> r.to_csv().splitlines()
    ['n', '3']
    """

    columns: list[str]
    terms: list[tuple[Term | None, ...]] = field(repr=False)
    #: per row, the facts behind it (:class:`nanokg.query.evidence.Fact`), when asked for
    #: (``KnowledgeGraph.query(..., evidence=True)``, ``KnowledgeGraph.describe``); else None
    evidence: list[list[Any]] | None = field(default=None, repr=False)

    @cached_property
    def rows(self) -> list[tuple[Any, ...]]:
        """The rows as tuples of Python values."""
        return [tuple(to_python(t) for t in row) for row in self.terms]

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self):
        return iter(self.as_dicts())

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as dictionaries keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        """The Python values of one column."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def to_dataframe(self):
        """The rows as a :class:`pandas.DataFrame` whose columns keep their datatypes.

        Integers become ``Int64``, decimals and doubles ``Float64``, booleans
        ``boolean``, dates and date-times ``datetime64``; unbound cells are missing
        values. Needs pandas (``pip install 'nanokg[dataframe]'``).
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pandas is an optional extra
            raise ImportError("to_dataframe() needs pandas: pip install 'nanokg[dataframe]'") from exc
        frame = pd.DataFrame(self.rows, columns=self.columns, dtype=object)
        for name in self.columns:
            frame[name] = _typed_series(pd, frame[name])
        return frame

    def to_sparql_json(self) -> dict[str, Any]:
        """The SPARQL 1.1 Query Results JSON document.

        With evidence attached, the document has one more top-level member, ``evidence``:
        a list parallel to ``results.bindings`` whose item ``i`` lists the facts of row
        ``i`` (:meth:`nanokg.query.evidence.Fact.to_json`). Readers of SPARQL JSON ignore it.
        """
        bindings = [
            {c: _json_term(t) for c, t in zip(self.columns, row, strict=True) if t is not None} for row in self.terms
        ]
        document: dict[str, Any] = {"head": {"vars": list(self.columns)}, "results": {"bindings": bindings}}
        if self.evidence is not None:
            document["evidence"] = [[fact.to_json() for fact in facts] for facts in self.evidence]
        return document

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON, as text."""
        return json.dumps(self.to_sparql_json(), indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        """SPARQL 1.1 Query Results CSV: plain values, IRIs in full.

        With evidence attached, one line per row and fact, the columns of
        :data:`CSV_COLUMNS` after the row's (a row without facts: one
        line, those cells empty); ``evidence_row`` numbers the answer rows from 1.
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        columns, lines = self._lines()
        writer.writerow(columns)
        for row in lines:
            writer.writerow(
                ["" if t is None else f"_:{t.value}" if isinstance(t, ox.BlankNode) else t.value for t in row]
            )
        return buffer.getvalue()

    def to_tsv(self) -> str:
        """SPARQL 1.1 Query Results TSV: terms in N-Triples/Turtle syntax (evidence as in :meth:`to_csv`)."""
        columns, rows = self._lines()
        lines = ["\t".join(f"?{c}" for c in columns)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return "\n".join(lines) + "\n"

    def _lines(self) -> tuple[list[str], list[tuple[Term | None, ...]]]:
        """Columns and lines for the tabular formats: the rows, or row x fact with evidence."""
        if self.evidence is None:
            return list(self.columns), list(self.terms)
        integer = ox.NamedNode(f"{_XSD}integer")
        lines: list[tuple[Term | None, ...]] = []
        for number, (row, facts) in enumerate(zip(self.terms, self.evidence, strict=True), start=1):
            cells = [fact.cells() for fact in facts] or [[None] * (len(CSV_COLUMNS) - 1)]
            lines += [(*row, ox.Literal(str(number), datatype=integer), *c) for c in cells]
        return [*self.columns, *CSV_COLUMNS], lines

    def to_xml(self) -> str:
        """SPARQL Query Results XML.

        Examples
        --------
        >>> print(Results(["p"], [(ox.NamedNode("http://e/a"),), (None,)]).to_xml())  # doctest: +NORMALIZE_WHITESPACE
        <?xml version="1.0" encoding="utf-8"?>
        <sparql xmlns="http://www.w3.org/2005/sparql-results#">
        <head><variable name="p"/></head>
        <results>
        <result><binding name="p"><uri>http://e/a</uri></binding></result>
        <result></result>
        </results>
        </sparql>
        """
        from xml.sax.saxutils import quoteattr  # imported here: it pulls in urllib.request, http.client, ssl

        lines = [
            '<?xml version="1.0" encoding="utf-8"?>',
            '<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
            "<head>{}</head>".format("".join(f"<variable name={quoteattr(c)}/>" for c in self.columns)),
            "<results>",
        ]
        for row in self.terms:
            bindings = "".join(
                f"<binding name={quoteattr(c)}>{_xml_term(t)}</binding>"
                for c, t in zip(self.columns, row, strict=True)
                if t is not None
            )
            lines.append(f"<result>{bindings}</result>")
        lines += ["</results>", "</sparql>"]
        return "\n".join(lines) + "\n"


def _xml_term(term: Term) -> str:
    from xml.sax.saxutils import escape, quoteattr

    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != _XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _typed_series(pd, series):
    values = [v for v in series if v is not None]
    if not values:
        return series
    kinds = {type(v) for v in values}
    if kinds == {bool}:
        return series.astype("boolean")
    if kinds <= {int}:
        return series.astype("Int64")
    if kinds <= {int, float, Decimal}:
        return pd.array([None if v is None else float(v) for v in series], dtype="Float64")
    if kinds <= {dt.date, dt.datetime}:
        return pd.to_datetime(series)
    return series
