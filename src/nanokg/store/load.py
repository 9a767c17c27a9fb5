"""Bring your own RDF: bulk import of external files into the embedded store, beside the curated graph.

``nanokg load FILE...`` reads N-Triples, N-Quads, Turtle, TriG, RDF/XML or JSON-LD (plain
or gzip, the format from the file name or ``fmt``) with Oxigraph's bulk loader into the
store ``nanokg build`` wrote. Queries see the imports with the curated graph, since the
default graph of every query is the union of the named graphs.

Where the data go
    Each import lives in its own named graph: ``graph`` when given, else
    ``https://w3id.org/nanokg/graph/import/<name>`` with ``<name>`` the file name without
    its format and ``.gz`` extensions (:func:`default_graph`). A quads file (N-Quads,
    TriG, JSON-LD with ``@graph``) keeps its named graphs, and its default-graph triples
    go to that import graph; with ``graph`` every quad goes into that one graph. The
    curated graphs and every other graph under ``https://w3id.org/nanokg/graph/``
    (outside ``.../graph/import/``) are refused as targets, before anything is written.

What is recorded
    One record per file and graph in the named graph :data:`IMPORTS_GRAPH`: the graph
    (``sd:name``), the file name (``dcterms:title``) and location (``dcterms:source``),
    its SHA-256 (``spdx:checksumValue``), the triples it added (``void:triples``), its
    format (``dcterms:format``) and the date (``dcterms:created``). ``nanokg stats`` lists
    them, :func:`unload` removes a graph with its records. Loading a file whose SHA-256 is
    already recorded for the graph it would go into is skipped: nothing is written.

Names
    The labels of an import (``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``) get
    lookup keys (:func:`nanokg.store.index.name_key`) in a graph of their own,
    :func:`lookup_graph_of` the import graph, so query parameters and ``nanokg describe``
    resolve imported names through the same exact-match index as curated ones. Each key
    is computed as its label streams past and goes into the same bulk load, right after
    the label.

Derived triples
    What the import implies with the ontology and the rest of the store (type and property
    closure, ``nkg:directType``, the catalogue rules: :mod:`nanokg.store.derive`) is
    written by the same load into :func:`nanokg.store.derive.derived_graph_of` the import
    graph (the first, for a quads file with several), so queries read plain triple
    patterns. The derivation is incremental (:class:`nanokg.store.derive.Increment`): the
    quads it reads are noted while the file streams, and only the subjects the import
    types are recomputed, their earlier facts read by pattern lookups; an import that
    narrows a curated product's type or adds a terminated trial to it also replaces the
    product's earlier ``nkg:directType`` or flag. :func:`unload` drops that graph and
    recomputes what another graph still implies (:func:`nanokg.store.derive.rederive`, from
    scratch), so the store's derived triples always equal a derivation from scratch.

All or nothing, per file
    Each file is loaded into a new generation of the store (a copy of the active one by
    hard links, see :mod:`nanokg.store.transaction`), with its name keys and its record, and that
    generation replaces the store only when all of it is there: a malformed or truncated
    file (reported as ``FILE:LINE:COLUMN: message``, or ``FILE: message``), a refused
    graph name met in a quads file, an interrupt or a crash at any point leaves the store
    as it was, and the data of a load never appear without their record. Files are loaded
    one after the other: when the third of three files fails, the first two stay loaded,
    complete and recorded, and the error says so. The store's writer lock is held
    throughout: another build, load or unload fails at once.

Speed: one pass
    The file is parsed once (``pyoxigraph.parse`` in this process) and every quad goes
    through one generator into ``Store.bulk_extend``: its graph name checked when first
    met, the quads the derivation reads (``rdf:type``, the schema's properties) noted, a
    lookup key yielded after each label. The derived quads follow in a second bulk load
    of their own, then the few stale derived triples are removed and the catalogue rules
    run once. Chosen by measurement (1 M quads, 2 cores, interleaved, see
    docs/performance.md "Load in one pass"): ``bulk_extend`` of the parsed quads costs
    about what ``bulk_load(path)`` costs (15-20 s either way on this busy machine, the
    bulk loader is the cost), the Python pass over the parser adds about a second, while
    ``bulk_load(path)`` followed by pattern lookups on the import graph (labels, types)
    adds 4 s and needs a second parse for the graph names. The SHA-256 is a plain read
    (``hashlib.file_digest``) before the load; the one case the file is parsed twice is
    a quads file whose checksum is already recorded, where its graph names decide
    whether to skip it. The store is compacted (``Store.optimize``, into one more
    generation) after the load, since a freshly bulk-loaded store scans several times
    slower (see docs/performance.md).
"""

from __future__ import annotations

import collections
import datetime as dt
import gzip
import hashlib
import itertools
import os
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from nanokg import faults
from nanokg.errors import InputError
from nanokg.store.derive import DeriveReport, Increment, derived_graph_of, rederive
from nanokg.store.index import name_key
from nanokg.store.transaction import writing
from nanokg.vocabulary import BASE, GRAPHS

__all__ = [
    "FORMATS",
    "IMPORTS_GRAPH",
    "IMPORTS_QUERY",
    "IMPORT_NAMESPACE",
    "ImportNotFoundError",
    "ImportRecord",
    "LoadError",
    "LoadReport",
    "LoadUsageError",
    "default_graph",
    "detect_format",
    "list_imports",
    "load",
    "lookup_graph_of",
    "unload",
]

#: default graphs of imports: ``IMPORT_NAMESPACE + <file name stem>``
IMPORT_NAMESPACE = f"{BASE}graph/import/"
#: where the records of what was imported live
IMPORTS_GRAPH = f"{BASE}graph/imports"
#: lookup keys of each import graph's labels, one graph per import graph
LOOKUP_NAMESPACE = f"{BASE}graph/import-lookup/"
#: records: ``RECORD_NAMESPACE + <graph hash>-<file hash>``
RECORD_NAMESPACE = f"{BASE}import/"
_RESERVED = f"{BASE}graph/"
#: unload copies what stays into a new store, rather than deleting, when the import is
#: larger than this share of what stays (deleting a quad costs ~30x copying one)
COPY_FACTOR = 0.05

#: where ``$NANOKG_FAULT`` may stop a load: after a file's data and name keys, after its derived quads
#: (before the stale ones go, the rules run and the record is written)
#: (with the steps of every commit of a generation, :data:`nanokg.store.transaction.COMMIT_STEPS`)
(DATA_WRITTEN, DERIVED_WRITTEN) = faults.steps("load", "data-written", "derived-written")
#: what a truncated or corrupt gzip file raises while it is read
_GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)

#: ``--format`` names (the same as ``nanokg export``) and the RDF formats they stand for
FORMATS = {
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "ttl": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "xml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}
#: file name extensions (after any ``.gz``) recognised without ``--format``
EXTENSIONS = {**FORMATS, "ntriples": FORMATS["nt"], "nquads": FORMATS["nq"], "turtle": FORMATS["ttl"],
              "rdf": FORMATS["xml"], "owl": FORMATS["xml"], "json": FORMATS["jsonld"]}  # fmt: skip

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_DCT = "http://purl.org/dc/terms/"
_VOID = "http://rdfs.org/ns/void#"
_SD = "http://www.w3.org/ns/sparql-service-description#"
_SPDX = "http://spdx.org/rdf/terms#"
_LOOKUP_KEY = f"{BASE}ontology#lookupKey"


class LoadUsageError(InputError, ValueError):
    """The command was asked for something it cannot do (bad option, refused graph, unknown format)."""


class LoadError(InputError, ValueError):
    """A file does not parse; the message is ``FILE:LINE:COLUMN: message`` and nothing of it was loaded."""


class ImportNotFoundError(InputError, LookupError):
    """No import recorded under that graph."""


@dataclass(frozen=True)
class ImportRecord:
    """One file imported into one named graph."""

    graph: str
    file: str
    source: str
    sha256: str
    triples: int
    format: str
    created: str


@dataclass
class LoadReport:
    """What :func:`load` did: the records it wrote, the files it skipped, seconds per step."""

    loaded: list[ImportRecord] = field(default_factory=list)
    #: (file, graph, reason) of each file not loaded because its content is already there
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: per file, what its derivation added and removed (:func:`nanokg.store.derive.refresh`)
    derived: dict[str, DeriveReport] = field(default_factory=dict)


def detect_format(path: Path, fmt: str | None = None) -> ox.RdfFormat:
    """The RDF format of ``path``: ``fmt`` (a :data:`FORMATS` name) or the file name's extension.

    Examples
    --------
    >>> detect_format(Path("trials.nt.gz")).name
    'N-Triples'
    >>> detect_format(Path("data.txt"), "ttl").name
    'Turtle'
    """
    if fmt is not None:
        if fmt not in FORMATS:
            raise LoadUsageError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
        return FORMATS[fmt]
    suffixes = [s.lower().lstrip(".") for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == "gz":
        suffixes.pop()
    if not suffixes or suffixes[-1] not in EXTENSIONS:
        raise LoadUsageError(
            f"{path}: cannot tell the RDF format from the file name; give --format ({', '.join(FORMATS)})"
        )
    return EXTENSIONS[suffixes[-1]]


def default_graph(path: Path) -> str:
    """The import graph of a file: its name without format and ``.gz`` extensions, under :data:`IMPORT_NAMESPACE`.

    Examples
    --------
    >>> default_graph(Path("/data/ClinicalTrials 2024.nt.gz"))
    'https://w3id.org/nanokg/graph/import/ClinicalTrials-2024'
    """
    name = Path(path).name
    while True:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and (ext.lower() == "gz" or ext.lower() in EXTENSIONS):
            name = stem
        else:
            break
    return IMPORT_NAMESPACE + (re.sub(r"[^A-Za-z0-9._~-]+", "-", name).strip("-") or "data")


def lookup_graph_of(graph: str) -> str:
    """The graph holding the lookup keys of ``graph``'s labels."""
    return LOOKUP_NAMESPACE + hashlib.sha256(graph.encode()).hexdigest()[:16]


def _check_target(graph: str, where: str) -> ox.NamedNode:
    """``graph`` as a node, if imports may be written into it."""
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:\S+$", graph):
        raise LoadUsageError(f"{where}: {graph!r} is not an absolute IRI")
    try:
        node = ox.NamedNode(graph)
    except ValueError as exc:
        raise LoadUsageError(f"{where}: {graph!r} is not a valid IRI ({exc})") from None
    if graph.startswith(_RESERVED) and not graph.startswith(IMPORT_NAMESPACE):
        curated = " (a curated graph)" if graph in {str(g) for g in GRAPHS.values()} else ""
        raise LoadUsageError(
            f"{where}: <{graph}> is nanokg's own{curated}; imports go under <{IMPORT_NAMESPACE}...> or any other IRI"
        )
    return node


def _sha256(path: Path) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as stream:
        return stream.read(2) == b"\x1f\x8b"


_POSITION = re.compile(r"^Parser error (?:at|between) line [^:]*: ")
_TRAILER = re.compile(r" \([^()]*, line \d+\)$")


def _syntax_error(path: Path, exc: SyntaxError) -> LoadError:
    """``FILE:LINE:COLUMN: message`` from Oxigraph's parser error."""
    message = _TRAILER.sub("", _POSITION.sub("", exc.msg or str(exc)))
    where = f"{path}:{exc.lineno}:{exc.offset}" if exc.lineno else str(path)
    return LoadError(f"{where}: {message} (nothing of this file was loaded)")


class _Progress:
    """Reports how far the loader has read a file, from a thread, while the loader holds the GIL-free core.

    A gzip file is read by Python, so its position is the compressed file's offset; a
    plain file is read by Oxigraph's own threads, so the bytes this process has read
    (``rchar`` of ``/proc/self/io``, Linux) since the start stand for it.
    """

    def __init__(self, total: int, report: Callable[[int], None], raw: BinaryIO | None = None):
        self.total, self.report, self.raw = total, report, raw
        self.start = self._rchar()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rchar() -> int | None:
        try:
            with open("/proc/self/io", encoding="ascii") as io:
                return next(int(line.split()[1]) for line in io if line.startswith("rchar:"))
        except (OSError, StopIteration, ValueError):
            return None

    def _position(self) -> int | None:
        if self.raw is not None:
            try:
                return self.raw.tell()
            except (OSError, ValueError):
                return None
        now = self._rchar()
        return None if now is None or self.start is None else now - self.start

    def _run(self) -> None:
        # nothing for the first second: a file that fails (or loads) at once shows no bar
        if self.done.wait(1.0):
            return
        while not self.done.wait(0.2):
            position = self._position()
            if position is not None:
                self.report(min(position, self.total))

    def __enter__(self) -> _Progress:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()


def _count(store: ox.Store, graph: str) -> int:
    (row,) = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(row[0].value)


IMPORTS_QUERY = f"""
SELECT ?graph ?file ?source ?sha256 ?triples ?format ?created WHERE {{
  GRAPH <{IMPORTS_GRAPH}> {{
    ?record <{_SD}name> ?graph ; <{_DCT}title> ?file ; <{_DCT}source> ?source ;
            <{_SPDX}checksumValue> ?sha256 ; <{_VOID}triples> ?triples ; <{_DCT}format> ?format ;
            <{_DCT}created> ?created .
  }}
}}
ORDER BY ?graph ?created ?file
"""


def list_imports(store: ox.Store) -> list[ImportRecord]:
    """Every import recorded in ``store``, by graph and date."""
    records = []
    for row in store.query(IMPORTS_QUERY):
        graph, file, source, sha, triples, fmt, created = (term.value for term in row)
        records.append(ImportRecord(graph, file, source, sha, int(triples), fmt, created))
    return records


def _record_quads(record: ImportRecord) -> list[ox.Quad]:
    iri = ox.NamedNode(
        RECORD_NAMESPACE
        + hashlib.sha256(record.graph.encode()).hexdigest()[:12]
        + "-"
        + record.sha256[:12]
        + "-"
        + hashlib.sha256(record.created.encode()).hexdigest()[:6]
    )
    where = ox.NamedNode(IMPORTS_GRAPH)
    values = [
        (_RDF + "type", ox.NamedNode(_VOID + "Dataset")),
        (_SD + "name", ox.NamedNode(record.graph)),
        (_DCT + "title", ox.Literal(record.file)),
        (_DCT + "source", ox.NamedNode(record.source)),
        (_SPDX + "checksumValue", ox.Literal(record.sha256)),
        (_SPDX + "algorithm", ox.NamedNode(_SPDX + "checksumAlgorithm_sha256")),
        (_VOID + "triples", ox.Literal(str(record.triples), datatype=ox.NamedNode(_XSD + "integer"))),
        (_DCT + "format", ox.NamedNode(record.format)),
        (_DCT + "created", ox.Literal(record.created, datatype=ox.NamedNode(_XSD + "dateTime"))),
    ]
    return [ox.Quad(iri, ox.NamedNode(p), o, where) for p, o in values]


def _unreadable(path: Path, exc: BaseException) -> LoadError:
    """``FILE: message`` for a file that cannot be read to its end (a truncated gzip file, say)."""
    what = "not a complete gzip file" if isinstance(exc, _GZIP_ERRORS) else "cannot be read"
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return LoadError(f"{path}: {what}: {detail} (nothing of this file was loaded)")


def _dataset_graphs(path: Path, fmt: ox.RdfFormat, gz: bool) -> collections.Counter:
    """Statements per graph name of a quads file (and its syntax checked), counted in C."""
    stream = gzip.open(path, "rb") if gz else None
    try:
        parser = ox.parse(stream, fmt) if gz else ox.parse(path=str(path), format=fmt)
        return collections.Counter(map(attrgetter("graph_name"), parser))
    except SyntaxError as exc:
        raise _syntax_error(path, exc) from None
    except _GZIP_ERRORS as exc:
        raise _unreadable(path, exc) from None
    finally:
        if stream is not None:
            stream.close()


def load(
    files: Sequence[str | os.PathLike],
    store_path: Path | None = None,
    *,
    fmt: str | None = None,
    graph: str | None = None,
    progress: Callable[[Path, int, int], None] | None = None,
    optimize: bool = True,
    names: bool = True,
) -> LoadReport:
    """Bulk-import RDF files into the store, each file all or nothing.

    Parameters
    ----------
    files
        Paths of the files, loaded in this order.
    store_path
        The store (default: :func:`nanokg.settings.store_path`); it must have been built.
    fmt
        A :data:`FORMATS` name for every file, else each file's extension decides.
    graph
        The named graph for every file (quads files included), else :func:`default_graph`
        for triples and each quads file's own graphs.
    progress
        Called with ``(file, bytes read, file size)`` a few times a second while a file loads.
    optimize
        Compact the store afterwards (recommended: queries on a freshly loaded store are
        several times slower).
    names
        Index the labels of the imports for name resolution (skip it for data that carry
        their own ``nkg:lookupKey`` triples, or whose names are never asked for).

    Raises
    ------
    LoadUsageError
        A file is missing or of unknown format, or a target graph is refused.
    LoadError
        A file does not parse (``FILE:LINE:COLUMN: message``) or cannot be read to its end
        (a truncated gzip file); the files before it stay loaded.
    nanokg.store.transaction.StoreMissingError, nanokg.store.transaction.StoreBusyError
        No built store, or another command writes to it.
    """
    paths = [Path(f) for f in files]
    if not paths:
        raise LoadUsageError("name at least one file to load")
    for path in paths:
        if not path.is_file():
            raise LoadUsageError(f"{path}: no such file")
    formats = [detect_format(p, fmt) for p in paths]
    target = _check_target(graph, "--graph") if graph is not None else None
    report = LoadReport()
    timings = report.timings
    with writing(store_path, operation="load") as writer:
        wrote = compacted = False
        for number, (path, rdf_format) in enumerate(zip(paths, formats, strict=True), 1):
            started = time.perf_counter()
            try:
                # one generation per file: each file all or nothing, with its names and record
                with writer.new_generation(copy=True) as generation:
                    if _load_one(generation.store, path, rdf_format, target, progress, report, names):
                        wrote = True
                        if optimize and number == len(paths):
                            # compacted before it becomes active: the bulk files go as the compaction
                            # consumes them instead of staying in this generation until a second swap
                            # (1 M quads: peak disk 509 -> 367 MB, the final store the same)
                            optimizing = time.perf_counter()
                            generation.store.optimize()
                            timings["optimize"] = round(time.perf_counter() - optimizing, 3)
                            compacted = True
                    else:
                        generation.abandon()  # the same content is there already
            except LoadError as exc:
                if report.loaded:
                    kept = ", ".join(sorted({r.file for r in report.loaded}))
                    raise LoadError(f"{exc} (loaded before it, and kept: {kept})") from None
                raise
            timings[str(path)] = round(time.perf_counter() - started, 3)
        if wrote and optimize and not compacted:
            started = time.perf_counter()
            with writer.new_generation(copy=True) as generation:
                generation.store.optimize()
            timings["optimize"] = round(time.perf_counter() - started, 3)
    return report


def _load_one(
    store: ox.Store,
    path: Path,
    rdf_format: ox.RdfFormat,
    target: ox.NamedNode | None,
    progress: Callable[[Path, int, int], None] | None,
    report: LoadReport,
    names: bool = True,
) -> bool:
    """Load one file into ``store``; False when its content was already there."""
    try:
        gz = _is_gzip(path)
        sha = _sha256(path)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    default = target or _check_target(default_graph(path), str(path))
    recorded = {(r.graph, r.sha256): r for r in list_imports(store)}
    graphs: set[str] = {default.value}
    if rdf_format.supports_datasets and target is None:
        if any(sha == s for _, s in recorded):
            # the same content is recorded somewhere: its graph names decide whether to skip (a rare second read)
            graphs = {_graph_of(name, default, path).value for name in _dataset_graphs(path, rdf_format, gz)}
        else:
            graphs = set()  # learnt while the file streams
    already = [recorded[(g, sha)] for g in sorted(graphs) if (g, sha) in recorded]
    if already and len(already) == len(graphs):
        for r in already:
            report.skipped.append(
                (str(path), r.graph, f"the same content (SHA-256) was loaded on {r.created} as {r.file}")
            )
        return False
    if already:
        raise LoadUsageError(
            f"{path}: already loaded into {already[0].graph} but not into all of its graphs; unload first"
        )
    existing = {g.value for g in store.named_graphs()}
    counts_before: dict[str, int] = {}

    def before(g: str) -> int:
        if g not in counts_before:
            counts_before[g] = _count(store, g) if g in existing else 0
        return counts_before[g]

    increment = Increment(store)
    size = path.stat().st_size
    report_bytes = (lambda done: progress(path, done, size)) if progress else (lambda done: None)
    started = time.perf_counter()
    try:
        if gz:
            raw = open(path, "rb")
            with raw, gzip.open(raw, "rb") as stream, _Progress(size, report_bytes, raw):
                parsed = ox.parse(stream, rdf_format, rename_blank_nodes=True)
                store.bulk_extend(_stream(parsed, default, target, path, graphs, before, increment, names))
        else:
            with _Progress(size, report_bytes):
                parsed = ox.parse(path=str(path), format=rdf_format, rename_blank_nodes=True)
                store.bulk_extend(_stream(parsed, default, target, path, graphs, before, increment, names))
    except SyntaxError as exc:
        raise _syntax_error(path, exc) from None
    except _GZIP_ERRORS as exc:
        raise _unreadable(path, exc) from None
    report_bytes(size)
    report.timings[f"{path}: one pass (data and names)"] = round(time.perf_counter() - started, 3)
    faults.checkpoint(DATA_WRITTEN)

    started = time.perf_counter()
    # a file's derived triples go with its first graph: dropped (and recomputed) when any of them goes;
    # a bulk load of their own, once the data's is done (in the same one: 1 M, peak RSS 983 -> 754 MB)
    target_graph = derived_graph_of(min(graphs))
    store.bulk_extend(increment.quads(target_graph))
    report.timings[f"{path}: derived"] = round(time.perf_counter() - started, 3)
    faults.checkpoint(DERIVED_WRITTEN)
    started = time.perf_counter()
    derived = increment.finish(target_graph)
    report.timings[f"{path}: derived (stale and rules)"] = round(time.perf_counter() - started, 3)
    report.derived[str(path)] = derived
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    started = time.perf_counter()
    records = [
        ImportRecord(g, path.name, path.resolve().as_uri(), sha, _count(store, g) - before(g), rdf_format.iri, created)
        for g in sorted(graphs)
    ]
    report.timings[f"{path}: counts"] = round(time.perf_counter() - started, 3)
    store.extend(q for r in records for q in _record_quads(r))
    report.loaded.extend(records)
    return True


def _graph_of(name, default: ox.NamedNode, path: Path) -> ox.NamedNode:
    """The graph a quad of graph name ``name`` goes into, if imports may be written there."""
    if isinstance(name, ox.DefaultGraph):
        return default
    if isinstance(name, ox.NamedNode):
        return _check_target(name.value, f"{path}: graph")
    raise LoadUsageError(f"{path}: graph {name} is a blank node; give --graph IRI to load it")


_LABEL_PREDICATES = frozenset(ox.NamedNode(p) for p in (_RDFS + "label", _SKOS + "prefLabel", _SKOS + "altLabel"))


def _stream(
    parsed: Iterable[ox.Quad],
    default: ox.NamedNode,
    target: ox.NamedNode | None,
    path: Path,
    graphs: set[str],
    before: Callable[[str], int],
    increment: Increment,
    names: bool,
) -> Iterator[ox.Quad]:
    """The one pass: each parsed quad in its graph, and the lookup key of each label after it.

    Graph names are checked as they first appear (a refused one raises, and the new
    generation is abandoned); the quads the derivation reads go to ``increment``.
    """
    keyed = ox.NamedNode(_LOOKUP_KEY)
    labels = _LABEL_PREDICATES if names else frozenset()
    watch = increment.watch
    lookup: dict = {}  # graph name as parsed -> (graph it goes into, its lookup graph)
    for quad in parsed:
        name = quad.graph_name
        if name not in lookup:
            graph = target or _graph_of(name, default, path)
            before(graph.value)  # counted before the first quad goes in
            graphs.add(graph.value)
            lookup[name] = (graph, ox.NamedNode(lookup_graph_of(graph.value)))
        graph, keys = lookup[name]
        if name != graph:
            quad = ox.Quad(quad.subject, quad.predicate, quad.object, graph)
        yield quad
        p = quad.predicate
        if p in watch:
            increment.add(quad)
        elif p in labels and isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal):
            if key := name_key(quad.object.value):
                yield ox.Quad(quad.subject, keyed, ox.Literal(key), keys)
    if not graphs:  # an empty quads file: recorded with 0 triples in the import graph
        graphs.add(default.value)


def unload(graph: str, store_path: Path | None = None) -> list[ImportRecord]:
    """Remove an imported graph, its lookup keys, derived triples and records; returns the records removed.

    The store without them is a new generation (see :mod:`nanokg.store.transaction`) that replaces the
    store only when complete, under the store's writer lock.

    Raises
    ------
    ImportNotFoundError
        No import is recorded under ``graph``.
    nanokg.store.transaction.StoreMissingError, nanokg.store.transaction.StoreBusyError
        No built store, or another command writes to it.
    """
    _check_target(graph, "--graph")
    with writing(store_path, operation="unload") as writer:
        current = writer.current()
        imports = list_imports(current)
        records = [r for r in imports if r.graph == graph]
        if not records:
            known = sorted({r.graph for r in imports})
            hint = f"; imported graphs: {', '.join(known)}" if known else "; nothing was imported"
            raise ImportNotFoundError(f"--graph {graph}: no import recorded under this graph{hint}")
        forget = (
            f"DELETE {{ GRAPH <{IMPORTS_GRAPH}> {{ ?r ?p ?o }} }}"
            f" WHERE {{ GRAPH <{IMPORTS_GRAPH}> {{ ?r <{_SD}name> <{graph}> ; ?p ?o }} }}"
        )
        gone = [graph, lookup_graph_of(graph), derived_graph_of(graph)]
        removed = sum(_count(current, g) for g in gone)
        kept = [g for g in current.named_graphs() if g.value not in gone]
        kept_quads = sum(_count(current, g.value) for g in kept)
        if removed <= COPY_FACTOR * kept_quads:
            del current
            with writer.new_generation(copy=True) as generation:
                drops = " ; ".join(f"DROP SILENT GRAPH <{g}>" for g in gone)
                generation.store.update(f"{drops} ; {forget}")
                # what the import implied with others, or narrowed, is recomputed from what stays
                rederive(generation.store)
            return records
        # Oxigraph deletes quad by quad in one transaction (hundreds of microseconds each):
        # for a big import it is cheaper to copy what stays into a new generation
        with writer.new_generation(copy=False) as generation:
            # blank-node ids are kept: quads go across as terms, not through a parser
            generation.store.bulk_extend(
                itertools.chain.from_iterable(current.quads_for_pattern(None, None, None, g) for g in kept)
            )
            del current  # the old generation is removed right after the swap
            generation.store.update(forget)
            rederive(generation.store)
            generation.store.optimize()
    return records


def imported_graphs(records: Iterable[ImportRecord]) -> list[str]:
    """The distinct graphs of ``records``, sorted."""
    return sorted({r.graph for r in records})
