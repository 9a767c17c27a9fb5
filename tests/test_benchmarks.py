"""benchmarks/: the synthetic graph generator (deterministic, ontology-shaped, every query answered) and the runner.

Speed is what the benchmark measures (docs/benchmarks.md); these tests assert no timings.
"""

from __future__ import annotations

import doctest
import gzip
import inspect
import json
import subprocess
import sys
from pathlib import Path

import benchmarks.generate
import pyoxigraph as ox
import pytest
from benchmarks.generate import (
    DERIVED_GRAPH,
    IMPORT_GRAPH,
    derived_graph_of,
    generate,
    parse_size,
    templates_from_store,
)
from benchmarks.report import render, targets
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
    # keys and derived triples in files of their own: the same quads, split
    data, keys, derived = tmp_path / "data.nq", tmp_path / "keys.nq", tmp_path / "derived.nq"
    assert generate(data, 5000, seed=7, templates=templates, keys=keys, derived=derived) == count
    assert sorted(
        data.read_bytes().splitlines() + keys.read_bytes().splitlines() + derived.read_bytes().splitlines()
    ) == sorted(synthetic.read_bytes().splitlines())
    assert b"lookupKey" not in data.read_bytes()
    assert {q.graph_name.value for q in ox.parse(path=str(keys), format=ox.RdfFormat.N_QUADS)} == {
        lookup_graph_of(IMPORT_GRAPH)
    }
    assert f"<{derived_graph_of(IMPORT_GRAPH)}>".encode() not in data.read_bytes()
    assert {q.graph_name.value for q in ox.parse(path=str(derived), format=ox.RdfFormat.N_QUADS)} <= {
        derived_graph_of(IMPORT_GRAPH)
    }
    other = tmp_path / "other.nq"
    generate(other, 5000, seed=8, templates=templates)
    assert other.read_bytes() != synthetic.read_bytes()


def test_generated_graph_is_ontology_shaped(built_store, synthetic):
    quads = list(ox.parse(path=str(synthetic), format=ox.RdfFormat.N_QUADS))
    # data in the import graph, label keys where `nanokg load` indexes an import's names, derived
    # triples (when the curated store has a derived graph) where it writes an import's derivation
    graphs = {q.graph_name.value for q in quads}
    assert (
        {IMPORT_GRAPH, lookup_graph_of(IMPORT_GRAPH)}
        <= graphs
        <= {
            IMPORT_GRAPH,
            lookup_graph_of(IMPORT_GRAPH),
            derived_graph_of(IMPORT_GRAPH),
        }
    )
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


def _memory_supported() -> bool:
    return "memory" in inspect.signature(KnowledgeGraph.open).parameters


def _run(tmp_path: Path, store: Path, systems: str, size: str = "2000") -> tuple[dict, str]:
    out_json, out_md = tmp_path / "b.json", tmp_path / "b.md"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--sizes", size, "--systems", systems,
         "--reps", "1", "--budget", "0.05", "--timeout", "60", "--curated", str(store),
         "--workdir", str(tmp_path / "work"), "--json", str(out_json), "--markdown", str(out_md)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(out_json.read_text()), out_md.read_text()


@pytest.mark.slow
def test_runner_end_to_end(tmp_path, built_store):
    result, text = _run(tmp_path, built_store, "nanokg,nanokg-memory,oxigraph-disk,oxigraph-memory,rdflib")
    size = result["sizes"]["2000"]
    assert size["quads"] >= 2000
    systems = size["systems"]
    assert set(systems) == {"nanokg", "nanokg-memory", "oxigraph-disk", "oxigraph-memory", "rdflib"}
    if not _memory_supported():  # until KnowledgeGraph.open(memory=True) exists, the run says why
        assert "memory" in systems.pop("nanokg-memory")["error"]
    for name, info in systems.items():
        assert "error" not in info, (name, info.get("error"))
        # every system holds the data, the keys and the derived triples (nanokg computes its own)
        assert info["load"]["quads"] == size["quads"], name
        assert info["load"]["peak_rss"] > 0
        assert info["names"]["Doxil"]["rows"] == 1
    for name in ("nanokg", "oxigraph-disk"):
        assert systems[name]["load"]["disk_bytes"] > 1 << 20
    # what `nanokg load` wrote (data, keys, its own derivation) is what the raw systems were given
    assert systems["nanokg"]["load"]["stored_quads"] == size["quads"]
    assert (
        size["quads"]
        == len((tmp_path / "work" / size["file"]).read_bytes().splitlines())
        + size["keys_quads"]
        + size["derived_quads"]
    )
    queries = systems["oxigraph-disk"]["queries"]
    ran = [q for q, r in queries.items() if r["status"] == "ok"]
    assert len(ran) >= 40
    for query in ran:
        counts = {s: systems[s]["queries"][query]["rows"] for s in systems}
        for s in systems:  # the first execution after opening is measured apart
            assert systems[s]["queries"][query]["first"] > 0, (s, query)
        if query == "stats-graphs":  # nanokg load records each import in a graph of its own
            nano = {counts.pop(s) for s in ("nanokg", "nanokg-memory") if s in counts}
            assert len(nano) == 1 and len(set(counts.values())) == 1
            assert nano.pop() == counts["oxigraph-disk"] + 1
            continue
        assert len(set(counts.values())) == 1, (query, counts)
    assert result["cold_start"]["p50"] > 0
    assert size["network"]["status"] == "ok" and size["network"]["nodes"] > 0
    assert "## Targets of issue #19" in text and "### 2,000 triples" in text
    assert "First execution of each query after the store was opened" in text
    assert "| 2,000 triples: disk after load <= 1.3x raw |" in text
    assert "never slower than raw pyoxigraph (nanokg on disk vs oxigraph-disk" in text


@pytest.mark.slow
@pytest.mark.virtuoso
@pytest.mark.server
def test_runner_end_to_end_with_virtuoso(tmp_path, built_store):
    result, text = _run(tmp_path, built_store, "nanokg,virtuoso")
    systems = result["sizes"]["2000"]["systems"]
    virtuoso = systems["virtuoso"]
    assert "error" not in virtuoso, virtuoso.get("error")
    assert virtuoso["load"]["quads"] == result["sizes"]["2000"]["quads"]
    assert virtuoso["load"]["disk_bytes"] > 0
    for query, entry in systems["nanokg"]["queries"].items():
        if entry["status"] == "ok" and query != "stats-graphs":
            assert virtuoso["queries"][query]["rows"] == entry["rows"], query
            assert virtuoso["queries"][query]["first"] > 0
    assert "catalogue, geometric mean of p50 >= 1.0x Virtuoso (nanokg on disk) | met" in text or (
        "catalogue, geometric mean of p50 >= 1.0x Virtuoso (nanokg on disk) | NOT met" in text
    )


# -- derived triples ---------------------------------------------------------------------------

#: a rule of the derived graph (item 4 of its spec: ``nkg:directType``, the types of an individual
#: no other of its types is a strict subclass of), run here over whatever graphs are asked, to
#: check the clones against a derivation from scratch
DIRECT_TYPE = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT DISTINCT ?x ?c WHERE {
  VALUES ?g { %(graphs)s }
  GRAPH ?g { ?x a ?c }
  FILTER(isIRI(?x) && isIRI(?c) && ?c NOT IN (owl:Thing, owl:NamedIndividual))
  FILTER NOT EXISTS {
    VALUES ?h { %(graphs)s }
    GRAPH ?h { ?x a ?narrower }
    FILTER(?narrower != ?c)
    GRAPH <%(ontology)s> { ?narrower rdfs:subClassOf+ ?c }
  }
}
"""
DIRECT_TYPE_PREDICATE = NKG + "directType"


def _direct_types(store: ox.Store, graphs: list[str]) -> set[tuple[str, str, str]]:
    """(x, nkg:directType, C) over ``graphs`` of ``store``."""
    text = DIRECT_TYPE % {"graphs": " ".join(f"<{g}>" for g in graphs), "ontology": GRAPHS["ontology"]}
    return {(row["x"].value, DIRECT_TYPE_PREDICATE, row["c"].value) for row in store.query(text)}


def test_derived_triples_are_cloned_like_a_derivation_from_scratch(tmp_path, built_store):
    # the curated store with a derived graph made by a real rule (whatever derivation the build makes)
    curated = ox.Store()
    curated.bulk_extend(
        q
        for q in open_store(built_store).quads_for_pattern(None, None, None, None)
        if q.graph_name.value != DERIVED_GRAPH
    )
    domain = [str(GRAPHS["asserted"]), str(GRAPHS["inferred"])]
    closure = _direct_types(curated, domain)
    assert len(closure) > 100, "the curated individuals have types to derive from"
    derived_node = ox.NamedNode(DERIVED_GRAPH)
    curated.bulk_extend(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o), derived_node) for s, p, o in closure)
    templates = templates_from_store(curated)
    assert templates.derived_product and templates.derived_reference
    data, keys, derived = tmp_path / "d.nq", tmp_path / "k.nq", tmp_path / "x.nq"
    count = generate(data, 20_000, seed=3, templates=templates, keys=keys, derived=derived)
    derived_quads = list(ox.parse(path=str(derived), format=ox.RdfFormat.N_QUADS))
    assert count == sum(len(f.read_bytes().splitlines()) for f in (data, keys, derived))
    assert {q.graph_name.value for q in derived_quads} == {derived_graph_of(IMPORT_GRAPH)}
    # the same rule over the curated graphs plus the generated data gives exactly the curated
    # derived triples plus the generated ones: the raw systems hold what a derivation would
    merged = ox.Store()
    merged.bulk_extend(q for q in curated.quads_for_pattern(None, None, None, None) if q.graph_name != derived_node)
    merged.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    expected = _direct_types(merged, [*domain, IMPORT_GRAPH])
    generated = {(q.subject.value, q.predicate.value, q.object.value) for q in derived_quads}
    assert generated.isdisjoint(closure)
    assert generated | closure == expected
    # synthetic products and universe copies both got theirs
    assert any(s.endswith("-s1") for s, _, _ in generated)
    assert any(s.endswith("-u1") for s, _, _ in generated)


def test_a_store_without_a_derived_graph_gives_an_empty_derived_file(tmp_path, built_store):
    store = ox.Store()
    store.bulk_extend(
        q
        for q in open_store(built_store).quads_for_pattern(None, None, None, None)
        if q.graph_name.value != DERIVED_GRAPH
    )
    templates = templates_from_store(store)
    assert templates.derived_product == templates.derived_reference == ()
    derived = tmp_path / "x.nq"
    generate(tmp_path / "d.nq", 5000, seed=7, templates=templates, keys=tmp_path / "k.nq", derived=derived)
    assert derived.read_bytes() == b""


# -- the report's verdicts ---------------------------------------------------------------------


def _entry(p50: float | None, status: str = "ok", rows: int = 3) -> dict:
    return {"p50": p50, "p95": p50, "runs": 3, "rows": rows, "status": status, "first": p50}


def _result(nano: dict, raw: dict, virtuoso: dict, loads: dict, names: float, build: float, cold: float) -> dict:
    """A run's results of one size, shaped as :meth:`benchmarks.runner.Run.execute` writes them."""
    systems = {
        "nanokg": {"queries": nano, "names": {"Doxil": _entry(names, rows=1)}, "load": loads["nanokg"]},
        "oxigraph-disk": {"queries": raw, "names": {"Doxil": _entry(0.0002, rows=1)}, "load": loads["raw"]},
        "virtuoso": {"queries": virtuoso, "names": {}, "load": {"seconds": 5, "quads": 1_000_000}},
    }
    steps = {"data_seconds": build / 4, "reasoning_seconds": build / 4, "validation_seconds": build / 4,
             "derive_seconds": build / 4, "store_seconds": 0.2, "process_seconds": build + 2, "peak_rss": 1 << 28}  # fmt: skip
    return {
        "machine": {
            "cpu": "test",
            "cores": 2,
            "ram_bytes": 1 << 34,
            "os": "test",
            "kernel": "0",
            "versions": {"nanokg": "0"},
            "load_average_at_start": (0.0, 0.0, 0.0),
        },
        "seed": 0,
        "timeout": 10,
        "reps": 3,
        "budget": 1.0,
        "system_budget": 300,
        "seconds": 60,
        "systems": list(systems),
        "command": "python -m benchmarks",
        "curated_build": {**steps, "full": {**steps, "reasoning_seconds": 3.0}},
        "cold_start": {"query": "products", "p50": cold, "min": cold, "max": cold, "runs": 5},
        "sizes": {
            "1000000": {
                "quads": 1_000_000,
                "file": "s.nq",
                "file_bytes": 1 << 20,
                "keys_quads": 10,
                "derived_quads": 20,
                "generate_seconds": 1,
                "systems": systems,
            }
        },
    }


def _verdicts(result: dict) -> dict[str, str]:
    return {target.split(" (")[0] if "(nanokg" in target else target: verdict for target, verdict, _ in targets(result)}


def test_verdicts_are_computed_from_the_figures():
    mb = 1 << 20
    loads = {
        "nanokg": {"seconds": 10, "quads": 1_000_000, "peak_rss": 500 * mb, "disk_bytes": 100 * mb},
        "raw": {"seconds": 8, "optimize_seconds": 1, "quads": 1_000_000, "peak_rss": 450 * mb, "disk_bytes": 90 * mb},
    }
    # nanokg: as fast as Virtuoso, within noise of raw (5 % slower; 1 ms slower on a fast query)
    nano = {"a": _entry(0.100), "b": _entry(0.0040), "c": _entry(2.0), "fed": {"status": "skipped",
            "error": "federated (SERVICE to a public endpoint): needs the internet"}}  # fmt: skip
    raw = {"a": _entry(0.096), "b": _entry(0.0030), "c": _entry(2.0)}
    virtuoso = {"a": _entry(0.100), "b": _entry(0.004), "c": _entry(2.5)}
    good = _verdicts(_result(nano, raw, virtuoso, loads, names=0.0003, build=4.0, cold=0.3))
    assert set(good.values()) <= {"met", "figure only"}, good
    assert good["Curated build `--full` (data + reasoning + validation + derivation) < 5 s"] == "figure only"
    assert len(good) == 4 + 3 + 2 + 1  # catalogue x4, load x3, build x2, cold start

    # the same run with each target missed on purpose
    slow = {"a": _entry(0.300), "b": _entry(0.0100), "c": _entry(2.6), "fed": nano["fed"]}
    loads["nanokg"] = {"seconds": 20, "quads": 1_000_000, "peak_rss": 600 * mb, "disk_bytes": 300 * mb}
    result = _result(slow, raw, virtuoso, loads, names=0.002, build=9.0, cold=0.5)
    bad = _verdicts(result)
    label = "1,000,000 triples"
    assert bad[f"{label}: catalogue, geometric mean of p50 >= 1.0x Virtuoso"] == "NOT met"
    assert bad[f"{label}: every query p50 <= max(1 s, Virtuoso p50)"] == "NOT met"
    assert bad[f"{label}: never slower than raw pyoxigraph"] == "NOT met"
    assert bad[f"{label}: name resolution p50 < 1 ms"] == "NOT met"
    assert bad[f"{label}: load >= 0.9x raw bulk_load + optimize (data, keys and derived triples)"] == "NOT met"
    assert bad[f"{label}: load peak memory <= 1.2x raw"] == "NOT met"
    assert bad[f"{label}: disk after load <= 1.3x raw"] == "NOT met"
    assert bad["Curated build (data + reasoning + validation + derivation) < 5 s"] == "NOT met"
    assert bad["Cold `nanokg query` < 0.35 s"] == "NOT met"
    figures = {target: text for target, _, text in targets(result)}
    # the gap is stated: 0.45x of raw's rate against 0.9x; `c` is 2.6 s against Virtuoso's 2.5 s
    assert (
        "(0.45x; 2.00x short of the bound)"
        in figures[f"{label}: load >= 0.9x raw bulk_load + optimize (data, keys and derived triples)"]
    )
    assert "c (2600 ms, bound 2500 ms" in next(t for k, t in figures.items() if "every query" in k)
    assert "4.0 s over" in figures["Curated build (data + reasoning + validation + derivation) < 5 s"]
    # a timeout counts as the time limit in the geometric mean, and the row says so
    slow["a"] = _entry(None, "timeout")
    timed_out = {t: text for t, _, text in targets(_result(slow, raw, virtuoso, loads, 0.002, 9.0, 0.5))}
    assert "(1 with a timeout counted as the 10 s limit)" in next(t for k, t in timed_out.items() if "geometric" in k)
    text = render(result, command="python -m benchmarks", notes="### Why\n\nbecause")
    assert "## Targets of issue #19" in text and "| NOT met |" in text and "## Notes" in text
    assert "First execution of each query after the store was opened" in text
