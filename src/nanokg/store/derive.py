"""The derived graph: what queries would compute per row, materialised when data enter the store.

Queries read plain triple patterns (``?x a nkg:CarrierPlatform``, ``?x nkg:directType ?c``,
``?p nkg:hasTerminatedTrial ?t``, ``FILTER(?t)``) instead of walking the class hierarchy per row. The
derivation is computed from the ontology's own axioms (read from the ontology graph,
nothing hard-coded) over the *source* graphs: the curated ``ontology``, ``asserted`` and
``inferred`` graphs and every import graph (:func:`source_graphs`).

What is derived
    1. type closure: ``x rdf:type D`` for every named superclass ``D`` (``rdfs:subClassOf+``,
       named ``owl:equivalentClass`` both ways) of every named type of ``x``;
    2. the strict ``rdfs:subClassOf`` closure between named classes (never ``C ⊑ C``);
    3. property closure: ``rdfs:subPropertyOf`` (and named ``owl:equivalentProperty``),
       ``owl:inverseOf``, ``owl:SymmetricProperty``, ``owl:TransitiveProperty`` and
       ``owl:propertyChainAxiom`` of any length;
    4. ``nkg:directType``: each named type ``C`` of ``x`` (after closure) that no other
       type of ``x`` is a strict subclass of; ``owl:Thing``, ``owl:NamedIndividual`` and
       the RDF/RDFS/OWL meta-classes are never types here;
    5. the catalogue rules, SPARQL ``CONSTRUCT`` files in ``ontology/derive/*.rq`` (e.g.
       ``nkg:hasTerminatedTrial``), run after 1-4 and re-run with the closure until nothing
       changes. A rule's template predicates are produced by rules only (the engine
       recognises a rule's earlier output by them).

Where it goes
    The curated graph's derivation is :data:`nanokg.vocabulary.GRAPHS` ``["derived"]``,
    written by the build (:func:`derive_curated`); an import graph ``G`` gets its own,
    :func:`derived_graph_of` ``(G)``, written by the same ``nanokg load`` and dropped by
    ``nanokg unload``. No derived triple is also held by another graph of the store (a
    union default graph would count it twice), and after any build, load or unload the
    derived graphs together hold exactly a from-scratch derivation over the store's
    source graphs (:func:`refresh`): items 4 and 5 are not monotonic (an import can give
    a curated product a narrower type or a terminated trial), so a load may also remove a
    triple from another derived graph, and an unload recomputes what it took away.

How
    Pattern lookups on the store (``rdf:type`` quads and the quads of the few properties the
    axioms name, graph by graph) into Python indexes, a semi-naive closure over them, the
    rules in Oxigraph; nothing is parsed into rdflib (see docs/performance.md). A load does
    not recompute the store: :class:`Increment` is fed the quads the load adds and
    recomputes only what they can change (at 1 M, a 5-triple import into a store holding a
    1 M import: derivation 11.1 s -> 1.7 s); the build and an unload use :func:`refresh`.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from nanokg.vocabulary import BASE, GRAPHS

__all__ = [
    "DERIVED_NAMESPACE",
    "DeriveReport",
    "Increment",
    "Schema",
    "derive_curated",
    "derive_import",
    "derived_graph_of",
    "derived_graphs",
    "is_derived_graph",
    "load_rules",
    "read_schema",
    "rederive",
    "refresh",
    "source_graphs",
]

#: derived graphs of import graphs: ``DERIVED_NAMESPACE + sha256(graph)[:16]``
DERIVED_NAMESPACE = f"{BASE}graph/derived/"
_CURATED_DERIVED = str(GRAPHS["derived"])
_CURATED_SOURCES = tuple(str(GRAPHS[n]) for n in ("ontology", "asserted", "inferred"))
#: where the class and property axioms are read: the ontology and HermiT's conclusions
_SCHEMA = (str(GRAPHS["ontology"]), str(GRAPHS["inferred"]))
_RESERVED = f"{BASE}graph/"
_IMPORTS = f"{BASE}graph/import/"

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
#: types that are never an individual's (direct) type: every term of these namespaces
_META = (_RDF, _RDFS, _OWL)

TYPE = ox.NamedNode(_RDF + "type")
SUBCLASS = ox.NamedNode(_RDFS + "subClassOf")
DIRECT_TYPE = ox.NamedNode(f"{BASE}ontology#directType")
_FIRST, _REST, _NIL = (ox.NamedNode(_RDF + n) for n in ("first", "rest", "nil"))

Triple = tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]


def derived_graph_of(graph: str) -> str:
    """The graph holding the derived triples of the import graph ``graph``.

    Examples
    --------
    >>> derived_graph_of("https://w3id.org/nanokg/graph/import/trials")
    'https://w3id.org/nanokg/graph/derived/064b5cf990ebfb5b'
    """
    return DERIVED_NAMESPACE + hashlib.sha256(graph.encode()).hexdigest()[:16]


def is_derived_graph(graph: str) -> bool:
    """Whether ``graph`` holds derived triples (the curated one or an import's)."""
    return graph == _CURATED_DERIVED or graph.startswith(DERIVED_NAMESPACE)


def _is_source(graph: str) -> bool:
    return graph in _CURATED_SOURCES or graph.startswith(_IMPORTS) or not graph.startswith(_RESERVED)


def source_graphs(store: ox.Store) -> list[str]:
    """The graphs derivations are computed from: curated ontology, asserted, inferred, and every import."""
    return sorted(g.value for g in store.named_graphs() if _is_source(g.value))


def derived_graphs(store: ox.Store) -> list[str]:
    """The derived graphs ``store`` holds."""
    return sorted(g.value for g in store.named_graphs() if is_derived_graph(g.value))


# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class Schema:
    """The axioms the closure follows, read from the ontology graph."""

    #: strict named superclasses of each named class
    superclasses: dict[ox.NamedNode, frozenset[ox.NamedNode]]
    #: strict superproperties of each property
    superproperties: dict[ox.NamedNode, frozenset[ox.NamedNode]]
    #: inverse properties of each property (both directions)
    inverses: dict[ox.NamedNode, frozenset[ox.NamedNode]]
    symmetric: frozenset[ox.NamedNode]
    transitive: frozenset[ox.NamedNode]
    #: (chain, implied property), e.g. ((hasTargetingLigand, bindsTarget), activelyTargets)
    chains: tuple[tuple[tuple[ox.NamedNode, ...], ox.NamedNode], ...]

    @property
    def properties(self) -> frozenset[ox.NamedNode]:
        """Every property a property rule reads."""
        names = set(self.superproperties) | set(self.inverses) | self.symmetric | self.transitive
        for chain, implied in self.chains:
            names.update(chain)
            names.add(implied)
        for group in (*self.superproperties.values(), *self.inverses.values()):
            names.update(group)
        return frozenset(names)


def _closure(edges: dict[ox.NamedNode, set[ox.NamedNode]]) -> dict[ox.NamedNode, frozenset[ox.NamedNode]]:
    """Strict transitive closure of ``edges`` (a node reaching itself through a cycle is dropped)."""
    result = {}
    for start in edges:
        seen: set[ox.NamedNode] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
        seen.discard(start)
        if seen:
            result[start] = frozenset(seen)
    return result


def _list(store: ox.Store, head, graph: ox.NamedNode) -> list:
    items = []
    while isinstance(head, ox.BlankNode | ox.NamedNode) and head != _NIL:
        first = next(store.quads_for_pattern(head, _FIRST, None, graph), None)
        if first is None:
            break
        items.append(first.object)
        rest = next(store.quads_for_pattern(head, _REST, None, graph), None)
        head = rest.object if rest is not None else _NIL
    return items


def read_schema(store: ox.Store, graphs: Iterable[str] = _SCHEMA) -> Schema:
    """The class and property axioms of ``store``: the ontology graph's, and what HermiT concluded of them.

    The inferred graph holds the subsumptions HermiT found between named classes (e.g.
    ``nkg:PEGylatedLiposome ⊑ nkg:PEGylatedNanomedicine``, through a defined class); an
    import's own axioms are data, not schema.
    """
    nodes = [ox.NamedNode(g) for g in graphs]
    graph = nodes[0]  # property chains are lists: read from the ontology graph

    def pairs(predicate: str) -> Iterator[tuple[ox.NamedNode, ox.NamedNode]]:
        for q in _quads(store, nodes, p=ox.NamedNode(predicate)):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
                yield q.subject, q.object

    def typed(cls: str) -> frozenset[ox.NamedNode]:
        return frozenset(
            q.subject
            for q in _quads(store, nodes, p=TYPE, o=ox.NamedNode(_OWL + cls))
            if isinstance(q.subject, ox.NamedNode)
        )

    classes: dict[ox.NamedNode, set[ox.NamedNode]] = defaultdict(set)
    for sub, sup in pairs(_RDFS + "subClassOf"):
        classes[sub].add(sup)
    for a, b in pairs(_OWL + "equivalentClass"):
        classes[a].add(b)
        classes[b].add(a)
    props: dict[ox.NamedNode, set[ox.NamedNode]] = defaultdict(set)
    for sub, sup in pairs(_RDFS + "subPropertyOf"):
        props[sub].add(sup)
    for a, b in pairs(_OWL + "equivalentProperty"):
        props[a].add(b)
        props[b].add(a)
    inverses: dict[ox.NamedNode, set[ox.NamedNode]] = defaultdict(set)
    for a, b in pairs(_OWL + "inverseOf"):
        inverses[a].add(b)
        inverses[b].add(a)
    chains = []
    for q in store.quads_for_pattern(None, ox.NamedNode(_OWL + "propertyChainAxiom"), None, graph):
        chain = _list(store, q.object, graph)
        if isinstance(q.subject, ox.NamedNode) and chain and all(isinstance(p, ox.NamedNode) for p in chain):
            chains.append((tuple(chain), q.subject))
    return Schema(
        superclasses=_closure(classes),
        superproperties=_closure(props),
        inverses={p: frozenset(q) for p, q in inverses.items()},
        symmetric=typed("SymmetricProperty"),
        transitive=typed("TransitiveProperty"),
        chains=tuple(sorted(chains, key=str)),
    )


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """One ``ontology/derive/*.rq`` CONSTRUCT rule and the predicates its template writes."""

    path: Path
    text: str
    predicates: frozenset[ox.NamedNode]


def _rules_dir() -> Path:
    from nanokg import settings

    return Path(settings.ontology_dir()) / "derive"


def _template_predicates(text: str, where: str) -> frozenset[ox.NamedNode]:
    """The predicates of the ``CONSTRUCT`` template of ``text`` (IRIs, prefixed names or ``a``)."""
    from nanokg.errors import InputError
    from nanokg.sparql_text import declared_prefixes, tokens

    prefixes = declared_prefixes(text)
    lexed = (t for t in tokens(text) if t.kind not in ("space", "comment"))
    for token in lexed:
        if token.kind == "word" and token.text.upper() == "CONSTRUCT":
            break
    else:
        raise InputError(f"{where}: a derivation rule must be a CONSTRUCT query", location=where)
    opener = next(lexed, None)
    if opener is None or opener.text != "{":
        raise InputError(f"{where}: a rule needs a CONSTRUCT {{ template }} (not the short form)", location=where)
    predicates, state = set(), "subject"  # subject -> predicate -> object -> (. ; ,)
    for token in lexed:
        if token.text == "}":
            break
        if token.kind in ("open", "close") and token.text != ")":
            raise InputError(
                f"{where}: write a rule's template as plain triples (no [ ], ( ) or << >>)", location=where
            )
        if token.text in (".", ";", ","):
            state = {".": "subject", ";": "predicate", ",": "object"}[token.text]
            continue
        if state == "predicate":
            if token.kind == "word" and token.text == "a":
                iri = _RDF + "type"
            elif token.kind == "iri":
                iri = token.text[1:-1]
            elif token.kind == "pname" and token.text.split(":", 1)[0] in prefixes:
                prefix, local = token.text.split(":", 1)
                iri = prefixes[prefix] + local
            else:
                raise InputError(f"{where}: the template's predicate {token.text} must be an IRI", location=where)
            predicates.add(ox.NamedNode(iri))
        state = {"subject": "predicate", "predicate": "object", "object": "object"}[state]
    if not predicates:
        raise InputError(f"{where}: the rule's template is empty", location=where)
    return frozenset(predicates)


def load_rules(folder: Path | None = None) -> list[Rule]:
    """The catalogue rules, by file name; a rule that does not parse is an InputError naming its file."""
    from nanokg.errors import InputError

    folder = Path(folder) if folder is not None else _rules_dir()
    rules = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        try:
            ox.Store().query(text)  # Oxigraph's own parser: the engine the rule runs on
        except SyntaxError as exc:
            raise InputError(f"{path}: does not parse as SPARQL ({exc})", location=str(path)) from None
        rules.append(Rule(path, text, _template_predicates(text, str(path))))
    return rules


# --------------------------------------------------------------------------- closure


def _node(term) -> bool:
    return not isinstance(term, ox.Literal)


def _meta(term) -> bool:
    return not isinstance(term, ox.NamedNode) or term.value.startswith(_META)


def _quads(store: ox.Store, graphs: Iterable[ox.NamedNode], s=None, p=None, o=None) -> Iterator[ox.Quad]:
    for graph in graphs:
        yield from store.quads_for_pattern(s, p, o, graph)


def closure(store: ox.Store, sources: Iterable[str], schema: Schema, extra: Iterable[Triple] = ()) -> set[Triple]:
    """Items 1-4 over the ``sources`` graphs of ``store`` plus ``extra`` triples: the implied triples the sources lack.

    Only ``rdf:type`` quads and the quads of properties the axioms name are read (pattern
    lookups, graph by graph). ``nkg:directType`` and ``rdfs:subClassOf`` triples are
    returned whether stored or not: the caller checks those few.
    """
    graphs = [ox.NamedNode(g) for g in sources]
    out: set[Triple] = set()
    stored: dict = defaultdict(set)
    for q in _quads(store, graphs, p=TYPE):
        if isinstance(q.object, ox.NamedNode):
            stored[q.subject].add(q.object)
    relevant = schema.properties
    extra = list(extra)
    types: dict = defaultdict(set)
    for s, p, o in extra:
        if p == TYPE and isinstance(o, ox.NamedNode):
            types[s].add(o)
    supers = schema.superclasses
    empty: frozenset = frozenset()
    for subject in stored.keys() | types.keys():
        out.update(_typed(subject, stored.get(subject, empty), types.get(subject, empty), supers))
    for c, above in supers.items():
        for d in above:
            if d != c:
                out.add((c, SUBCLASS, d))
    out |= _property_closure(store, graphs, schema, relevant, [t for t in extra if t[1] in relevant])
    return out


def _typed(subject, facts, more, supers) -> Iterator[Triple]:
    """Items 1 and 4 for one subject: its stored named types ``facts`` and ``more`` (not stored)."""
    empty: frozenset = frozenset()
    named = facts | more
    everything = set(named)
    for c in named:
        everything |= supers.get(c, empty)
    for c in everything - facts:
        yield (subject, TYPE, c)
    candidates = [c for c in everything if not _meta(c) and c.value != _OWL + "Thing"]
    for c in candidates:
        # a narrower type: below c, and not merely equivalent to it
        if not any(d != c and c in supers.get(d, ()) and d not in supers.get(c, ()) for d in candidates):
            yield (subject, DIRECT_TYPE, c)


def _property_closure(store, graphs, schema: Schema, relevant, extra, given: Iterable[Triple] = ()) -> set[Triple]:
    """Semi-naive forward chaining of the property axioms over the quads of ``relevant`` properties.

    ``given`` are facts read by the caller (left out of the result, as the quads read here are).
    """
    forward: dict = defaultdict(lambda: defaultdict(set))  # p -> s -> {o}
    backward: dict = defaultdict(lambda: defaultdict(set))  # p -> o -> {s}
    known: set[Triple] = set()
    queue: deque[Triple] = deque()
    facts: set[Triple] = set()

    def add(t: Triple) -> None:
        if t not in known:
            known.add(t)
            s, p, o = t
            forward[p][s].add(o)
            backward[p][o].add(s)
            queue.append(t)

    for p in relevant:
        for q in _quads(store, graphs, p=p):
            facts.add((q.subject, p, q.object))
            add((q.subject, p, q.object))
    for t in given:
        facts.add(t)
        add(t)
    for t in extra:
        add(t)
    by_position: dict = defaultdict(list)
    for chain, implied in schema.chains:
        for i, p in enumerate(chain):
            by_position[p].append((chain, i, implied))
    while queue:
        s, p, o = queue.popleft()
        for q in schema.superproperties.get(p, ()):
            add((s, q, o))
        if _node(o):
            for q in schema.inverses.get(p, ()):
                add((o, q, s))
            if p in schema.symmetric:
                add((o, p, s))
        if p in schema.transitive:
            for z in list(forward[p].get(o, ())):
                add((s, p, z))
            for x in list(backward[p].get(s, ())):
                add((x, p, o))
        for chain, i, implied in by_position.get(p, ()):
            starts = {s}
            for link in reversed(chain[:i]):
                starts = {x for y in starts for x in backward[link].get(y, ())}
            ends = {o}
            for link in chain[i + 1 :]:
                ends = {z for y in ends for z in forward[link].get(y, ())}
            for x in starts:
                if _node(x):
                    for z in ends:
                        add((x, implied, z))
    return known - facts


# --------------------------------------------------------------------------- store


@dataclass
class DeriveReport:
    """What :func:`refresh` changed: triples added and removed, rule rounds, seconds per step."""

    added: int = 0
    removed: int = 0
    #: the derived triples of the store afterwards (counted by :func:`refresh`; 0 from an :class:`Increment`)
    derived: int = 0
    rounds: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def _present(store: ox.Store, graphs: list[ox.NamedNode], predicates: Iterable[ox.NamedNode]) -> set[Triple]:
    """The triples of ``predicates`` held by ``graphs``."""
    return {(q.subject, q.predicate, q.object) for p in predicates for q in _quads(store, graphs, p=p)}


def _rule_triples(store: ox.Store, rules: list[Rule], dataset: list[ox.NamedNode]) -> set[Triple]:
    from nanokg.errors import InputError

    out = set()
    for rule in rules:
        try:
            result = store.query(rule.text, default_graph=dataset)
        except SyntaxError as exc:
            raise InputError(f"{rule.path}: {exc}", location=str(rule.path)) from None
        out.update((t.subject, t.predicate, t.object) for t in result)
    return out


def refresh(
    store: ox.Store,
    target: str,
    *,
    rules: list[Rule] | None = None,
    schema: Schema | None = None,
) -> DeriveReport:
    """Make the derived graphs of ``store`` hold exactly the derivation of its source graphs.

    New triples go into ``target`` (a derived graph); triples no longer implied are removed
    from whichever derived graph holds them, and so are triples a non-derived graph holds.
    """
    report = DeriveReport()
    started = time.perf_counter()
    rules = load_rules() if rules is None else rules
    schema = read_schema(store) if schema is None else schema
    sources = source_graphs(store)
    names = {g.value for g in store.named_graphs()}
    others = [ox.NamedNode(g) for g in sorted(names) if not _is_source(g) and not is_derived_graph(g)]
    derived = [ox.NamedNode(g) for g in sorted(names) if is_derived_graph(g)]
    # what each derived graph holds now: triple -> graph
    current: dict[Triple, ox.NamedNode] = {}
    duplicates: list[ox.Quad] = []
    for q in _quads(store, derived):
        t = (q.subject, q.predicate, q.object)
        if t in current:
            duplicates.append(q)
        else:
            current[t] = q.graph_name
    rule_predicates = {p for r in rules for p in r.predicates}
    rule_out = {t for t in current if t[1] in rule_predicates}
    report.timings["read"] = round(time.perf_counter() - started, 3)
    target_node = ox.NamedNode(target)
    source_nodes = [ox.NamedNode(g) for g in sources]
    # rule output that no axiom reads (not a type, not a property of the schema) leaves the closure as it was
    reads = schema.properties | {TYPE}
    base: set[Triple] | None = None
    fed: set[Triple] | None = None
    while True:
        report.rounds += 1
        t0 = time.perf_counter()
        feeding = {t for t in rule_out if t[1] in reads}
        if base is None or feeding != fed:
            base, fed = closure(store, sources, schema, feeding), feeding
        implied = base | rule_out
        # never a triple a source or another graph holds already (the closure left out the facts it read)
        unread = {DIRECT_TYPE, SUBCLASS} | rule_predicates
        facts = _present(store, source_nodes, unread) | _present(store, others, {t[1] for t in implied})
        want = implied - facts
        report.timings["closure"] = report.timings.get("closure", 0) + round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        stale = [ox.Quad(*t, g) for t, g in current.items() if t not in want]
        for quad in stale + duplicates:
            store.remove(quad)
        duplicates = []
        for quad in stale:
            del current[(quad.subject, quad.predicate, quad.object)]
        new = [t for t in want if t not in current]
        store.bulk_extend(ox.Quad(*t, target_node) for t in new)
        for t in new:
            current[t] = target_node
        report.added += len(new)
        report.removed += len(stale)
        report.timings["write"] = report.timings.get("write", 0) + round(time.perf_counter() - t0, 3)
        if not rules:
            break
        t0 = time.perf_counter()
        dataset = source_nodes + sorted({*derived, target_node}, key=str)
        produced = _rule_triples(store, rules, dataset)
        report.timings["rules"] = report.timings.get("rules", 0) + round(time.perf_counter() - t0, 3)
        if produced == rule_out:
            break
        rule_out = produced
    report.derived = len(current)
    report.timings["total"] = round(time.perf_counter() - started, 3)
    return report


_EMPTY: frozenset = frozenset()
#: an :class:`Increment` reads the earlier facts of fewer subjects than this one by one, of more by a scan
_LOOKUPS = 20_000


def _read_back(quads: Iterable[ox.Quad]) -> tuple[dict[Triple, ox.Quad], list[ox.Quad], set[Triple]]:
    """What ``quads`` (read back from the store) hold, split three ways.

    Derived triples, each with its quad; second copies of a derived triple (stale); and the
    triples another graph holds (facts: never derived again).
    """
    current: dict[Triple, ox.Quad] = {}
    twice: list[ox.Quad] = []
    facts: set[Triple] = set()
    for q in quads:
        t = (q.subject, q.predicate, q.object)
        if not is_derived_graph(q.graph_name.value):
            facts.add(t)
        elif t in current:
            twice.append(q)
        else:
            current[t] = q
    return current, twice, facts


class Increment:
    """The derivation of one load, from the triples the load adds and pattern lookups on the store.

    A load adds triples; :func:`refresh` would recompute the whole store. An increment is
    fed the loaded quads of the predicates the derivation reads (:attr:`watch`) while the
    file streams (:meth:`add`), yields the new derived quads once the data are in
    (:meth:`quads`, for a bulk load) and then removes what the load made stale and runs
    the catalogue rules (:meth:`finish`). What it recomputes:

    - types (items 1 and 4): only the subjects the load types (or gives a ``nkg:directType``),
      their earlier types read from the store: one lookup per subject, or one scan of the
      earlier graphs' ``rdf:type`` quads when the load types more than :data:`_LOOKUPS`;
    - properties (item 3): the closure over the quads of the schema's properties only
      (a chain or a transitive property can reach any node, so no subject set bounds it);
    - rules (item 5): every rule over the whole dataset, once (a rule may read any
      pattern, so it cannot be restricted to the load's subjects in general); a rule whose
      template writes a type or a schema property feeds the closure, and then the load
      falls back to :func:`refresh` (its fixpoint loop).

    The subclass closure (item 2) depends on the schema only, which a load never changes.
    Afterwards the derived graphs hold exactly what :func:`refresh` would leave.

    Examples
    --------
    >>> store = ox.Store()
    >>> x, c, g = (ox.NamedNode(f"https://example.org/{n}") for n in ("x", "C", "g"))
    >>> increment = Increment(store, rules=[])
    >>> quad = ox.Quad(x, TYPE, c, g)
    >>> store.bulk_extend([quad]); increment.add(quad)
    >>> [q.predicate.value for q in increment.quads("https://example.org/derived")]
    ['https://w3id.org/nanokg/ontology#directType']
    >>> increment.finish("https://example.org/derived").added
    1
    """

    def __init__(self, store: ox.Store, *, rules: list[Rule] | None = None, schema: Schema | None = None):
        self.store = store
        self.rules = load_rules() if rules is None else rules
        self.schema = read_schema(store) if schema is None else schema
        self.rule_predicates = frozenset(p for r in self.rules for p in r.predicates)
        self.relevant = self.schema.properties
        #: rule output read by the closure: the fixpoint of :func:`refresh` is needed
        self.fallback = bool(self.rule_predicates & (self.relevant | {TYPE}))
        #: the predicates :meth:`add` must be given the loaded quads of
        self.watch = frozenset(self.relevant | self.rule_predicates | {TYPE, DIRECT_TYPE, SUBCLASS})
        self.report = DeriveReport()
        self._graphs = [g.value for g in store.named_graphs()]
        # subject -> named classes the load states; one object per class and per set of classes
        # (each parsed quad is a new object: 221 k type quads at 1 M would each keep their class)
        self._types: dict = {}
        self._classes: dict = {}
        self._sets: dict = {}
        self._subjects: set = set()  # other subjects whose items 1 and 4 are recomputed
        self._facts: set[Triple] = set()  # loaded triples of watched predicates other than rdf:type
        self._stale: list[ox.Quad] = []

    def add(self, quad: ox.Quad) -> None:
        """Note one loaded quad whose predicate is in :attr:`watch`."""
        p = quad.predicate
        if p == TYPE:
            c = quad.object
            if isinstance(c, ox.NamedNode):
                c = self._classes.setdefault(c, c)
                old = self._types.get(quad.subject, _EMPTY)
                if c not in old:
                    new = old | {c}
                    self._types[quad.subject] = self._sets.setdefault(new, new)
            else:
                self._subjects.add(quad.subject)
        else:
            self._facts.add((quad.subject, p, quad.object))
            if p == DIRECT_TYPE:
                self._subjects.add(quad.subject)

    def _earlier(self) -> Iterator[tuple[object, list[ox.Quad]]]:
        """Each recomputed subject with its ``rdf:type`` and ``nkg:directType`` quads in the store."""
        predicates = (TYPE, DIRECT_TYPE)
        subjects = self._subjects.union(self._types)
        if len(subjects) <= _LOOKUPS:
            for x in subjects:
                yield x, [q for p in predicates for q in self.store.quads_for_pattern(x, p, None, None)]
            return
        held: dict = defaultdict(list)
        for g in self._graphs:  # the graphs as they were: what the load adds is fed to add()
            for p in predicates:
                for q in self.store.quads_for_pattern(None, p, None, ox.NamedNode(g)):
                    if q.subject in subjects:
                        held[q.subject].append(q)
        for x in subjects:
            yield x, held.pop(x, [])

    def quads(self, target: str) -> Iterator[ox.Quad]:
        """The derived quads the load adds (into ``target``), once every loaded quad was given to :meth:`add`.

        Reads the store (the load's own quads may or may not be visible yet: they are
        added to what was read, so either way is right) and notes what became stale.
        """
        if self.fallback:
            return
        started = time.perf_counter()
        node = ox.NamedNode(target)
        supers = self.schema.superclasses
        empty: frozenset = frozenset()
        added = 0
        direct: dict = defaultdict(set)  # nkg:directType triples the load states
        for s, p, o in self._facts:
            if p == DIRECT_TYPE:
                direct[s].add(o)
        # a subject new to the store is derived from its set of types alone: once per set (1 M: 2.0 -> 0.5 s)
        fresh: dict = {}
        for x, quads in self._earlier():
            if not quads and x not in direct:
                types = self._types.get(x, empty)
                if types not in fresh:
                    fresh[types] = [(p, o) for _, p, o in _typed(x, types, empty, supers)]
                for p, o in fresh[types]:
                    added += 1
                    yield ox.Quad(x, p, o, node)
                continue
            stored, held, current = set(self._types.get(x, empty)), set(), {}
            for q in quads:
                g = q.graph_name.value
                t = (q.predicate, q.object)
                if is_derived_graph(g):
                    if t in current:
                        self._stale.append(q)  # the same triple in two derived graphs
                    else:
                        current[t] = q
                elif _is_source(g) and q.predicate == TYPE:
                    if isinstance(q.object, ox.NamedNode):
                        stored.add(q.object)
                else:
                    held.add(t)
            held.update((DIRECT_TYPE, c) for c in direct.get(x, ()))
            want = {(p, o) for _, p, o in _typed(x, stored, empty, supers)} - held
            self._stale.extend(q for t, q in current.items() if t not in want)
            for p, o in want - current.keys():
                added += 1
                yield ox.Quad(x, p, o, node)
        self.report.timings["types"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        # the graphs as they were (the load's own quads were given to add(): not read twice)
        current, twice, facts = _read_back(
            q
            for p, g in itertools.product(self.relevant, self._graphs)
            for q in self.store.quads_for_pattern(None, p, None, ox.NamedNode(g))
        )
        self._stale.extend(twice)
        facts.update(t for t in self._facts if t[1] in self.relevant)
        want = _property_closure(self.store, [], self.schema, self.relevant, (), facts) - facts
        self._stale.extend(q for t, q in current.items() if t not in want)
        for t in want - current.keys():
            added += 1
            yield ox.Quad(*t, node)
        # a loaded subclass axiom a derived graph held: the derived copy goes (rule output: in finish)
        for s, p, o in self._facts:
            if p == SUBCLASS:
                copies = self.store.quads_for_pattern(s, p, o, None)
                self._stale.extend(q for q in copies if is_derived_graph(q.graph_name.value))
        self.report.added += added
        self.report.timings["properties"] = round(time.perf_counter() - started, 3)

    def finish(self, target: str) -> DeriveReport:
        """Remove what the load made stale and bring the rules' output up to date; after the bulk load."""
        started = time.perf_counter()
        store, report = self.store, self.report
        for quad in self._stale:
            store.remove(quad)
        report.removed += len(self._stale)
        if self.fallback:
            full = refresh(store, target, rules=self.rules, schema=self.schema)
            full.added += report.added
            full.removed += report.removed
            return full
        report.rounds = 1
        if self.rules:
            names = [g.value for g in store.named_graphs()]
            sources = [ox.NamedNode(g) for g in sorted(names) if _is_source(g)]
            derived = [ox.NamedNode(g) for g in sorted({*names, target}) if is_derived_graph(g)]
            produced = _rule_triples(store, self.rules, sources + derived)
            current, stale, facts = _read_back(
                q for p in self.rule_predicates for q in store.quads_for_pattern(None, p, None, None)
            )
            want = produced - facts
            stale.extend(q for t, q in current.items() if t not in want)
            for quad in stale:
                store.remove(quad)
            node = ox.NamedNode(target)
            new = [ox.Quad(*t, node) for t in want - current.keys()]
            # bulk: a transactional extend leaves its write-ahead log in the generation (a rule's
            # output at 100 k quads: 1.1 MB of log each reader replays at open)
            store.bulk_extend(new)
            report.added += len(new)
            report.removed += len(stale)
        report.timings["finish"] = round(time.perf_counter() - started, 3)
        return report


def rederive(store: ox.Store, **options) -> DeriveReport:
    """:func:`refresh` after a change to any source: what is new goes with the first import graph (or the curated one).

    For an unload, and for a rebuild of a store that holds imports (the curated derived graph
    alone no longer says what the store implies: an import may narrow a curated product's
    type or add a terminated trial to it).
    """
    imports = [g for g in source_graphs(store) if g not in _CURATED_SOURCES]
    return refresh(store, derived_graph_of(imports[0]) if imports else _CURATED_DERIVED, **options)


def derive_curated(ontology, asserted, inferred):
    """The derived graph of the curated graphs (rdflib graphs in, an rdflib graph out), for the build."""
    from rdflib import BNode, Graph, Literal, URIRef

    from nanokg.curation.rdf import in_memory

    def term(node):
        # blank-node ids kept (a parser would rename them): they name nodes of the asserted graph
        if isinstance(node, ox.NamedNode):
            return URIRef(node.value)
        if isinstance(node, ox.BlankNode):
            return BNode(node.value)
        datatype = None if node.language else URIRef(node.datatype.value)
        return Literal(node.value, lang=node.language, datatype=datatype)

    store = in_memory({GRAPHS["ontology"]: ontology, GRAPHS["asserted"]: asserted, GRAPHS["inferred"]: inferred})
    refresh(store, _CURATED_DERIVED)
    graph = Graph()
    for q in store.quads_for_pattern(None, None, None, ox.NamedNode(_CURATED_DERIVED)):
        graph.add((term(q.subject), term(q.predicate), term(q.object)))
    return graph


def derive_import(store: ox.Store, graph: str, **options) -> DeriveReport:
    """Derive what the import graph ``graph`` adds into :func:`derived_graph_of` ``(graph)`` (see :func:`refresh`)."""
    return refresh(store, derived_graph_of(graph), **options)
