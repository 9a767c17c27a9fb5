"""nanokg export: every format round-trips through rdflib, rapper reads it, output is deterministic.

rdflib is the independent parser of the round trip (Oxigraph wrote the files); Debian's
rapper (raptor2-utils) must accept every format it reads and report the count written.
rapper does not read JSON-LD: that format is read by rdflib and by Oxigraph's own parser.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import resource
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from nanokg import KnowledgeGraph
from nanokg.cli import main
from nanokg.publish.export import (
    DATASET,
    DEFAULT_GRAPHS,
    DESCRIPTION_GRAPH,
    FORMATS,
    ExportError,
    ExportUsageError,
    describe_dataset,
    export,
)
from nanokg.store.transaction import write_store
from nanokg.vocabulary import GRAPHS
from servers import missing

ROOT = Path(__file__).resolve().parents[1]
#: rdflib's parser name per export format
RDFLIB = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig", "jsonld": "json-ld", "xml": "xml"}
#: rapper's parser name per export format (rapper reads no JSON-LD)
RAPPER = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "trig": "trig", "xml": "rdfxml"}
QUAD_FORMATS = [f for f in FORMATS if FORMATS[f].named_graphs]
TRIPLE_FORMATS = [f for f in FORMATS if not FORMATS[f].named_graphs]
ERROR_LINE = re.compile(r"^nanokg: error: [^\n]+\n$")


# -- fixtures and helpers ---------------------------------------------------------


@pytest.fixture(scope="session")
def rapper() -> str:
    """The path of rapper (Debian raptor2-utils); fails (never skips) without it."""
    found = shutil.which("rapper")
    if found is None:
        pytest.fail(missing("rapper (Debian package raptor2-utils)"), pytrace=False)
    return found


@pytest.fixture(scope="session")
def exports(store, tmp_path_factory) -> dict[str, tuple[Path, int]]:
    """Every format exported once from the session store: path and statements written."""
    folder = tmp_path_factory.mktemp("exports")
    return {fmt: (folder / f"nanokg.{fmt}", export(store, fmt, folder / f"nanokg.{fmt}")) for fmt in FORMATS}


def to_rdflib(term):
    """An Oxigraph term as an rdflib term (xsd:string literals as plain literals, as every parser gives them)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def plain(triples) -> Graph:
    """An rdflib Graph of the triples, xsd:string-typed literals made plain (the same RDF 1.1 term)."""
    graph = Graph()
    for s, p, o in triples:
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))
        graph.add((s, p, o))
    return graph


@functools.cache
def _store_graph(store: ox.Store, name: str) -> Graph:
    return plain(
        (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPHS[name]))
    )


def store_graph(store: ox.Store, name: str) -> Graph:
    """The store's graph ``name`` as an rdflib Graph (a copy: callers may add to it)."""
    copy = Graph()
    copy += _store_graph(store, name)
    return copy


def description_graph(store: ox.Store, fmt: str, graphs=None) -> Graph:
    return plain(
        (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
        for q in describe_dataset(store, graphs, fmt)
    )


def nanokg(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run the installed `nanokg` command as a subprocess (bytes out)."""
    return subprocess.run(["nanokg", *args], capture_output=True, env={**os.environ, **(env or {})}, **kwargs)


def select_one(dataset: Dataset, text: str) -> list[tuple]:
    prefixes = (
        "PREFIX void: <http://rdfs.org/ns/void#>\nPREFIX dcat: <http://www.w3.org/ns/dcat#>\n"
        "PREFIX dct: <http://purl.org/dc/terms/>\nPREFIX sd: <http://www.w3.org/ns/sparql-service-description#>\n"
        "PREFIX owl: <http://www.w3.org/2002/07/owl#>\nPREFIX spdx: <http://spdx.org/rdf/terms#>\n"
    )
    return [tuple(row) for row in dataset.query(prefixes + text)]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# -- round trip -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fmt", QUAD_FORMATS)
def test_quad_formats_round_trip_graph_by_graph(fmt, exports, store):
    path, written = exports[fmt]
    dataset = Dataset()
    dataset.parse(path, format=RDFLIB[fmt])
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert names == {str(GRAPHS[n]) for n in DEFAULT_GRAPHS} | {DESCRIPTION_GRAPH}
    assert sum(len(g) for g in dataset.graphs()) == written
    for name in DEFAULT_GRAPHS:
        parsed = plain(dataset.graph(GRAPHS[name]))
        assert isomorphic(parsed, store_graph(store, name)), f"{fmt}: graph {name} differs from the store"
    assert isomorphic(plain(dataset.graph(URIRef(DESCRIPTION_GRAPH))), description_graph(store, fmt))


@pytest.mark.slow
@pytest.mark.parametrize("fmt", TRIPLE_FORMATS)
def test_triple_formats_round_trip_as_the_merged_graph(fmt, exports, store):
    path, written = exports[fmt]
    parsed = plain(Graph().parse(path, format=RDFLIB[fmt]))
    expected = description_graph(store, fmt)
    for name in DEFAULT_GRAPHS:
        expected += store_graph(store, name)
    assert len(parsed) == written == len(expected)
    assert isomorphic(parsed, expected)


def test_triple_formats_write_each_triple_once(exports, store):
    # the description repeats triples of the data (the ontology's version, the sources' titles): written once
    data = [q for n in DEFAULT_GRAPHS for q in store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPHS[n]))]
    description = describe_dataset(store, None, "nt")
    distinct = {(q.subject, q.predicate, q.object) for q in data + description}
    _, written = exports["nt"]
    assert written == len(distinct) < len(data) + len(description)
    lines = exports["nt"][0].read_bytes().splitlines()
    assert len(lines) == len(set(lines)) == written


def test_json_ld_read_by_oxigraph_gives_exactly_the_quads_written(exports, store):
    """rapper reads no JSON-LD: Oxigraph's parser is the second reader, beside rdflib's round trip."""
    path, written = exports["jsonld"]
    parsed = set(ox.parse(path=str(path), format=ox.RdfFormat.JSON_LD, rename_blank_nodes=False))
    expected = set(describe_dataset(store, None, "jsonld"))
    for name in DEFAULT_GRAPHS:
        expected |= set(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPHS[name])))
    assert len(parsed) == written
    assert parsed == expected


# -- rapper -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(RAPPER))
def test_rapper_accepts_and_counts_what_was_written(fmt, exports, rapper):
    path, written = exports[fmt]
    run = subprocess.run([rapper, "-i", RAPPER[fmt], "-c", str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert not re.search(r"(?i)error|warning", run.stderr), run.stderr
    assert f"Parsing returned {written} triples" in run.stderr


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(RAPPER))
def test_rapper_reads_the_same_statements(fmt, exports, rapper, store):
    """rapper's N-Quads rewrite of each file is isomorphic to what was exported (not just as many lines)."""
    path, _ = exports[fmt]
    run = subprocess.run([rapper, "-q", "-i", RAPPER[fmt], "-o", "nquads", str(path)], capture_output=True)
    assert run.returncode == 0, run.stderr
    dataset = Dataset()
    dataset.parse(data=run.stdout, format="nquads")
    expected = description_graph(store, fmt)
    for name in DEFAULT_GRAPHS:
        expected += store_graph(store, name)
    assert isomorphic(plain(t for g in dataset.graphs() for t in g), expected)


# -- determinism --------------------------------------------------------------------


def test_statements_are_written_in_sorted_order(exports):
    """Sorted input, not the store's or a hash table's order: N-Triples lines come out sorted."""
    lines = exports["nt"][0].read_bytes().splitlines()
    assert lines == sorted(lines)
    # N-Quads: the description graph first, then each data graph in IRI order
    graphs = [line.rsplit(b" ", 2)[1] for line in exports["nq"][0].read_bytes().splitlines()]
    order = list(dict.fromkeys(graphs))
    assert order == [f"<{DESCRIPTION_GRAPH}>".encode(), *sorted(f"<{GRAPHS[n]}>".encode() for n in DEFAULT_GRAPHS)]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_same_store_same_bytes(fmt, store, exports):
    again = io.BytesIO()
    export(store, fmt, again)
    assert again.getvalue() == exports[fmt][0].read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_cli_bytes_do_not_depend_on_the_hash_seed(fmt, built_store, exports):
    runs = [nanokg("export", "--format", fmt, "--store", str(built_store), env={"PYTHONHASHSEED": seed})
            for seed in ("0", "4242")]  # fmt: skip
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert runs[0].stdout == runs[1].stdout == exports[fmt][0].read_bytes()


@pytest.mark.slow
def test_an_independent_build_exports_identical_bytes(tmp_path, exports, console_build):
    rebuilt, build = console_build
    assert build.returncode == 0, build.stderr
    kg = KnowledgeGraph.open(rebuilt)
    for fmt, (path, _) in exports.items():
        out = tmp_path / f"again.{fmt}"
        kg.export(fmt, out)
        assert out.read_bytes() == path.read_bytes(), f"{fmt} differs between two builds"


# -- the VoID/DCAT description ------------------------------------------------------


@pytest.fixture(scope="module")
def trig(exports) -> Dataset:
    dataset = Dataset(default_union=True)
    dataset.parse(exports["trig"][0], format="trig")
    return dataset


def test_void_counts_per_graph_match_the_store(trig, store):
    rows = select_one(trig, f"""
        SELECT ?name ?triples ?subjects ?objects ?properties ?classes WHERE {{ GRAPH <{DESCRIPTION_GRAPH}> {{
          <{DATASET}> void:subset ?subset .
          ?subset sd:name ?name ; void:triples ?triples ; void:distinctSubjects ?subjects ;
                  void:distinctObjects ?objects ; void:properties ?properties ; void:classes ?classes .
        }} }}""")  # fmt: skip
    described = {str(r[0]): tuple(int(v) for v in r[1:]) for r in rows}
    expected = {}
    for name in DEFAULT_GRAPHS:
        counts = store.query(f"""
            SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?s_) (COUNT(DISTINCT ?o) AS ?o_) (COUNT(DISTINCT ?p) AS ?p_)
            WHERE {{ GRAPH <{GRAPHS[name]}> {{ ?s ?p ?o }} }}""")  # fmt: skip
        classes = store.query(f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH <{GRAPHS[name]}> {{ ?x a ?c }} }}")
        row, klass = next(counts), next(classes)
        expected[str(GRAPHS[name])] = (*(int(row[v].value) for v in ("n", "s_", "o_", "p_")), int(klass["n"].value))
    assert described == expected
    union = next(store.query(f"""
        SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{
          GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ {" ".join(f"<{GRAPHS[n]}>" for n in DEFAULT_GRAPHS)} }} }} }}"""))  # fmt: skip
    [(total,)] = select_one(trig, f"SELECT ?n WHERE {{ <{DATASET}> void:triples ?n }}")
    assert int(total) == int(union["n"].value)


def test_description_gives_licence_version_sources_and_distribution(trig, store):
    rows = select_one(trig, f"""
        SELECT ?license ?version ?info ?conforms ?media WHERE {{ GRAPH <{DESCRIPTION_GRAPH}> {{
          <{DATASET}> a void:Dataset, dcat:Dataset ; dct:license ?license ; dcat:version ?version ;
                      owl:versionInfo ?info ; dct:conformsTo ?conforms ; dct:title ?title ; dct:description ?d ;
                      void:uriSpace "https://w3id.org/nanokg/" ;
                      dcat:distribution [ a dcat:Distribution ; dcat:mediaType ?media ] .
        }} }}""")  # fmt: skip
    license_, package, info, conforms, media = rows[0]
    assert len(rows) == 1
    assert str(license_) == "https://creativecommons.org/licenses/by/4.0/"
    assert "CC-BY-4.0 (ontology and curated data)" in (ROOT / "pyproject.toml").read_text()
    assert str(package) == str(info) == version("nanokg")
    ontology = Graph().parse(ROOT / "ontology" / "nanokg.ttl")
    [(version_iri, version_info)] = ontology.query(
        "SELECT ?v ?i WHERE { ?o a owl:Ontology ; owl:versionIRI ?v ; owl:versionInfo ?i }",
        initNs={"owl": "http://www.w3.org/2002/07/owl#"},
    )
    assert conforms == version_iri
    ask = f"ASK {{ GRAPH <{DESCRIPTION_GRAPH}> {{ ?o owl:versionIRI <{version_iri}> ; owl:versionInfo {version_info.n3()} }} }}"
    assert trig.query(ask).askAnswer
    assert str(media) == "https://www.iana.org/assignments/media-types/application/trig"

    sources = {
        str(r[0])
        for r in select_one(trig, f"SELECT ?s WHERE {{ GRAPH <{DESCRIPTION_GRAPH}> {{ <{DATASET}> dct:source ?s }} }}")
    }
    cited = {r["s"].value for r in store.query(
        "SELECT DISTINCT ?s WHERE { ?e <http://www.w3.org/ns/prov#wasDerivedFrom> ?s . "
        "?s a <https://w3id.org/nanokg/ontology#SourceDocument> }", use_default_graph_as_union=True)}  # fmt: skip
    listed = {
        f"https://w3id.org/nanokg/source/{s['id']}"
        for s in yaml.safe_load((ROOT / "data" / "sources.yaml").read_text())["sources"]
    }
    assert sources == cited
    assert {"https://w3id.org/nanokg/source/seed-000", "https://w3id.org/nanokg/source/seed-004"} <= sources <= listed


def test_checksum_is_the_sorted_n_quads_of_the_data(exports, trig):
    """The documented recipe: N-Quads minus the description graph, sorted bytewise, SHA-256."""
    lines = exports["nq"][0].read_bytes().splitlines(keepends=True)
    data = sorted(line for line in lines if not line.endswith(f"<{DESCRIPTION_GRAPH}> .\n".encode()))
    [(value,)] = select_one(trig, f"SELECT ?v WHERE {{ <{DATASET}> spdx:checksum [ spdx:checksumValue ?v ] }}")
    assert str(value) == hashlib.sha256(b"".join(data)).hexdigest()
    # the same content in a triple format carries the same checksum
    assert str(value).encode() in exports["ttl"][0].read_bytes()


def test_graph_selection_and_lookup_on_request(store):
    buffer = io.BytesIO()
    written = export(store, "nq", buffer, ["lookup", "asserted"])
    dataset = Dataset()
    dataset.parse(data=buffer.getvalue(), format="nquads")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert names == {str(GRAPHS["asserted"]), str(GRAPHS["lookup"]), DESCRIPTION_GRAPH}
    assert written == sum(len(g) for g in dataset.graphs())
    assert isomorphic(plain(dataset.graph(GRAPHS["lookup"])), store_graph(store, "lookup"))
    subsets = select_one(dataset, f"SELECT ?g WHERE {{ GRAPH <{DESCRIPTION_GRAPH}> {{ ?s sd:name ?g }} }}")
    assert sorted(str(g) for (g,) in subsets) == [str(GRAPHS["asserted"]), str(GRAPHS["lookup"])]


def test_unknown_graph_or_format_names_the_parameter(store):
    with pytest.raises(
        ExportUsageError,
        match=r"^graphs: unknown graph 'facts' \(graphs: ontology, asserted, inferred, derived, provenance, lookup, queries\)",
    ):
        export(store, "ttl", io.BytesIO(), ["asserted", "facts"])
    with pytest.raises(ExportUsageError, match="description graph is always written"):
        export(store, "ttl", io.BytesIO(), ["description"])
    with pytest.raises(
        ExportUsageError, match=r"^format: unknown format 'n3' \(formats: ttl, nt, nq, trig, jsonld, xml\)"
    ):
        export(store, "n3", io.BytesIO())


def test_knowledge_graph_export(kg, store, exports):
    buffer = io.BytesIO()
    assert kg.export("trig", buffer) == exports["trig"][1]
    assert buffer.getvalue() == exports["trig"][0].read_bytes()


@pytest.mark.slow
def test_knowledge_graph_export_needs_the_embedded_store(built_store):
    with pytest.raises(ExportUsageError, match="embedded store"):
        KnowledgeGraph.in_memory(built_store).export("ttl", io.BytesIO())


# -- writing safely --------------------------------------------------------------------


def unwritable_in_rdf_xml() -> ox.Store:
    """A store RDF/XML cannot express: a predicate with no XML name at its end."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/nanokg/product/x"), ox.NamedNode("http://example.org/p/1"),
                      ox.Literal("x"), ox.NamedNode(GRAPHS["asserted"])))  # fmt: skip
    return store


def test_a_failed_export_keeps_the_existing_file(tmp_path):
    target = tmp_path / "nanokg.xml"
    target.write_bytes(b"previous export\n")
    with pytest.raises(ExportError, match=r"RDF/XML cannot write the predicate <http://example.org/p/1>"):
        export(unwritable_in_rdf_xml(), "xml", target)
    assert target.read_bytes() == b"previous export\n"
    assert leftovers(tmp_path) == []
    stream = io.BytesIO()
    with pytest.raises(ExportError):
        export(unwritable_in_rdf_xml(), "xml", stream)
    assert stream.getvalue() == b""
    # the other formats can write that predicate
    assert export(unwritable_in_rdf_xml(), "ttl", target) > 0


def test_written_file_gets_the_usual_mode(store, tmp_path):
    target = tmp_path / "nanokg.ttl"
    export(store, "ttl", target, ["ontology"])
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_cli_out_writes_the_file(built_store, exports, tmp_path):
    out = tmp_path / "nanokg.nq"
    run = nanokg("export", "--format", "nq", "--out", str(out), "--store", str(built_store))
    assert run.returncode == 0, run.stderr
    assert run.stdout == b""
    assert out.read_bytes() == exports["nq"][0].read_bytes()
    assert f"{exports['nq'][1]} quads as nq to {out}".encode() in run.stderr


def test_cli_graphs_option(built_store, store):
    run = nanokg("export", "--format", "nt", "--graphs", " ontology , lookup,", "--store", str(built_store))
    assert run.returncode == 0, run.stderr
    buffer = io.BytesIO()
    export(store, "nt", buffer, ["ontology", "lookup"])
    assert run.stdout == buffer.getvalue()


def test_cli_bad_graphs_is_one_line_and_exit_2(built_store, tmp_path):
    out = tmp_path / "kept.ttl"
    out.write_bytes(b"previous export\n")
    run = nanokg(
        "export", "--format", "ttl", "--graphs", "asserted,facts", "--out", str(out), "--store", str(built_store)
    )
    assert run.returncode == 2
    assert ERROR_LINE.match(run.stderr.decode()), run.stderr
    assert b"--graphs" in run.stderr and b"'facts'" in run.stderr and b"provenance, lookup" in run.stderr
    assert out.read_bytes() == b"previous export\n"


@pytest.mark.parametrize("where", ["missing-directory", "parent-is-a-file", "a-directory"])
def test_cli_unwritable_out_is_one_line(where, built_store, tmp_path):
    (tmp_path / "file").write_text("x")
    out = {"missing-directory": tmp_path / "no" / "x.ttl", "parent-is-a-file": tmp_path / "file" / "x.ttl",
           "a-directory": tmp_path}[where]  # fmt: skip
    run = nanokg("export", "--format", "ttl", "--out", str(out), "--store", str(built_store))
    assert run.returncode == 2
    assert ERROR_LINE.match(run.stderr.decode()), run.stderr
    assert str(out).encode() in run.stderr
    assert leftovers(tmp_path) == []


def test_cli_failure_half_way_keeps_the_existing_file(built_store, tmp_path):
    """The disk fills up half-way (a file-size limit on the process): exit 1, one line, old file intact."""
    out = tmp_path / "nanokg.nt"
    out.write_bytes(b"previous export\n")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    run = nanokg("export", "--format", "nt", "--out", str(out), "--store", str(built_store), preexec_fn=limit)
    assert run.returncode == 1
    assert ERROR_LINE.match(run.stderr.decode()), run.stderr
    assert b"File too large" in run.stderr and b"existing file is unchanged" in run.stderr
    assert out.read_bytes() == b"previous export\n"
    assert leftovers(tmp_path) == []


def test_cli_rdf_xml_failure_is_exit_1(tmp_path):
    store_path = tmp_path / "store"
    write_store(store_path, unwritable_in_rdf_xml())
    run = nanokg("export", "--format", "xml", "--store", str(store_path))
    assert run.returncode == 1
    assert run.stdout == b""
    assert ERROR_LINE.match(run.stderr.decode()), run.stderr


def test_cli_without_a_store(tmp_path):
    run = nanokg("export", "--format", "ttl", "--store", str(tmp_path / "nothing"))
    assert run.returncode == 1
    assert ERROR_LINE.match(run.stderr.decode()) and b"nanokg build" in run.stderr


def test_cli_stops_quietly_when_the_reader_goes_away(built_store):
    process = subprocess.Popen(["nanokg", "export", "--format", "nt", "--store", str(built_store)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert process.stdout.read(100)
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 1
    assert b"Traceback" not in stderr and b"Exception" not in stderr


def test_cli_formats_are_the_modules():
    command = main.commands["export"]
    [fmt] = [p for p in command.params if p.name == "fmt"]
    assert list(fmt.type.choices) == list(FORMATS)
    shown = nanokg("export", "--help").stdout.decode()
    assert "merge the chosen graphs" in shown and "keep each graph as a named graph" in shown
    assert "\\b" not in shown and "\n    nanokg export --format ttl --out nanokg.ttl\n" in shown
