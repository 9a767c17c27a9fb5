"""Results typed lazily: the engine's terms kept as they come, every output as before.

The reference writers below are the eager ones Results had before it kept the engine's
solutions (``json.dumps(..., indent=2)``, one ``quoteattr`` per cell, a tuple per row made
by column name): each catalogue query's answer, written by the lazy Results, must be the
same text, and its Python values the same values.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
import pytest

import nanokg.query.results as results_module
from nanokg import KnowledgeGraph
from nanokg.query.results import Results, to_python

XSD = "http://www.w3.org/2001/XMLSchema#"


# -- the eager writers Results had before, as the reference -------------------------------------------------


def reference_json(columns, terms) -> str:
    def term(t):
        if isinstance(t, ox.NamedNode):
            return {"type": "uri", "value": t.value}
        if isinstance(t, ox.BlankNode):
            return {"type": "bnode", "value": t.value}
        out = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != f"{XSD}string":
            out["datatype"] = t.datatype.value
        return out

    bindings = [{c: term(t) for c, t in zip(columns, row, strict=True) if t is not None} for row in terms]
    return json.dumps(
        {"head": {"vars": list(columns)}, "results": {"bindings": bindings}}, indent=2, ensure_ascii=False
    )


def reference_csv(columns, terms) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in terms:
        writer.writerow(["" if t is None else f"_:{t.value}" if isinstance(t, ox.BlankNode) else t.value for t in row])
    return buffer.getvalue()


def reference_tsv(columns, terms) -> str:
    lines = ["\t".join(f"?{c}" for c in columns)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in terms]
    return "\n".join(lines) + "\n"


def reference_xml(columns, terms) -> str:
    def term(t):
        if isinstance(t, ox.NamedNode):
            return f"<uri>{escape(t.value)}</uri>"
        if isinstance(t, ox.BlankNode):
            return f"<bnode>{escape(t.value)}</bnode>"
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != f"{XSD}string":
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"

    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
        "<head>{}</head>".format("".join(f"<variable name={quoteattr(c)}/>" for c in columns)),
        "<results>",
    ]
    for row in terms:
        cells = "".join(
            f"<binding name={quoteattr(c)}>{term(t)}</binding>"
            for c, t in zip(columns, row, strict=True)
            if t is not None
        )
        lines.append(f"<result>{cells}</result>")
    lines += ["</results>", "</sparql>"]
    return "\n".join(lines) + "\n"


def reference_python(term):
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype, value = term.datatype.value, term.value
        integers = {f"{XSD}{t}" for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong",
                    "unsignedShort", "unsignedByte", "gYear")}  # fmt: skip
        try:
            if datatype in integers:
                return int(value)
            if datatype == f"{XSD}decimal":
                return Decimal(value)
            if datatype in (f"{XSD}double", f"{XSD}float"):
                return float(value)
            if datatype == f"{XSD}boolean":
                return {"true": True, "1": True, "false": False, "0": False}[value]
            if datatype == f"{XSD}date":
                return dt.date.fromisoformat(value)
            if datatype == f"{XSD}dateTime":
                return dt.datetime.fromisoformat(value)
        except Exception:
            return value
        return value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def assert_same_as_reference(results: Results) -> None:
    """Every output of ``results`` equals what the eager writers made of the same terms (NaN compared as text)."""
    columns = list(results.columns)
    # the engine's rows by column name, as the embedded backend made them before (a streamed answer: one pass)
    terms = list(results.iter_terms())
    assert results.to_json() == "".join(results.iter_json()) == reference_json(columns, terms)
    assert json.loads(results.to_json()) == results.to_sparql_json()
    assert results.to_csv() == reference_csv(columns, terms)
    assert results.to_tsv() == reference_tsv(columns, terms)
    assert results.to_xml() == reference_xml(columns, terms)
    assert repr(results.rows) == repr([tuple(reference_python(t) for t in row) for row in terms])
    assert results.terms == terms
    for i, name in enumerate(columns):
        assert repr(results.column(name)) == repr([row[i] for row in results.rows])


# -- the catalogue ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kg(built_store):
    with KnowledgeGraph.open(built_store) as graph:
        yield graph


def local_queries() -> list[str]:
    from nanokg.curation.catalogue import Catalogue

    # the federated queries call other endpoints: their answers are the federation tests' business
    return [spec.name for spec in Catalogue() if "SERVICE" not in spec.text.upper()]


WRITERS = ("to_json", "to_csv", "to_tsv", "to_xml")


@pytest.mark.parametrize("name", local_queries())
def test_every_catalogue_answer_is_written_as_before(kg, name):
    # each writer on an answer of its own, read as the engine streams it
    streamed = {writer: getattr(kg.query(name), writer)() for writer in WRITERS}
    results = kg.query(name)
    assert results._terms is None and results._source is None  # nothing read past the first solution yet
    assert_same_as_reference(results)
    assert streamed == {writer: getattr(results, writer)() for writer in WRITERS}


def test_evidence_answers_are_written_as_before(kg):
    results = kg.query("products-by-target", target="TfR", evidence=True)
    document = results.to_sparql_json()
    assert results.to_json() == json.dumps(document, indent=2, ensure_ascii=False)
    assert "evidence" in document and len(document["evidence"]) == len(results)
    assert results.to_csv().splitlines()[0].endswith("evidence_correction_reason")


def test_writers_and_queries_convert_nothing_to_python(kg, monkeypatch):
    def refuse(term):
        raise AssertionError("a writer converted a term to Python")

    monkeypatch.setattr(results_module, "to_python", refuse)
    results = kg.query("products")
    for writer in (results.to_csv, results.to_tsv, results.to_json, results.to_xml):
        assert writer()
    assert "rows" not in vars(results)
    with pytest.raises(AssertionError, match="converted"):
        results.rows  # noqa: B018 - the conversion happens on access


# -- every kind of term, with the characters the formats escape -------------------------------------------------


def odd_terms() -> Results:
    iri, lit, blank = ox.NamedNode, ox.Literal, ox.BlankNode
    rows = [
        (iri("http://e/a?x=1&y=2"), lit('say "hi"\n\t\\ & <b> é 𝄞'), blank("b0"), lit("chat", language="fr")),
        (None, lit("12", datatype=iri(f"{XSD}integer")), None, lit("1.50", datatype=iri(f"{XSD}decimal"))),
        (None, None, None, None),
        (lit("x", datatype=iri("http://e/t?a&b")), lit("true", datatype=iri(f"{XSD}boolean")),
         lit("2004-05-01", datatype=iri(f"{XSD}date")), lit("not a number", datatype=iri(f"{XSD}integer"))),
        (lit("NaN", datatype=iri(f"{XSD}double")), lit("yes", datatype=iri(f"{XSD}boolean")),
         lit("2020-01-02T03:04:05", datatype=iri(f"{XSD}dateTime")), lit("", language="en-GB")),
    ]  # fmt: skip
    return Results(["a", "b&c", 'q"uote', "d"], rows)


def test_every_kind_of_term_is_written_as_before():
    assert_same_as_reference(odd_terms())


def test_empty_answers_are_written_as_before():
    for columns, terms in (([], []), ([], [()]), (["x"], []), (["x", "y"], [(None, None)])):
        results = Results(columns, terms)
        assert results.to_json() == reference_json(columns, terms)
        assert results.to_xml() == reference_xml(columns, terms)
        assert results.to_csv() == reference_csv(columns, terms)
        assert results.to_tsv() == reference_tsv(columns, terms)


def test_lazy_results_from_an_engine_match_tuples_of_the_same_terms():
    store = ox.Store()
    graph = ox.NamedNode("http://e/g")
    for i in range(2500):  # more than a writer's batch of lines
        subject = ox.NamedNode(f"http://e/s{i}")
        store.add(
            ox.Quad(
                subject, ox.NamedNode("http://e/n"), ox.Literal(str(i), datatype=ox.NamedNode(f"{XSD}integer")), graph
            )
        )
        if i % 3:
            store.add(ox.Quad(subject, ox.NamedNode("http://e/l"), ox.Literal(f"<{i}>", language="en"), graph))
    solutions = store.query(
        "SELECT ?s ?n ?l WHERE { ?s <http://e/n> ?n OPTIONAL { ?s <http://e/l> ?l } } ORDER BY ?n",
        use_default_graph_as_union=True,
    )
    columns = [v.value for v in solutions.variables]
    lazy = Results.from_solutions(columns, list(solutions))
    eager = Results(columns, [tuple(row) for row in lazy._source])
    assert len(lazy) == len(eager) == 2500
    for writer in ("to_json", "to_csv", "to_tsv", "to_xml"):
        assert getattr(lazy, writer)() == getattr(eager, writer)()
    assert lazy.rows == eager.rows and lazy.rows[7] == ("http://e/s7", 7, "<7>")
    assert lazy == eager
    assert_same_as_reference(lazy)


def test_terms_can_be_replaced_and_rows_follow():
    results = Results(["n"], [(ox.Literal("1", datatype=ox.NamedNode(f"{XSD}integer")),)])
    assert results.rows == [(1,)]
    results.terms = [(ox.Literal("2", datatype=ox.NamedNode(f"{XSD}integer")),)]
    assert results.rows == [(2,)] and results.column("n") == [2]
    assert repr(results) == "Results(columns=['n'])"
    assert results != Results(["n"], [(ox.Literal("1", datatype=ox.NamedNode(f"{XSD}integer")),)])


@pytest.mark.parametrize(
    "term",
    [
        None,
        ox.NamedNode("http://e/a"),
        ox.BlankNode("b1"),
        ox.Literal("plain"),
        ox.Literal("x", language="en"),
        ox.Literal("07", datatype=ox.NamedNode(f"{XSD}gYear")),
        ox.Literal("1e3", datatype=ox.NamedNode(f"{XSD}float")),
        ox.Literal("0", datatype=ox.NamedNode(f"{XSD}boolean")),
        ox.Literal("maybe", datatype=ox.NamedNode(f"{XSD}boolean")),
        ox.Literal("abc", datatype=ox.NamedNode(f"{XSD}decimal")),
        ox.Literal("2004-13-01", datatype=ox.NamedNode(f"{XSD}date")),
        ox.Literal("5", datatype=ox.NamedNode("http://e/unknown")),
    ],
)
def test_to_python_converts_as_before(term):
    assert repr(to_python(term)) == repr(reference_python(term))
