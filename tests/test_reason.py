"""HermiT: consistency, defined classes filled by inference, inconsistency reported."""

from __future__ import annotations

import os
import shutil

import pytest
from click.testing import CliRunner
from rdflib import Graph

from conftest import select
from nanokg import settings
from nanokg.cli import main
from nanokg.curation.rdf import load_ontology
from nanokg.curation.reason import InconsistentOntologyError, infer
from nanokg.store.transaction import open_store

INFERRED = "https://w3id.org/nanokg/graph/inferred"
ASSERTED = "https://w3id.org/nanokg/graph/asserted"


def members(store, cls: str, graph: str) -> set[str]:
    rows = select(store, f"SELECT ?p WHERE {{ GRAPH <{graph}> {{ ?p a nkg:{cls} }} }}")
    return {r["p"].rsplit("/", 1)[1] for r in rows}


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        ("ActivelyTargetedNanomedicine", {"sgt-53", "calaa-01", "mcc-465", "bind-014", "pk2", "cornell-dots"}),
        ("StimulusResponsiveNanomedicine", {"thermodox", "liplacis"}),
        ("NucleicAcidNanomedicine", {"sgt-53", "calaa-01"}),
        # not transdrug: the seed's "received clinical approval" is corrected to phase III
        ("ApprovedNanomedicine", {"doxil", "daunoxome", "myocet", "mm-398", "genexol-pm", "paclical",
                                  "abraxane", "feraheme"}),
        ("TerminatedNanomedicine", {"liplacis", "calaa-01"}),
        ("ImagingNanomedicine", {"cornell-dots"}),
    ],
)  # fmt: skip
def test_defined_class_members_come_from_inference(store, cls, expected):
    assert members(store, cls, INFERRED) == expected
    assert members(store, cls, ASSERTED) == set()


def test_pegylated_liposomes_are_pegylated_nanomedicines_by_inference(store):
    # Doxil is asserted a PEGylated liposome; the class axiom makes it a PEGylated nanomedicine
    assert "doxil" in members(store, "PEGylatedNanomedicine", INFERRED)


def test_carrier_superclasses_are_materialised(store):
    rows = select(store, f"SELECT ?p WHERE {{ GRAPH <{INFERRED}> {{ ?p a npo:NPO_719 }} }}")
    assert "https://w3id.org/nanokg/product/doxil" in {r["p"] for r in rows}


def test_inverse_and_transitive_relations_are_inferred(store):
    rows = select(
        store,
        f"""SELECT ?p WHERE {{ GRAPH <{INFERRED}> {{
        <https://w3id.org/nanokg/target/transferrin-receptor> nkg:isTargetedBy ?p }} }}""",
    )
    assert {r["p"].rsplit("/", 1)[1] for r in rows} == {"sgt-53", "calaa-01"}
    rows = select(
        store,
        f"""SELECT ?b WHERE {{ GRAPH <{INFERRED}> {{
        <https://w3id.org/nanokg/disease/metastatic-breast-cancer> nkg:broaderDisease ?b }} }}""",
    )
    assert "https://w3id.org/nanokg/disease/cancer" in {r["b"] for r in rows}


@pytest.mark.slow
def test_inconsistent_data_names_the_disjoint_classes():
    ontology = load_ontology(settings.ontology_dir() / "nanokg.ttl")
    bad = Graph()
    bad.parse(data="""
        @prefix nkg: <https://w3id.org/nanokg/ontology#> .
        @prefix npo: <http://purl.bioontology.org/ontology/npo#> .
        <https://w3id.org/nanokg/product/chimera> a nkg:Nanomedicine, npo:NPO_719, nkg:PolymericMicelle .
    """, format="turtle")  # fmt: skip
    with pytest.raises(InconsistentOntologyError) as info:
        infer(ontology, bad)
    text = " ".join(info.value.reasons)
    assert "product/chimera" in text
    assert "liposome" in text and "micelle" in text


@pytest.mark.slow
def test_inconsistent_ontology_edit_fails_the_build_with_the_classes(tmp_path, built_store):
    ontology = tmp_path / "ontology"
    shutil.copytree(settings.ontology_dir(), ontology)
    with (ontology / "nanokg.ttl").open("a", encoding="utf-8") as f:
        f.write("\nnkg:PolymericMicelle rdfs:subClassOf npo:NPO_719 .\n")
    before = len(open_store(built_store))
    result = CliRunner().invoke(main, ["build", "--ontology", str(ontology), "--store", str(built_store)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    err = result.stderr
    assert "HermiT: ontology + data are inconsistent" in err
    assert "unsatisfiable classes" in err and "polymeric micelle" in err
    assert "disjoint classes" in err
    assert len(open_store(built_store)) == before


def test_hermit_gets_the_quick_jit_unless_the_user_set_java_options(monkeypatch):
    from nanokg.curation import reason

    monkeypatch.delenv("JDK_JAVA_OPTIONS", raising=False)
    with reason._jvm_options():
        assert os.environ["JDK_JAVA_OPTIONS"] == reason.JVM_OPTIONS == "-XX:TieredStopAtLevel=1"
    assert "JDK_JAVA_OPTIONS" not in os.environ  # nothing left behind for other programs
    monkeypatch.setenv("JDK_JAVA_OPTIONS", "-Dchosen=by-the-user")
    with reason._jvm_options():
        assert os.environ["JDK_JAVA_OPTIONS"] == "-Dchosen=by-the-user"
    assert os.environ["JDK_JAVA_OPTIONS"] == "-Dchosen=by-the-user"


@pytest.mark.slow
def test_the_quick_jit_concludes_what_the_default_jvm_concludes(monkeypatch):
    from nanokg.curation.loading import load_curation
    from nanokg.curation.rdf import build_asserted

    ontology = load_ontology(settings.ontology_dir() / "nanokg.ttl")
    asserted = build_asserted(load_curation(settings.data_dir())).asserted
    monkeypatch.delenv("JDK_JAVA_OPTIONS", raising=False)
    quick = infer(ontology, asserted).graph
    monkeypatch.setenv("JDK_JAVA_OPTIONS", "-XX:+UseSerialGC")  # the user's options: no C1-only
    default = infer(ontology, asserted).graph
    assert set(quick) == set(default) and len(quick) > 300
