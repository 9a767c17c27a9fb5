"""The scoped build (the default) against the full one (``--full``): the same graphs, the same refusals.

Correctness of the scoped build, not its speed (docs/benchmarks.md times it): every check
the full build makes is made, and data the full build refuses, the scoped build refuses
with the same lines. The full build runs here, in the normal suite (so in CI).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from nanokg import settings
from nanokg.cli import main
from nanokg.curation.loading import load_curation
from nanokg.curation.rdf import build_asserted, in_memory, load_ontology, mapping_graphs
from nanokg.curation.reason import InconsistentOntologyError, hermit_input
from nanokg.curation.validate import (
    qc_reads_graph,
    qc_violations,
    shacl_by_focus,
    shacl_violations,
    shacl_violations_after,
    touched_focus_nodes,
)
from nanokg.curation.yaml_lines import DataErrors
from nanokg.store.build import build_dataset
from nanokg.store.transaction import reading
from nanokg.vocabulary import GRAPHS, NKG, NPO, VAL

PRODUCT = "https://w3id.org/nanokg/product/"
QC = settings.ontology_dir() / "qc"
UNLINKED = URIRef(str(NKG) + "Unlinked")


def quads(path: Path) -> dict[str, set[str]]:
    """Every graph of the store at ``path``, as sets of N-Triples lines."""
    with reading(path) as store:
        return {
            name: set(
                store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(str(iri))).decode().splitlines()
            )
            for name, iri in GRAPHS.items()
        }


@pytest.fixture(scope="module")
def full_build(tmp_path_factory) -> Path:
    """``nanokg build --full``: whole-graph reasoning and validation, one step after the other."""
    path = tmp_path_factory.mktemp("full-build") / "store"
    result = CliRunner().invoke(main, ["build", "--full", "--store", str(path)])
    assert result.exit_code == 0, result.output
    assert "(full)" in result.stderr
    return path


def test_scoped_and_full_builds_write_the_same_graphs(session_build, full_build):
    scoped_path, report = session_build
    assert report.full is False and "hermit" in report.overlapped  # the session's build is the scoped one
    scoped, full = quads(scoped_path), quads(full_build)
    for name in GRAPHS:
        assert scoped[name] == full[name], f"graph {name} differs between the scoped and the full build"
    assert scoped["inferred"] and scoped["derived"]


def test_scoped_build_with_hermit_in_a_thread_writes_the_same_graphs(full_build):
    # another thread running: no fork (unsafe then), HermiT runs in a thread instead
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        report, store = build_dataset()
    finally:
        stop.set()
        other.join()
    assert report.full is False and report.overlapped["hermit"] > 0
    full = quads(full_build)
    for name, iri in GRAPHS.items():
        text = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(str(iri))).decode()
        assert set(text.splitlines()) == full[name], f"graph {name} differs"


# -- graphs for the validation fixtures ----------------------------------------------------------


@pytest.fixture(scope="module")
def parts(built_store):
    """Ontology, asserted, provenance as the build makes them, the inferred graph of the built store, the shapes."""
    curation = load_curation(settings.data_dir())
    built = build_asserted(curation)
    ontology = load_ontology(settings.ontology_dir() / "nanokg.ttl")
    shapes = load_ontology(settings.ontology_dir() / "shapes.ttl", canonical=False)
    with reading(built_store) as store:
        text = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(str(GRAPHS["inferred"])))
    inferred = Graph().parse(data=text.decode(), format="nt")
    return ontology, built, inferred, shapes


def merged(*graphs: Graph) -> Graph:
    out = Graph()
    for g in graphs:
        out += g
    return out


def _no_stage(g: Graph, added: Graph) -> None:
    g.remove((URIRef(PRODUCT + "doxil"), NKG.hasHighestStage, None))


def _reversed_size(g: Graph, added: Graph) -> None:
    g.set((URIRef(PRODUCT + "nk105"), NKG.particleSizeMin, Literal(900)))


def _reason_not_terminated(g: Graph, added: Graph) -> None:
    trial = next(g.subjects(NKG.trialStatus, VAL["terminated"]))
    g.remove((trial, NKG.trialStatus, VAL["terminated"]))


def _approved_without_approval(g: Graph, added: Graph) -> None:
    g.set((URIRef(PRODUCT + "nk105"), NKG.hasHighestStage, VAL["approved"]))


def _statement_without_evidence(g: Graph, added: Graph) -> None:
    statement = next(g.subjects(RDF.type, RDF.Statement))
    g.remove((statement, NKG.hasEvidence, None))


def _no_label(g: Graph, added: Graph) -> None:
    g.remove((URIRef("https://w3id.org/nanokg/drug/doxorubicin"), RDFS.label, None))


def _carrier_only_inferred(g: Graph, added: Graph) -> None:
    # Doxil's carrier class comes from inference only: take away what gives it
    doxil = URIRef(PRODUCT + "doxil")
    for cls in list(g.objects(doxil, RDF.type)):
        if cls != NKG.Nanomedicine:
            g.remove((doxil, RDF.type, cls))


def _inferred_second_carrier(g: Graph, added: Graph) -> None:
    # inference gives a product a second carrier class: only the inferred graph breaks it
    added.add((URIRef(PRODUCT + "doxil"), RDF.type, NKG.PolymericMicelle))


def _inferred_new_target(g: Graph, added: Graph) -> None:
    # inference makes a node an outcome, which then lacks a measure, a unit and a value
    added.add((URIRef("https://w3id.org/nanokg/drug/doxorubicin"), RDF.type, NKG.Outcome))


def _inferred_value_class(g: Graph, added: Graph) -> None:
    # a payload is no agent until a new super-class link makes it one: the products whose
    # payload it is fail before and pass after, and must be checked again
    doxorubicin = URIRef("https://w3id.org/nanokg/drug/doxorubicin")
    g.remove((doxorubicin, RDF.type, None))
    g.add((doxorubicin, RDF.type, UNLINKED))
    added.add((UNLINKED, RDFS.subClassOf, NKG.Agent))


BROKEN = [
    _no_stage,
    _reversed_size,
    _reason_not_terminated,
    _approved_without_approval,
    _statement_without_evidence,
    _no_label,
    _carrier_only_inferred,
    _inferred_second_carrier,
    _inferred_new_target,
    _inferred_value_class,
]


@pytest.mark.parametrize("breaks", BROKEN, ids=lambda f: f.__name__.strip("_"))
def test_scoped_shacl_reports_what_full_shacl_reports(parts, breaks):
    ontology, built, inferred, shapes = parts
    before = merged(ontology, built.asserted, built.provenance)
    added = merged(inferred)
    breaks(before, added)
    everything = merged(before, added)
    full = shacl_violations(everything, shapes)
    # the scoped build: validate before the inferred graph exists, then only what it touches
    partial = shacl_by_focus(before, shapes)
    assert full or partial, "the fixture must break a shape"
    before += added
    assert shacl_violations_after(partial, before, added, shapes) == full


def test_scoped_shacl_validates_everything_when_it_cannot_scope(parts):
    ontology, built, inferred, shapes = parts
    data = merged(ontology, built.asserted, built.provenance, inferred)
    assert touched_focus_nodes(data, inferred, shapes)  # the curated inferred graph scopes
    # a new sub-property could change any path: no scoping
    schema = merged(inferred)
    schema.add((URIRef(str(NKG) + "x"), RDFS.subPropertyOf, RDFS.label))
    assert touched_focus_nodes(data, schema, shapes) is None
    # an inverse path reaches nodes the scoping does not follow
    inverse = merged(shapes)
    inverse.parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix nkg: <https://w3id.org/nanokg/ontology#> .
        <https://w3id.org/nanokg/shapes/Back> a sh:NodeShape ; sh:targetClass nkg:Agent ;
          sh:property [ sh:path [ sh:inversePath nkg:hasPayload ] ; sh:maxCount 100 ] .""",
        format="turtle",
    )
    assert touched_focus_nodes(data, inferred, inverse) is None
    # a SPARQL constraint may read any triple
    sparql = merged(shapes)
    sparql.parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix nkg: <https://w3id.org/nanokg/ontology#> .
        <https://w3id.org/nanokg/shapes/Any> a sh:NodeShape ; sh:targetClass nkg:Agent ;
          sh:sparql [ sh:select "SELECT $this WHERE { FILTER(false) }" ] .""",
        format="turtle",
    )
    assert touched_focus_nodes(data, inferred, sparql) is None


# -- QC queries: those that cannot read the inferred graph run first -----------------------------


def test_qc_split_reports_what_the_whole_run_reports(parts):
    ontology, built, inferred, _ = parts
    # the broken fixture of test_pipeline, and an undeclared term that only the inferred graph uses
    bad_ontology = merged(ontology)
    bad_ontology.add((URIRef("https://w3id.org/nanokg/ontology#Unlabelled"), RDF.type, OWL.Class))
    bad_ontology.remove((NKG.hasPayload, None, None))
    bad_asserted = merged(built.asserted)
    twin = URIRef(PRODUCT + "doxil-twin")
    bad_asserted.add((twin, RDF.type, NKG.Nanomedicine))
    bad_asserted.add((twin, RDFS.label, Literal("DOXIL")))
    bad_inferred = merged(inferred)
    bad_inferred.add((twin, URIRef(str(NKG) + "neverDeclared"), URIRef(PRODUCT + "doxil")))
    graphs = {
        GRAPHS["ontology"]: bad_ontology,
        GRAPHS["asserted"]: bad_asserted,
        GRAPHS["provenance"]: built.provenance,
    }
    name = str(GRAPHS["inferred"])
    store = in_memory(graphs)
    first = qc_violations(store, QC, only=lambda text: not qc_reads_graph(text, name))
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(name)) for q in in_memory({None: bad_inferred}))
    after = qc_violations(store, QC, only=lambda text: qc_reads_graph(text, name))
    whole = qc_violations(store, QC)
    assert sorted(first + after, key=lambda v: v.query) == whole
    assert {v.query for v in after} >= {"undeclared-term-violation.rq"}
    assert any("neverDeclared" in row for v in after for row in v.rows)
    # every query runs in exactly one of the two passes
    texts = [p.read_text(encoding="utf-8") for p in QC.glob("*-violation.rq")]
    assert 0 < sum(qc_reads_graph(t, name) for t in texts) < len(texts)


# -- reasoning input ------------------------------------------------------------------------------


def test_hermit_input_leaves_out_only_annotation_assertions(parts):
    ontology, built, _, _ = parts
    given = hermit_input(ontology, built.asserted)
    annotations = set(ontology.subjects(RDF.type, OWL.AnnotationProperty)) | {RDFS.label, RDFS.comment}
    left_out = {t for t in built.asserted if t not in given}
    assert left_out and all(p in annotations for _, p, _ in left_out)
    assert all(t in given for t in ontology)
    assert (URIRef(PRODUCT + "doxil"), NKG.hasHighestStage, VAL["approved"]) in given
    assert not any(p == RDFS.label for _, p, _ in given.triples((URIRef(PRODUCT + "doxil"), None, None)))


def test_mapping_graphs_complete_the_asserted_graphs():
    curation = load_curation(settings.data_dir())
    whole = build_asserted(curation)
    core, mapped = build_asserted(curation, mappings=False), mapping_graphs(curation)
    assert any(p == SKOS.exactMatch for _, p, _ in mapped.asserted)
    assert set(core.asserted) | set(mapped.asserted) == set(whole.asserted)
    assert set(core.provenance) | set(mapped.provenance) == set(whole.provenance)


# -- the bad-data fixtures, through both builds ---------------------------------------------------


def _refusal(data: Path | None, ontology: Path | None, full: bool) -> tuple[str, list[str]]:
    try:
        build_dataset(data, ontology, full=full)
    except DataErrors as exc:
        return "data", [str(e) for e in exc.errors]
    except InconsistentOntologyError as exc:
        return "inconsistent", exc.reasons
    raise AssertionError("the build accepted broken data")


def _mapping(entry: dict):
    def write(data: Path, ontology: Path) -> None:
        (data / "mappings.yaml").write_text(yaml.safe_dump({"mappings": [entry]}, sort_keys=False), encoding="utf-8")

    return write


CHECKED = "github:owner/repo@abc123 data/file.tsv: 'DB00997<TAB>Doxorubicin'"


def _match(curie: str) -> dict:
    return {"id": curie, "predicate": "exact", "label": "doxorubicin", "checked": CHECKED}


def _two_carrier_tops(data: Path, ontology: Path) -> None:
    with (ontology / "nanokg.ttl").open("a", encoding="utf-8") as f:
        f.write("\nnkg:PolymericMicelle rdfs:subClassOf npo:NPO_719 .\n")


def _bad_quote(data: Path, ontology: Path) -> None:
    path = next(p for p in sorted(data.rglob("*.yaml")) if "quote: " in p.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("quote: ", "quote: nowhere in the seed ", 1), encoding="utf-8")


REFUSED = {
    "unknown-prefix": _mapping({"entity": "drug/doxorubicin", "matches": [_match("NOPE:1")]}),
    "undefined-entity": _mapping({"entity": "drug/no-such-drug", "matches": [_match("CHEBI:28748")]}),
    "malformed-curie": _mapping({"entity": "drug/doxorubicin", "matches": [_match("drugbank:00997")]}),
    "bad-quote": _bad_quote,
    "inconsistent-ontology": _two_carrier_tops,
}


@pytest.mark.slow
@pytest.mark.parametrize("breaks", list(REFUSED.values()), ids=list(REFUSED))
def test_scoped_build_refuses_what_the_full_build_refuses(tmp_path, data_copy, breaks):
    ontology = tmp_path / "ontology"
    shutil.copytree(settings.ontology_dir(), ontology)
    breaks(data_copy, ontology)
    full = _refusal(data_copy, ontology, full=True)
    assert _refusal(data_copy, ontology, full=False) == full
    assert full[1]


def test_inconsistent_data_is_refused_by_both_reasoning_inputs(parts):
    from nanokg.curation.reason import infer

    ontology = parts[0]
    bad = Graph()
    chimera = URIRef(PRODUCT + "chimera")
    for cls in (NKG.Nanomedicine, NPO["NPO_719"], NKG.PolymericMicelle):
        bad.add((chimera, RDF.type, cls))
    bad.add((chimera, RDFS.label, Literal("Chimera")))
    reasons = []
    for full in (True, False):
        with pytest.raises(InconsistentOntologyError) as info:
            infer(ontology, bad, full=full)
        reasons.append(info.value.reasons)
    assert reasons[0] == reasons[1] and any("product/chimera" in r for r in reasons[0])
