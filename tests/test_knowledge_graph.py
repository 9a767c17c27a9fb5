"""The Python API: queries, ad-hoc SPARQL, names, descriptions, neighbours, paths, DataFrames."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rdflib import Dataset

from nanokg import KnowledgeGraph
from nanokg.curation.catalogue import ParameterValueError, QueryNotFoundError
from nanokg.query.backends import NotSelectError, QuerySyntaxError
from nanokg.query.names import UnknownEntityError

PRODUCT = "https://w3id.org/nanokg/product/"
TFR = "https://w3id.org/nanokg/target/transferrin-receptor"


def test_query_by_synonym_gives_the_seed_answer(kg):
    # seed 000: SGT-53 is a "Transferrin receptor single-chain antibody fragment (TfRscFv) modified liposome";
    # CALAA-01 is "surface-modified with human transferrin" targeting the transferrin receptor
    for name in ("TfR", "transferrin receptor", "CD71", "cd71", TFR, "target:transferrin-receptor"):
        rows = kg.query("products-by-target", target=name).as_dicts()
        assert {r["name"] for r in rows} == {"CALAA-01", "SGT-53"}, name
    # seed 000: "BIND-014 (clinical phase II), loaded with docetaxel, ... (PSMA)"
    rows = kg.query("products-by-target", target="PSMA").as_dicts()
    assert [(r["name"], r["payloadLabel"], r["stageLabel"]) for r in rows] == [("BIND-014", "docetaxel", "phase 2")]


def test_default_parameters_apply(kg):
    assert {r["name"] for r in kg.query("products-by-target")} == {"CALAA-01", "SGT-53"}


def test_wrong_parameters_are_rejected(kg):
    with pytest.raises(ParameterValueError, match="has no parameter 'colour'"):
        kg.query("products-by-target", colour="red")
    with pytest.raises(ParameterValueError, match="no nkg:MolecularTarget named 'Doxil'"):
        kg.query("products-by-target", target="Doxil")
    with pytest.raises(ParameterValueError, match="is empty"):
        kg.query("products-by-target", target=" ")
    with pytest.raises(QueryNotFoundError):
        kg.query("no-such-query")
    with pytest.raises(QueryNotFoundError):
        kg.query("../pyproject")


def test_injection_is_just_a_string(kg):
    hostile = 'x" } ; DROP ALL #'
    with pytest.raises(ParameterValueError, match="no nkg:MolecularTarget named"):
        kg.query("products-by-target", target=hostile)
    assert kg.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?p a nkg:Nanomedicine }").rows == [(42,)]


def test_sparql_has_the_project_prefixes_and_reports_syntax_errors(kg):
    rows = kg.sparql("SELECT ?p WHERE { ?p nkg:hasPayload drug:p53-gene }").rows
    # seed 000: SGT-53 is a "liposome nanocomplex for p53 gene delivery"
    assert rows == [(PRODUCT + "sgt-53",)]
    with pytest.raises(QuerySyntaxError, match=r"^sparql:3:\d+: SPARQL syntax error"):
        kg.sparql("SELECT ?p\nWHERE {\n  ?p nkg:hasPayload }")
    with pytest.raises(NotSelectError):
        kg.sparql("ASK { ?s ?p ?o }")


def test_results_keep_datatypes(kg):
    # seed 000: "NK105 ... (85 nm)"; NK105's ORR 25 % in phase II
    rows = kg.sparql(
        "SELECT ?size ?rank WHERE { product:nk105 nkg:particleSizeMin ?size ; nkg:hasHighestStage/nkg:stageRank ?rank }"
    ).rows
    assert rows == [(Decimal(85), 5)]
    assert isinstance(rows[0][0], Decimal) and isinstance(rows[0][1], int)


def test_to_dataframe_keeps_datatypes(kg):
    frame = kg.sparql(
        "SELECT ?name ?size ?rank ?terminated ?day WHERE { ?p a nkg:Nanomedicine ; rdfs:label ?name ;"
        " nkg:hasHighestStage/nkg:stageRank ?rank . OPTIONAL { ?p nkg:particleSizeMin ?size }"
        ' BIND(EXISTS { ?p nkg:hasTrial/nkg:trialStatus val:terminated } AS ?terminated) BIND("2026-11-24"^^xsd:date AS ?day) }'
        " ORDER BY ?name"
    ).to_dataframe()
    assert len(frame) == 42
    assert str(frame["rank"].dtype) == "Int64"
    assert str(frame["size"].dtype) == "Float64" and frame["size"].isna().any()
    assert str(frame["terminated"].dtype) == "boolean"
    assert str(frame["day"].dtype).startswith("datetime64")
    assert frame.set_index("name").loc["NK105", "size"] == 85


def test_find_and_entity(kg):
    assert kg.find("Caelyx") == [PRODUCT + "doxil"]
    assert kg.entity("caelyx").label == "Doxil"
    with pytest.raises(UnknownEntityError):
        kg.entity("no such thing")


def test_describe_gives_facts_with_their_sources(kg):
    rows = kg.describe("Caelyx").as_dicts()
    payload = [r for r in rows if r["predicateLabel"] == "has payload"]
    # seed 000: "loaded with the antitumor drug Doxorubicin (Dox), the polyethylene glycol modified liposome Doxil ®"
    assert {r["valueLabel"] for r in payload} == {"doxorubicin"}
    assert all(r["source"].endswith("/source/seed-000") and r["quote"] for r in payload)
    assert any("Doxorubicin (Dox)" in r["quote"] for r in payload)
    # inferred facts are marked and carry no evidence of their own
    inferred = [r for r in rows if r["graph"] == "inferred"]
    assert inferred and all(r["source"] is None for r in inferred)
    # a seed garble and its correction travel with the fact (Themodox -> ThermoDox)
    corrected = [r for r in kg.describe("ThermoDox").as_dicts() if r["seedSays"]]
    assert any(r["seedSays"] == "Themodox" for r in corrected)


def test_neighbours(kg):
    edges = kg.neighbours("SGT-53", "nkg:hasTargetingLigand")
    assert [(e.subject_label, e.object_label) for e in edges] == [
        ("SGT-53", "anti-transferrin receptor single-chain antibody fragment")
    ]
    incoming = kg.neighbours("TfR", "nkg:activelyTargets", direction="in")
    assert {e.subject_label for e in incoming} == {"CALAA-01", "SGT-53"}
    with pytest.raises(ValueError, match="direction"):
        kg.neighbours("TfR", direction="sideways")


def test_paths(kg):
    # seed 000: Abraxane (albumin-bound paclitaxel) is approved for pancreatic cancer
    paths = kg.paths("Abraxane", "pancreatic cancer")
    assert [[str(step) for step in path] for path in paths] == [["Abraxane --has indication--> pancreatic cancer"]]
    # two products that share a payload are two steps apart, through it
    paths = kg.paths("Myocet", "Doxil", max_length=2)
    assert ["Myocet --has payload--> doxorubicin", "Doxil --has payload--> doxorubicin"] in [
        [str(s) for s in p] for p in paths
    ]
    assert kg.paths("Abraxane", "Doxil", max_length=1) == []


@pytest.mark.slow
def test_in_memory_rdflib_graph(built_store):
    kg = KnowledgeGraph.in_memory(built_store)
    assert isinstance(kg.backend.dataset, Dataset)
    assert {r["name"] for r in kg.query("products-by-target", target="CD71")} == {"CALAA-01", "SGT-53"}


def test_stats_queries(kg):
    graphs = {g.rsplit("/", 1)[1]: n for g, n in kg.query("stats-graphs").rows}
    # derived: what the build materialises for the queries (nanokg.store.derive)
    assert set(graphs) == {"ontology", "asserted", "inferred", "derived", "provenance", "lookup", "queries"}
    classes = {label: n for _, label, n in kg.query("stats-classes").rows if label}
    assert classes["nanomedicine"] == 42  # the 42 products of seed 000 (test_cli.SEED_PRODUCTS)


def test_products_query_from_python(kg):
    rows = {r["name"]: r for r in kg.query("products")}
    # seed 000: "Genexol-PM ... (20-50 nm)"
    assert (rows["Genexol-PM"]["size_nm_min"], rows["Genexol-PM"]["size_nm_max"]) == (20, 50)


def test_user_query_file(kg, tmp_path):
    path = tmp_path / "mine.rq"
    path.write_text(
        "PREFIX nkg: <https://w3id.org/nanokg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?name WHERE { ?p nkg:hasPayload ?_drug_iri ; rdfs:label ?name } ORDER BY ?name\n",
        encoding="utf-8",
    )
    # seed 000: BIND-014 and Docetaxel-PNP carry docetaxel
    assert kg.query(path, drug="docetaxel").column("name") == ["BIND-014", "Docetaxel-PNP"]
    with pytest.raises(ParameterValueError, match="needs parameter 'drug'"):
        kg.query(path)


def test_dates_are_dates(kg):
    rows = kg.sparql('SELECT ?d WHERE { BIND("1995-11-17"^^xsd:date AS ?d) }').rows
    assert rows == [(dt.date(1995, 11, 17),)]


@pytest.mark.parametrize("full", [False, True])
def test_build_passes_full_to_the_build(built_store, monkeypatch, full):
    # what the build itself does with it is the build tests' business: here, that the facade hands it over
    import nanokg.store.build as build_module

    seen = {}

    class Report:
        store = built_store

    def build_graph(**options):
        seen.update(options)
        return Report()

    monkeypatch.setattr(build_module, "build_graph", build_graph)
    kg = KnowledgeGraph.build(built_store, full=full)
    assert seen["full"] is full and seen["store_path"] == built_store
    assert kg.build_report is not None and kg.sparql(
        "SELECT (COUNT(*) AS ?n) WHERE { ?p a nkg:Nanomedicine }"
    ).rows == [(42,)]
