"""Synthetic nanomedicine graphs of a given size, cloned from the curated graph's own shape.

The curated graph is the best description of what nanokg data look like: which
classes a product has, how many trials, outcomes, approvals and findings hang off it,
which typed numbers an outcome carries, what the reasoner infers from it. So the
generator does not invent a schema; it takes the curated asserted and inferred triples
as templates and clones them:

* **product batches** - every triple that touches a product or something a product owns
  (trial, outcome, approval, combination, finding, release profile) is copied with those
  nodes renamed (``product/doxil`` -> ``product/doxil-s17``), labels suffixed (``Doxil S17``),
  typed numbers (``qudt:numericValue``, min/max, particle sizes: ``xsd:decimal``) scaled by
  a per-batch factor, ``xsd:double`` for every other batch's measured values, and years
  shifted. The reasoner's results for the clone (types of defined classes such as
  ``nkg:ApprovedNanomedicine``, ``nkg:activelyTargets`` from the ligand chain, inverse
  properties) come along, since they are cloned from the inferred graph.
* **reference universes** - drugs, targets, ligands, diseases (with their broader-disease
  hierarchy), carrier materials, adverse effects and developers, copied as a whole with
  their links among themselves kept inside the copy (``drug/doxorubicin-u3``). Each product
  batch draws its references from one universe, or (the first batch and one in four after it) from the curated
  entities themselves, so the queries' default parameters (doxorubicin, TfR, breast
  cancer, ...) match synthetic products too and every name still names one entity.

Every label gets the ``nkg:lookupKey`` the name index would give it (:func:`nanokg.query.names.name_key`),
in the graph where ``nanokg load`` puts an import's keys (in ``out`` or a file of its own). The
curated store's derived graph (type closure, ``nkg:directType``, property closure, catalogue
rules: ``nanokg.store.derive``) is cloned the same way, per product batch and per universe, into
the graph where ``nanokg load`` writes an import's derived triples (``derived_graph_of``), so a
raw store given the data, the keys and the derived file holds what nanokg holds after a load.
A store built before the derived graph existed has none: the derived output is then empty.
Provenance, the ontology and shared vocabulary (regions, agencies, immune concepts,
challenges, people) are not cloned: they stay those of the curated graph.

The output is N-Quads (gzip when the name ends in ``.gz``, with a zero mtime), every
statement in one import graph, written as it is generated. The same curated graph, size and
seed give the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from nanokg.atomic import atomic_write
from nanokg.store.index import LABEL_PREDICATES, name_key
from nanokg.store.load import lookup_graph_of
from nanokg.vocabulary import BASE, GRAPHS

__all__ = [
    "DERIVED_GRAPH",
    "IMPORT_GRAPH",
    "Templates",
    "derived_graph_of",
    "generate",
    "parse_size",
    "templates_from_store",
]

#: the named graph the synthetic triples are written into
IMPORT_GRAPH = f"{BASE}graph/import/synthetic"
#: the curated store's derived graph (``GRAPHS["derived"]`` once the vocabulary has it)
DERIVED_GRAPH = str(GRAPHS.get("derived", f"{BASE}graph/derived"))


def derived_graph_of(graph: str) -> str:
    """The graph ``nanokg load`` writes the derived triples of import ``graph`` into.

    ``nanokg.store.derive.derived_graph_of`` when it exists, else the same rule computed here
    (``{BASE}graph/derived/`` + the first 16 hex digits of the graph's sha256), so the
    generator runs on a checkout from before the derived graph.

    Examples
    --------
    >>> derived_graph_of("https://w3id.org/nanokg/graph/import/synthetic")
    'https://w3id.org/nanokg/graph/derived/a8aaf7df3ad77345'
    """
    try:
        from nanokg.store.derive import derived_graph_of as of
    except ImportError:
        return f"{BASE}graph/derived/" + hashlib.sha256(graph.encode()).hexdigest()[:16]
    return str(of(graph))


#: kinds of node a product owns: cloned with every product batch
OWNED_KINDS = frozenset({"product", "trial", "outcome", "approval", "combination", "finding", "release"})
#: kinds of reference entity copied per universe
REFERENCE_KINDS = frozenset({"drug", "target", "ligand", "disease", "material", "effect", "organisation"})

_XSD = "http://www.w3.org/2001/XMLSchema#"
_SCALED = frozenset(
    f"{ns}{name}"
    for ns, name in [
        ("http://qudt.org/schema/qudt/", "numericValue"),
        (f"{BASE}ontology#", "minValue"),
        (f"{BASE}ontology#", "maxValue"),
        (f"{BASE}ontology#", "particleSizeMin"),
        (f"{BASE}ontology#", "particleSizeMax"),
    ]
)
_MEASURED = "http://qudt.org/schema/qudt/numericValue"
_YEAR = f"{BASE}ontology#year"
_LABELS = frozenset(str(p) for p in LABEL_PREDICATES)
_LOOKUP_KEY = f"<{BASE}ontology#lookupKey>"
_KIND = re.compile(re.escape(BASE) + r"([a-z]+)/")
_SIZE = re.compile(r"(?i)^\s*(\d+(?:\.\d+)?)\s*([km]?)\s*$")


def parse_size(text: str) -> int:
    """A triple count from ``5000``, ``100k``, ``1M`` or ``10m``.

    Examples
    --------
    >>> parse_size("100k"), parse_size("1M"), parse_size("5000")
    (100000, 1000000, 5000)
    """
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"size {text!r}: expected a number of triples such as 5000, 100k or 1M")
    number = float(match[1]) * {"": 1, "k": 1_000, "m": 1_000_000}[match[2].lower()]
    if number < 1:
        raise ValueError(f"size {text!r}: at least one triple")
    return int(number)


def _kind(iri: str) -> str | None:
    match = _KIND.match(iri)
    return match[1] if match else None


# A template term: ("fixed", text) | ("own", iri) | ("ref", iri) | ("label", text) | ("number", value, datatype, pred)
Term = tuple


@dataclass(frozen=True)
class Templates:
    """The curated triples the generator clones, already split and sorted.

    ``product`` holds the triples of a product batch, ``reference`` those of a universe,
    ``derived_product`` and ``derived_reference`` the same split of the derived graph;
    ``digest`` identifies the curated content (it decides the generated bytes with size and seed).
    """

    product: tuple[tuple[Term, Term, Term], ...]
    reference: tuple[tuple[Term, Term, Term], ...]
    digest: str
    derived_product: tuple[tuple[Term, Term, Term], ...] = ()
    derived_reference: tuple[tuple[Term, Term, Term], ...] = ()


def _term(term: ox.NamedNode | ox.Literal, predicate: str, subject_cloned: bool) -> Term:
    if isinstance(term, ox.NamedNode):
        kind = _kind(term.value)
        if kind in OWNED_KINDS:
            return ("own", term.value)
        if kind in REFERENCE_KINDS:
            return ("ref", term.value)
        return ("fixed", str(term))
    datatype = term.datatype.value if term.datatype else _XSD + "string"
    if predicate in _LABELS and subject_cloned and term.language is None:
        return ("label", term.value)
    if predicate in _SCALED or predicate == _YEAR:
        return ("number", term.value, datatype, predicate)
    return ("fixed", str(term))


def _split(quads) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """(product, reference) keys of ``quads``: what a batch clones and what a universe copies."""
    product: set[tuple[str, str, str]] = set()
    reference: set[tuple[str, str, str]] = set()
    for q in quads:
        if not isinstance(q.subject, ox.NamedNode):
            continue  # the curated domain graphs have no blank nodes; nothing to clone if they ever do
        s_kind = _kind(q.subject.value)
        o_kind = _kind(q.object.value) if isinstance(q.object, ox.NamedNode) else None
        key = (str(q.subject), str(q.predicate), str(q.object))
        if s_kind in OWNED_KINDS or o_kind in OWNED_KINDS:
            product.add(key)
        elif s_kind in REFERENCE_KINDS:
            reference.add(key)
    return product, reference


def templates_from_store(store: ox.Store) -> Templates:
    """Split the asserted, inferred and derived graphs of a built store into batch and universe templates."""
    quads = []
    for name in ("asserted", "inferred"):
        graph = ox.NamedNode(str(GRAPHS[name]))
        quads.extend(q for q in store.quads_for_pattern(None, None, None, graph))
    derived = list(store.quads_for_pattern(None, None, None, ox.NamedNode(DERIVED_GRAPH)))
    product, reference = _split(quads)
    derived_product, derived_reference = _split(derived)
    text = "\n".join(" ".join(t) for t in sorted(product | reference))
    if derived:  # a store without a derived graph keeps the digest (and the bytes) it had before
        text += "\nderived\n" + "\n".join(" ".join(t) for t in sorted(derived_product | derived_reference))
    digest = hashlib.sha256(text.encode()).hexdigest()
    index = {str(q.subject) + str(q.predicate) + str(q.object): q for q in quads + derived}

    def compile_(keys: set[tuple[str, str, str]]) -> tuple[tuple[Term, Term, Term], ...]:
        out = []
        for key in sorted(keys):
            q = index["".join(key)]
            predicate = q.predicate.value
            subject = _term(q.subject, predicate, False)
            cloned = subject[0] in ("own", "ref")
            out.append((subject, ("fixed", str(q.predicate)), _term(q.object, predicate, cloned)))
        return tuple(out)

    return Templates(
        compile_(product), compile_(reference), digest, compile_(derived_product), compile_(derived_reference)
    )


def _literal(value: str, datatype: str) -> str:
    return str(ox.Literal(value, datatype=ox.NamedNode(datatype)))


def _escape(text: str) -> str:
    return str(ox.Literal(text))


class _Clone:
    """Renders template terms for one batch (``suffix``) drawing references from universe ``universe``."""

    def __init__(self, suffix: str, tag: str, universe: int, factor: float, shift: int, double: bool):
        self.suffix, self.tag, self.universe = suffix, tag, universe
        self.factor, self.shift, self.double = factor, shift, double

    def iri(self, term: Term) -> str:
        kind, iri = term[0], term[1]
        if kind == "own":
            return f"<{iri}-{self.suffix}>"
        if self.universe == 0:
            return f"<{iri}>"
        return f"<{iri}-u{self.universe}>"

    def label(self, term: Term, subject: Term) -> str:
        if subject[0] == "ref" and self.universe == 0:
            return term[1]
        return f"{term[1]} {self.tag if subject[0] == 'own' else f'U{self.universe}'}"

    def render(self, term: Term, subject: Term) -> str:
        kind = term[0]
        if kind == "fixed":
            return term[1]
        if kind in ("own", "ref"):
            return self.iri(term)
        if kind == "label":
            return _escape(self.label(term, subject))
        value, datatype, predicate = term[1], term[2], term[3]
        if predicate == _YEAR:
            return _literal(str(min(2026, int(value) + self.shift)), datatype)
        scaled = f"{float(value) * self.factor:.1f}"
        if self.double and predicate == _MEASURED:
            return _literal(f"{float(scaled):.6E}", _XSD + "double")
        return _literal(scaled, datatype)


#: what a generated line is: a data triple, a lookup key, a derived triple
DATA, KEY, DERIVED = "data", "key", "derived"


def _quads(rows, clone: _Clone, graph: str, keys: str) -> Iterator[tuple[str, str]]:
    """(DATA or KEY, N-Quads line) for the template ``rows`` rendered by ``clone``."""
    seen: set[tuple[str, str]] = set()  # two labels of one entity may share a key ("Doxil", "DOXIL")
    for s, p, o in rows:
        subject = clone.render(s, s)
        if o[0] == "label":
            text = clone.label(o, s)
            yield DATA, f"{subject} {p[1]} {_escape(text)} {graph} .\n"
            key = name_key(text)
            if key and (subject, key) not in seen:
                seen.add((subject, key))
                yield KEY, f"{subject} {_LOOKUP_KEY} {_escape(key)} {keys} .\n"
        else:
            yield DATA, f"{subject} {p[1]} {clone.render(o, s)} {graph} .\n"


def _derived(rows, clone: _Clone, graph: str) -> Iterator[tuple[str, str]]:
    """(DERIVED, N-Quads line) for the derived template ``rows`` rendered by ``clone``."""
    for s, p, o in rows:
        yield DERIVED, f"{clone.render(s, s)} {p[1]} {clone.render(o, s)} {graph} .\n"


def _plan(templates: Templates, triples: int) -> tuple[int, int]:
    """(batches, universes) so that batches and universes together make about ``triples``."""
    labels_p = sum(1 for _, _, o in templates.product if o[0] == "label")
    labels_r = sum(1 for _, _, o in templates.reference if o[0] == "label")
    per_batch = len(templates.product) + labels_p + len(templates.derived_product)
    per_universe = len(templates.reference) + labels_r + len(templates.derived_reference)
    # one universe per eight batches: each synthetic drug, target, disease ... serves several products
    batches = max(1, round(triples / (per_batch + per_universe / 8)))
    return batches, max(1, batches // 8)


def stream(templates: Templates, triples: int, seed: int = 0, graph: str = IMPORT_GRAPH) -> Iterator[tuple[str, str]]:
    """(DATA, KEY or DERIVED; N-Quads line) of a synthetic graph of about ``triples`` quads (never fewer).

    Lookup keys go to :func:`nanokg.store.load.lookup_graph_of` ``graph``, the graph where
    ``nanokg load`` indexes the labels of an import, derived triples to
    :func:`derived_graph_of` ``graph``; all three count towards ``triples``.
    """
    rng = random.Random(f"{seed}:{templates.digest}")  # noqa: S311 - reproducible data, not secrets
    batches, universes = _plan(templates, triples)
    target, keys, derived = f"<{graph}>", f"<{lookup_graph_of(graph)}>", f"<{derived_graph_of(graph)}>"
    count = 0
    for universe in range(1, universes + 1):
        clone = _Clone("", "", universe, 1.0, 0, False)
        for item in _quads(templates.reference, clone, target, keys):
            count += 1
            yield item
        for item in _derived(templates.derived_reference, clone, derived):
            count += 1
            yield item
    batch = 0
    while count < triples:
        batch += 1
        # the first batch always uses the curated references, so even a small graph matches the defaults
        draw = rng.random()
        universe = 0 if draw < 0.25 or batch == 1 else rng.randint(1, universes)
        clone = _Clone(f"s{batch}", f"S{batch}", universe, rng.uniform(0.6, 1.4), rng.randint(-6, 4), batch % 2 == 0)
        for item in _quads(templates.product, clone, target, keys):
            count += 1
            yield item
        for item in _derived(templates.derived_product, clone, derived):
            count += 1
            yield item
        if batch > 4 * batches + 10:  # a template that yields nothing cannot loop forever
            break


class _Sink:
    """A buffered N-Quads output file (gzip with a zero mtime when its name ends in ``.gz``).

    Written through :func:`nanokg.atomic.atomic_write`: the file appears whole when closed,
    and :meth:`discard` leaves nothing behind.
    """

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.context = atomic_write(self.out)
        self.raw = self.context.__enter__()
        gz = self.out.suffix == ".gz"
        self.stream = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0) if gz else self.raw
        self.lines: list[str] = []

    def write(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= 20_000:
            self.stream.write("".join(self.lines).encode("utf-8"))
            self.lines.clear()

    def discard(self) -> None:
        error = RuntimeError(f"{self.out}: generation stopped")
        self.context.__exit__(RuntimeError, error, None)  # atomic_write drops its temporary file

    def close(self) -> None:
        self.stream.write("".join(self.lines).encode("utf-8"))
        if self.stream is not self.raw:
            self.stream.close()
        self.context.__exit__(None, None, None)


def generate(
    out: Path,
    triples: int,
    seed: int = 0,
    *,
    store: ox.Store | None = None,
    templates: Templates | None = None,
    keys: Path | None = None,
    derived: Path | None = None,
) -> int:
    """Write a synthetic graph of about ``triples`` quads to ``out`` (N-Quads, gzip if ``.gz``); the count.

    Templates come from ``templates`` or a built ``store`` (read with :func:`templates_from_store`).
    The lookup keys of the labels go to ``keys`` when given, the derived triples to ``derived``
    when given (what ``nanokg load`` computes itself, but a raw store needs loaded), else into
    ``out`` with the rest; they count towards ``triples`` either way. Files are written beside
    their names and renamed into place when complete.
    """
    if templates is None:
        if store is None:
            raise ValueError("generate() needs a built store or templates")
        templates = templates_from_store(store)
    main = _Sink(out)
    sinks = {DATA: main, KEY: main, DERIVED: main}
    for kind, path in ((KEY, keys), (DERIVED, derived)):
        if path is not None:
            sinks[kind] = _Sink(path)
    unique = list({id(sink): sink for sink in sinks.values()}.values())
    count = 0
    try:
        for kind, line in stream(templates, triples, seed):
            sinks[kind].write(line)
            count += 1
    except BaseException:
        for sink in unique:
            sink.discard()
        raise
    for sink in unique:
        sink.close()
    return count
