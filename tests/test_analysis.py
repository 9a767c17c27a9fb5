"""nanokg.analytics.analysis on the curated graph: answers a domain expert can check by hand.

Where a number is not obvious from one line of the YAML, the test says how to get it, and the
expected values are recomputed here from data/products/*.yaml, independently of the build.
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys

import networkx as nx
import pytest
import yaml

from nanokg import KnowledgeGraph, settings
from nanokg.analytics import network as network_module
from nanokg.analytics.analysis import (
    AnalysisUsageError,
    attrition,
    centrality,
    communities,
    explain_paths,
    gaps,
    nearest,
    similarity,
)
from nanokg.analytics.network import entity_graph
from nanokg.query.names import UnknownEntityError
from nanokg.vocabulary import TOP_CARRIER_CLASSES

P = "https://w3id.org/nanokg/product/"

#: the YAML's carrier class ids -> the five top classes of the review (ontology/nanokg.ttl)
TOP_CLASS = {
    "liposome": "liposome", "pegylated-liposome": "liposome", "non-pegylated-liposome": "liposome",
    "cationic-liposome": "liposome", "thermosensitive-liposome": "liposome", "immunoliposome": "liposome",
    "polymeric-micelle": "polymeric micelle",
    "nanoparticle": "nanoparticle", "albumin-bound-nanoparticle": "nanoparticle", "polymeric-nanoparticle": "nanoparticle",
    "polymer-drug-conjugate": "polymer-drug conjugate", "inorganic-nanoparticle": "inorganic nanoparticle",
}  # fmt: skip


def curated() -> dict[str, dict]:
    records = {}
    for path in sorted((settings.data_dir() / "products").glob("*.yaml")):
        for record in yaml.safe_load(path.read_text(encoding="utf-8"))["products"]:
            records[record["id"]] = record
    return records


def yaml_features(record: dict) -> set[tuple[str, str]]:
    tops = {TOP_CLASS[c] for c in record["carrier"]["classes"] if c in TOP_CLASS}
    return (
        {("payload", p["agent"]) for p in record.get("payloads", [])}
        | {("target", t["target"]) for t in record.get("targeting", [])}
        | {("indication", i["disease"]) for i in record.get("indications", [])}
        | {("carrier", c) for c in tops}
    )


@pytest.fixture(scope="module")
def graph(kg) -> nx.MultiDiGraph:
    return entity_graph(kg)


# -- centrality ---------------------------------------------------------------------------


def test_payload_delivered_by_the_most_products(graph):
    rows = centrality(graph, "payload", "degree")
    # paclitaxel: Abraxane, the five albumin-bound paclitaxel injections, EndoTAG-1, Genexol-PM,
    # Nanoxel, NK105, Paclical, PNU-166945 and Xyotax; doxorubicin: Doxil, Myocet, ThermoDox,
    # MCC-465, NK911, PK1, PK2, AD-70, Transdrug
    assert [(r["label"], r["products"]) for r in rows[:2]] == [("paclitaxel", 13), ("doxorubicin", 9)]
    assert rows[0]["score"] == round(13 / 42, 6)  # share of the 42 products
    counts = {}
    for record in curated().values():
        for agent in {p["agent"] for p in record.get("payloads", [])}:
            counts[agent] = counts.get(agent, 0) + 1
    assert {r["entity"].rsplit("/", 1)[1]: r["products"] for r in rows} == counts


def test_targets_and_indications(graph):
    targets = centrality(graph, "target")
    assert (targets[0]["label"], targets[0]["products"]) == ("transferrin receptor", 2)  # SGT-53, CALAA-01
    assert len(targets) == 5  # six targeted products, two of them on the transferrin receptor
    indications = centrality(graph, "indication")
    # solid tumour: IHL-305, LiPlaCis, Docetaxel-PNP, NC-4016, NK911 (Prothecan's "anti-cancer activity
    # against a variety of solid tumors" is a finding, not an indication: data/README.md)
    assert (indications[0]["label"], indications[0]["products"]) == ("solid tumour", 5)


@pytest.mark.parametrize("measure", ["betweenness", "pagerank"])
def test_other_measures_rank_the_same_nodes(graph, measure):
    rows = centrality(graph, "payload", measure)
    assert {r["entity"] for r in rows} == {r["entity"] for r in centrality(graph, "payload")}
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    # the two workhorse payloads are the two most central by any measure
    assert {r["label"] for r in rows[:2]} == {"paclitaxel", "doxorubicin"}


def test_unknown_kind_or_measure(graph):
    with pytest.raises(AnalysisUsageError, match="unknown centrality kind 'ligand'"):
        centrality(graph, "ligand")
    with pytest.raises(AnalysisUsageError, match="unknown centrality measure 'closeness'"):
        centrality(graph, "payload", "closeness")


# -- similarity -----------------------------------------------------------------------------


def test_products_nearest_to_abraxane(graph, kg):
    # Abraxane: payload paclitaxel; indications metastatic breast cancer and pancreatic cancer;
    # carrier class nanoparticle (albumin-bound) -> 4 features.
    # The five albumin-bound paclitaxel injections (CSPC, Qilu, Hengrui, Kelun, Chia Tai Tianqing)
    # have {paclitaxel, nanoparticle}: 2 shared / 4 in either = 0.5 — a five-way tie for nearest.
    # Genexol-PM {paclitaxel, metastatic breast cancer, polymeric micelle}: 2 / 5 = 0.4;
    # Nanoxel {paclitaxel, advanced breast cancer, nanoparticle}: 2 / 5 = 0.4.
    rows = nearest(graph, "Abraxane", k=7, kg=kg)
    assert [r["jaccard"] for r in rows] == [0.5] * 5 + [0.4, 0.4]
    assert {r["label"] for r in rows[:5]} == {
        "Albumin-bound paclitaxel (CSPC)", "Albumin-bound paclitaxel (Qilu Pharmaceutical)",
        "Albumin-bound paclitaxel (Jiangsu Hengrui)", "Albumin-bound paclitaxel (Hunan Kelun)",
        "Albumin-bound paclitaxel (Chia Tai Tianqing)",
    }  # fmt: skip
    assert [r["label"] for r in rows[5:]] == ["Genexol-PM", "Nanoxel"]
    assert rows[0]["shared"] == ["carrier: nanoparticle", "payload: paclitaxel"]
    # so the two most similar are two of the tied injections, picked by label
    assert [r["label"] for r in nearest(graph, "nab-paclitaxel", k=2)] == [
        "Albumin-bound paclitaxel (Chia Tai Tianqing)", "Albumin-bound paclitaxel (CSPC)",
    ]  # fmt: skip


def test_similarity_equals_jaccard_over_the_curated_yaml(graph):
    records = curated()
    features = {P + pid: yaml_features(r) for pid, r in records.items()}
    expected = {}
    for a, b in itertools.combinations(sorted(features), 2):
        shared = features[a] & features[b]
        if shared:
            expected[frozenset((a, b))] = round(len(shared) / len(features[a] | features[b]), 4)
    rows = similarity(graph)
    assert {frozenset((r["product_a"], r["product_b"])): r["jaccard"] for r in rows} == expected
    assert [r["jaccard"] for r in rows] == sorted((r["jaccard"] for r in rows), reverse=True)
    for pid in ("genexol-pm", "sgt-53", "doxil"):
        top = nearest(graph, P + pid, k=3)
        best = sorted((v for k, v in expected.items() if P + pid in k), reverse=True)[:3]
        assert [r["jaccard"] for r in top] == best


def test_nearest_resolves_names_and_refuses_others(graph, kg):
    assert nearest(graph, "caelyx", k=1) == nearest(graph, "product:doxil", k=1, kg=kg)
    with pytest.raises(UnknownEntityError):
        nearest(graph, "Nosuchsome", kg=kg)
    with pytest.raises(UnknownEntityError, match="not a product"):
        nearest(graph, "paclitaxel", kg=kg)


def test_communities(graph):
    rows = communities(graph, seed=42)
    assert sorted(r["product"] for r in rows) == sorted(P + pid for pid in curated())
    assert rows == communities(graph, seed=42)  # deterministic for a seed
    groups: dict[int, set[str]] = {}
    for row in rows:
        groups.setdefault(row["community"], set()).add(row["label"])
    by_member = {label: members for members in groups.values() for label in members}
    # every paclitaxel product, whatever its carrier, and nothing else
    paclitaxel = {
        r["name"] for r in curated().values() if {"paclitaxel"} == {p["agent"] for p in r.get("payloads", [])}
    }
    assert len(paclitaxel) == 13 and by_member["Abraxane"] == paclitaxel
    # the two products that reach the transferrin receptor (a gene and an siRNA) stand together
    assert by_member["SGT-53"] == {"SGT-53", "CALAA-01"}
    sgt = next(r for r in rows if r["label"] == "SGT-53")
    assert "target: transferrin receptor" in sgt["theme"]
    sizes = [r["size"] for r in rows]
    assert sizes == sorted(sizes, reverse=True)


# -- paths ------------------------------------------------------------------------------------


def test_sgt53_reaches_the_transferrin_receptor_through_its_ligand(graph, kg):
    rows = explain_paths(graph, "SGT-53", "TfR", kg=kg)
    assert rows[0]["path"] == "SGT-53 --actively targets--> transferrin receptor"  # HermiT's chain, asserted too
    through_ligand = rows[1]
    assert through_ligand["length"] == 2
    assert [(s["predicate"], s["object_label"]) for s in through_ligand["steps"]] == [
        ("nkg:hasTargetingLigand", "anti-transferrin receptor single-chain antibody fragment"),
        ("nkg:bindsTarget", "transferrin receptor"),
    ]
    assert through_ligand["path"] == (
        "SGT-53 --has targeting ligand--> anti-transferrin receptor single-chain antibody fragment "
        "--binds target--> transferrin receptor"
    )
    # KnowledgeGraph.paths (SPARQL, asserted graph) finds the same shortest step, and only that
    shortest = kg.paths("SGT-53", "TfR")
    assert [[(e.subject, e.predicate, e.object) for e in p] for p in shortest] == [
        [(s["subject"], kg.entity(s["predicate"]).iri, s["object"]) for s in rows[0]["steps"]]
    ]


def test_abraxane_to_pancreatic_cancer(graph):
    rows = explain_paths(graph, "Abraxane", "pancreatic cancer")
    assert rows[0]["path"] == "Abraxane --has indication--> pancreatic cancer"
    # next: the 2013 FDA approval for pancreatic cancer (data/products/nanoparticles.yaml)
    assert rows[1]["length"] == 2
    assert [s["predicate"] for s in rows[1]["steps"]] == ["nkg:hasApproval", "nkg:approvedFor"]
    assert "2013" in rows[1]["path"]
    lengths = [r["length"] for r in rows]
    assert lengths == sorted(lengths) and max(lengths) <= 4
    # no explanation passes through a development stage or another value-set node
    for row in rows:
        for step in row["steps"]:
            assert "/value/" not in step["subject"] + step["object"]


def test_paths_bad_input(graph):
    with pytest.raises(AnalysisUsageError, match="same entity"):
        explain_paths(graph, "Doxil", "Caelyx")
    with pytest.raises(UnknownEntityError):
        explain_paths(graph, "Doxil", "Nosuchsome")
    assert explain_paths(graph, "Doxil", "AuroLase", max_length=1) == []


# -- gaps -----------------------------------------------------------------------------------------


def test_carrier_target_gaps_by_hand(graph):
    # Carrier classes and the targets their products reach (data/products/targeted.yaml and others):
    # liposome: transferrin receptor (SGT-53), GAH antigen (MCC-465); nanoparticle: transferrin
    # receptor (CALAA-01), PSMA (BIND-014); polymer-drug conjugate: asialoglycoprotein receptor (PK2);
    # inorganic: integrin avb3 (Cornell Dots); micelles: none. Liposome and nanoparticle share one
    # target, the transferrin receptor, reached by 2 carriers: AA(liposome, nanoparticle) = 1/ln 2.
    # So liposome-PSMA (PSMA is tried by nanoparticle) and nanoparticle-GAH (tried by liposome) each
    # score 1/ln 2; every other untried pair has no path and scores 0.
    rows = gaps(graph, "carrier-target")
    assert [(r["a_label"], r["b_label"], r["via"]) for r in rows] == [
        ("liposome", "prostate-specific membrane antigen", ["nanoparticle"]),
        ("nanoparticle", "GAH antigen", ["liposome"]),
    ]
    assert all(r["score"] == round(1 / math.log(2), 4) for r in rows)


def test_payload_indication_gaps_are_untried_and_scored_as_documented(graph):
    tried = nx.Graph()
    for record in curated().values():
        tried.add_nodes_from(("payload", p["agent"]) for p in record.get("payloads", []))  # tried with nothing, too
        tried.add_nodes_from(("indication", i["disease"]) for i in record.get("indications", []))
        for p in record.get("payloads", []):
            for i in record.get("indications", []):
                tried.add_edge(("payload", p["agent"]), ("indication", i["disease"]))
    payloads = [n for n in tried if n[0] == "payload"]
    diseases = [n for n in tried if n[0] == "indication"]

    def score(p, d):  # Σ over payloads p' tried against d of Adamic–Adar(p, p') in the tried graph
        pairs = [(p, q) for q in tried[d]]
        return sum(s for *_, s in nx.adamic_adar_index(tried, pairs))

    rows = gaps(graph, "payload-indication", limit=None)
    for row in rows:
        p, d = ("payload", row["a"].rsplit("/", 1)[1]), ("indication", row["b"].rsplit("/", 1)[1])
        assert not tried.has_edge(p, d), row
        assert row["score"] == round(score(p, d), 4) > 0
    positive = sum(1 for p in payloads for d in diseases if not tried.has_edge(p, d) and score(p, d) > 0)
    assert len(rows) == positive
    everything = gaps(graph, "payload-indication", limit=None, include_zero=True)
    assert len(everything) == len(payloads) * len(diseases) - tried.number_of_edges()
    # the top gap: paclitaxel was never given for "solid tumour", where cisplatin, doxorubicin and
    # irinotecan products were, and it shares indications with all three (camptothecin is no longer
    # among them: Prothecan's solid tumour is a finding, not an indication)
    assert (rows[0]["a_label"], rows[0]["b_label"]) == ("paclitaxel", "solid tumour")
    assert rows[0]["via"] == ["cisplatin", "doxorubicin", "irinotecan"]
    assert len(gaps(graph, "payload-indication", limit=5)) == 5
    with pytest.raises(AnalysisUsageError, match="unknown gap kind"):
        gaps(graph, "drug-drug")


# -- attrition ---------------------------------------------------------------------------------------


def test_attrition_equals_the_clinical_attrition_query(graph, kg):
    rows = {r["carrier_class"]: r for r in attrition(graph)}
    query = kg.query("clinical-attrition").as_dicts()
    assert {q["carrierClassLabel"] for q in query} | {"all classes"} == set(rows)
    for q in query:
        row = rows[q["carrierClassLabel"]]
        assert (row["products"], row["approved"], row["terminated"]) == (
            q["productCount"], q["approvedCount"], q["terminatedCount"],
        )  # fmt: skip
        assert row["approved_share"] == round(q["approvedCount"] / q["productCount"], 4)
    total = rows["all classes"]
    assert (total["products"], total["approved"], total["terminated"]) == (42, 8, 2)  # CALAA-01, LiPlaCis


def test_attrition_stage_shares_match_carrier_stage_counts(graph, kg):
    rows = {r["carrier_class"]: r for r in attrition(graph)}
    for q in kg.query("carrier-stage-counts").as_dicts():
        row = rows[TOP_CARRIER_CLASSES[q["carrierClass"]]]  # the query prints the ontology's label
        assert row[f"stage: {q['stageLabel']}"] == round(q["productCount"] / row["products"], 4), q
    for row in rows.values():
        assert math.isclose(sum(v for k, v in row.items() if k.startswith("stage: ")), 1, abs_tol=1e-3)


def test_attrition_without_the_reasoner_is_the_same(kg, graph):
    assert attrition(entity_graph(kg, inferred=False)) == attrition(graph)


# -- scale ---------------------------------------------------------------------------------------------


def test_conversion_is_a_fixed_number_of_bulk_queries(kg, monkeypatch):
    import pyoxigraph as ox

    calls = []
    real = network_module._rows

    def counting(backend, text, bindings=None):
        calls.append(text)
        return real(backend, text, bindings)

    monkeypatch.setattr(network_module, "_rows", counting)
    small = entity_graph(kg)
    small_calls = len(calls)
    # ten times the products: the same queries, not one per entity
    store = ox.Store()
    store.extend(kg.backend.store.quads_for_pattern(None, None, None))
    nkg = "https://w3id.org/nanokg/ontology#"
    for i in range(400):
        product = ox.NamedNode(f"https://example.org/product/{i}")
        graph_iri = ox.NamedNode("https://w3id.org/nanokg/graph/asserted")
        store.add(ox.Quad(product, ox.NamedNode(nkg + "hasPayload"),
                          ox.NamedNode("https://w3id.org/nanokg/drug/paclitaxel"), graph_iri))  # fmt: skip
        store.add(ox.Quad(product, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                          ox.NamedNode(nkg + "Nanomedicine"), graph_iri))  # fmt: skip
    calls.clear()
    big = entity_graph(KnowledgeGraph.from_store(store))
    assert len(calls) == small_calls <= 5
    assert big.number_of_nodes() == small.number_of_nodes() + 400
    assert centrality(big, "payload")[0]["products"] == 13 + 400


# -- CLI ------------------------------------------------------------------------------------------------


def nanokg(*args: str, store=None) -> subprocess.CompletedProcess:
    extra = ["--store", str(store)] if store is not None else []
    return subprocess.run(
        [sys.executable, "-m", "nanokg", "analyze", *args, *extra], capture_output=True, text=True, timeout=180
    )


@pytest.mark.slow
def test_cli_analyses(built_store):
    run = nanokg("centrality", "--kind", "payload", "--format", "json", store=built_store)
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert (rows[0]["label"], rows[0]["products"]) == ("paclitaxel", 13)
    run = nanokg("nearest", "Abraxane", "-k", "2", "--format", "csv", store=built_store)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "rank,product,label,carrier_class,jaccard,shared" and len(lines) == 3
    assert lines[1].endswith("0.5,carrier: nanoparticle; payload: paclitaxel")
    run = nanokg("paths", "SGT-53", "transferrin receptor", "--format", "table", store=built_store)
    assert run.returncode == 0, run.stderr
    assert "SGT-53 --actively targets--> transferrin receptor" in run.stdout
    run = nanokg("gaps", "--kind", "carrier-target", "--format", "csv", store=built_store)
    assert run.stdout.splitlines()[1].startswith("1,liposome,liposome,https://w3id.org/nanokg/target/psma")
    run = nanokg("communities", "--format", "json", store=built_store)
    assert len(json.loads(run.stdout)) == 42
    run = nanokg("similar", "--limit", "3", "--format", "json", store=built_store)
    assert [r["jaccard"] for r in json.loads(run.stdout)] == [1.0, 1.0, 1.0]


@pytest.mark.slow
def test_cli_attrition_from_a_remote_endpoint(built_store, oxigraph_server):
    local = nanokg("attrition", "--format", "json", store=built_store)
    remote = nanokg("attrition", "--format", "json", "--endpoint", oxigraph_server.query_url)
    assert local.returncode == remote.returncode == 0, remote.stderr
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    assert json.loads(local.stdout)[-1]["carrier_class"] == "all classes"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nearest", "Nosuchsome"], "'Nosuchsome' names nothing"),
        (["nearest", "paclitaxel"], "not a product node"),
        (["centrality", "--kind", "ligand"], "unknown centrality kind 'ligand'"),
        (["centrality", "--measure", "closeness"], "unknown centrality measure"),
        (["gaps", "--kind", "drug-drug"], "unknown gap kind"),
        (["attrition", "--format", "xml"], "--format 'xml'"),
        (["paths", "Doxil", "Caelyx"], "same entity"),
    ],
)
@pytest.mark.slow
def test_cli_bad_input_is_one_line_exit_2(built_store, args, message):
    run = nanokg(*args, store=built_store)
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("nanokg: error:") and message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and run.stdout == ""


def test_cli_unreachable_endpoint_is_exit_1():
    run = nanokg("attrition", "--endpoint", "http://127.0.0.1:9/query")
    assert run.returncode == 1
    assert run.stderr.startswith("nanokg: error:") and len(run.stderr.strip().splitlines()) == 1
