"""The one domain vocabulary (nanokg.vocabulary) agrees with the ontology and the SHACL shapes.

A new carrier class, stage or record kind is one edit of nanokg/vocabulary.py plus the
ontology; these tests fail when the two disagree (a class not declared, a carrier class
not under its top class, a value list that differs from the ontology's individuals).
"""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, SH, Graph, Literal, URIRef
from rdflib.collection import Collection

from nanokg import settings
from nanokg import vocabulary as voc
from nanokg.curation import records
from nanokg.vocabulary import NKG, NPO, VAL


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(settings.ontology_dir() / "nanokg.ttl")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(settings.ontology_dir() / "shapes.ttl")


def _declared(ontology: Graph, iri: URIRef, kind: URIRef) -> bool:
    return (iri, RDF.type, kind) in ontology


def _superclasses(ontology: Graph, cls: URIRef) -> set[URIRef]:
    return set(ontology.transitive_objects(cls, RDFS.subClassOf))  # includes cls itself


def _individuals(ontology: Graph, cls: URIRef) -> set[str]:
    """Local names (val:<id>) of the individuals of ``cls`` or of any of its subclasses."""
    classes = set(ontology.transitive_subjects(RDFS.subClassOf, cls))
    return {str(s)[len(str(VAL)) :] for c in classes for s in ontology.subjects(RDF.type, c) if str(s).startswith(VAL)}


def test_carrier_classes_are_declared_and_fall_under_their_top_class(ontology):
    for carrier in voc.CARRIER_CLASSES.values():
        assert _declared(ontology, carrier.iri, OWL.Class), f"{carrier.id}: {carrier.iri} is not an owl:Class"
        top = voc.CARRIER_CLASSES[carrier.top]
        assert top.is_top, f"{carrier.id}: its top {carrier.top!r} is not a top class"
        assert top.iri in _superclasses(ontology, carrier.iri), f"{carrier.id} is not a subclass of {top.iri}"


def test_the_top_classes_are_the_five_of_the_shapes(shapes):
    lists = [Collection(shapes, node) for node in shapes.objects(None, SH["in"])]
    carrier_lists = [{str(i) for i in items} for items in lists if NKG.PolymericMicelle in items]
    assert carrier_lists == [set(voc.TOP_CARRIER_CLASSES)]
    assert len(voc.TOP_CARRIER_CLASSES) == 5
    assert voc.TOP_CARRIER_CLASSES[str(NPO["NPO_719"])] == "liposome"


def test_no_top_class_falls_under_another(ontology):
    tops = {URIRef(iri) for iri in voc.TOP_CARRIER_CLASSES}
    for top in tops:
        assert _superclasses(ontology, top) & tops == {top}


def test_stages_are_the_ontologys_with_their_ranks_and_labels(ontology):
    assert set(voc.STAGE_IDS) == _individuals(ontology, NKG.DevelopmentStage)
    for stage in voc.STAGES:
        assert ontology.value(stage.iri, NKG.stageRank).toPython() == stage.rank, stage.id
        assert ontology.value(stage.iri, RDFS.label) == Literal(stage.label, lang="en"), stage.id
        assert voc.STAGE_RANKS[str(stage.iri)] == stage.rank and voc.STAGE_LABELS[str(stage.iri)] == stage.label
    assert [s.rank for s in voc.STAGES] == sorted(s.rank for s in voc.STAGES), "STAGES are listed in rank order"
    assert set(voc.CLINICAL_PHASES) == _individuals(ontology, NKG.ClinicalStage) - {"approved"}


@pytest.mark.parametrize(
    ("values", "cls"),
    [
        (voc.TRIAL_STATUSES, NKG.TrialStatus),
        (voc.TERMINATION_REASONS, NKG.TerminationReason),
        (voc.QUALIFIERS, NKG.QualifierValue),
        (tuple(voc.MEASURES), NKG.OutcomeMeasure),
        (voc.STIMULI, NKG.Stimulus),
    ],
    ids=["statuses", "reasons", "qualifiers", "measures", "stimuli"],
)
def test_value_lists_equal_the_ontologys_individuals(ontology, values, cls):
    assert set(values) == _individuals(ontology, cls)


def test_release_mechanisms_and_surface_modifications_are_individuals(ontology):
    # records name three of the four mechanisms (sustained release is a history concept)
    assert set(voc.RELEASE_MECHANISMS) <= _individuals(ontology, NKG.ReleaseMechanism)
    for modification in voc.SURFACE_MODIFICATIONS:
        types = set(ontology.objects(VAL[modification], RDF.type))
        assert any(NKG.SurfaceModification in _superclasses(ontology, t) for t in types), modification


def test_kinds_name_declared_classes(ontology):
    external = {str(RDF) + "Statement", "http://www.w3.org/ns/prov#Person", "http://qudt.org/schema/qudt/Unit"}
    for cls in voc.KINDS:
        assert cls in external or _declared(ontology, URIRef(cls), OWL.Class), cls


@pytest.mark.parametrize("section", sorted(voc.CLASS_MAPS))
def test_record_kinds_map_to_classes_of_their_node_kind(ontology, section):
    node_kind = records.SECTIONS[section][1]
    for kind, cls in voc.CLASS_MAPS[section].items():
        assert _declared(ontology, cls, OWL.Class), f"{section} kind {kind}: {cls} is not declared"
        found = next((k for c, k in voc.KINDS.items() if URIRef(c) in _superclasses(ontology, cls)), None)
        assert found == node_kind, f"{section} kind {kind}: {cls} is a {found} node, not a {node_kind}"


def test_other_class_maps_name_declared_terms(ontology):
    for cls in (*voc.COMPARTMENTS.values(), *voc.NPO_TARGETS.values()):
        assert _declared(ontology, cls, OWL.Class), cls
    for prop in voc.IMMUNE_PREDICATES.values():
        assert _declared(ontology, prop, OWL.ObjectProperty), prop
    for concept in voc.HISTORY_CONCEPTS.values():
        assert (concept, RDF.type, None) in ontology, concept
    assert (voc.UNITS["usd-per-year"].iri, RDF.type, None) in ontology


def test_the_record_models_accept_exactly_the_vocabulary():
    # the models derive their Literal types from the vocabulary: one edit changes both
    schema = records.Drug.model_json_schema()
    assert schema["properties"]["kind"]["enum"] == list(voc.CLASS_MAPS["drugs"])
    assert records.StageRef.model_json_schema()["properties"]["value"]["enum"] == list(voc.STAGE_IDS)
    assert records.Trial.model_json_schema()["properties"]["phase"]["enum"] == list(voc.CLINICAL_PHASES)
