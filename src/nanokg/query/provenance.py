"""The provenance questions in SPARQL: from an asserted fact to its evidence, source, quote, locator and correction.

The build reifies every asserted triple in the provenance graph: an ``rdf:Statement``
(``rdf:subject``, ``rdf:predicate``, ``rdf:object``) linked by ``nkg:hasEvidence`` to an
``nkg:Evidence`` that names the source document (``prov:wasDerivedFrom``), its verbatim
``nkg:quote`` or a curator's ``skos:editorialNote``, the ``nkg:locator`` in the source, the
data file and line (``nkg:curatedFrom``) and any ``nkg:hasCorrection`` of the source
(``nkg:seedSays``, ``nkg:correctedValue``, ``nkg:correctionReason``).

This module writes those patterns once. Its callers ask them with variations: the facts
behind an answer (:mod:`nanokg.query.evidence`: the source must be there), the evidence a
release changed (:mod:`nanokg.publish.diff`: in the provenance graph, every field
optional) and where a mapping was checked (:mod:`nanokg.publish.mappings`: the locator
must be there). The patterns use full IRIs, so they need no ``PREFIX`` declarations.

Examples
--------
>>> print(evidence_query(["source", "quote"], required=["source"]))
SELECT ?statement ?source ?quote WHERE {
  ?statement <https://w3id.org/nanokg/ontology#hasEvidence> ?evidence .
  ?evidence <http://www.w3.org/ns/prov#wasDerivedFrom> ?source .
  OPTIONAL { ?evidence <https://w3id.org/nanokg/ontology#quote> ?quote }
}
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from nanokg.vocabulary import PREFIXES

__all__ = ["CORRECTION_FIELDS", "EVIDENCE_FIELDS", "evidence_pattern", "evidence_query", "fact_pattern"]

_RDF, _NKG = PREFIXES["rdf"], PREFIXES["nkg"]

#: what a piece of evidence says, by the property that leads to it from the evidence node
EVIDENCE_FIELDS = {
    "source": f"{PREFIXES['prov']}wasDerivedFrom",
    "quote": f"{_NKG}quote",
    "locator": f"{_NKG}locator",
    "note": f"{PREFIXES['skos']}editorialNote",
    "curatedFrom": f"{_NKG}curatedFrom",
}
#: the field ``correction`` stands for these three, all present or none: what the source says, what is read, why
CORRECTION_FIELDS = {
    "seedSays": f"{_NKG}seedSays",
    "corrected": f"{_NKG}correctedValue",
    "reason": f"{_NKG}correctionReason",
}


def fact_pattern(fact: Sequence[str] = ("subject", "predicate", "object"), statement: str = "statement") -> str:
    """The triple pattern of a reified fact: ``?statement`` with its subject, predicate and object variables.

    Examples
    --------
    >>> print(fact_pattern(("s", "p", "o")).replace("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf:"))
    ?statement <rdf:subject> ?s ; <rdf:predicate> ?p ; <rdf:object> ?o .
    """
    subject, predicate, obj = fact
    return f"?{statement} <{_RDF}subject> ?{subject} ; <{_RDF}predicate> ?{predicate} ; <{_RDF}object> ?{obj} ."


def _variables(fields: Sequence[str], names: Mapping[str, str]) -> list[str]:
    """The variables ``fields`` bind, in order (``correction`` binds three)."""
    out = []
    for name in fields:
        if name == "correction":
            out += [names.get(part, part) for part in CORRECTION_FIELDS]
        elif name in EVIDENCE_FIELDS:
            out.append(names.get(name, name))
        else:
            known = ", ".join([*EVIDENCE_FIELDS, "correction"])
            raise ValueError(f"{name!r} is no field of the evidence (known: {known})")
    return out


def evidence_pattern(
    fields: Sequence[str],
    *,
    required: Collection[str] = (),
    fact: Sequence[str] | None = None,
    names: Mapping[str, str] | None = None,
    statement: str = "statement",
) -> str:
    """The group pattern from a statement to ``fields`` of its evidence (lines, no braces around).

    Parameters
    ----------
    fields
        Names among :data:`EVIDENCE_FIELDS` and ``correction`` (:data:`CORRECTION_FIELDS`);
        each binds the variable of its name, unless ``names`` renames it.
    required
        Fields the evidence must have (a triple pattern); the others are ``OPTIONAL``.
        A correction is always optional.
    fact
        The variables of the fact's subject, predicate and object, to match the reified
        triple too (:func:`fact_pattern`); None when ``?statement`` is bound otherwise (by
        ``VALUES``).
    names
        Field -> variable name, where a caller's columns are named otherwise.
    statement
        The variable of the ``rdf:Statement``.

    Examples
    --------
    >>> print(evidence_pattern(["locator", "note"], required=["locator"], names={"locator": "checked"}))
    ?statement <https://w3id.org/nanokg/ontology#hasEvidence> ?evidence .
    ?evidence <https://w3id.org/nanokg/ontology#locator> ?checked .
    OPTIONAL { ?evidence <http://www.w3.org/2004/02/skos/core#editorialNote> ?note }
    """
    names = names or {}
    _variables(fields, names)  # refuses an unknown field
    if "correction" in required or not set(required) <= set(fields):
        raise ValueError(f"required fields {sorted(required)} must be among {list(fields)}, correction excepted")
    lines = [] if fact is None else [fact_pattern(fact, statement)]
    lines.append(f"?{statement} <{_NKG}hasEvidence> ?evidence .")
    lines += [f"?evidence <{EVIDENCE_FIELDS[name]}> ?{names.get(name, name)} ." for name in fields if name in required]
    for name in fields:
        if name == "correction":
            parts = " ; ".join(f"<{iri}> ?{names.get(part, part)}" for part, iri in CORRECTION_FIELDS.items())
            lines.append(f"OPTIONAL {{\n  ?evidence <{_NKG}hasCorrection> ?correction .\n  ?correction {parts}\n}}")
        elif name not in required:
            lines.append(f"OPTIONAL {{ ?evidence <{EVIDENCE_FIELDS[name]}> ?{names.get(name, name)} }}")
    return "\n".join(lines)


def evidence_query(
    fields: Sequence[str],
    *,
    required: Collection[str] = (),
    fact: Sequence[str] | None = None,
    names: Mapping[str, str] | None = None,
    graph: str | None = None,
) -> str:
    """A SELECT of the evidence ``fields`` per statement (see :func:`evidence_pattern` for the parameters).

    It selects the fact's variables (or ``?statement`` without ``fact``), then the fields'.
    ``graph`` narrows the pattern to that named graph (the provenance graph); without it
    the pattern reads the default graph, which nanokg's backends make the union of all.

    Examples
    --------
    >>> text = evidence_query(["source"], fact=("s", "p", "o"), graph="https://w3id.org/nanokg/graph/provenance")
    >>> print(text.splitlines()[0])
    SELECT ?s ?p ?o ?source WHERE {
    >>> print(text.splitlines()[1])
      GRAPH <https://w3id.org/nanokg/graph/provenance> {
    """
    names = names or {}
    pattern = evidence_pattern(fields, required=required, fact=fact, names=names)
    selected = " ".join(f"?{v}" for v in [*(fact or ["statement"]), *_variables(fields, names)])
    if graph is not None:
        pattern = f"GRAPH <{graph}> {{\n{_indent(pattern)}\n}}"
    return f"SELECT {selected} WHERE {{\n{_indent(pattern)}\n}}"


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
