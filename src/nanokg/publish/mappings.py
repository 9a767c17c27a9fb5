"""The mapping table: nanokg entities and the external identifiers they match, read from the graph.

Everything here is SPARQL over a backend (the embedded store, rdflib, or any endpoint
holding the graph), so ``nanokg mappings`` answers the same wherever the graph lives.
A mapping is a ``skos:exactMatch``/``skos:closeMatch`` triple of the asserted graph
whose reified statement in the provenance graph carries the evidence: the locator says
where the identifier was checked. Gaps (``nkg:hasUnmappedSource``) say where none could
be verified and why.

The SSSOM export (:func:`to_sssom`) is a SSSOM TSV file: a YAML metadata header
(``curie_map``, ``mapping_set_id``, ``license``) as ``#`` comment lines, then one row per
mapping with ``mapping_justification`` ``semapv:ManualMappingCuration`` and the check in
``comment``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import yaml

from nanokg.identifiers import compact_iri
from nanokg.query.backends import Backend
from nanokg.query.provenance import evidence_pattern
from nanokg.vocabulary import BASE, DATA_NAMESPACES, PREFIXES

__all__ = [
    "EXPECTED_SOURCES",
    "MAPPING_SET_ID",
    "Coverage",
    "Gap",
    "MappingRow",
    "coverage",
    "mapping_rows",
    "to_sssom",
    "unmapped",
]

#: per kind of entity, the identifier sources it should be mapped to; a tuple is satisfied by any of its prefixes
EXPECTED_SOURCES: dict[str, list[tuple[str, ...]]] = {
    "drug": [("CHEBI",), ("drugbank",), ("pubchem.compound",), ("wikidata",)],
    "target": [("uniprot",), ("hgnc", "hgnc.symbol"), ("wikidata",)],
    "disease": [("NCIT",), ("MONDO", "DOID")],
    "product": [("NCIT", "wikidata", "drugbank")],
}
#: the kinds whose coverage the project promises (at least 90 % with a mapping)
COVERED_KINDS = ("drug", "target", "disease")
MAPPING_SET_ID = f"{BASE}mappings.sssom.tsv"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_GRAPH = f"{BASE}graph/"

# where the identifier was checked: the locator of the mapping's evidence
_CHECKED = evidence_pattern(
    ["locator", "note", "curatedFrom"],
    required=["locator"],
    fact=("entity", "predicate", "object"),
    names={"locator": "checked", "curatedFrom": "curated"},
)
_MAPPINGS = f"""
PREFIX skos: <{_SKOS}>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX nkg: <https://w3id.org/nanokg/ontology#>
SELECT ?entity ?label ?predicate ?object ?object_label ?checked ?note ?curated WHERE {{
  GRAPH <{_GRAPH}asserted> {{
    VALUES ?predicate {{ skos:exactMatch skos:closeMatch }}
    ?entity ?predicate ?object .
    ?entity rdfs:label ?label .
  }}
  GRAPH <{_GRAPH}provenance> {{
    {_CHECKED}
    OPTIONAL {{ ?object rdfs:label ?object_label }}
  }}
}}
"""

_ENTITIES = f"""
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?entity ?label WHERE {{
  GRAPH <{_GRAPH}asserted> {{ ?entity rdfs:label ?label }}
  FILTER(STRSTARTS(STR(?entity), "{BASE}drug/") || STRSTARTS(STR(?entity), "{BASE}target/")
         || STRSTARTS(STR(?entity), "{BASE}disease/") || STRSTARTS(STR(?entity), "{BASE}product/"))
}}
"""

_GAPS = f"""
PREFIX skos: <{_SKOS}>
PREFIX nkg: <https://w3id.org/nanokg/ontology#>
SELECT ?entity ?prefix ?reason WHERE {{
  GRAPH <{_GRAPH}provenance> {{
    ?entity nkg:hasUnmappedSource ?gap . ?gap nkg:identifierPrefix ?prefix ; skos:editorialNote ?reason .
  }}
}}
"""


@dataclass(frozen=True)
class MappingRow:
    """One mapping of the table."""

    entity: str
    label: str
    predicate: str  # skos:exactMatch or skos:closeMatch
    object: str  # the external IRI
    curie: str  # its CURIE (Bioregistry's preferred prefix)
    object_label: str | None
    checked: str
    note: str | None
    curated_from: str | None

    @property
    def kind(self) -> str:
        """``drug``, ``target``, ``disease``, ``product`` ..."""
        return self.entity[len(BASE) :].partition("/")[0]


@dataclass(frozen=True)
class Gap:
    """An entity without a mapping to one expected source (or group of alternatives)."""

    entity: str
    kind: str
    label: str
    sources: tuple[str, ...]
    reason: str | None


@dataclass(frozen=True)
class Coverage:
    """How many entities of a kind carry at least one mapping."""

    kind: str
    mapped: int
    total: int

    @property
    def ratio(self) -> float:
        """``mapped / total`` (1.0 when there is nothing to map)."""
        return self.mapped / self.total if self.total else 1.0


def _kind(iri: str) -> str:
    return iri[len(BASE) :].partition("/")[0] if iri.startswith(BASE) else ""


def mapping_rows(backend: Backend) -> list[MappingRow]:
    """Every mapping of the graph, sorted by entity and CURIE."""
    from nanokg.identifiers import compress

    rows = []
    for entity, label, predicate, obj, object_label, checked, note, curated in backend.select(_MAPPINGS).rows:
        rows.append(
            MappingRow(
                entity=entity,
                label=label,
                predicate="skos:" + predicate[len(_SKOS) :],
                object=obj,
                curie=compress(obj) or obj,
                object_label=object_label,
                checked=checked,
                note=note,
                curated_from=curated,
            )
        )
    return sorted(rows, key=lambda r: (r.entity, r.curie, r.predicate))


def unmapped(backend: Backend, rows: list[MappingRow] | None = None) -> list[Gap]:
    """Every drug, target, indication and product lacking a mapping to an expected source.

    The reason is the one recorded in ``data/mappings.yaml`` (``unmapped:``) for a prefix of
    that source, if any.
    """
    rows = mapping_rows(backend) if rows is None else rows
    mapped: dict[str, set[str]] = {}
    for r in rows:
        mapped.setdefault(r.entity, set()).add(r.curie.partition(":")[0])
    reasons: dict[tuple[str, str], str] = {}
    for entity, prefix, reason in backend.select(_GAPS).rows:
        reasons[(entity, prefix)] = reason
    gaps = []
    for entity, label in sorted(backend.select(_ENTITIES).rows):
        kind = _kind(entity)
        for group in EXPECTED_SOURCES[kind]:
            if not mapped.get(entity, set()) & set(group):
                why = [reasons[(entity, p)] for p in group if (entity, p) in reasons]
                gaps.append(Gap(entity, kind, label, group, "; ".join(why) or None))
    return gaps


def coverage(backend: Backend, rows: list[MappingRow] | None = None) -> list[Coverage]:
    """Per kind (drugs, targets, indications, products): entities with at least one mapping."""
    rows = mapping_rows(backend) if rows is None else rows
    with_mapping = {r.entity for r in rows}
    totals: dict[str, list[str]] = {kind: [] for kind in EXPECTED_SOURCES}
    for entity, _ in backend.select(_ENTITIES).rows:
        totals[_kind(entity)].append(entity)
    return [
        Coverage(kind, sum(e in with_mapping for e in set(entities)), len(set(entities)))
        for kind, entities in totals.items()
    ]


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def to_sssom(rows: list[MappingRow]) -> str:
    r"""The mappings as SSSOM TSV: a YAML metadata block in ``#`` lines, then the table.

    Examples
    --------
    >>> to_sssom([]).splitlines()[-1].split("\t")  # doctest: +NORMALIZE_WHITESPACE
    ['subject_id', 'subject_label', 'predicate_id', 'object_id', 'object_label', 'mapping_justification',
     'comment']
    """
    from nanokg.identifiers import uri_prefix

    used = sorted({r.curie.partition(":")[0] for r in rows})
    kinds = sorted({r.kind for r in rows})
    curie_map = {prefix: uri_prefix(prefix) for prefix in used}
    curie_map |= {kind: str(DATA_NAMESPACES[kind]) for kind in kinds}
    curie_map |= {"skos": PREFIXES["skos"], "semapv": "https://w3id.org/semapv/vocab/"}
    metadata = {
        "curie_map": curie_map,
        "mapping_set_id": MAPPING_SET_ID,
        "mapping_set_title": "nanokg: anti-tumour nanomedicine entities mapped to external identifiers",
        "mapping_set_description": (
            "Manually curated matches of nanokg drugs, targets, indications and products to ChEBI, DrugBank, "
            "PubChem, Wikidata, UniProt, HGNC, NCI Thesaurus, MONDO and DOID; each checked in a public file, "
            "named in the comment."
        ),
        "license": LICENSE,
    }
    header = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True, width=1000)
    out = io.StringIO()
    for line in header.splitlines():
        out.write(f"# {line}\n")
    columns = ["subject_id", "subject_label", "predicate_id", "object_id", "object_label", "mapping_justification",
               "comment"]  # fmt: skip
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for r in rows:
        comment = f"checked: {_one_line(r.checked)}" + (f" Note: {_one_line(r.note)}" if r.note else "")
        writer.writerow([compact_iri(r.entity), _one_line(r.label), r.predicate, r.curie, _one_line(r.object_label),
                         "semapv:ManualMappingCuration", comment])  # fmt: skip
    return out.getvalue()
