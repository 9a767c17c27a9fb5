"""Evidence for answers: the curated facts behind each row, with their sources.

The build reifies every asserted triple in the provenance graph (``rdf:Statement`` with
``rdf:subject``/``rdf:predicate``/``rdf:object``) and links it by ``nkg:hasEvidence`` to
an ``nkg:Evidence``: the source document (``prov:wasDerivedFrom``), the verbatim quote
or a curator's note, the locator, the data file and line, and any correction of the
source. This module asks those questions in SPARQL, so evidence comes the same way
from the embedded store, the in-memory rdflib copy and a remote endpoint after
``nanokg push``; the patterns name no graph, so a push merged into one graph works too.

Which facts belong to a row
---------------------------
The **terms of a row** are its IRIs, its literals, and the IRIs bound to the query's
entity parameters (``products-by-target`` has the target as a parameter, not a column).
A row's facts are:

1. every asserted fact whose subject is an IRI of the row and whose object is a term of
   the row (an IRI, or a literal such as the name in the ``name`` column): SGT-53
   ``hasTargetingLigand`` TfRscFv, TfRscFv ``bindsTarget`` the transferrin receptor,
   SGT-53 ``rdfs:label`` "SGT-53";
2. where those facts leave two IRIs of the row unconnected (say a product and a region,
   linked through an approval the query does not select, or a fact the reasoner
   inferred from a property chain), the asserted two-step paths ``a -p-> x -q-> b``
   between them through a node ``x`` that is not in the row (``rdf:type`` is no step):
   the premises of a chained or transitive inference.

A literal column computed from a node the row does not show (``payloadLabel``, the label
of a payload whose IRI is not selected) brings no fact; nor do ontology statements
(stage labels and ranks, class hierarchy), which are vocabulary, not curated claims. A
type inferred from a defined class has no premises listed. Facts are found with a few
bulk queries per answer (``VALUES`` over the row terms, at most :data:`CHUNK` per
request), not one query per fact.

Each :class:`Fact` is one (triple, evidence) pair: a triple with two sources is two
facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from nanokg.query.backends import Backend
from nanokg.query.provenance import evidence_query, fact_pattern
from nanokg.query.results import Results, Term, _json_term, to_python

__all__ = [
    "CHUNK",
    "Correction",
    "Fact",
    "describe_evidence",
    "evidence_lines",
    "find_evidence",
    "render_facts",
]

#: row terms (subjects, statements) per request: bounds request and answer size
CHUNK = 200
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_STATEMENTS = f"SELECT DISTINCT ?statement ?subject ?predicate ?object WHERE {{\n{fact_pattern()}\n}}"
_EVIDENCE = evidence_query(["source", "quote", "locator", "note", "curatedFrom", "correction"], required=["source"])


@dataclass(frozen=True)
class Correction:
    """What the source says, what the curators read instead, and why."""

    seed_says: str
    corrected: str
    reason: str


@dataclass(frozen=True)
class Fact:
    """One asserted triple and one piece of evidence for it.

    ``subject`` and ``predicate`` are IRIs, ``object`` is a Python value (an IRI is a
    ``str``; see :func:`nanokg.query.results.to_python`) and ``object_term`` its RDF term.
    ``source`` is the source document's IRI; ``quote`` its verbatim words, or ``note``
    a curator's words where the fact is general knowledge; ``locator`` the section of
    the source; ``curated_from`` the data file and line.
    """

    subject: str
    predicate: str
    object: Any
    source: str | None = None
    quote: str | None = None
    locator: str | None = None
    note: str | None = None
    correction: Correction | None = None
    curated_from: str | None = None
    object_term: Term | None = field(default=None, repr=False, compare=False)

    @property
    def triple(self) -> tuple[str, str, Any]:
        """``(subject, predicate, object)``."""
        return self.subject, self.predicate, self.object

    def to_json(self) -> dict[str, Any]:
        """The fact as the JSON object ``Results.to_json`` writes under ``evidence``."""
        obj = self.object_term if self.object_term is not None else _guess_term(self.object)
        return {
            "subject": {"type": "uri", "value": self.subject},
            "predicate": {"type": "uri", "value": self.predicate},
            "object": _json_term(obj),
            "source": self.source,
            "quote": self.quote,
            "locator": self.locator,
            "note": self.note,
            "curatedFrom": self.curated_from,
            "correction": None
            if self.correction is None
            else {
                "seedSays": self.correction.seed_says,
                "corrected": self.correction.corrected,
                "reason": self.correction.reason,
            },
        }

    def cells(self) -> list[Term | None]:
        """The fact's cells of :data:`nanokg.query.results.CSV_COLUMNS` after ``evidence_row``, as RDF terms."""
        obj = self.object_term if self.object_term is not None else _guess_term(self.object)
        corr = self.correction

        def text(value: str | None) -> ox.Literal | None:
            return None if value is None else ox.Literal(value)

        return [
            ox.NamedNode(self.subject),
            ox.NamedNode(self.predicate),
            obj,
            None if self.source is None else ox.NamedNode(self.source),
            text(self.quote),
            text(self.locator),
            text(self.note),
            text(self.curated_from),
            text(corr and corr.seed_says),
            text(corr and corr.corrected),
            text(corr and corr.reason),
        ]


def _guess_term(value: Any) -> Term:
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return ox.NamedNode(value)
    return ox.Literal(str(value))


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sorted_terms(terms: Iterable[Term]) -> list[Term]:
    # a stable order makes the requests (and any server log) the same run after run
    return sorted(set(terms), key=str)


@dataclass
class _Statement:
    iri: ox.NamedNode
    subject: ox.NamedNode
    predicate: ox.NamedNode
    object: Term


def _statements_about(backend: Backend, subjects: Iterable[Term]) -> dict[ox.NamedNode, list[_Statement]]:
    """The reified asserted statements whose subject is one of ``subjects``, by subject."""
    found: dict[ox.NamedNode, list[_Statement]] = {}
    iris = [s for s in _sorted_terms(subjects) if isinstance(s, ox.NamedNode)]
    for chunk in _chunks(iris):
        for statement, subject, predicate, obj in backend.select(_STATEMENTS, {"subject": list(chunk)}).iter_terms():
            found.setdefault(subject, []).append(_Statement(statement, subject, predicate, obj))
    return found


def _evidence_of(backend: Backend, statements: Iterable[_Statement]) -> list[Fact]:
    """One :class:`Fact` per (statement, evidence), for ``statements``."""
    by_iri = {s.iri: s for s in statements}
    facts = []
    for chunk in _chunks(_sorted_terms(by_iri)):
        for row in backend.select(_EVIDENCE, {"statement": list(chunk)}).iter_terms():
            statement, source, quote, locator, note, curated, seed_says, corrected, reason = row
            st = by_iri[statement]
            facts.append(
                Fact(
                    subject=st.subject.value,
                    predicate=st.predicate.value,
                    object=to_python(st.object),
                    source=None if source is None else source.value,
                    quote=None if quote is None else quote.value,
                    locator=None if locator is None else locator.value,
                    note=None if note is None else note.value,
                    correction=None
                    if seed_says is None
                    else Correction(seed_says.value, corrected.value, reason.value),
                    curated_from=None if curated is None else curated.value,
                    object_term=st.object,
                )
            )
    return facts


def _components(nodes: set[Term], edges: Iterable[tuple[Term, Term]]) -> dict[Term, Term]:
    """Union-find: each node's representative, nodes joined by ``edges``."""
    parent = {n: n for n in nodes}

    def root(n: Term) -> Term:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b in edges:
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    return {n: root(n) for n in nodes}


def facts_for_terms(backend: Backend, rows: Sequence[set[Term]]) -> list[list[Fact]]:
    """The facts of each row, given each row's terms (see the module docstring for the rule).

    Three bulk queries at most (per :data:`CHUNK` terms): the statements about the rows'
    IRIs, the statements about the nodes a two-step path may pass through (only for rows
    whose IRIs the first leaves unconnected), and the evidence of the statements kept.
    """
    subjects = {t for terms in rows for t in terms if isinstance(t, ox.NamedNode)}
    about = _statements_about(backend, subjects)
    kept: list[list[_Statement]] = []
    unconnected: list[int] = []
    for i, terms in enumerate(rows):
        direct = [st for s in terms if isinstance(s, ox.NamedNode) for st in about.get(s, ()) if st.object in terms]
        kept.append(direct)
        iris = {t for t in terms if isinstance(t, ox.NamedNode)}
        roots = _components(iris, ((st.subject, st.object) for st in direct))
        if len(set(roots.values())) > 1:
            unconnected.append(i)
    if unconnected:
        # step nodes: IRI objects of the rows' IRIs that the row does not hold (classes are no step)
        via = {
            st.object
            for i in unconnected
            for s in rows[i]
            for st in about.get(s, ())
            if isinstance(st.object, ox.NamedNode) and st.object not in rows[i] and st.predicate.value != _RDF_TYPE
        }
        second = _statements_about(backend, via)
        for i in unconnected:
            terms = rows[i]
            iris = {t for t in terms if isinstance(t, ox.NamedNode)}
            roots = _components(iris, ((st.subject, st.object) for st in kept[i]))
            for a in sorted(iris, key=str):
                for first in about.get(a, ()):
                    x = first.object
                    if x in terms or first.predicate.value == _RDF_TYPE or not isinstance(x, ox.NamedNode):
                        continue
                    for step in second.get(x, ()):
                        b = step.object
                        if b in iris and step.predicate.value != _RDF_TYPE and roots[b] != roots[a]:
                            kept[i] += [first, step]
    facts = {f for f in _evidence_of(backend, {st.iri: st for row in kept for st in row}.values())}
    by_statement: dict[tuple, list[Fact]] = {}
    for fact in facts:
        by_statement.setdefault((fact.subject, fact.predicate, fact.object_term), []).append(fact)
    out = []
    for row in kept:
        seen = {(st.subject.value, st.predicate.value, st.object) for st in row}
        row_facts = [f for key in seen for f in by_statement.get(key, ())]
        out.append(sorted(row_facts, key=_fact_order))
    return out


def _fact_order(fact: Fact) -> tuple:
    term = fact.object_term
    return (
        isinstance(term, ox.Literal),  # links between entities first, then names and values
        fact.subject,
        fact.predicate,
        str(term),
        fact.source or "",
        fact.quote or "",
        fact.locator or "",
        fact.note or "",
        fact.curated_from or "",
    )


def find_evidence(backend: Backend, results: Results, parameters: Iterable[Term] = ()) -> list[list[Fact]]:
    """The facts behind each row of ``results``; ``parameters`` are the query's bound values.

    Only IRI parameters count as row terms: a literal parameter (a threshold, a measure
    name) is a condition, not a term the answer is about.
    """
    params = {p for p in parameters if isinstance(p, ox.NamedNode)}
    rows = [{t for t in row if t is not None and not isinstance(t, ox.BlankNode)} | params for row in results.terms]
    return facts_for_terms(backend, rows)


def describe_evidence(backend: Backend, results: Results, entity: str) -> list[list[Fact]]:
    """Evidence for the rows of ``queries/describe.rq`` about ``entity``.

    A row of an asserted statement carries its own evidence (one per row); a row of an
    inferred statement gets the asserted premises between ``entity`` and the value, by
    the same rule as :func:`find_evidence` (the inverse fact, or a two-step path).
    """
    columns = results.columns
    node = ox.NamedNode(entity)
    own: dict[int, list[Fact]] = {}
    inferred: list[int] = []
    for i, (row, values) in enumerate(zip(results.terms, results.as_dicts(), strict=True)):
        cell = dict(zip(columns, row, strict=True))
        value = cell["value"]
        if values["graph"] != "asserted":
            inferred.append(i)
            continue
        if values["source"] is None:
            own[i] = []
            continue
        subject, obj = (node, value) if values["direction"] == "out" else (value, node)
        correction = None
        if values["seedSays"] is not None:
            correction = Correction(values["seedSays"], values["correctedValue"], values["correctionReason"])
        own[i] = [
            Fact(
                subject=subject.value,
                predicate=values["predicate"],
                object=to_python(obj),
                source=values["source"],
                quote=values["quote"],
                locator=values["locator"],
                note=values["note"],
                correction=correction,
                object_term=obj,
            )
        ]
    premises = facts_for_terms(backend, [{node, results.terms[i][columns.index("value")]} for i in inferred])
    own.update(zip(inferred, premises, strict=True))
    return [own[i] for i in range(len(results.terms))]


# -- text -----------------------------------------------------------------------------


def _shown(value: Any, term: Term | None) -> str:
    """IRIs compacted, text quoted, numbers and dates as they are."""
    from nanokg.identifiers import compact_iri

    if isinstance(term, ox.NamedNode) or (term is None and str(value).startswith(("http://", "https://"))):
        return compact_iri(str(value))
    if isinstance(term, ox.Literal) and (term.language or term.datatype.value == _XSD_STRING):
        return f'"{value}"'
    return str(value) if term is not None else f'"{value}"'


def evidence_lines(fact: Fact) -> list[str]:
    """A fact's evidence as text: ``source: "quote" (locator)``, then any correction."""
    source = (fact.source or "?").rsplit("/", 1)[-1]
    text = f'"{fact.quote}"' if fact.quote else (fact.note or "")
    line = f"{source}: {text}" + (f" ({fact.locator})" if fact.locator else "")
    lines = [line]
    if fact.correction is not None:
        c = fact.correction
        lines.append(f"  correction: the seed says {c.seed_says!r}; read {c.corrected!r}: {c.reason}")
    return lines


def render_facts(facts: Sequence[Fact], indent: str = "    ") -> list[str]:
    """Facts as text lines, grouped by triple: the triple (IRIs compacted), then its evidence."""
    from nanokg.identifiers import compact_iri

    lines: list[str] = []
    groups: dict[tuple, list[Fact]] = {}
    for fact in facts:
        groups.setdefault((fact.subject, fact.predicate, str(fact.object_term or fact.object)), []).append(fact)
    for group in groups.values():
        first = group[0]
        lines.append(
            f"{indent}{compact_iri(first.subject)} {compact_iri(first.predicate)} "
            f"{_shown(first.object, first.object_term)}"
        )
        seen: set[str] = set()
        for fact in group:
            for line in evidence_lines(fact):
                if line not in seen:
                    seen.add(line)
                    lines.append(f"{indent}    {line}")
    return lines
