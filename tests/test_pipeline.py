"""The build: deterministic, validated by SHACL and QC queries that can fail."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from nanokg import settings
from nanokg.curation.loading import load_curation
from nanokg.curation.rdf import OntologyInputError, build_asserted, load_ontology
from nanokg.curation.validate import ValidationFailed, qc_violations, shacl_violations
from nanokg.store.transaction import reading
from nanokg.vocabulary import GRAPHS, NKG, VAL

DATA_GRAPHS = [GRAPHS[n] for n in ("asserted", "inferred", "provenance")]


def dump(path: Path, graph: URIRef) -> list[str]:
    with reading(path) as store:
        text = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(str(graph))).decode()
    return sorted(text.splitlines())


@pytest.mark.slow
def test_same_input_gives_the_same_triples(built_store, console_build):
    again, build = console_build
    assert build.returncode == 0, build.stderr
    for graph in [*DATA_GRAPHS, GRAPHS["ontology"]]:
        assert dump(built_store, graph) == dump(again, graph), graph


def test_no_blank_nodes_in_the_data_graphs(built_store):
    for graph in DATA_GRAPHS:
        assert not any(line.startswith("_:") or " _:" in line for line in dump(built_store, graph))


def test_store_graph_sizes(store):
    counts = Counter(str(q.graph_name) for q in store.quads_for_pattern(None, None, None, None))
    assert set(counts) == {f"<{g}>" for g in GRAPHS.values()}
    assert all(n > 0 for n in counts.values())


def test_bad_turtle_is_reported_with_the_file(tmp_path):
    bad = tmp_path / "nanokg.ttl"
    bad.write_text("@prefix nkg: <https://w3id.org/nanokg/ontology#> .\nnkg:A a nkg:B \n", encoding="utf-8")
    with pytest.raises(OntologyInputError, match=r"nanokg\.ttl:3: does not parse as Turtle: EOF found after object$"):
        load_ontology(bad)
    with pytest.raises(OntologyInputError, match=r"missing\.ttl: no such file$"):
        load_ontology(tmp_path / "missing.ttl")


@pytest.fixture(scope="module")
def graphs():
    curation = load_curation(settings.data_dir())
    built = build_asserted(curation)
    ontology = load_ontology(settings.ontology_dir() / "nanokg.ttl")
    shapes = load_ontology(settings.ontology_dir() / "shapes.ttl")
    return ontology, built, shapes


def union(*gs: Graph) -> Graph:
    out = Graph()
    for g in gs:
        for t in g:
            out.add(t)
    return out


@pytest.mark.slow
def test_shacl_reports_a_product_without_stage(graphs):
    ontology, built, shapes = graphs
    broken = union(built.asserted)
    doxil = URIRef("https://w3id.org/nanokg/product/doxil")
    broken.remove((doxil, NKG.hasHighestStage, None))
    problems = shacl_violations(union(ontology, broken, built.provenance), shapes)
    assert any("Doxil" in p and "highest development stage" in p for p in problems)
    assert any("Doxil" in p and "approved" in p for p in problems)


@pytest.mark.slow
def test_shacl_reports_a_reversed_size(graphs):
    ontology, built, shapes = graphs
    broken = union(built.asserted)
    nk105 = URIRef("https://w3id.org/nanokg/product/nk105")
    broken.set((nk105, NKG.particleSizeMin, Literal(900)))
    problems = shacl_violations(union(ontology, broken, built.provenance), shapes)
    assert any("NK105" in p and "particleSizeMin" in p for p in problems)


def _qc_store(ontology: Graph, asserted: Graph, provenance: Graph) -> ox.Store:
    store = ox.Store()
    for name, g in (("ontology", ontology), ("asserted", asserted), ("provenance", provenance)):
        store.load(g.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES,
                   to_graph=ox.NamedNode(str(GRAPHS[name])))  # fmt: skip
    return store


def test_qc_queries_pass_on_the_project(graphs):
    ontology, built, _ = graphs
    assert qc_violations(_qc_store(ontology, built.asserted, built.provenance), settings.ontology_dir() / "qc") == []


def test_qc_queries_catch_missing_label_definition_evidence_duplicates_and_undeclared_terms(graphs):
    ontology, built, _ = graphs
    bad_ontology = union(ontology)
    bad_ontology.add((URIRef("https://w3id.org/nanokg/ontology#Unlabelled"), RDF.type, OWL.Class))
    # the data still use nkg:hasPayload; HermiT would quietly ignore it
    bad_ontology.remove((NKG.hasPayload, None, None))
    bad_asserted = union(built.asserted)
    twin = URIRef("https://w3id.org/nanokg/product/doxil-twin")
    bad_asserted.add((twin, RDF.type, NKG.Nanomedicine))
    bad_asserted.add((twin, RDFS.label, Literal("DOXIL")))
    bad_asserted.add((twin, NKG.hasHighestStage, VAL["approved"]))
    found = {v.query: v for v in qc_violations(_qc_store(bad_ontology, bad_asserted, built.provenance),
                                               settings.ontology_dir() / "qc")}  # fmt: skip
    assert set(found) == {
        "missing-label-violation.rq",
        "missing-definition-violation.rq",
        "fact-without-evidence-violation.rq",
        "duplicate-product-name-violation.rq",
        "undeclared-term-violation.rq",
        "missing-domain-violation.rq",
        "missing-range-violation.rq",
        "unused-term-violation.rq",
    }
    # every QC query is checked both ways: none on the project, some on this broken fixture
    assert set(found) == {p.name for p in (settings.ontology_dir() / "qc").glob("*-violation.rq")}
    assert any("Unlabelled" in row for row in found["missing-label-violation.rq"].rows)
    assert any("doxil-twin" in row for row in found["fact-without-evidence-violation.rq"].rows)
    assert [row.split()[0] for row in found["undeclared-term-violation.rq"].rows] == [f"<{NKG.hasPayload}>"]


@pytest.mark.slow
def test_every_ontology_term_has_label_and_definition(store):
    # the QC queries run on the built store too, so a build can never hold an unlabelled term
    assert qc_violations(store, settings.ontology_dir() / "qc") == []


def test_validation_failure_is_an_error_with_problems():
    err = ValidationFailed("SHACL validation", ["a", "b"])
    assert err.problems == ["a", "b"] and "2 problem(s)" in str(err)
