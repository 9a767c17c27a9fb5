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
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from functools import cached_property
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # the C encoder of one string
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
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
#: datatype IRI -> the conversion of a lexical form to its Python value (others stay strings)
_CONVERTERS: dict[str, Any] = {
    **dict.fromkeys(_INTEGER_TYPES, int),
    f"{_XSD}decimal": Decimal,
    f"{_XSD}double": float,
    f"{_XSD}float": float,
    f"{_XSD}boolean": _BOOLEANS.__getitem__,
    f"{_XSD}date": dt.date.fromisoformat,
    f"{_XSD}dateTime": dt.datetime.fromisoformat,
}


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
    kind = type(term)
    if kind is ox.Literal:
        value = term.value
        convert = _CONVERTERS.get(term.datatype.value)
        if convert is None:
            return value
        try:
            return convert(value)
        except (ValueError, KeyError, InvalidOperation):
            return value
    if kind is ox.BlankNode:
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


class Results:
    """The answer to a SELECT query: column names and rows of RDF terms.

    ``rows`` gives the same rows as Python values; ``as_dicts()`` keys them by column.
    Nothing is converted until asked for: an answer from the embedded store is the
    engine's solutions as they come (:meth:`from_solutions`), not yet read past the first.
    What reads the answer once (:meth:`iter_terms`, the writers ``iter_csv``, ``iter_tsv``,
    ``iter_json``, ``iter_xml`` and their ``to_*`` texts) reads the engine's solutions as
    the engine gives them, keeping none; what needs the whole answer (``len``, ``terms``,
    ``rows``, ``column``, ``==``, ``as_dicts``, evidence, ``to_dataframe`` ...) reads it all and holds
    it (the engine's solutions, no tuple, no Python value) for every later need. A pass
    after a streamed one (a second writer call, ``len`` after ``iter_terms``, a pass after
    an abandoned one) runs the query again on the same store, once, and holds that answer:
    every pass gives the whole answer, at the cost of a second run. To read an answer
    several times without that, ask for the whole first (``len(results)``). An engine error
    while reading (an unreachable ``SERVICE``, a failed read) is raised to the reader as
    the engine raised it, and again to every later reader: never a part of the answer as
    if it were all. So a query costs the engine's time plus a constant, and each output
    what its format costs.

    Examples
    --------
    >>> r = Results(["n"], [(ox.Literal("3", datatype=ox.NamedNode(_XSD + "integer")),)])
    >>> r.rows
    [(3,)]
    >>> r.to_csv().splitlines()
    ['n', '3']
    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x")))
    >>> streamed = Results.from_solutions(["s"], store.query("SELECT ?s WHERE { ?s ?p ?o }"))
    >>> [row for row in streamed.iter_terms()]
    [(<NamedNode value=http://e/a>,)]
    >>> len(streamed), streamed.to_csv().splitlines()
    (1, ['s', 'http://e/a'])
    """

    def __init__(
        self,
        columns: list[str],
        terms: Sequence[Sequence[Term | None]],
        evidence: list[list[Any]] | None = None,
    ) -> None:
        self.columns = columns
        #: rows of terms as given: tuples, or the engine's solutions (indexable and iterable like tuples);
        #: None while the answer is a stream not yet read to its end (``_stream``)
        self._source: Sequence[Sequence[Term | None]] | None = terms
        self._terms: list[tuple[Term | None, ...]] | None = terms if _are_tuples(terms) else None
        self._stream: _Stream | None = None
        #: per row, the facts behind it (:class:`nanokg.query.evidence.Fact`), when asked for
        #: (``KnowledgeGraph.query(..., evidence=True)``, ``KnowledgeGraph.describe``); else None
        self.evidence = evidence

    @classmethod
    def from_solutions(
        cls,
        columns: list[str],
        solutions: Sequence[ox.QuerySolution] | Iterable[ox.QuerySolution],
        again: Callable[[], Iterable[ox.QuerySolution]] | None = None,
    ) -> Results:
        """Results over pyoxigraph's solutions, converted only when asked for.

        ``solutions`` must give the values of ``columns`` in that order (as ``store.query(...)``
        does with the query's variables). A list is read as it is; anything else (the
        engine's :class:`~pyoxigraph.QuerySolutions`) is a stream, read as the answer is read.
        Its first solution is read here, so a query that fails before its first solution
        (most failures: an unreachable ``SERVICE``, ``ORDER BY`` and ``GROUP BY`` evaluating
        everything first) fails here, as when the whole answer was listed here.

        ``again`` runs the query again (the same solutions anew). With it, the first pass
        that reads the answer once keeps nothing, and a pass after it (or beside it) runs
        the query again and keeps that answer for every later need. Without it, every
        solution read is kept as it is read.
        """
        results = cls(columns, [])
        results._terms = None
        if isinstance(solutions, list):
            results._source = solutions
        else:
            results._source = None
            results._stream = _Stream(iter(solutions), again)
        return results

    def _solutions(self) -> Sequence[Sequence[Term | None]]:
        """Every row, the rest of a stream read first (the engine's error, if reading fails)."""
        if self._source is None:
            self._source = self._kept_stream().read_all()
            self._stream = None
        return self._source

    def _kept_stream(self) -> _Stream:
        """The stream, kept as read: run again if a pass read it without keeping it."""
        stream = self._stream
        if stream.spent and stream.error is None:
            stream = self._stream = _Stream(iter(stream.again()))
        return stream

    def _each(self) -> Iterable[Sequence[Term | None]]:
        """Every row for one pass: a stream as the engine gives it, else the rows held."""
        if self._source is None:
            stream = self._stream
            if stream.again is not None and not stream.spent:
                return stream.once()  # the one pass that may read the engine's solutions unkept
            stream = self._kept_stream()
            if stream.pending is not None or stream.error is not None:
                return stream
            self._source, self._stream = stream.kept, None  # read to its end by an earlier pass
        return self._source

    def iter_terms(self) -> Iterator[tuple[Term | None, ...]]:
        """The rows as tuples of RDF terms, one at a time: a streamed answer as the engine gives it.

        What reads an answer once (counting rows, writing them elsewhere) reads it here
        without a list of tuples; :attr:`terms` holds them all. Every pass gives every row
        (a second pass over a streamed answer runs the query again: see :class:`Results`).

        Examples
        --------
        >>> store = ox.Store()
        >>> store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x")))
        >>> answer = Results.from_solutions(["o"], store.query("SELECT ?o WHERE { ?s ?p ?o }"))
        >>> sum(1 for row in answer.iter_terms()), [str(t) for row in answer.iter_terms() for t in row]
        (1, ['"x"'])
        """
        if self._terms is not None:
            return iter(self._terms)
        return map(tuple, self._each())

    @property
    def terms(self) -> list[tuple[Term | None, ...]]:
        """The rows as tuples of RDF terms (None: unbound)."""
        if self._terms is None:
            self._terms = [tuple(row) for row in self._solutions()]
            self._source = self._terms
        return self._terms

    @terms.setter
    def terms(self, value: list[tuple[Term | None, ...]]) -> None:
        self._source = self._terms = value
        self._stream = None
        self.__dict__.pop("rows", None)

    @cached_property
    def rows(self) -> list[tuple[Any, ...]]:
        """The rows as tuples of Python values."""
        convert = to_python
        return [tuple(map(convert, row)) for row in self._solutions()]

    def __len__(self) -> int:
        return len(self._solutions())

    def __iter__(self):
        return iter(self.as_dicts())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Results):
            return NotImplemented
        return (self.columns, self.terms, self.evidence) == (other.columns, other.terms, other.evidence)

    __hash__ = None  # mutable, as the dataclass it was

    def __repr__(self) -> str:
        return f"Results(columns={self.columns!r})"

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as dictionaries keyed by column name."""
        columns = self.columns
        return [dict(zip(columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        """The Python values of one column."""
        index = self.columns.index(name)
        if "rows" in self.__dict__:
            return [row[index] for row in self.rows]
        # the answer held: a caller asks for one column after another
        return [to_python(row[index]) for row in self._solutions()]

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
            {c: _json_term(t) for c, t in zip(self.columns, row, strict=True) if t is not None} for row in self._each()
        ]
        document: dict[str, Any] = {"head": {"vars": list(self.columns)}, "results": {"bindings": bindings}}
        if self.evidence is not None:
            document["evidence"] = [[fact.to_json() for fact in facts] for facts in self.evidence]
        return document

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON, as text (what ``json.dumps(to_sparql_json(), indent=2)`` writes)."""
        if self.evidence is not None:  # small answers: the document as json writes it
            return json.dumps(self.to_sparql_json(), indent=2, ensure_ascii=False)
        return "".join(self.iter_json())

    def iter_json(self) -> Iterator[str]:
        """:meth:`to_json`'s text in pieces, written from the terms as they come (no evidence).

        ``json.dumps`` with ``indent`` runs its pure-Python encoder, several times slower
        than the engine on a large answer; the layout it writes is simple enough to write
        here with the C string encoder, byte for byte the same.
        """
        if self.evidence is not None:
            yield self.to_json()
            return
        quote = encode_basestring
        columns = self.columns
        if columns:
            names = ",\n".join(f"      {quote(c)}" for c in columns)
            yield '{\n  "head": {\n    "vars": [\n' + names + '\n    ]\n  },\n  "results": {\n    "bindings": ['
        else:
            yield '{\n  "head": {\n    "vars": []\n  },\n  "results": {\n    "bindings": ['
        keys = [f"        {quote(c)}: {{\n          " for c in columns]
        uri, bnode = '"type": "uri",\n          "value": ', '"type": "bnode",\n          "value": '
        literal, end = '"type": "literal",\n          "value": ', "\n        }"
        datatypes: dict[str, str] = {}
        separator = "\n"
        batch: list[str] = []
        for row in self._each():
            cells = []
            for key, term in zip(keys, row, strict=True):
                if term is None:
                    continue
                kind = type(term)
                if kind is ox.NamedNode:
                    cells.append(f"{key}{uri}{quote(term.value)}{end}")
                elif kind is ox.BlankNode:
                    cells.append(f"{key}{bnode}{quote(term.value)}{end}")
                elif term.language:
                    cells.append(
                        f'{key}{literal}{quote(term.value)},\n          "xml:lang": {quote(term.language)}{end}'
                    )
                else:
                    datatype = term.datatype.value
                    tail = datatypes.get(datatype)
                    if tail is None:
                        tail = datatypes[datatype] = (
                            end if datatype == _XSD_STRING else f',\n          "datatype": {quote(datatype)}{end}'
                        )
                    cells.append(f"{key}{literal}{quote(term.value)}{tail}")
            if cells:
                batch.append(separator + "      {\n" + ",\n".join(cells) + "\n      }")
            else:
                batch.append(separator + "      {}")
            separator = ",\n"
            if len(batch) >= 1000:
                yield "".join(batch)
                batch = []
        yield "".join(batch)
        yield "\n    ]\n  }\n}" if separator == ",\n" else "]\n  }\n}"

    def to_csv(self) -> str:
        """SPARQL 1.1 Query Results CSV: plain values, IRIs in full.

        With evidence attached, one line per row and fact, the columns of
        :data:`CSV_COLUMNS` after the row's (a row without facts: one
        line, those cells empty); ``evidence_row`` numbers the answer rows from 1.
        """
        return "".join(self.iter_csv())

    def iter_csv(self) -> Iterator[str]:
        """:meth:`to_csv`'s text in pieces of many lines."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        columns, lines = self._lines()
        writer.writerow(columns)
        blank = ox.BlankNode
        for count, row in enumerate(lines, start=1):
            writer.writerow(["" if t is None else f"_:{t.value}" if type(t) is blank else t.value for t in row])
            if count % 1000 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    def to_tsv(self) -> str:
        """SPARQL 1.1 Query Results TSV: terms in N-Triples/Turtle syntax (evidence as in :meth:`to_csv`)."""
        return "".join(self.iter_tsv())

    def iter_tsv(self) -> Iterator[str]:
        """:meth:`to_tsv`'s text in pieces of many lines."""
        columns, rows = self._lines()
        yield "\t".join(f"?{c}" for c in columns) + "\n"
        batch: list[str] = []
        for row in rows:
            batch.append("\t".join("" if t is None else str(t) for t in row))
            if len(batch) >= 1000:
                yield "\n".join(batch) + "\n"
                batch = []
        if batch:
            yield "\n".join(batch) + "\n"

    def _lines(self) -> tuple[list[str], Iterable[Sequence[Term | None]]]:
        """Columns and lines for the tabular formats: the rows, or row x fact with evidence."""
        if self.evidence is None:
            return list(self.columns), self._each()
        integer = ox.NamedNode(f"{_XSD}integer")
        lines: list[tuple[Term | None, ...]] = []
        for number, (row, facts) in enumerate(zip(self._solutions(), self.evidence, strict=True), start=1):
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
        return "".join(self.iter_xml())

    def iter_xml(self) -> Iterator[str]:
        """:meth:`to_xml`'s text in pieces of many lines."""
        from xml.sax.saxutils import quoteattr  # imported here: it pulls in urllib.request, http.client, ssl

        yield "\n".join(
            [
                '<?xml version="1.0" encoding="utf-8"?>',
                '<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
                "<head>{}</head>".format("".join(f"<variable name={quoteattr(c)}/>" for c in self.columns)),
                "<results>",
                "",
            ]
        )
        opens = [f"<binding name={quoteattr(c)}>" for c in self.columns]
        # the attribute of a datatype or language, quoted once per answer
        attributes: dict[str, str] = {}
        batch: list[str] = []
        for row in self._each():
            cells = ["<result>"]
            for opening, term in zip(opens, row, strict=True):
                if term is None:
                    continue
                kind = type(term)
                if kind is ox.NamedNode:
                    cells.append(f"{opening}<uri>{_escape(term.value)}</uri></binding>")
                elif kind is ox.BlankNode:
                    cells.append(f"{opening}<bnode>{_escape(term.value)}</bnode></binding>")
                else:
                    language = term.language
                    if language:
                        tag = attributes.get("@" + language)
                        if tag is None:
                            tag = attributes["@" + language] = f"<literal xml:lang={quoteattr(language)}>"
                    else:
                        datatype = term.datatype.value
                        tag = attributes.get(datatype)
                        if tag is None:
                            tag = attributes[datatype] = (
                                "<literal>" if datatype == _XSD_STRING else f"<literal datatype={quoteattr(datatype)}>"
                            )
                    cells.append(f"{opening}{tag}{_escape(term.value)}</literal></binding>")
            cells.append("</result>\n")
            batch.append("".join(cells))
            if len(batch) >= 1000:
                yield "".join(batch)
                batch = []
        batch.append("</results>\n</sparql>\n")
        yield "".join(batch)


class _Stream:
    """The engine's solutions read once, each kept as read, so that every pass gives them all.

    Iterating gives the solutions kept so far, then the engine's next ones, each kept
    before it is given; several passes may be open at once (one reads what another read).
    :meth:`once` reads them without keeping them, for the first pass over a query that
    can run ``again``; it leaves the stream ``spent``.
    An engine error ends the stream: raised to the pass that met it and to every later one.
    """

    __slots__ = ("again", "error", "kept", "pending", "spent")

    def __init__(
        self, solutions: Iterator[ox.QuerySolution], again: Callable[[], Iterable[ox.QuerySolution]] | None = None
    ) -> None:
        self.kept: list[ox.QuerySolution] = []
        #: the engine's iterator, None once it ended (or failed)
        self.pending: Iterator[ox.QuerySolution] | None = solutions
        self.error: Exception | None = None
        #: runs the query anew; None: every solution read is kept
        self.again = again
        #: whether a pass read solutions without keeping them (a later pass must run the query again)
        self.spent = False
        # the first solution now: most query failures happen before it, and belong to the query call
        next(iter(self), None)

    def once(self) -> Iterator[ox.QuerySolution]:
        """The solutions for one pass, not kept: the engine's as they come."""
        # claimed now, not at the pass's first step: a pass opened meanwhile must run the query again
        self.spent = True
        pending, self.pending = self.pending, None
        return self._unkept(pending)

    def _unkept(self, pending: Iterator[ox.QuerySolution] | None) -> Iterator[ox.QuerySolution]:
        yield from self.kept
        if pending is None:
            if self.error is not None:
                raise self.error
            return
        try:
            yield from pending
        except Exception as exc:
            self.error = exc
            raise

    def __iter__(self) -> Iterator[ox.QuerySolution]:
        kept = self.kept
        index = 0
        while True:
            while index < len(kept):
                yield kept[index]
                index += 1
            if self.error is not None:
                raise self.error
            pending = self.pending
            if pending is None:
                return
            try:
                # the engine's solutions as they come; another pass may read some meanwhile (replay
                # those) or meet the end or an error (then the engine is not read again)
                for solution in pending:
                    kept.append(solution)
                    index += 1
                    yield solution
                    if index != len(kept) or self.pending is not pending:
                        break
                else:
                    self.pending = None
            except Exception as exc:
                self.error, self.pending = exc, None
                raise

    def read_all(self) -> list[ox.QuerySolution]:
        """Every solution, the engine's rest read first."""
        if self.pending is not None or self.error is not None:
            for _ in self:
                pass
        return self.kept


def _are_tuples(rows: Sequence[Sequence[Term | None]]) -> bool:
    """Whether ``rows`` is already the list of tuples :attr:`Results.terms` gives (checked on its first row)."""
    return isinstance(rows, list) and (not rows or isinstance(rows[0], tuple))


def _escape(text: str) -> str:
    """XML character data, as :func:`xml.sax.saxutils.escape` writes it (without importing it)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    return text


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
