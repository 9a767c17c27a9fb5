"""The one handle: every operation on `KnowledgeGraph`, for real, on the session's built store.

Reading operations run on the session's store; writing ones (load, unload) on a copy of it;
a push goes to an Oxigraph server of this module's own; the build builds once, in the slow tier.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import nanokg
from nanokg import InputError, KnowledgeGraph
from nanokg.cli import main
from nanokg.knowledge_graph import NotEmbeddedError
from nanokg.publish.release import open_release
from nanokg.query.overview import MULTI_VALUED, PRODUCT_COLUMNS
from nanokg.store.transaction import open_store
from nanokg.vocabulary import GRAPHS

ROOT = Path(__file__).resolve().parents[1]
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DOXIL = "https://w3id.org/nanokg/product/doxil"
HAS_PAYLOAD = "https://w3id.org/nanokg/ontology#hasPayload"


@pytest.fixture()
def store_copy(built_store, tmp_path) -> Path:
    """A writable copy of the session's built store."""
    return Path(shutil.copytree(built_store, tmp_path / "store"))


# -- the package's face ---------------------------------------------------------------------


def test_version_is_the_ontologys():
    # one version: the installed distribution's, which pyproject.toml reads from owl:versionInfo
    from rdflib import Graph
    from rdflib.namespace import OWL

    ontology = Graph().parse(ROOT / "ontology" / "nanokg.ttl", format="turtle")
    (version,) = set(ontology.objects(None, OWL.versionInfo))
    assert nanokg.__version__ == str(version)
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.strip().endswith(f"version {version}")


def test_import_nanokg_is_light_and_the_handle_works_from_it(built_store):
    # a fresh interpreter, as a user starts: the package, then the graph, then its products
    script = (
        "import sys, nanokg\n"
        "heavy = sorted({'nanokg.knowledge_graph', 'pyoxigraph', 'rdflib', 'importlib.metadata'} & set(sys.modules))\n"
        "print(heavy)\n"
        f"print(len(nanokg.KnowledgeGraph.open({str(built_store)!r}).products()))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ["[]", "42"]
    assert {"KnowledgeGraph", "NanokgError", "InputError", "__version__"} <= set(dir(nanokg))
    assert issubclass(nanokg.InputError, nanokg.NanokgError)


# -- reading: any backend --------------------------------------------------------------------


def test_products_are_records_with_lists(kg, built_store):
    products = kg.products()
    assert len(products) == 42
    assert all(list(p) == PRODUCT_COLUMNS for p in products)
    by_name = {p["name"]: p for p in products}
    nk105 = by_name["NK105"]
    assert nk105["indications"] == ["breast cancer", "gastric cancer"]
    assert nk105["carrier_class"] == "polymeric micelle" and nk105["size_nm_min"] == 85
    assert by_name["CALAA-01"]["terminated"] is True
    assert all(isinstance(p[c], list) for p in products for c in MULTI_VALUED)
    # the CLI prints these very records
    printed = CliRunner().invoke(main, ["products", "--store", str(built_store), "--format", "json"])
    assert {r["name"]: r["payloads"] for r in json.loads(printed.stdout)} == {
        name: p["payloads"] for name, p in by_name.items()
    }


def test_stats_count_graphs_classes_and_imports(kg, store):
    stats = kg.stats()
    triples = {g["graph"]: g["triples"] for g in stats["graphs"]}
    assert set(triples) == {str(iri) for iri in GRAPHS.values()}
    asserted = ox.NamedNode(str(GRAPHS["asserted"]))
    assert triples[asserted.value] == sum(1 for _ in store.quads_for_pattern(None, None, None, asserted))
    classes = {c["label"]: c["count"] for c in stats["classes"]}
    assert classes["nanomedicine"] == 42
    assert stats["imports"] == []


def test_mappings_are_the_graphs_external_identifiers(kg):
    rows = kg.mappings()
    assert rows and all(row.curie and ":" in row.curie for row in rows)
    assert {row.predicate for row in rows} <= {"skos:exactMatch", "skos:closeMatch"}
    breast_cancer = "https://w3id.org/nanokg/disease/advanced-breast-cancer"
    assert any(row.entity == breast_cancer and row.curie == "DOID:1612" for row in rows)


def test_network_with_and_without_entailments(kg):
    G = kg.network()
    asserted = kg.network(asserted_only=True)
    assert isinstance(G, nx.MultiDiGraph) and DOXIL in G
    assert asserted.number_of_edges() < G.number_of_edges()
    assert G.nodes[DOXIL]["label"] == "Doxil" and G.nodes[DOXIL]["kind"] == "product"


# -- writing the store -----------------------------------------------------------------------


def test_load_imports_then_unload(store_copy, tmp_path):
    kg = KnowledgeGraph.open(store_copy)
    assert kg.path == store_copy and kg.imports() == []
    data = tmp_path / "extra.nt"
    data.write_text(f'<https://example.org/thing> <{RDFS_LABEL}> "Facade thing" .\n', encoding="utf-8")
    report = kg.load([data], optimize=False)
    (record,) = report.loaded
    assert record.triples == 1
    # the handle reads the store the load wrote: the import, its label, its record
    assert kg.find("facade thing") == ["https://example.org/thing"]
    assert [(r.graph, r.file) for r in kg.imports()] == [(record.graph, "extra.nt")]
    assert kg.stats()["imports"][0]["triples"] == 1
    removed = kg.unload(record.graph)
    assert [r.graph for r in removed] == [record.graph]
    assert kg.imports() == [] and kg.find("facade thing") == []


def test_build_then_open(session_build):
    # the session's store is built by KnowledgeGraph.build (conftest.py), so every run tests it
    path, report = session_build
    assert report.store == path and report.triples["asserted"] > 0
    with KnowledgeGraph.open(path) as kg:
        assert kg.path == path and len(kg.products()) == 42


# -- publishing ------------------------------------------------------------------------------


def test_release_and_diff(kg, tmp_path):
    written = kg.release(tmp_path / "release", date="2026-11-24")
    assert written.version == nanokg.__version__ and (tmp_path / "release" / "SHA256SUMS").is_file()
    released = KnowledgeGraph.from_store(open_release(tmp_path / "release").store)
    assert not kg.diff(released)
    # the same graph less one curated fact: the diff names that fact, from this graph to the other
    smaller = ox.Store()
    smaller.extend(q for q in kg.backend.store if not (q.subject.value == DOXIL and q.predicate.value == HAS_PAYLOAD))
    changes = kg.diff(KnowledgeGraph.from_store(smaller))
    assert changes.counts()["removed"] >= 1 and changes.counts()["added"] == 0
    assert DOXIL in changes.to_json()


def test_push_a_graph_to_a_server(kg, tmp_path):
    from servers import OxigraphServer

    server = OxigraphServer(tmp_path / "oxigraph")
    try:
        report = kg.push(server.query_url, graphs=["queries"], chunk_size=1000)
        queries = ox.NamedNode(str(GRAPHS["queries"]))
        expected = sum(1 for _ in kg.backend.store.quads_for_pattern(None, None, None, queries))
        assert report.graphs == {queries.value: expected}
        remote = KnowledgeGraph.remote(server.query_url)
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{queries.value}> {{ ?s ?p ?o }} }}"
        assert remote.sparql(query).rows == [(expected,)]
    finally:
        server.stop()


# -- where the graph lives -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        ("release", lambda kg, tmp: kg.release(tmp / "out")),
        ("push", lambda kg, tmp: kg.push("http://127.0.0.1:9/query")),
        ("imports", lambda kg, tmp: kg.imports()),
        ("load", lambda kg, tmp: kg.load([tmp / "x.nt"])),
        ("unload", lambda kg, tmp: kg.unload("https://w3id.org/nanokg/graph/import/x")),
    ],
)
def test_a_remote_graph_refuses_store_operations_in_one_line(operation, call, tmp_path):
    remote = KnowledgeGraph.remote("http://127.0.0.1:9/query")  # nothing listens: the refusal comes first
    with pytest.raises(NotEmbeddedError) as refused:
        call(remote, tmp_path)
    assert isinstance(refused.value, InputError) and refused.value.exit_code == 2
    (line,) = refused.value.lines()
    assert re.match(rf"{operation} (reads|writes to) .* this graph is on RemoteBackend", line)
    assert not (tmp_path / "out").exists()


def test_a_graph_without_a_folder_cannot_be_loaded(store, tmp_path):
    with pytest.raises(NotEmbeddedError, match="load writes to a store folder"):
        KnowledgeGraph.from_store(store).load([tmp_path / "x.nt"])


def test_the_handle_reads_what_the_store_holds(kg, built_store):
    # products come from the catalogue query on the backend, the same through every handle
    assert kg.products() == KnowledgeGraph.from_store(open_store(built_store)).products()
