"""From RDF to networkx: the entity graph, its typed projections, and files for graph tools.

:func:`entity_graph` reads the domain entities of a nanokg graph into a
:class:`networkx.MultiDiGraph` through a handful of bulk SPARQL SELECTs (never one
query per entity), so it works on any :class:`~nanokg.query.backends.Backend`, given
itself or by a handle that holds one (a :class:`~nanokg.KnowledgeGraph`): the embedded
store, the rdflib copy, or any SPARQL 1.1 endpoint holding the graph
(``KnowledgeGraph.remote(url)``) — a user can analyse their own triple store. On the
embedded store the rows are streamed from Oxigraph rather than collected first.

* **Nodes** are entities, keyed by IRI, with ``label``, ``type`` (the most specific
  class that is not one of the reasoner's defined classes, compacted: ``npo:NPO_719``,
  ``nkg:PEGylatedLiposome``), ``kind`` (``product``, ``drug``, ``target``, ``ligand``,
  ``disease``, ``stage``, ... — :data:`nanokg.vocabulary.KINDS`), ``classes`` (every named class it belongs
  to, superclasses and HermiT's defined classes such as ``nkg:ApprovedNanomedicine``
  included), ``synonyms`` (``skos:altLabel``), ``carrier_class`` for products, and one
  attribute per other literal-valued property, named by its CURIE
  (``nkg:particleSizeMin``); several values make a sorted list.
* **Edges** are object-property statements between entities, keyed by the compacted
  predicate (``G[u][v]["nkg:hasPayload"]``) with attributes ``predicate`` and ``label``
  (the property's label). An inverse pair (``nkg:hasPayload``/``nkg:isPayloadOf``) is
  kept in the direction the ontology declares it (the subject of ``owl:inverseOf``), and
  a super-property statement the reasoner added beside a narrower one
  (``nkg:immuneRelation`` beside ``nkg:promotes``) is dropped: a directed multigraph
  already says both.
* **Left out**: the provenance bookkeeping (``rdf:Statement``, ``nkg:Evidence``,
  ``nkg:SourceCorrection``, ``nkg:SourceDocument`` and the properties linking them),
  the lookup keys, and the ontology's own classes and properties — except a class that
  a fact points at (a field statistic ``nkg:aboutCarrierClass`` a class), which is a
  node of kind ``class``.

``inferred=True`` reads the union default graph (asserted facts, HermiT's entailments and
the ontology), so it needs nothing of the nanokg graph layout; ``inferred=False`` reads
only the ``asserted`` and ``ontology`` named graphs.

Examples
--------
>>> from nanokg import KnowledgeGraph
>>> G = entity_graph(KnowledgeGraph.open(STORE))
>>> G.nodes["https://w3id.org/nanokg/product/doxil"]["carrier_class"]
'liposome'
>>> sorted(G["https://w3id.org/nanokg/product/sgt-53"]["https://w3id.org/nanokg/drug/p53-gene"])
['nkg:hasPayload']
>>> B = projection(G, "product-payload")
>>> B.degree("https://w3id.org/nanokg/drug/paclitaxel"), B.degree("https://w3id.org/nanokg/drug/doxorubicin")
(13, 9)
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox

from nanokg.atomic import atomic_write
from nanokg.errors import InputError
from nanokg.identifiers import compact_iri, expand_curie
from nanokg.query.backends import Backend, EmbeddedBackend, check_syntax
from nanokg.query.names import UnknownEntityError, resolve_one
from nanokg.query.results import to_python
from nanokg.sparql_text import with_values
from nanokg.store.index import name_key
from nanokg.vocabulary import DATA_NAMESPACES, GRAPHS, KINDS, NKG, PREFIXES, PROV, TOP_CARRIER_CLASSES

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "GRAPH_FORMATS",
    "PROJECTIONS",
    "UNCLASSIFIED",
    "HasBackend",
    "NetworkUsageError",
    "backend_of",
    "carrier_class",
    "entity_graph",
    "find_node",
    "product_features",
    "products",
    "projection",
    "write_graph",
]


class NetworkUsageError(InputError, ValueError):
    """A projection, format, kind or measure the caller asked for that does not exist.

    (networkx is imported inside the functions that use it, so that the CLI can name
    this error without paying for networkx on every command.)
    """


class HasBackend(Protocol):
    """Anything that holds a graph's :class:`~nanokg.query.backends.Backend`, as the facade ``KnowledgeGraph`` does."""

    backend: Backend


def backend_of(graph: HasBackend | Backend) -> Backend:
    """The backend of a handle, or the backend itself.

    Examples
    --------
    >>> from nanokg.query.backends import RdflibBackend
    >>> from rdflib import Dataset
    >>> backend = RdflibBackend(Dataset())
    >>> backend_of(backend) is backend
    True
    """
    return graph if isinstance(graph, Backend) else graph.backend


#: The label :func:`carrier_class` gives a product of none of the top carrier classes
#: (:data:`nanokg.vocabulary.TOP_CARRIER_CLASSES`).
UNCLASSIFIED = "unclassified"

_RDF = PREFIXES["rdf"]
_RDFS = PREFIXES["rdfs"]
_OWL = PREFIXES["owl"]
_SKOS = PREFIXES["skos"]

#: Provenance bookkeeping: entities of these classes, and these properties, are left out.
BOOKKEEPING_CLASSES = frozenset(
    {f"{_RDF}Statement", str(NKG.Evidence), str(NKG.SourceCorrection), str(NKG.SourceDocument)}
)
BOOKKEEPING_PROPERTIES = frozenset(
    str(p)
    for p in (NKG.hasEvidence, NKG.hasCorrection, PROV.wasDerivedFrom, NKG.lookupKey, NKG.quote, NKG.locator,
              NKG.seedSays, NKG.correctedValue, NKG.correctionReason, NKG.sourcePath, NKG.curatedFrom)
)  # fmt: skip

_LABEL = f"{_RDFS}label"
_PREF_LABEL = f"{_SKOS}prefLabel"
_ALT_LABEL = f"{_SKOS}altLabel"
# literal-valued annotations kept as node attributes beside the declared datatype properties
_ANNOTATIONS = (_LABEL, _PREF_LABEL, _ALT_LABEL, f"{_RDFS}comment", f"{_SKOS}definition")
# vocabularies whose instances are schema (ontology terms, SHACL shapes and the query catalogue), not domain entities
_SCHEMA_NAMESPACES = (_RDF, _RDFS, _OWL, "http://www.w3.org/ns/shacl#")

_PROPERTIES = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?property ?declared WHERE { ?property a ?declared . FILTER(isIRI(?property)) }
"""
_SCHEMA = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?term ?relation ?other WHERE { ?term ?relation ?other . FILTER(isIRI(?term)) }
"""
_TYPES = "SELECT ?entity ?class WHERE { %s }"
_TRIPLES = "SELECT ?s ?p ?o WHERE { %s }"


def _in_graphs(pattern: str, inferred: bool) -> str:
    # the union default graph holds everything; without entailments, the curated facts and the ontology
    if inferred:
        return pattern
    return f"GRAPH ?g {{ {pattern} }} VALUES ?g {{ <{GRAPHS['asserted']}> <{GRAPHS['ontology']}> }}"


def _rows(backend: Backend, text: str, bindings: dict | None = None) -> Iterator[tuple]:
    """Rows of RDF terms; streamed from an embedded store instead of collected first."""
    if isinstance(backend, EmbeddedBackend):
        check_syntax(text)
        yield from (tuple(s) for s in backend.store.query(with_values(text, bindings or {}),
                                                          use_default_graph_as_union=True))  # fmt: skip
    else:
        yield from backend.select(text, bindings).iter_terms()


def _iris(terms: Iterable[str]) -> list[ox.NamedNode]:
    return [ox.NamedNode(t) for t in sorted(terms)]


class _Schema:
    """What the ontology says about properties and classes, read in two small queries."""

    def __init__(self, backend: Backend) -> None:
        declared: dict[str, set[str]] = defaultdict(set)
        for prop, kind in _rows(backend, _PROPERTIES, {"declared": _iris([f"{_OWL}ObjectProperty",
                                                                            f"{_OWL}DatatypeProperty"])}):  # fmt: skip
            declared[kind.value].add(prop.value)
        self.object_properties = declared[f"{_OWL}ObjectProperty"] - BOOKKEEPING_PROPERTIES
        self.literal_properties = (declared[f"{_OWL}DatatypeProperty"] | set(_ANNOTATIONS)) - BOOKKEEPING_PROPERTIES
        self.inverse: dict[str, str] = {}  # non-canonical property -> its canonical inverse
        self.parents: dict[str, set[str]] = defaultdict(set)  # class -> direct superclasses
        self.super_properties: dict[str, set[str]] = defaultdict(set)
        self.defined: set[str] = set()  # classes with an owl:equivalentClass: HermiT fills them
        relations = [f"{_OWL}inverseOf", f"{_RDFS}subClassOf", f"{_RDFS}subPropertyOf", f"{_OWL}equivalentClass"]
        inverse_pairs = []
        for term, relation, other in _rows(backend, _SCHEMA, {"relation": _iris(relations)}):
            name = relation.value
            if name == f"{_OWL}equivalentClass":
                self.defined.add(term.value)
            elif not isinstance(other, ox.NamedNode) or other.value == term.value:
                continue
            elif name == f"{_OWL}inverseOf":
                inverse_pairs.append((term.value, other.value))
            elif name == f"{_RDFS}subClassOf":
                self.parents[term.value].add(other.value)
            else:
                self.super_properties[term.value].add(other.value)
        for canonical, other in sorted(inverse_pairs):
            # the subject of owl:inverseOf is kept; a pair declared both ways keeps the smaller IRI
            if canonical not in self.inverse:
                self.inverse.setdefault(other, canonical)
        self._ancestors: dict[str, frozenset[str]] = {}

    def ancestors(self, cls: str, table: dict[str, set[str]] | None = None) -> frozenset[str]:
        """``cls`` and all its superclasses (or super-properties, given their table)."""
        table = self.parents if table is None else table
        cache = self._ancestors if table is self.parents else {}
        if cls in cache:
            return cache[cls]
        seen, stack = {cls}, [cls]
        while stack:
            for parent in table.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        cache[cls] = frozenset(seen)
        return cache[cls]


def _kind(iri: str, classes: frozenset[str]) -> str:
    for cls, kind in KINDS.items():
        if cls in classes:
            return kind
    if f"{_OWL}Class" in classes or f"{_RDFS}Class" in classes:
        return "class"
    for kind, namespace in DATA_NAMESPACES.items():
        if iri.startswith(str(namespace)):
            return kind
    return "unit" if iri.startswith(PREFIXES["unit"]) else "other"


def _most_specific(types: frozenset[str], schema: _Schema) -> str | None:
    # the reasoner's defined classes (approved, cancer, PEGylated ...) are facets, not what a thing is
    candidates = {t for t in types if t not in schema.defined and not t.startswith(_SCHEMA_NAMESPACES)}
    broader = set()
    for t in candidates:
        broader |= schema.ancestors(t) - {t}
    specific = sorted(candidates - broader, key=lambda c: (compact_iri(c) == c, compact_iri(c)))
    return specific[0] if specific else None


def entity_graph(kg: HasBackend | Backend, *, inferred: bool = True) -> nx.MultiDiGraph:
    """The domain entities of ``kg`` and the object properties between them.

    Five SELECT queries, whatever the size of the graph: property declarations, the
    class and property hierarchy, types, entity-to-entity statements and literal values.

    Parameters
    ----------
    kg
        The graph: a handle on any backend (:meth:`~nanokg.KnowledgeGraph.open`, ``remote``,
        ``in_memory``) or a :class:`~nanokg.query.backends.Backend`.
    inferred
        Include what HermiT entailed (defined classes such as ``nkg:TerminatedNanomedicine``,
        ``nkg:activelyTargets`` through a ligand, transitive ``nkg:broaderDisease``). ``False``
        reads the ``asserted`` and ``ontology`` named graphs only.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes keyed by IRI, edges keyed by compacted predicate (see the module docstring).

    Examples
    --------
    >>> from nanokg import KnowledgeGraph
    >>> G = entity_graph(KnowledgeGraph.open(STORE))
    >>> doxil = G.nodes["https://w3id.org/nanokg/product/doxil"]
    >>> doxil["label"], doxil["kind"], doxil["type"]
    ('Doxil', 'product', 'nkg:PEGylatedLiposome')
    >>> "nkg:ApprovedNanomedicine" in doxil["classes"]
    True
    """
    import networkx as nx

    backend = backend_of(kg)
    schema = _Schema(backend)
    curie = functools.cache(compact_iri)  # the same few classes and predicates, over and over
    types: dict[str, set[str]] = defaultdict(set)
    # IRI-ness is checked here rather than by FILTER: Oxigraph answers the bare patterns faster
    for entity, cls in _rows(backend, _TYPES % _in_graphs("?entity a ?class .", inferred)):
        if isinstance(entity, ox.NamedNode) and isinstance(cls, ox.NamedNode):
            types[entity.value].add(cls.value)

    @functools.cache
    def facets(direct: frozenset[str]) -> tuple[frozenset[str], bool, bool]:
        """Per set of direct types (shared by many entities): all classes, bookkeeping or not, schema or not."""
        closure = frozenset().union(*(schema.ancestors(t) for t in direct))
        return (closure, not closure.isdisjoint(BOOKKEEPING_CLASSES),
                all(t.startswith(_SCHEMA_NAMESPACES) for t in direct))  # fmt: skip

    direct_types = {iri: frozenset(found) for iri, found in types.items()}
    del types
    none = frozenset()

    def bookkeeping(iri: str) -> bool:
        return facets(direct_types.get(iri, none))[1]

    def schema_term(iri: str) -> bool:
        # ontology terms (classes, properties, the ontology itself) are typed only in rdf/rdfs/owl/sh
        direct = direct_types.get(iri)
        return bool(direct) and facets(direct)[2]

    statements: set[tuple[str, str, str]] = set()
    pattern = _in_graphs("?s ?p ?o .", inferred)
    for s, p, o in _rows(backend, _TRIPLES % pattern, {"p": _iris(schema.object_properties)}):
        if not (isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode)):
            continue
        subject, predicate, obj = s.value, p.value, o.value
        if predicate in schema.inverse:
            subject, predicate, obj = obj, schema.inverse[predicate], subject
        if bookkeeping(subject) or bookkeeping(obj) or schema_term(subject):
            continue
        statements.add((subject, predicate, obj))
    # a super-property statement beside a narrower one between the same pair says nothing new
    by_pair: dict[tuple[str, str], set[str]] = defaultdict(set)
    for subject, predicate, obj in statements:
        by_pair[subject, obj].add(predicate)
    redundant = set()
    for (subject, obj), predicates in by_pair.items():
        if len(predicates) > 1:
            for predicate in predicates:
                broader = schema.ancestors(predicate, schema.super_properties) - {predicate}
                redundant |= {(subject, b, obj) for b in broader & predicates}
    del by_pair
    statements -= redundant

    G = nx.MultiDiGraph(name="nanokg entity graph", inferred=inferred)
    G.add_nodes_from(iri for iri in direct_types if not schema_term(iri) and not bookkeeping(iri))
    G.add_nodes_from(node for subject, _, obj in statements for node in (subject, obj))

    literals: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    wanted_literals = set(schema.object_properties) | set(G)  # labels of properties are wanted too
    for s, p, o in _rows(backend, _TRIPLES % pattern, {"p": _iris(schema.literal_properties)}):
        if isinstance(o, ox.Literal) and isinstance(s, ox.NamedNode) and s.value in wanted_literals:
            literals[s.value][p.value].append(to_python(o))

    def label_of(iri: str) -> str:
        values = literals.get(iri, {})
        names = values.get(_LABEL) or values.get(_PREF_LABEL)
        return min(str(n) for n in names) if names else curie(iri)

    @functools.cache
    def described(direct: frozenset[str]) -> tuple[str | None, str | None, tuple[str, ...], str | None]:
        """Per set of direct types: kind (None: decided by the IRI), type, classes, carrier class."""
        closure = facets(direct)[0]
        kind = next((k for cls, k in KINDS.items() if cls in closure), None)
        specific = _most_specific(direct, schema)
        tops = sorted(label for cls, label in TOP_CARRIER_CLASSES.items() if cls in closure)
        return (kind, curie(specific) if specific else None,
                tuple(sorted(curie(c) for c in closure if not c.startswith(_SCHEMA_NAMESPACES))),
                "; ".join(tops) if tops else None)  # fmt: skip

    for iri, data in G.nodes(data=True):
        direct = direct_types.get(iri, none)
        kind, specific, node_classes, carrier = described(direct)
        data["label"] = label_of(iri)
        data["kind"] = kind or _kind(iri, facets(direct)[0])
        data["type"] = specific or ("owl:Class" if data["kind"] == "class" else None)
        data["classes"] = list(node_classes)
        if data["kind"] == "product":
            data["carrier_class"] = carrier
        for predicate, values in sorted(literals.get(iri, {}).items()):
            if predicate in (_LABEL, _PREF_LABEL):
                continue
            values = sorted(set(values), key=lambda v: (type(v).__name__, v))
            key = "synonyms" if predicate == _ALT_LABEL else curie(predicate)
            data[key] = values if key == "synonyms" or len(values) > 1 else values[0]
        for key in [k for k, v in data.items() if v is None]:
            del data[key]

    predicate_labels = {p: label_of(p) for p in schema.object_properties}
    G.add_edges_from(
        (subject, obj, curie(predicate), {"predicate": curie(predicate), "label": predicate_labels[predicate]})
        for subject, predicate, obj in sorted(statements)
    )
    return G


# -- names ----------------------------------------------------------------------


def find_node(G: nx.Graph, name: str, *, kind: str | None = None, kg: HasBackend | Backend | None = None) -> str:
    """The node of ``G`` that ``name`` (label, synonym, CURIE or IRI; any case) denotes.

    With ``kg`` (a handle or a backend) the name is resolved as
    :meth:`nanokg.KnowledgeGraph.entity` resolves it, by :func:`nanokg.query.names.resolve_one`
    (the lookup graph, mappings to external identifiers); without it, by the same rules
    over the graph's own ``label`` and ``synonyms`` attributes:
    :func:`nanokg.identifiers.expand_curie` for CURIEs and IRIs, and
    :func:`nanokg.store.index.name_key` — the key the lookup graph stores — for names. Both
    give the same node, so a graph read back from GraphML resolves names too.

    Raises
    ------
    UnknownEntityError
        When ``name`` denotes no node of ``G`` (of ``kind``, if given), or several.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph()
    >>> G.add_node("https://w3id.org/nanokg/product/doxil", label="Doxil", synonyms=["Caelyx"], kind="product")
    >>> find_node(G, "CAELYX")
    'https://w3id.org/nanokg/product/doxil'
    """

    def fits(node: str) -> bool:
        return node in G and (kind is None or G.nodes[node].get("kind") == kind)

    what = f"{kind} " if kind else ""
    if kg is not None:
        iri = resolve_one(backend_of(kg), name).iri
        if not fits(iri):
            raise UnknownEntityError(f"{name!r} names <{iri}>, which is not a {what}node of this graph")
        return iri
    iri = expand_curie(name)
    if iri is not None and fits(iri):
        return iri
    key = name_key(name)
    found = sorted(
        node
        for node, data in G.nodes(data=True)
        if fits(node)
        and key
        and key in {name_key(str(n)) for n in [data.get("label", ""), *_as_list(data.get("synonyms"))]}
    )
    if len(found) != 1:
        listed = _listed((G.nodes[n].get("label"), n) for n in found)
        raise UnknownEntityError(f"{name!r} names {listed} among the {what}nodes of this graph")
    return found[0]


def _listed(named: Iterable[tuple[str | None, str]]) -> str:
    """``label <iri>; ...`` for the entities a name denotes, or ``nothing``."""
    return "; ".join(f"{label} <{iri}>" for label, iri in named) or "nothing"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    if isinstance(value, str) and "; " in value:  # a list joined by write_graph, read back
        return value.split("; ")
    return [value]


# -- projections -----------------------------------------------------------------

#: The typed projections :func:`projection` makes.
PROJECTIONS = (
    "product-target",
    "product-payload",
    "product-indication",
    "carrier-indication",
    "payload-codelivery",
    "target-indication",
)

_PAYLOAD = "nkg:hasPayload"
_INDICATION = "nkg:hasIndication"
_TARGETS = "nkg:activelyTargets"
_LIGAND = "nkg:hasTargetingLigand"
_BINDS = "nkg:bindsTarget"
_COPIED = ("label", "kind", "type", "carrier_class")


def products(G: nx.MultiDiGraph) -> list[str]:
    """The product nodes of an entity graph, sorted by IRI."""
    return sorted(n for n, kind in G.nodes(data="kind") if kind == "product")


def _out(G: nx.MultiDiGraph, node: str, key: str) -> set[str]:
    return {v for _, v, k in G.out_edges(node, keys=True) if k == key}


def product_features(G: nx.MultiDiGraph, product: str) -> dict[str, set[str]]:
    """A product's ``payload``, ``target`` and ``indication`` nodes and ``carrier`` class label.

    Targets are those it ``nkg:activelyTargets`` and those its targeting ligands
    ``nkg:bindsTarget`` (the property chain HermiT applies), so an asserted-only graph
    gives the same targets.
    """
    targets = _out(G, product, _TARGETS)
    for ligand in _out(G, product, _LIGAND):
        targets |= _out(G, ligand, _BINDS)
    carrier = G.nodes[product].get("carrier_class")
    return {
        "payload": _out(G, product, _PAYLOAD),
        "target": targets,
        "indication": _out(G, product, _INDICATION),
        "carrier": {carrier} if carrier else set(),
    }


def carrier_class(G: nx.Graph, product: str) -> str:
    """The label of ``product``'s top carrier class (``liposome``, ``polymeric micelle`` ...), or :data:`UNCLASSIFIED`.

    Works on the entity graph and on every projection (product nodes keep the attribute).
    """
    return G.nodes[product].get("carrier_class") or UNCLASSIFIED


def _copy_node(B: nx.Graph, G: nx.MultiDiGraph, node: str, **extra: Any) -> None:
    data = G.nodes[node]
    B.add_node(node, **{k: data[k] for k in _COPIED if k in data}, **extra)


def projection(G: nx.MultiDiGraph, kind: str) -> nx.Graph:
    """A typed projection of the entity graph.

    ``product-target``, ``product-payload``, ``product-indication``
        Bipartite: every product (``bipartite=0``) and the targets, payloads or
        indications linked to one (``bipartite=1``).
    ``carrier-indication``
        Bipartite: the five carrier classes (nodes keyed by class IRI, ``bipartite=0``,
        ``kind="carrier"``) and indications; ``weight`` = number of products of that
        class with that indication, ``products`` = their labels.
    ``payload-codelivery``
        Payloads, linked when one product delivers both; ``weight`` = number of such products.
    ``target-indication``
        Bipartite: targets (0) and indications (1) linked through products that target
        the one and are indicated for the other; ``weight`` = number of products.

    Raises
    ------
    NetworkUsageError
        For a kind not in :data:`PROJECTIONS`.
    """
    import networkx as nx

    if kind not in PROJECTIONS:
        raise NetworkUsageError(f"unknown projection {kind!r} (projections: {', '.join(PROJECTIONS)})")
    B = nx.Graph(name=f"nanokg {kind}", projection=kind)
    features = {p: product_features(G, p) for p in products(G)}

    def link(u: str, v: str, product: str) -> None:
        if B.has_edge(u, v):
            B[u][v]["weight"] += 1
            B[u][v]["products"].append(G.nodes[product]["label"])
        else:
            B.add_edge(u, v, weight=1, products=[G.nodes[product]["label"]])

    if kind in ("product-target", "product-payload", "product-indication"):
        facet = kind.split("-")[1]  # target, payload, indication
        for product, found in features.items():
            _copy_node(B, G, product, bipartite=0)
            for node in sorted(found[facet]):
                _copy_node(B, G, node, bipartite=1)
                B.add_edge(product, node)
    elif kind == "carrier-indication":
        by_label = {label: iri for iri, label in TOP_CARRIER_CLASSES.items()}
        for product, found in sorted(features.items()):
            for carrier in sorted(found["carrier"]):
                iri = by_label.get(carrier, carrier)
                B.add_node(iri, label=carrier, kind="carrier", type=compact_iri(iri), bipartite=0)
                for disease in sorted(found["indication"]):
                    _copy_node(B, G, disease, bipartite=1)
                    link(iri, disease, product)
    elif kind == "payload-codelivery":
        for product, found in sorted(features.items()):
            payloads = sorted(found["payload"])
            for node in payloads:
                _copy_node(B, G, node)
            for i, u in enumerate(payloads):
                for v in payloads[i + 1 :]:
                    link(u, v, product)
    else:  # target-indication
        for product, found in sorted(features.items()):
            for target in sorted(found["target"]):
                _copy_node(B, G, target, bipartite=0)
                for disease in sorted(found["indication"]):
                    _copy_node(B, G, disease, bipartite=1)
                    link(target, disease, product)
    return B


# -- files for graph tools ---------------------------------------------------------

#: Formats :func:`write_graph` writes.
GRAPH_FORMATS = ("graphml", "gexf", "csv")


def _plain(value: Any) -> Any:
    """A value GraphML, GEXF and CSV all take: str, int, float or bool (None for nothing)."""
    if value is None:
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return "; ".join(str(v) for v in sorted(items, key=str) if v is not None) if items else None
    return str(value)


def _plain_attributes(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Plain values, one type per attribute (GraphML declares one): mixed numbers -> float, else str."""
    rows = [{k: v for k, v in ((k, _plain(v)) for k, v in data.items()) if v is not None} for data in items]
    kinds: dict[str, set[type]] = defaultdict(set)
    for row in rows:
        for key, value in row.items():
            kinds[key].add(type(value))
    for key, seen in kinds.items():
        if len(seen) > 1:
            cast = float if seen <= {int, float} else str
            for row in rows:
                if key in row:
                    row[key] = cast(row[key])
    return rows


def _plain_graph(G: nx.Graph) -> nx.Graph:
    H = G.__class__()
    H.graph.update({k: v for k, v in ((k, _plain(v)) for k, v in G.graph.items()) if v is not None})
    nodes = list(G.nodes)
    for node, data in zip(nodes, _plain_attributes(G.nodes[n] for n in nodes), strict=True):
        H.add_node(node, **data)
    if G.is_multigraph():
        edges = list(G.edges(keys=True, data=True))
        for (u, v, k, _), data in zip(edges, _plain_attributes(d for *_, d in edges), strict=True):
            H.add_edge(u, v, key=k, **data)
    else:
        edges = list(G.edges(data=True))
        for (u, v, _), data in zip(edges, _plain_attributes(d for *_, d in edges), strict=True):
            H.add_edge(u, v, **data)
    return H


def write_graph(G: nx.Graph, path: str | Path, fmt: str) -> list[Path]:
    """Write ``G`` for Gephi, Cytoscape and friends; returns the files written.

    ``graphml`` and ``gexf`` write one file at ``path``; ``csv`` writes
    ``<stem>-nodes.csv`` (``id`` and every node attribute) and ``<stem>-edges.csv``
    (``source``, ``target``, ``key`` for a multigraph, and every edge attribute) beside
    ``path``. Values are made plain first: lists joined with ``"; "``, decimals as
    numbers, dates as ISO text, ``None`` left out, and an attribute whose values mix
    types written as float (numbers) or text. Each file is replaced whole
    (:func:`nanokg.atomic.atomic_write`), so a failure leaves any earlier file as it was;
    missing folders of ``path`` are made.

    Raises
    ------
    NetworkUsageError
        For a format not in ``graphml``, ``gexf``, ``csv``.
    """
    import networkx as nx

    if fmt not in GRAPH_FORMATS:
        raise NetworkUsageError(f"unknown graph format {fmt!r} (formats: {', '.join(GRAPH_FORMATS)})")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    H = _plain_graph(G)
    if fmt in ("graphml", "gexf"):
        write = nx.write_graphml if fmt == "graphml" else nx.write_gexf
        with atomic_write(path) as handle:
            write(H, handle, encoding="utf-8")
        return [path]
    stem = path.name[: -len(path.suffix)] if path.suffix == ".csv" else path.name
    nodes_path, edges_path = path.with_name(f"{stem}-nodes.csv"), path.with_name(f"{stem}-edges.csv")
    node_keys = _columns(data for _, data in H.nodes(data=True))
    multi = H.is_multigraph()
    edge_rows = list(H.edges(keys=True, data=True)) if multi else [(u, v, None, d) for u, v, d in H.edges(data=True)]
    edge_keys = _columns(d for *_, d in edge_rows)

    with atomic_write(nodes_path, text=True) as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", *node_keys])
        for node, data in H.nodes(data=True):
            writer.writerow([node, *(_csv_cell(data.get(k)) for k in node_keys)])
    with atomic_write(edges_path, text=True) as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "target", *(["key"] if multi else []), *edge_keys])
        for u, v, k, data in edge_rows:
            writer.writerow([u, v, *([k] if multi else []), *(_csv_cell(data.get(c)) for c in edge_keys)])
    return [nodes_path, edges_path]


def _columns(rows: Iterable[dict[str, Any]]) -> list[str]:
    first = ["label", "kind", "type", "predicate", "weight"]
    seen = {key for row in rows for key in row}
    return [k for k in first if k in seen] + sorted(seen - set(first))


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
