"""benchmarks/: the synthetic graph generator (deterministic, ontology-shaped, every query answered) and the runner.

Speed is what the benchmark measures (docs/benchmarks.md); these tests assert no timings.
"""

from __future__ import annotations

import doctest
import gzip
import json
import subprocess
import sys
from pathlib import Path

import benchmarks.generate
import pyoxigraph as ox
import pytest
from benchmarks.generate import IMPORT_GRAPH, generate, parse_size, templates_from_store
from rdflib import Dataset, Graph

from nanokg import KnowledgeGraph
from nanokg.curation.rdf import load_ontology
from nanokg.curation.validate import shacl_violations
from nanokg.settings import ontology_dir
from nanokg.store.index import name_key
from nanokg.store.load import lookup_graph_of
from nanokg.store.transaction import open_store
from nanokg.vocabulary import GRAPHS

ROOT = Path(__file__).resolve().parent.parent
NKG = "https://w3id.org/nanokg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: queries whose answers grow with the synthetic products (their defaults match clones too)
GROWING = [
    "approvals-by-region", "approvals-timeline", "combinations-by-partner", "dose-limiting-toxicities",
    "findings-by-text", "outcomes-above-threshold", "outcomes-vs-comparator", "payload-counts",
    "pegylated-nanomedicines", "products", "products-by-adverse-effect", "products-by-carrier",
    "products-by-developer", "products-by-indication", "products-by-ligand", "products-by-material",
    "products-by-payload", "products-by-size", "products-by-stage", "products-by-target",
    "release-by-stimulus", "targeting-overview", "terminated-trials", "nucleic-acid-nanomedicines",
]  # fmt: skip


@pytest.fixture(scope="module")
def templates(built_store):
    return templates_from_store(open_store(built_store))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory, templates) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "s5k.nq"
    generate(path, 5000, seed=7, templates=templates)
    return path


@pytest.fixture(scope="module")
def merged(built_store, synthetic) -> ox.Store:
    """The curated store's quads plus the synthetic import, in memory."""
    store = ox.Store()
    store.bulk_extend(open_store(built_store).quads_for_pattern(None, None, None, None))
    store.bulk_load(path=str(synthetic), format=ox.RdfFormat.N_QUADS)
    return store


def test_sizes_parse():
    assert doctest.testmod(benchmarks.generate).failed == 0
    assert parse_size("10M") == 10_000_000
    with pytest.raises(ValueError, match="expected a number"):
        parse_size("lots")


def test_same_size_and_seed_give_the_same_bytes(tmp_path, templates, synthetic):
    again = tmp_path / "again.nq"
    count = generate(again, 5000, seed=7, templates=templates)
    assert again.read_bytes() == synthetic.read_bytes()
    assert count >= 5000
    assert len(synthetic.read_bytes().splitlines()) == count
    zipped, zipped_again = tmp_path / "a.nq.gz", tmp_path / "b.nq.gz"
    generate(zipped, 5000, seed=7, templates=templates)
    generate(zipped_again, 5000, seed=7, templates=templates)
    assert zipped.read_bytes() == zipped_again.read_bytes()
    assert gzip.decompress(zipped.read_bytes()) == synthetic.read_bytes()
    # keys in a file of their own: the same quads, split
    data, keys = tmp_path / "data.nq", tmp_path / "keys.nq"
    assert generate(data, 5000, seed=7, templates=templates, keys=keys) == count
    assert sorted(data.read_bytes().splitlines() + keys.read_bytes().splitlines()) == sorted(
        synthetic.read_bytes().splitlines()
    )
    assert b"lookupKey" not in data.read_bytes()
    other = tmp_path / "other.nq"
    generate(other, 5000, seed=8, templates=templates)
    assert other.read_bytes() != synthetic.read_bytes()


def test_generated_graph_is_ontology_shaped(built_store, synthetic):
    quads = list(ox.parse(path=str(synthetic), format=ox.RdfFormat.N_QUADS))
    # data in the import graph, label keys where `nanokg load` indexes an import's names
    assert {q.graph_name.value for q in quads} == {IMPORT_GRAPH, lookup_graph_of(IMPORT_GRAPH)}
    curated = open_store(built_store)
    classes = {
        q.subject.value
        for q in curated.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), None, ox.NamedNode(str(GRAPHS["ontology"])))
        if q.object.value == "http://www.w3.org/2002/07/owl#Class"
    }
    types = {q.object.value for q in quads if q.predicate.value == RDF_TYPE}
    assert types, "the synthetic graph types its entities"
    assert types <= classes | {NKG + "Nanomedicine"}, sorted(types - classes)
    products = {
        q.subject.value for q in quads if q.predicate.value == RDF_TYPE and q.object.value == NKG + "Nanomedicine"
    }
    assert len(products) > 42, "more products than the curated graph"
    # every label has its lookup key, as the name index would give it
    labels = {(q.subject.value, name_key(q.object.value)) for q in quads if q.predicate.value.endswith("#label")}
    keys = {(q.subject.value, q.object.value) for q in quads if q.predicate.value == NKG + "lookupKey"}
    assert labels <= keys
    # typed numbers: decimals and doubles both occur
    datatypes = {q.object.datatype.value for q in quads if isinstance(q.object, ox.Literal)}
    assert {"http://www.w3.org/2001/XMLSchema#decimal", "http://www.w3.org/2001/XMLSchema#double"} <= datatypes


@pytest.mark.slow
def test_generated_graph_passes_the_shapes(built_store, synthetic):
    # the curated graph plus the import, against the project's SHACL shapes
    dataset = Dataset()
    dataset.parse(data=open_store(built_store).dump(format=ox.RdfFormat.N_QUADS), format="nquads")
    dataset.parse(str(synthetic), format="nquads")
    union = Graph()
    for graph in dataset.graphs():
        union += graph
    assert shacl_violations(union, load_ontology(ontology_dir() / "shapes.ttl")) == []


def test_every_named_query_runs_and_the_growing_ones_grow(built_store, merged):
    curated = KnowledgeGraph.open(built_store)
    kg = KnowledgeGraph.from_store(merged)
    for spec in kg.queries():
        if "SERVICE <" in spec.text:
            continue  # federated: needs the internet
        before = len(curated.query(spec.name).rows)
        after = len(kg.query(spec.name).rows)
        assert after >= before, spec.name
        if spec.name in GROWING:
            assert after > before, f"{spec.name}: the synthetic products do not reach it"
    # synthetic names resolve through the index, curated names still name one entity
    assert kg.find("Doxil S1") == ["https://w3id.org/nanokg/product/doxil-s1"]
    assert len(kg.find("doxorubicin")) == 1


@pytest.mark.slow
def test_runner_end_to_end(tmp_path, built_store):
    out_json, out_md = tmp_path / "b.json", tmp_path / "b.md"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--sizes", "2000", "--systems", "nanokg,oxigraph-disk,oxigraph-memory",
         "--reps", "1", "--budget", "0.05", "--timeout", "60", "--curated", str(built_store),
         "--workdir", str(tmp_path / "work"), "--json", str(out_json), "--markdown", str(out_md)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(out_json.read_text())
    size = result["sizes"]["2000"]
    assert size["quads"] >= 2000
    systems = size["systems"]
    assert set(systems) == {"nanokg", "oxigraph-disk", "oxigraph-memory"}
    for name, info in systems.items():
        assert "error" not in info, (name, info.get("error"))
        assert info["load"]["quads"] == size["quads"], name
        assert info["load"]["peak_rss"] > 0
        assert info["names"]["Doxil"]["rows"] == 1
    queries = systems["oxigraph-disk"]["queries"]
    ran = [q for q, r in queries.items() if r["status"] == "ok"]
    assert len(ran) >= 40
    for query in ran:
        counts = {s: systems[s]["queries"][query]["rows"] for s in systems}
        if query == "stats-graphs":  # nanokg load records each import in a graph of its own
            assert counts["nanokg"] == counts["oxigraph-disk"] + 1 == counts["oxigraph-memory"] + 1
            continue
        assert len(set(counts.values())) == 1, (query, counts)
    assert result["cold_start"]["p50"] > 0
    assert size["network"]["status"] == "ok" and size["network"]["nodes"] > 0
    text = out_md.read_text()
    assert "## Targets of issue 10" in text and "### 2,000 triples" in text
