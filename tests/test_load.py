"""`nanokg load` / `nanokg unload`: bulk import of external RDF beside the curated graph.

Every test works on its own copy of the session's built store and runs the real command
in a subprocess where the command line is what is tested.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from nanokg import KnowledgeGraph
from nanokg.store.build import build_graph
from nanokg.store.load import (
    IMPORTS_GRAPH,
    LoadError,
    LoadUsageError,
    default_graph,
    list_imports,
    load,
    lookup_graph_of,
    unload,
)
from nanokg.store.transaction import open_store
from nanokg.vocabulary import GRAPHS

NKG = "https://w3id.org/nanokg/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DOXORUBICIN = "https://w3id.org/nanokg/drug/doxorubicin"
PRODUCT = "https://example.org/nano/lipoxx"


def _data() -> list[ox.Triple]:
    """An imported product shaped like the curated ones, with names to resolve."""
    product = ox.NamedNode(PRODUCT)
    return [
        ox.Triple(product, ox.NamedNode(RDF_TYPE), ox.NamedNode(NKG + "Nanomedicine")),
        ox.Triple(product, ox.NamedNode(RDF_TYPE), ox.NamedNode(NKG + "PEGylatedLiposome")),
        ox.Triple(product, ox.NamedNode(RDFS + "label"), ox.Literal("LipoXX  Imported")),
        ox.Triple(product, ox.NamedNode(SKOS + "altLabel"), ox.Literal("Lipö–Straße")),
        ox.Triple(product, ox.NamedNode(NKG + "hasPayload"), ox.NamedNode(DOXORUBICIN)),
    ]


FORMATS = {
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "rdf": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def _write(path: Path, fmt: ox.RdfFormat, graph: str | None = None) -> Path:
    triples = _data()
    if fmt.supports_datasets:
        where = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        statements = [ox.Quad(t.subject, t.predicate, t.object, where) for t in triples]
    else:
        statements = triples
    data = ox.serialize(statements, format=fmt)
    if path.suffix == ".gz":
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


@pytest.fixture()
def store_copy(built_store, tmp_path) -> Path:
    """A writable copy of the session's built store."""
    target = tmp_path / "store"
    shutil.copytree(built_store, target)
    return target


def _counts(store_path: Path) -> dict[str, int]:
    store = open_store(store_path)
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row[0].value: int(row[1].value) for row in rows}


def _nanokg(*args: str | Path, check: bool = False) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "nanokg", *map(str, args)], capture_output=True, text=True, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("ext", list(FORMATS))
def test_each_format_loads_into_its_own_graph(store_copy, tmp_path, ext):
    path = _write(tmp_path / f"lipo-data.{ext}", FORMATS[ext])
    before = _counts(store_copy)
    report = load([path], store_copy)
    graph = default_graph(path)
    assert graph == "https://w3id.org/nanokg/graph/import/lipo-data"
    assert [(r.graph, r.file, r.triples) for r in report.loaded] == [(graph, path.name, 5)]
    after = _counts(store_copy)
    assert after[graph] == 5
    # the curated graphs are untouched; the names and the record are in graphs of their own
    assert {g: n for g, n in after.items() if g in before} == before
    assert after[lookup_graph_of(graph)] == 2
    assert after[IMPORTS_GRAPH] == 9


def test_gzip_files_load_through_the_command(store_copy, tmp_path):
    nt = _write(tmp_path / "one.nt.gz", ox.RdfFormat.N_TRIPLES)
    trig = _write(tmp_path / "two.trig.gz", ox.RdfFormat.TRIG, graph="https://example.org/graph/two")
    result = _nanokg("load", nt, trig, "--store", store_copy, check=True)
    assert "https://w3id.org/nanokg/graph/import/one\t5 triples\tone.nt.gz" in result.stdout
    assert "https://example.org/graph/two\t5 triples\ttwo.trig.gz" in result.stdout
    assert "compacted the store" in result.stderr
    counts = _counts(store_copy)
    assert counts["https://w3id.org/nanokg/graph/import/one"] == counts["https://example.org/graph/two"] == 5


def test_format_option_and_unknown_extension(store_copy, tmp_path):
    path = _write(tmp_path / "data.txt", ox.RdfFormat.TURTLE)
    result = _nanokg("load", path, "--store", store_copy)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"nanokg: error: {path}: cannot tell the RDF format from the file name; give --format "
        "(nt, nq, ttl, trig, xml, jsonld)"
    ]
    _nanokg("load", path, "--format", "ttl", "--store", store_copy, check=True)
    assert _counts(store_copy)["https://w3id.org/nanokg/graph/import/data.txt"] == 5


def _malformed(path: Path, lines: int) -> Path:
    good = "".join(f'<https://example.org/s{i}> <{RDFS}label> "thing {i}" .\n' for i in range(lines))
    path.write_text(good + '<https://example.org/x> <https://example.org/p> "unterminated .\n', encoding="utf-8")
    return path


def test_malformed_file_is_reported_with_its_line_and_leaves_nothing(store_copy, tmp_path):
    path = _malformed(tmp_path / "broken.nt", 20_000)
    before = _counts(store_copy)
    result = _nanokg("load", path, "--store", store_copy)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"nanokg: error: {path}:20001:")
    assert "nothing of this file was loaded" in lines[0]
    assert "Traceback" not in result.stderr
    assert _counts(store_copy) == before


def test_malformed_turtle_and_gzip_give_line_and_column(store_copy, tmp_path):
    ttl = tmp_path / "bad.ttl"
    ttl.write_text('@prefix ex: <https://example.org/> .\nex:a ex:p "x" ;\n  ex:q .\n', encoding="utf-8")
    with pytest.raises(LoadError, match=rf"^{ttl}:3:\d+: .* \(nothing of this file was loaded\)$"):
        load([ttl], store_copy)
    gz = tmp_path / "bad.nt.gz"
    gz.write_bytes(gzip.compress(_malformed(tmp_path / "bad.nt", 10).read_bytes()))
    with pytest.raises(LoadError, match=rf"^{gz}:11:\d+: "):
        load([gz], store_copy)
    assert not list_imports(open_store(store_copy))


def test_failing_file_keeps_the_complete_files_before_it(store_copy, tmp_path):
    good = _write(tmp_path / "good.nt", ox.RdfFormat.N_TRIPLES)
    bad = _malformed(tmp_path / "bad.nt", 3)
    with pytest.raises(LoadError, match=r"loaded before it, and kept: good\.nt"):
        load([good, bad], store_copy)
    assert [r.file for r in list_imports(open_store(store_copy))] == ["good.nt"]
    assert "https://w3id.org/nanokg/graph/import/bad" not in _counts(store_copy)


def test_duplicate_load_is_skipped(store_copy, tmp_path):
    path = _write(tmp_path / "twice.ttl", ox.RdfFormat.TURTLE)
    _nanokg("load", path, "--store", store_copy, check=True)
    counts = _counts(store_copy)
    copy = tmp_path / "elsewhere" / "twice.ttl"
    copy.parent.mkdir()
    shutil.copy(path, copy)  # same content under another path: the checksum decides
    result = _nanokg("load", copy, "--store", store_copy, check=True)
    assert "not loaded into https://w3id.org/nanokg/graph/import/twice: the same content (SHA-256)" in result.stderr
    assert result.stdout == ""
    assert _counts(store_copy) == counts
    assert len(list_imports(open_store(store_copy))) == 1
    # into another graph it is a new import
    _nanokg("load", path, "--graph", "https://example.org/graph/other", "--store", store_copy, check=True)
    assert len(list_imports(open_store(store_copy))) == 2


def test_unload_of_a_graph_that_is_not_there(store_copy):
    before = _counts(store_copy)
    result = _nanokg("unload", "--graph", "https://example.org/graph/none", "--store", store_copy)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "nanokg: error: --graph https://example.org/graph/none: no import recorded under this graph; "
        "nothing was imported"
    ]
    assert _counts(store_copy) == before


def test_unload_removes_graph_names_and_record(store_copy, tmp_path):
    before = _counts(store_copy)
    path = _write(tmp_path / "gone.nt", ox.RdfFormat.N_TRIPLES)
    load([path], store_copy)
    keep = _write(tmp_path / "kept.nt", ox.RdfFormat.N_TRIPLES)
    load([keep], store_copy)
    result = _nanokg("unload", "--graph", default_graph(path), "--store", store_copy, check=True)
    assert "5 triples from gone.nt" in result.stderr
    after = _counts(store_copy)
    assert default_graph(path) not in after
    assert lookup_graph_of(default_graph(path)) not in after
    assert after[default_graph(keep)] == 5
    assert [r.file for r in list_imports(open_store(store_copy))] == ["kept.nt"]
    unload(default_graph(keep), store_copy)
    assert _counts(store_copy) == before


def test_curated_graphs_are_refused(store_copy, tmp_path):
    before = _counts(store_copy)
    path = _write(tmp_path / "x.ttl", ox.RdfFormat.TURTLE)
    result = _nanokg("load", path, "--graph", GRAPHS["asserted"], "--store", store_copy)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"nanokg: error: --graph: <{GRAPHS['asserted']}> is nanokg's own (a curated graph); imports go under "
        "<https://w3id.org/nanokg/graph/import/...> or any other IRI"
    ]
    for graph in [*map(str, GRAPHS.values()), IMPORTS_GRAPH, lookup_graph_of("https://example.org/g")]:
        with pytest.raises(LoadUsageError, match="is nanokg's own"):
            load([path], store_copy, graph=graph)
    # a quads file naming a curated graph is refused before anything is written
    quads = _write(tmp_path / "sneaky.nq", ox.RdfFormat.N_QUADS, graph=str(GRAPHS["asserted"]))
    with pytest.raises(LoadUsageError, match=r"sneaky\.nq: graph: <https://w3id.org/nanokg/graph/asserted>"):
        load([quads], store_copy)
    with pytest.raises(LoadUsageError, match="not an absolute IRI"):
        load([path], store_copy, graph="not an iri")
    assert _counts(store_copy) == before


@pytest.mark.slow
def test_named_queries_and_names_see_curated_and_imported_data(store_copy, tmp_path):
    load([_write(tmp_path / "lipo.ttl", ox.RdfFormat.TURTLE)], store_copy)
    kg = KnowledgeGraph.open(store_copy)
    rows = kg.query("products-by-payload", payload="doxorubicin").as_dicts()
    products = {r["product"] for r in rows}
    assert PRODUCT in products
    assert "https://w3id.org/nanokg/product/doxil" in products
    # imported labels resolve through the exact-match index, ASCII (SPARQL) and not (Python)
    assert kg.find("lipoxx imported") == [PRODUCT]
    assert kg.find("LIPÖ-STRASSE") == [PRODUCT]
    result = _nanokg("describe", "LipoXX Imported", "--store", store_copy, check=True)
    assert PRODUCT in result.stdout


def test_quads_keep_their_graphs_unless_one_is_given(store_copy, tmp_path):
    dataset = tmp_path / "two-graphs.nq"
    a, b = "https://example.org/graph/a", "https://example.org/graph/b"
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g) if g else ox.DefaultGraph())
        for t, g in zip(_data(), [a, a, b, None, b], strict=True)
    ]
    dataset.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    report = load([dataset], store_copy)
    assert {(r.graph, r.triples) for r in report.loaded} == {(a, 2), (b, 2), (default_graph(dataset), 1)}
    merged = "https://example.org/graph/merged"
    report = load([dataset], store_copy, graph=merged)
    assert [(r.graph, r.triples) for r in report.loaded] == [(merged, 5)]


def test_blank_nodes_of_two_imports_stay_apart(store_copy, tmp_path):
    for name in ("first", "second"):
        (tmp_path / f"{name}.nt").write_text(f'_:b1 <{RDFS}label> "{name}" .\n', encoding="utf-8")
    load([tmp_path / "first.nt", tmp_path / "second.nt"], store_copy)
    rows = open_store(store_copy).query(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s <{RDFS}label> ?l }} FILTER(isBlank(?s)) }}"
    )
    assert len(list(rows)) == 2


@pytest.mark.slow
def test_rebuild_keeps_imports(store_copy, tmp_path):
    path = _write(tmp_path / "survivor.nt", ox.RdfFormat.N_TRIPLES)
    load([path], store_copy)
    before = _counts(store_copy)
    records = list_imports(open_store(store_copy))
    build_graph(store_path=store_copy)
    assert _counts(store_copy) == before
    assert list_imports(open_store(store_copy)) == records
    assert KnowledgeGraph.open(store_copy).find("LipoXX imported") == [PRODUCT]
    assert not list(store_copy.parent.glob("store.*")), "no staging or old store left beside it"


def test_progress_is_reported_to_the_end(store_copy, tmp_path):
    path = _write(tmp_path / "p.nt.gz", ox.RdfFormat.N_TRIPLES)
    seen: list[tuple[int, int]] = []
    load([path], store_copy, progress=lambda file, done, total: seen.append((done, total)))
    assert seen and seen[-1] == (path.stat().st_size, path.stat().st_size)


def test_load_needs_a_built_store(tmp_path):
    path = _write(tmp_path / "x.nt", ox.RdfFormat.N_TRIPLES)
    result = _nanokg("load", path, "--store", tmp_path / "nothing")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"nanokg: error: no nanokg store at {tmp_path / 'nothing'}: run `nanokg build` first (or pass --store)"
    ]


def test_query_path_imports_no_reasoner_graph_or_plotting_library(built_store):
    """`nanokg query NAME` must start fast: none of the heavy libraries on its import path."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "nanokg", "query", "products", "--store", str(built_store)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    }
    assert "nanokg.knowledge_graph" in imported  # the trace is there
    heavy = {name for name in imported if name.split(".")[0] in {"owlready2", "networkx", "pyshacl", "matplotlib"}}
    assert not heavy
    assert (
        not {
            "nanokg.store.build",
            "nanokg.curation.reason",
            "nanokg.curation.validate",
            "nanokg.publish.push",
            "nanokg.serve.app",
        }
        & imported
    )


def test_lookup_keys_of_imported_labels_are_those_of_name_key(store_copy, tmp_path):
    from nanokg.store.index import name_key

    labels = ["  Doxil   Liposomal ", "TfR", "O'Brien-X (R)", "Kaposi’s  Sarcoma", "Doxil ®", "ＡＢＣ", "ǅemal", "   "]
    lines = [f"<https://example.org/e{i}> <{RDFS}label> {ox.Literal(label)} ." for i, label in enumerate(labels)]
    path = tmp_path / "labels.nt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load([path], store_copy)
    rows = open_store(store_copy).query(
        f"SELECT ?e ?key WHERE {{ GRAPH <{lookup_graph_of(default_graph(path))}> {{ ?e <{NKG}lookupKey> ?key }} }}"
    )
    keys = {row[0].value: row[1].value for row in rows}
    expected = {f"https://example.org/e{i}": name_key(label) for i, label in enumerate(labels) if name_key(label)}
    assert keys == expected


def test_no_names_skips_the_name_index(store_copy, tmp_path):
    path = _write(tmp_path / "unnamed.nt", ox.RdfFormat.N_TRIPLES)
    _nanokg("load", path, "--no-names", "--no-optimize", "--store", store_copy, check=True)
    counts = _counts(store_copy)
    assert counts[default_graph(path)] == 5
    assert lookup_graph_of(default_graph(path)) not in counts


def test_unload_of_a_big_import_copies_what_stays(store_copy, tmp_path):
    """An import larger than 5 % of the rest is removed by copying the rest into a new store."""
    ontology = sorted(
        map(str, open_store(store_copy).quads_for_pattern(None, None, None, ox.NamedNode(GRAPHS["ontology"])))
    )
    before = _counts(store_copy)
    small = _write(tmp_path / "small.nt", ox.RdfFormat.N_TRIPLES)
    big = _malformed(tmp_path / "big.nt", 5_000)
    big.write_text("\n".join(big.read_text(encoding="utf-8").splitlines()[:-1]) + "\n", encoding="utf-8")
    load([small, big], store_copy)
    result = _nanokg("unload", "--graph", default_graph(big), "--store", store_copy, check=True)
    assert "5000 triples from big.nt" in result.stderr
    after = _counts(store_copy)
    assert {g: n for g, n in after.items() if g in before} == before
    assert after[default_graph(small)] == 5
    assert [r.file for r in list_imports(open_store(store_copy))] == ["small.nt"]
    # blank nodes keep the build's canonical ids
    kept = sorted(
        map(str, open_store(store_copy).quads_for_pattern(None, None, None, ox.NamedNode(GRAPHS["ontology"])))
    )
    assert kept == ontology
    assert not list(store_copy.parent.glob("store.*")), "no staging or old store left beside it"
    assert KnowledgeGraph.open(store_copy).find("LipoXX imported") == [PRODUCT]


@pytest.mark.parametrize("name", ["one.nq", "one.nt.gz", "one.ttl"])
def test_the_file_is_parsed_once_with_its_names_and_derived_triples(store_copy, tmp_path, monkeypatch, name):
    from nanokg.store.derive import derived_graph_of
    from nanokg.store.index import name_key

    path = _write(tmp_path / name, FORMATS[name.split(".")[1]], graph=None)
    opened: list[tuple] = []
    parse = ox.parse

    def counting(*args, **kwargs):
        opened.append((args, kwargs))
        return parse(*args, **kwargs)

    monkeypatch.setattr(ox, "parse", counting)
    report = load([path], store_copy, optimize=False)
    assert len(opened) == 1  # no pass for graph names, none for labels or the derivation
    graph = default_graph(path)
    store = open_store(store_copy)
    keys = {q.object.value for q in store.quads_for_pattern(None, None, None, ox.NamedNode(lookup_graph_of(graph)))}
    assert {name_key("LipoXX  Imported"), name_key("Lipö–Straße")} <= keys
    derived = ox.NamedNode(derived_graph_of(graph))
    assert next(store.quads_for_pattern(ox.NamedNode(PRODUCT), ox.NamedNode(NKG + "directType"), None, derived))
    assert [r.triples for r in report.loaded] == [len(_data())]
    del store
    # loading it again is skipped; a quads file's graph names are then read (the one second pass)
    opened.clear()
    assert load([path], store_copy).skipped and len(opened) == int(name.endswith(".nq"))
