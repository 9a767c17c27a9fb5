"""Ontology hygiene (issue #20, item 5): the pitfall checks are QC queries that pass on the build and fail on bad input.

Each check of ``ontology/qc/`` added or widened for the item runs twice: on the session's
build (no rows) and on a copy of its graphs broken in one place (at least one row, naming
the broken term). The VoID/DCAT description that ``nanokg export`` and ``nanokg release``
write is not in the store, so its terms are checked against the ontology's declarations here.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from nanokg import settings
from nanokg.curation.rdf import load_ontology
from nanokg.vocabulary import GRAPHS

NKG = "https://w3id.org/nanokg/ontology#"
NPO = "http://purl.bioontology.org/ontology/npo#"
QC = settings.ontology_dir() / "qc"
ONTOLOGY = ox.NamedNode(str(GRAPHS["ontology"]))
RDF_TYPE = ox.NamedNode(str(RDF.type))
BUILT_IN = (str(RDF), str(RDFS), str(OWL), "http://www.w3.org/2001/XMLSchema#")

#: the QC queries of item 5 (issue #20): the pitfall checks, each tested both ways below
PITFALL_QUERIES = (
    "missing-domain-violation.rq",
    "missing-range-violation.rq",
    "unused-term-violation.rq",
    "undeclared-term-violation.rq",
    "missing-label-violation.rq",
)

#: the sub-properties of nkg:immuneRelation the review found without a domain of their own
IMMUNE_SUBPROPERTIES = (
    "immuneTargets", "induces", "releases", "inhibits", "promotes", "reducesExpressionOf",
    "alerts", "generates", "locatedIn", "turnsInto", "stratifies", "isCombinedWith",
)  # fmt: skip


def rows(store: ox.Store, query: str) -> list[str]:
    """The rows of one QC query, each as its terms joined by spaces."""
    text = (QC / query).read_text(encoding="utf-8")
    return [" ".join(str(term) for term in solution) for solution in store.query(text)]


@pytest.fixture(scope="module")
def graphs(store) -> list[ox.Quad]:
    """Every quad of the session's build: each test breaks its own copy."""
    return list(store.quads_for_pattern(None, None, None, None))


@pytest.fixture()
def broken(graphs) -> ox.Store:
    copy = ox.Store()
    copy.extend(graphs)
    return copy


def drop(store: ox.Store, subject: str, predicate: str | None = None, graph: ox.NamedNode = ONTOLOGY) -> None:
    """Remove the triples of ``subject`` (with ``predicate``) from ``graph``; there must be some."""
    found = list(store.quads_for_pattern(ox.NamedNode(subject), predicate and ox.NamedNode(predicate), None, graph))
    assert found, (subject, predicate)
    for quad in found:
        store.remove(quad)


@pytest.mark.parametrize("query", PITFALL_QUERIES)
def test_the_build_passes_the_pitfall_check(store, query):
    assert rows(store, query) == []


# -- every property used has a domain and a range of its own ------------------------------


@pytest.mark.parametrize(
    ("subject", "axiom", "query"),
    [
        (NKG + "immuneTargets", RDFS.domain, "missing-domain-violation.rq"),
        ("http://qudt.org/schema/qudt/numericValue", RDFS.domain, "missing-domain-violation.rq"),
        (NKG + "hasEvidence", RDFS.domain, "missing-domain-violation.rq"),
        ("http://qudt.org/schema/qudt/unit", RDFS.range, "missing-range-violation.rq"),
        ("http://www.w3.org/ns/prov#wasDerivedFrom", RDFS.range, "missing-range-violation.rq"),
        (NKG + "stratifies", RDFS.range, "missing-range-violation.rq"),
    ],
)
def test_a_property_without_its_own_domain_or_range_is_a_violation(broken, subject, axiom, query):
    # the sub-property still has its parent's domain by entailment: the check reads asserted axioms
    drop(broken, subject, str(axiom))
    assert [row.split()[0] for row in rows(broken, query)] == [f"<{subject}>"]


def test_an_undeclared_property_used_in_any_graph_needs_a_domain_and_range(broken):
    used = ox.NamedNode("https://example.org/usedInProvenance")
    doxil = ox.NamedNode("https://w3id.org/nanokg/product/doxil")
    broken.add(ox.Quad(doxil, used, ox.Literal("x"), ox.NamedNode(str(GRAPHS["provenance"]))))
    for query in ("missing-domain-violation.rq", "missing-range-violation.rq"):
        assert [row.split()[0] for row in rows(broken, query)] == [str(used)], query


def test_every_subproperty_of_immune_relation_has_its_own_domain_and_range(store):
    ontology = load_ontology(settings.ontology_dir() / "nanokg.ttl")
    parent = URIRef(NKG + "immuneRelation")
    subproperties = set(ontology.transitive_subjects(RDFS.subPropertyOf, parent)) - {parent}
    assert {URIRef(NKG + name) for name in IMMUNE_SUBPROPERTIES} <= subproperties
    for prop in subproperties:
        assert ontology.value(prop, RDFS.domain) is not None, prop
        assert ontology.value(prop, RDFS.range) is not None, prop


# -- the domains and ranges are true of every use ------------------------------------------

# a subject's (an object's) classes: those asserted or given by the ontology, and their super-classes
_FITS = """
SELECT DISTINCT ?property ?node ?side ?class WHERE {{
  VALUES ?property {{ {properties} }}
  GRAPH <{ontology}> {{ ?property rdfs:{side} ?class }}
  GRAPH <{asserted}> {{ ?subject ?property ?object }}
  BIND(IF("{side}" = "domain", ?subject, ?object) AS ?node)
  BIND("{side}" AS ?side)
  FILTER(isIRI(?node))
  FILTER NOT EXISTS {{
    {{ GRAPH <{asserted}> {{ ?node a ?type }} }} UNION {{ GRAPH <{ontology}> {{ ?node a ?type }} }}
    GRAPH <{ontology}> {{ ?type rdfs:subClassOf* ?fit }}
    # the class itself, or a member of the union it is
    {{ BIND(?class AS ?fit) }} UNION {{ GRAPH <{ontology}> {{ ?class owl:unionOf/rdf:rest*/rdf:first ?fit }} }}
  }}
}}
ORDER BY ?property ?node
"""

#: the properties whose domain or range item 5 asserted or changed (object ranges of literals are datatypes)
CHANGED = {
    "domain": ["qudt:numericValue", "qudt:unit", "nkg:valueQualifier", "nkg:minValue", "nkg:maxValue", "nkg:year",
               "nkg:yearPrecision", *(f"nkg:{name}" for name in IMMUNE_SUBPROPERTIES)],
    "range": ["qudt:unit", *(f"nkg:{name}" for name in IMMUNE_SUBPROPERTIES)],
}  # fmt: skip
PREFIXES = (
    "PREFIX nkg: <https://w3id.org/nanokg/ontology#>\nPREFIX qudt: <http://qudt.org/schema/qudt/>\n"
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
)


def misfits(store: ox.Store, side: str) -> list[str]:
    text = PREFIXES + _FITS.format(
        ontology=GRAPHS["ontology"], asserted=GRAPHS["asserted"], side=side, properties=" ".join(CHANGED[side])
    )
    return [" ".join(str(t) for t in row) for row in store.query(text)]


@pytest.mark.parametrize("side", ["domain", "range"])
def test_every_use_fits_the_new_domains_and_ranges(store, side):
    # HermiT would otherwise give a subject or object a class the data never meant
    assert misfits(store, side) == []


def test_a_use_outside_the_domain_is_found(broken):
    asserted = ox.NamedNode(str(GRAPHS["asserted"]))
    doxil = ox.NamedNode("https://w3id.org/nanokg/product/doxil")
    broken.add(ox.Quad(doxil, ox.NamedNode(NKG + "year"), ox.Literal("1995"), asserted))
    assert [row.split()[1] for row in misfits(broken, "domain")] == [str(doxil)]


# -- no term declared and used nowhere ---------------------------------------------------------


def test_the_epr_effect_is_used_by_an_axiom_not_only_by_an_annotation(broken):
    # the curated history points at it with nkg:introducedConcept, an annotation: OWL tools see no use
    drop(broken, NPO + "NPO_837", str(OWL.disjointWith))
    assert [row.split()[0] for row in rows(broken, "unused-term-violation.rq")] == [f"<{NPO}NPO_837>"]


def test_a_class_used_only_by_the_facts_is_used(broken):
    asserted = ox.NamedNode(str(GRAPHS["asserted"]))
    orphan, used = ox.NamedNode(NKG + "Orphan"), ox.NamedNode(NKG + "UsedByFacts")
    for cls in (orphan, used):
        broken.add(ox.Quad(cls, RDF_TYPE, ox.NamedNode(str(OWL.Class)), ONTOLOGY))
    broken.add(ox.Quad(ox.NamedNode("https://w3id.org/nanokg/product/doxil"), RDF_TYPE, used, asserted))
    assert [row.split()[0] for row in rows(broken, "unused-term-violation.rq")] == [str(orphan)]


# -- every predicate and class in every graph is declared ----------------------------------


@pytest.mark.parametrize("graph", ["ontology", "asserted", "inferred", "provenance", "lookup", "queries"])
def test_an_undeclared_predicate_in_any_graph_is_a_violation(broken, graph):
    doxil = ox.NamedNode("https://w3id.org/nanokg/product/doxil")
    predicate = ox.NamedNode("https://example.org/undeclared")
    broken.add(ox.Quad(doxil, predicate, ox.Literal("x"), ox.NamedNode(str(GRAPHS[graph]))))
    found = rows(broken, "undeclared-term-violation.rq")
    assert len(found) == 1 and found[0].startswith(f"{predicate} ") and f"in graph {graph}," in found[0], found


@pytest.mark.parametrize(
    ("term", "graph"),
    [
        ("https://schema.org/keywords", "queries"),
        ("https://purl.expasy.org/sparql-examples/ontology#federatesWith", "queries"),
        ("http://purl.org/dc/terms/identifier", "queries"),
        ("http://www.w3.org/ns/shacl#SPARQLSelectExecutable", "queries"),
        ("http://purl.org/dc/terms/date", "provenance"),
    ],
)
def test_a_lost_declaration_of_another_vocabulary_is_a_violation(broken, term, graph):
    drop(broken, term, str(RDF.type))
    found = rows(broken, "undeclared-term-violation.rq")
    assert found and all(row.startswith(f"<{term}> ") for row in found), found
    assert any(f"in graph {graph}," in row for row in found), found


def test_the_annotation_properties_of_the_header_need_labels(broken):
    drop(broken, "http://purl.org/vocab/vann/preferredNamespacePrefix", str(RDFS.label))
    assert rows(broken, "missing-label-violation.rq") == ["<http://purl.org/vocab/vann/preferredNamespacePrefix>"]


# -- the description written beside the graph (export, release, load) ---------------------


def _declared(ontology: Graph) -> dict[str, set[str]]:
    kinds = {
        "property": {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property},
        "class": {OWL.Class, RDFS.Class},
    }
    return {
        kind: {str(s) for t in types for s in ontology.subjects(RDF.type, t) if isinstance(s, URIRef)}
        for kind, types in kinds.items()
    }


def _terms(triples) -> set[tuple[str, str]]:
    used = set()
    for t in triples:
        used.add(("property", t.predicate.value))
        if t.predicate == RDF_TYPE and isinstance(t.object, ox.NamedNode):
            used.add(("class", t.object.value))
    return {(kind, iri) for kind, iri in used if not iri.startswith(BUILT_IN)}


def test_the_description_of_exports_releases_and_loads_uses_declared_terms(store):
    from nanokg.publish.export import describe_dataset
    from nanokg.publish.release import _release_description
    from nanokg.store.load import ImportRecord, _record_quads

    files = {"nanokg.ttl": {"format": "ttl", "bytes": 1, "sha256": "0" * 64}}
    record = ImportRecord("https://example.org/g", "g.ttl", "file:///g.ttl", "0" * 64, 1,
                          "http://www.w3.org/ns/formats/Turtle", "2026-12-02T08:00:00Z")  # fmt: skip
    described = [*describe_dataset(store, fmt="ttl"), *_release_description(store, "2026-12-02", files)]
    used = _terms([*described, *_record_quads(record)])
    assert {iri for _, iri in used} >= {
        "http://rdfs.org/ns/void#triples",
        "http://spdx.org/rdf/terms#checksum",
        "http://purl.org/dc/terms/conformsTo",
        "http://www.w3.org/ns/dcat#byteSize",
    }
    declared = _declared(load_ontology(settings.ontology_dir() / "nanokg.ttl"))
    assert sorted(f"{kind} {iri}" for kind, iri in used if iri not in declared[kind]) == []


# -- terms of other vocabularies name their vocabulary -------------------------------------


def test_every_declared_term_of_another_vocabulary_names_its_vocabulary():
    ontology = load_ontology(settings.ontology_dir() / "nanokg.ttl")
    declared = set().union(*_declared(ontology).values())
    foreign = sorted(t for t in declared if not t.startswith(("https://w3id.org/nanokg/", *BUILT_IN)))
    assert "http://purl.org/vocab/vann/preferredNamespaceUri" in foreign
    missing = [
        t for t in foreign if not any(t.startswith(str(v)) for v in ontology.objects(URIRef(t), RDFS.isDefinedBy))
    ]
    assert missing == []
