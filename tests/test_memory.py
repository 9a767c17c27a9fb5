"""Serving and opening from memory: ``KnowledgeGraph.open(memory=True)`` and ``nanokg serve --memory``.

The in-memory copy holds every quad and named graph of the store; every catalogue query
answers on it as on the disk store; the server answers from it over HTTP; bad input is
one line and exit 2; and a writer committing a new generation is not held up by a
memory server, which keeps answering from its copy.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import httpx
import pyoxigraph as ox
import pytest

from nanokg import KnowledgeGraph
from nanokg.curation.catalogue import Catalogue
from nanokg.store.memory import MemoryStoreError, check_store, memory_copy
from nanokg.store.transaction import reading
from servers import NanokgServer

LOCAL = [spec for spec in Catalogue() if "SERVICE" not in spec.text.upper()]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?p a nkg:Nanomedicine }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def disk(built_store):
    with KnowledgeGraph.open(built_store) as kg:
        yield kg


@pytest.fixture(scope="module")
def memory(built_store):
    with KnowledgeGraph.open(built_store, memory=True) as kg:
        yield kg


def test_the_copy_holds_every_quad_and_named_graph(built_store):
    copy = memory_copy(built_store)
    with reading(built_store) as store:
        assert set(copy.quads_for_pattern(None, None, None, None)) == set(
            store.quads_for_pattern(None, None, None, None)
        )
        assert set(copy.named_graphs()) == set(store.named_graphs())
        assert len(copy) == len(store) > 20000


def _cells(results) -> list[tuple]:
    # GROUP_CONCAT joins a group's values in the order the engine meets them, which SPARQL leaves open
    # and which differs between Oxigraph's disk and memory stores: compare such a cell as its parts
    return [
        tuple(sorted(v.split("; ")) if isinstance(v, str) and "; " in v else v for v in row) for row in results.rows
    ]


@pytest.mark.parametrize("spec", LOCAL, ids=lambda spec: spec.name)
def test_every_catalogue_query_answers_as_on_disk(disk, memory, spec):
    assert memory.memory and not disk.memory
    on_disk, in_memory = disk.query(spec.name), memory.query(spec.name)
    assert in_memory.columns == on_disk.columns
    if "GROUP_CONCAT" in spec.text.upper():
        assert _cells(in_memory) == _cells(on_disk)
    else:
        assert in_memory.to_tsv() == on_disk.to_tsv()
        assert in_memory.to_json() == on_disk.to_json()


def test_names_and_ad_hoc_sparql_on_the_copy(memory):
    assert memory.find("Caelyx") == ["https://w3id.org/nanokg/product/doxil"]
    assert memory.sparql(COUNT).rows == [(42,)]
    assert sorted({r["name"] for r in memory.query("products-by-target", target="CD71")}) == ["CALAA-01", "SGT-53"]


def test_a_load_writes_the_disk_store_and_copies_it_again(built_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(built_store, store)
    data = tmp_path / "extra.nt"
    data.write_text('<urn:x:a> <http://www.w3.org/2000/01/rdf-schema#label> "memory test thing" .\n')
    with KnowledgeGraph.open(store, memory=True) as kg:
        before = len(kg.backend.store)
        kg.load([data], optimize=False)
        assert kg.memory and isinstance(kg.backend.store, ox.Store)
        assert len(kg.backend.store) > before
        assert kg.sparql('SELECT ?s WHERE { ?s rdfs:label "memory test thing" }').rows == [("urn:x:a",)]
    with reading(store) as on_disk:
        assert len(on_disk) == len(memory_copy(store))


@pytest.mark.parametrize("path", ["http://localhost:7878/sparql", "https://example.org/sparql"])
def test_an_endpoint_is_refused(path):
    with pytest.raises(MemoryStoreError, match="local store, not of an endpoint") as caught:
        KnowledgeGraph.open(path, memory=True)
    assert caught.value.exit_code == 2 and caught.value.parameter == "path"


def test_a_missing_store_is_refused(tmp_path):
    with pytest.raises(MemoryStoreError, match="no nanokg store") as caught:
        KnowledgeGraph.open(tmp_path / "nothing", memory=True)
    assert caught.value.exit_code == 2
    with pytest.raises(MemoryStoreError, match="no nanokg store"):
        check_store(tmp_path / "nothing")


@pytest.mark.parametrize("where", ["missing", "http://localhost:7878/sparql"])
def test_serve_memory_refuses_bad_input_in_one_line(tmp_path, where):
    store = str(tmp_path / "missing") if where == "missing" else where
    done = subprocess.run(
        [sys.executable, "-m", "nanokg", "serve", "--memory", "--port", "0", "--store", store],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("nanokg: error: ")
    assert "Traceback" not in done.stderr


# -- the server ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served_store(built_store, tmp_path_factory):
    # a store of its own: the writer test below commits a new generation to it
    store = tmp_path_factory.mktemp("memory-serve") / "store"
    shutil.copytree(built_store, store)
    return store


@pytest.fixture(scope="module")
def server(served_store, tmp_path_factory):
    served = NanokgServer(
        served_store, tmp_path_factory.mktemp("memory-serve-logs"), "--memory", "--workers", "1", "--timeout", "3"
    )
    try:
        yield served
    finally:
        served.stop()


@pytest.mark.server
def test_serve_memory_answers_the_query_page_s_default_query_and_a_select(server, disk):
    with httpx.Client(base_url=server.base, timeout=60) as http:
        entries = {entry["name"]: entry for entry in http.get("/api/queries").json()}
        default = entries["products-by-target"]  # what the query page runs on a first visit
        answer = http.post("/sparql", data={"query": default["query"]}, headers={"Accept": "text/csv"})
        assert answer.status_code == 200
        assert answer.text == disk.query("products-by-target").to_csv()
        counted = http.get("/sparql", params={"query": COUNT})
        assert counted.status_code == 200
        assert counted.json()["results"]["bindings"] == [
            {"n": {"type": "literal", "value": "42", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
        ]
        named = http.get("/api/products-by-target.csv", params={"target": "CD71"})
        assert named.status_code == 200 and named.text == disk.query("products-by-target", target="CD71").to_csv()
    assert "serving SPARQL" in server.announced


@pytest.mark.server
def test_a_writer_is_not_blocked_by_a_memory_server(server, served_store, tmp_path):
    data = tmp_path / "late.nt"
    data.write_text('<urn:x:late> <http://www.w3.org/2000/01/rdf-schema#label> "written while served" .\n')
    generations = served_store / "generations"
    before = sorted(p.name for p in generations.iterdir())
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "nanokg", "load", str(data), "--store", str(served_store), "--no-optimize"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert time.perf_counter() - start < 60
    after = sorted(p.name for p in generations.iterdir() if not p.name.startswith("."))
    # the old generation is gone: the server's workers hold a copy, not the files
    assert after != before and not set(before) & set(after)
    ask = 'ASK { ?s rdfs:label "written while served" }'
    with httpx.Client(base_url=server.base, timeout=60) as http:
        # the running worker answers from the copy it made at start (as a disk worker keeps its generation)
        assert http.get("/sparql", params={"query": ask}).json()["boolean"] is False
        assert http.get("/sparql", params={"query": COUNT}).json()["results"]["bindings"][0]["n"]["value"] == "42"
        # a worker killed at the time limit is replaced by one that copies the generation active now
        assert http.get("/sparql", params={"query": SLOW}).status_code == 503
        deadline = time.monotonic() + 60
        while True:
            reply = http.get("/sparql", params={"query": ask})
            if reply.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert reply.status_code == 200 and reply.json()["boolean"] is True
