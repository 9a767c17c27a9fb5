"""nanokg.analytics.network: the entity graph from every backend, its projections, and files for graph tools.

Expected values come from the curated YAML (data/products/*.yaml), read here independently of
the build, so a mistake in the conversion cannot hide in both sides.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
import yaml

from nanokg import KnowledgeGraph, settings
from nanokg.analytics.network import (
    NetworkUsageError,
    carrier_class,
    entity_graph,
    find_node,
    product_features,
    products,
    projection,
    write_graph,
)
from nanokg.query.names import UnknownEntityError
from nanokg.vocabulary import DATA_NAMESPACES, TOP_CARRIER_CLASSES

P = "https://w3id.org/nanokg/product/"
DRUG = "https://w3id.org/nanokg/drug/"
TARGET = "https://w3id.org/nanokg/target/"
LIGAND = "https://w3id.org/nanokg/ligand/"
DISEASE = "https://w3id.org/nanokg/disease/"


def curated_products() -> list[dict]:
    found = []
    for path in sorted((settings.data_dir() / "products").glob("*.yaml")):
        found += yaml.safe_load(path.read_text(encoding="utf-8"))["products"]
    return found


@pytest.fixture(scope="module")
def graph(kg) -> nx.MultiDiGraph:
    return entity_graph(kg)


def test_products_payloads_and_indications_match_the_curated_yaml(graph):
    records = curated_products()
    assert products(graph) == sorted(P + r["id"] for r in records)
    for record in records:
        found = product_features(graph, P + record["id"])
        assert found["payload"] == {DRUG + p["agent"] for p in record.get("payloads", [])}, record["id"]
        assert found["indication"] == {DISEASE + i["disease"] for i in record.get("indications", [])}, record["id"]
        assert found["target"] == {TARGET + t["target"] for t in record.get("targeting", [])}, record["id"]


def test_nodes_carry_label_type_kind_and_literals(graph):
    doxil = graph.nodes[P + "doxil"]
    assert doxil["label"] == "Doxil"
    assert doxil["kind"] == "product"
    assert doxil["type"] == "nkg:PEGylatedLiposome"  # the carrier class, not a reasoner-defined facet
    assert doxil["synonyms"] == ["Caelyx"]
    assert {"nkg:ApprovedNanomedicine", "nkg:PEGylatedNanomedicine", "npo:NPO_719"} <= set(doxil["classes"])
    abraxane = graph.nodes[P + "abraxane"]
    assert abraxane["nkg:particleSizeMin"] == 130  # a literal is an attribute ...
    assert not any(isinstance(n, str) and n.startswith('"') for n in graph)  # ... never a node
    assert graph.nodes[TARGET + "transferrin-receptor"]["kind"] == "target"
    assert graph.nodes[LIGAND + "tfr-scfv"]["kind"] == "ligand"
    assert graph.nodes[DISEASE + "pancreatic-cancer"]["kind"] == "disease"
    assert graph.nodes["https://w3id.org/nanokg/value/approved"]["kind"] == "stage"


def test_kinds_follow_the_ontology_and_agree_with_the_iri_namespaces(graph):
    for node, kind in graph.nodes(data="kind"):
        assert kind != "other", f"{node} has no kind: a class missing from nanokg.vocabulary.KINDS?"
        for name, namespace in DATA_NAMESPACES.items():
            if node.startswith(str(namespace)):
                assert kind == name, node


def test_bookkeeping_is_left_out(graph):
    kinds = Counter(kind for _, kind in graph.nodes(data="kind"))
    assert not {"statement", "evidence", "source", "correction"} & set(kinds)
    keys = {k for *_, k in graph.edges(keys=True)}
    assert not {"nkg:hasEvidence", "nkg:hasCorrection", "prov:wasDerivedFrom", "nkg:lookupKey"} & keys
    assert not any("nkg:lookupKey" in data for _, data in graph.nodes(data=True))
    # SHACL shapes of the query catalogue and the ontology's own classes are not entities
    assert not any("shacl" in (data.get("type") or "") for _, data in graph.nodes(data=True))
    assert "https://w3id.org/nanokg/ontology#Nanomedicine" not in graph


def test_edges_are_keyed_by_predicate_in_the_declared_direction(graph):
    edges = graph.get_edge_data(P + "sgt-53", DRUG + "p53-gene")
    assert list(edges) == ["nkg:hasPayload"]
    assert edges["nkg:hasPayload"] == {"predicate": "nkg:hasPayload", "label": "has payload"}
    keys = Counter(k for *_, k in graph.edges(keys=True))
    # the reasoner's inverses (isPayloadOf, isTargetedBy) are the same edges read backwards
    assert "nkg:isPayloadOf" not in keys and "nkg:isTargetedBy" not in keys
    # one edge per (product, payload), however many quotes support it (Doxil's doxorubicin has two)
    assert keys["nkg:hasPayload"] == len(
        {(r["id"], p["agent"]) for r in curated_products() for p in r.get("payloads", [])}
    )
    # immuneRelation is the super-property HermiT adds beside every narrower immune relation
    assert "nkg:immuneRelation" not in keys


def test_inferred_edges_come_only_with_inferred(kg, graph):
    asserted = entity_graph(kg, inferred=False)
    assert set(asserted.nodes) == set(graph.nodes)
    assert set(asserted.edges(keys=True)) < set(graph.edges(keys=True))
    extra = Counter(k for *_, k in set(graph.edges(keys=True)) - set(asserted.edges(keys=True)))
    assert set(extra) == {"nkg:combinedWith", "nkg:broaderDisease"}  # property chain, transitivity
    assert "nkg:ApprovedNanomedicine" not in asserted.nodes[P + "doxil"]["classes"]
    # the product features do not depend on the reasoner (targets through ligands are followed)
    assert all(product_features(asserted, p) == product_features(graph, p) for p in products(graph))


@pytest.mark.slow
def test_same_graph_from_an_oxigraph_server_and_from_rdflib(built_store, graph, oxigraph_server):
    for other in (KnowledgeGraph.remote(oxigraph_server.query_url), KnowledgeGraph.in_memory(built_store)):
        converted = entity_graph(other)
        assert dict(converted.nodes(data=True)) == dict(graph.nodes(data=True))
        assert sorted(converted.edges(keys=True, data=True)) == sorted(graph.edges(keys=True, data=True))


def test_carrier_classes_match_the_products_query(kg, graph):
    from_query = {r["product"]: r["carrier_class"] for r in kg.query("products").as_dicts()}
    assert {p: carrier_class(graph, p) for p in products(graph)} == from_query
    assert set(from_query.values()) == set(TOP_CARRIER_CLASSES.values())


def test_projection_product_payload_is_bipartite_and_counts_products(graph):
    B = projection(graph, "product-payload")
    assert nx.is_bipartite(B)
    assert {n for n, side in B.nodes(data="bipartite") if side == 0} == set(products(graph))
    by_payload = Counter(a for r in curated_products() for a in {p["agent"] for p in r.get("payloads", [])})
    assert {n.removeprefix(DRUG): B.degree(n) for n, side in B.nodes(data="bipartite") if side == 1} == by_payload
    # the payload delivered by the most products: paclitaxel, 13 (Abraxane, five albumin-bound
    # paclitaxel injections, EndoTAG-1, Genexol-PM, Nanoxel, NK105, Paclical, PNU-166945, Xyotax)
    assert by_payload.most_common(2) == [("paclitaxel", 13), ("doxorubicin", 9)]


def test_projection_product_target_reaches_targets_through_ligands(graph):
    B = projection(graph, "product-target")
    assert set(B[TARGET + "transferrin-receptor"]) == {P + "sgt-53", P + "calaa-01"}
    assert B.number_of_edges() == len(
        {(r["id"], t["target"]) for r in curated_products() for t in r.get("targeting", [])}
    )


def test_weighted_projections(graph):
    records = curated_products()
    C = projection(graph, "carrier-indication")
    liposome = "http://purl.bioontology.org/ontology/npo#NPO_719"
    assert C.nodes[liposome]["label"] == "liposome"
    # liposomes indicated for pancreatic cancer: EndoTAG-1 and MM-398 (Onivyde)
    assert C[liposome][DISEASE + "pancreatic-cancer"]["weight"] == 2
    assert sorted(C[liposome][DISEASE + "pancreatic-cancer"]["products"]) == ["EndoTAG-1", "MM-398"]
    indicated = {(r["id"], i["disease"]) for r in records for i in r.get("indications", [])}
    assert sum(w for *_, w in C.edges(data="weight")) == len(indicated)
    T = projection(graph, "target-indication")
    assert T[TARGET + "psma"] == {}  # BIND-014 has no indication curated
    assert T[TARGET + "integrin-avb3"][DISEASE + "melanoma"]["products"] == ["Cornell Dots"]
    D = projection(graph, "payload-codelivery")
    payload_sets = [{p["agent"] for p in r.get("payloads", [])} for r in records]
    pairs = {(a, b) for agents in payload_sets for a in agents for b in agents if a < b}
    assert D.number_of_edges() == len(pairs)  # 0 in the curated graph: every product carries one payload
    assert D.number_of_nodes() == len({p["agent"] for r in records for p in r.get("payloads", [])})


def test_codelivery_links_payloads_delivered_together():
    G = nx.MultiDiGraph()
    for product in ("a", "b", "c"):
        G.add_node(product, kind="product", label=product.upper())
    for drug in ("x", "y", "z"):
        G.add_node(drug, kind="drug", label=drug)
    for product, drug in (("a", "x"), ("a", "y"), ("b", "x"), ("b", "y"), ("c", "y"), ("c", "z")):
        G.add_edge(product, drug, key="nkg:hasPayload")
    D = projection(G, "payload-codelivery")
    assert D["x"]["y"]["weight"] == 2 and D["y"]["z"]["weight"] == 1 and not D.has_edge("x", "z")


def test_unknown_projection_and_format():
    with pytest.raises(NetworkUsageError, match="unknown projection 'drug-drug'"):
        projection(nx.MultiDiGraph(), "drug-drug")
    with pytest.raises(NetworkUsageError, match="unknown graph format"):
        write_graph(nx.Graph(), "x.dot", "dot")


def test_find_node_agrees_with_the_lookup_graph(kg, graph):
    def outcome(name, **extra):
        try:
            return find_node(graph, name, kind="product", **extra)
        except UnknownEntityError:
            return "ambiguous or unknown"

    for record in curated_products():
        names = [record["name"], *(a["name"] for a in record.get("aliases", [])), f"product:{record['id']}"]
        for name in names:
            assert outcome(name) == outcome(name, kg=kg), name
    # the five Chinese albumin-bound paclitaxel injections share the alias: no single answer either way
    assert outcome("paclitaxel-binding albumin injection") == "ambiguous or unknown"
    assert outcome("Albumin-bound paclitaxel (CSPC)") == P + "albumin-paclitaxel-cspc"
    assert find_node(graph, "tfrscfv") == LIGAND + "tfr-scfv"
    with pytest.raises(UnknownEntityError, match="names nothing"):
        find_node(graph, "Nosuchsome", kind="product")
    with pytest.raises(UnknownEntityError, match="not a product node"):
        find_node(graph, "doxorubicin", kind="product", kg=kg)


def test_graphml_and_gexf_read_back(graph, tmp_path):
    for fmt in ("graphml", "gexf"):
        path = tmp_path / f"entity.{fmt}"
        assert write_graph(graph, path, fmt) == [path]
        ET.parse(path)  # well-formed XML
        back = nx.read_graphml(path, force_multigraph=True) if fmt == "graphml" else nx.read_gexf(path)
        assert set(back.nodes) == set(graph.nodes)
        assert back.number_of_edges() == graph.number_of_edges()
        abraxane = back.nodes[P + "abraxane"]
        assert abraxane["label"] == "Abraxane" and abraxane["carrier_class"] == "nanoparticle"
        assert abraxane["synonyms"] == "nab-paclitaxel"
        assert abraxane["nkg:particleSizeMax"] == 130
        payload = [d for _, v, d in back.out_edges(P + "abraxane", data=True) if v == DRUG + "paclitaxel"]
        assert [d["predicate"] for d in payload] == ["nkg:hasPayload"]
    # GraphML keeps the multigraph keys
    back = nx.read_graphml(tmp_path / "entity.graphml", force_multigraph=True)
    assert set(back.edges(keys=True)) == set(graph.edges(keys=True))
    # projections too, with weights
    C = projection(graph, "carrier-indication")
    write_graph(C, tmp_path / "ci.gexf", "gexf")
    back = nx.read_gexf(tmp_path / "ci.gexf")
    liposome = "http://purl.bioontology.org/ontology/npo#NPO_719"
    assert back[liposome][DISEASE + "pancreatic-cancer"]["weight"] == 2


def test_csv_nodes_and_edges(graph, tmp_path):
    written = write_graph(graph, tmp_path / "entity.csv", "csv")
    assert [p.name for p in written] == ["entity-nodes.csv", "entity-edges.csv"]
    with open(written[0], newline="", encoding="utf-8") as handle:
        nodes = list(csv.DictReader(handle))
    with open(written[1], newline="", encoding="utf-8") as handle:
        edges = list(csv.DictReader(handle))
    assert len(nodes) == graph.number_of_nodes() and len(edges) == graph.number_of_edges()
    doxil = next(n for n in nodes if n["id"] == P + "doxil")
    assert doxil["label"] == "Doxil" and doxil["synonyms"] == "Caelyx" and doxil["kind"] == "product"
    assert {"source", "target", "key", "predicate", "label"} <= set(edges[0])
    assert sum(e["key"] == "nkg:hasPayload" for e in edges) == 41


def test_writes_are_atomic(graph, tmp_path, monkeypatch):
    path = tmp_path / "entity.graphml"
    path.write_text("previous")

    def fails_half_way(G, target, **kwargs):
        target.write(b"<graphml half written")  # the open file of nanokg.atomic.atomic_write
        raise OSError("disk full")

    monkeypatch.setattr(nx, "write_graphml", fails_half_way)
    with pytest.raises(OSError, match="disk full"):
        write_graph(graph, path, "graphml")
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["entity.graphml"]  # no temporary file left


def test_values_are_made_plain(tmp_path):
    from decimal import Decimal

    G = nx.MultiDiGraph(note=None)
    G.add_node("a", size=Decimal("1.5"), names=["y", "x"], gone=None, other=object())
    G.add_node("b", size=2, names=[])
    G.add_edge("a", "b", key="nkg:p", weight=Decimal("3"))
    write_graph(G, tmp_path / "g.graphml", "graphml")
    back = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    assert back.nodes["a"]["size"] == 1.5 and back.nodes["b"]["size"] == 2.0  # one type per attribute
    assert back.nodes["a"]["names"] == "x; y" and "names" not in back.nodes["b"] and "gone" not in back.nodes["a"]
    assert back.nodes["a"]["other"].startswith("<object object")
    assert back["a"]["b"]["nkg:p"]["weight"] == 3


@pytest.mark.slow
def test_cli_network_writes_each_format(built_store, tmp_path):
    for kind, fmt in (("entity", "graphml"), ("product-target", "gexf"), ("carrier-indication", "csv")):
        out = tmp_path / f"{kind}.{fmt}"
        run = subprocess.run(
            [sys.executable, "-m", "nanokg", "network", "--projection", kind, "--format", fmt, "--out", str(out),
             "--store", str(built_store)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert "wrote" in run.stderr
    assert nx.read_graphml(tmp_path / "entity.graphml").number_of_nodes() > 400
    assert nx.is_bipartite(nx.read_gexf(tmp_path / "product-target.gexf"))
    assert (tmp_path / "carrier-indication-edges.csv").read_text().count("\n") > 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--projection", "drug-drug"], "--projection 'drug-drug'"),
        (["--format", "dot"], "--format 'dot'"),
    ],
)
def test_cli_network_bad_input_is_one_line_exit_2(built_store, tmp_path, args, message):
    run = subprocess.run(
        [sys.executable, "-m", "nanokg", "network", *args, "--out", str(tmp_path / "x"), "--store", str(built_store)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.startswith("nanokg: error:") and message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not list(Path(tmp_path).iterdir())
