"""Names to entities: a label, synonym, CURIE or IRI resolved to the entities it denotes.

Users name things the way the field does: "TfR", "transferrin receptor", "CD71",
"Doxil", "caelyx". Every label and synonym in the graph gets a normalised key
(:func:`nanokg.store.index.name_key`) stored as ``nkg:lookupKey`` in the named graph
``graph/lookup`` at build time, so resolving a name is one exact-match triple
lookup on an indexed literal, never a case-insensitive regex scan over every label
(which took 86 s at 10 M triples on the embedded store; see ../shared/FIELD-NOTES.md).

An external identifier, as a CURIE (``CHEBI:28748``) or an IRI in any form the
Bioregistry lists (``http://purl.obolibrary.org/obo/CHEBI_28748``,
``https://identifiers.org/CHEBI:28748``), names the nanokg entity that
``skos:exactMatch``-es it (else ``skos:closeMatch``-es it): see :mod:`nanokg.identifiers`.
The Bioregistry is loaded only for text shaped like a CURIE with a prefix that is not the
project's, or for an IRI that no mapping uses as it is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from nanokg.errors import InputError
from nanokg.identifiers import compact_iri, expand_curie, looks_like_curie
from nanokg.store.index import name_key

if TYPE_CHECKING:
    from nanokg.query.backends import Backend

__all__ = [
    "Match",
    "UnknownEntityError",
    "classes_of",
    "resolve",
    "resolve_one",
    "what_it_names",
]


class UnknownEntityError(InputError, LookupError):
    """A name or IRI that denotes nothing in the graph (or several things)."""


@dataclass(frozen=True)
class Match:
    """An entity a name resolved to."""

    iri: str
    label: str | None


_FIND = """
PREFIX nkg: <https://w3id.org/nanokg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?entity ?name WHERE {
  ?entity nkg:lookupKey ?key .
  OPTIONAL { ?entity rdfs:label ?name }
}
"""

_FIND_IN_CLASS = """
PREFIX nkg: <https://w3id.org/nanokg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?entity ?name WHERE {
  ?entity nkg:lookupKey ?key .
  # ?entity = ?class || P*/P instead of P*: Virtuoso 7 drops zero-length matches beside other paths
  FILTER(?entity = ?class
         || EXISTS { ?entity rdfs:subClassOf*/rdfs:subClassOf ?class }
         || EXISTS { ?entity a ?type .
                     FILTER(?type = ?class || EXISTS { ?type rdfs:subClassOf*/rdfs:subClassOf ?class }) })
  OPTIONAL { ?entity rdfs:label ?name }
}
"""

# a nanokg entity (not an ontology term, whose closeMatch is a class-level note) mapped to ?external
_MAPPED = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?entity ?name ?exact WHERE {
  { ?entity skos:exactMatch ?external BIND(true AS ?exact) }
  UNION
  { ?entity skos:closeMatch ?external BIND(false AS ?exact) }
  FILTER(STRSTARTS(STR(?entity), "https://w3id.org/nanokg/") && !STRSTARTS(STR(?entity), "https://w3id.org/nanokg/ontology#"))
  FILTER(!BOUND(?class) || ?entity = ?class
         || EXISTS { ?entity a ?type .
                     FILTER(?type = ?class || EXISTS { ?type rdfs:subClassOf*/rdfs:subClassOf ?class }) })
  OPTIONAL { ?entity rdfs:label ?name }
}
"""

_MENTIONED = "ASK { { ?entity ?p ?o } UNION { ?s ?p ?entity } }"
# the class test of _FIND_IN_CLASS, for an entity named by its IRI
_IN_CLASS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
ASK {
  { ?entity a ?any } UNION { ?entity rdfs:subClassOf ?any }
  FILTER(?entity = ?class
         || EXISTS { ?entity rdfs:subClassOf*/rdfs:subClassOf ?class }
         || EXISTS { ?entity a ?type .
                     FILTER(?type = ?class || EXISTS { ?type rdfs:subClassOf*/rdfs:subClassOf ?class }) })
}
"""
# the types of an entity, whether only inferred, and their superclasses (to keep the most specific)
_TYPES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?type ?graph ?super WHERE {
  GRAPH ?graph { ?entity a ?type }
  FILTER(isIRI(?type))
  OPTIONAL { ?type rdfs:subClassOf+ ?super }
}
"""
# owl:NamedIndividual and owl:Thing say nothing of what an entity is
_UNINFORMATIVE = {"http://www.w3.org/2002/07/owl#NamedIndividual", "http://www.w3.org/2002/07/owl#Thing"}
_LABEL_OF = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?name WHERE { ?entity rdfs:label ?name }
"""


def _matches(rows) -> list[Match]:
    # aggregates over unbound labels differ between engines, so the least label is picked here
    labels: dict[str, list[str]] = {}
    for iri, name in rows:
        labels.setdefault(iri, [])
        if name is not None:
            labels[iri].append(str(name))
    return [Match(iri, min(names) if names else None) for iri, names in sorted(labels.items())]


def _mapped(backend: Backend, iri: str, cls: str | None) -> list[Match] | None:
    """The entities mapped to the external ``iri`` (exact matches first), or None if none is.

    Within ``cls`` that may be an empty list: the identifier is known but names no entity there.
    """
    try:
        external = ox.NamedNode(iri)
    except ValueError:
        return None
    rows = backend.select(_MAPPED, {"external": external}).rows
    if not rows:
        return None
    if cls is not None:
        rows = backend.select(_MAPPED, {"external": external, "class": ox.NamedNode(cls)}).rows
    exact = [r for r in rows if r[2]]
    return _matches((entity, label) for entity, label, _ in exact or rows)


def resolve(backend: Backend, name: str, cls: str | None = None) -> list[Match]:
    """The entities ``name`` denotes: by IRI, CURIE, or a label or synonym matched on its key.

    ``cls`` keeps only instances or subclasses of that class (or the class itself),
    however the entity is named. An IRI or CURIE resolves only when the graph mentions it.
    """
    iri = expand_curie(name)
    if iri is None and looks_like_curie(name):
        # the name index holds the CURIE of every exact match; other spellings need the Bioregistry
        found = _by_key(backend, name, cls)
        if found:
            return found
        from nanokg.identifiers import expand

        iri = expand(name)
    if iri is not None and compact_iri(iri) == iri:  # outside the project's namespaces: maybe mapped
        found = _mapped(backend, iri, cls)
        if found is None:
            from nanokg.identifiers import standard_iri

            other = standard_iri(iri)
            found = _mapped(backend, other, cls) if other and other != iri else None
        if found is not None:
            return found
    if iri is not None:
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            node = None
        if node is not None and backend.ask(_MENTIONED, {"entity": node}):
            if cls is not None and not backend.ask(_IN_CLASS, {"entity": node, "class": ox.NamedNode(cls)}):
                return []  # the IRI names an entity, of another class
            return _matches((iri, name) for (name,) in backend.select(_LABEL_OF, {"entity": node}).rows) or [
                Match(iri, None)
            ]
    return _by_key(backend, name, cls)


def resolve_one(backend: Backend, name: str, cls: str | None = None) -> Match:
    """The one entity ``name`` denotes (as :func:`resolve` finds them).

    Raises
    ------
    UnknownEntityError
        If it denotes none or several; the message lists them.
    """
    matches = resolve(backend, name, cls)
    if len(matches) != 1:
        found = "; ".join(f"{m.label} <{m.iri}>" for m in matches) or "nothing"
        raise UnknownEntityError(f"{name!r} names {found}")
    return matches[0]


def classes_of(backend: Backend, iri: str) -> list[str]:
    """The most specific classes ``iri`` is an instance of, as curated where it has curated types.

    Types stated outside the inferred graph are what the curator (or the ontology) said;
    the reasoner's defined classes are shown only for an entity with no other type. A type
    that is a superclass of another is left out, and so are ``owl:NamedIndividual`` and
    ``owl:Thing``. (For messages: Virtuoso may answer the ``+`` path in ``OPTIONAL``
    incompletely, which would keep a superclass in the list, nothing worse.)

    Examples
    --------
    >>> from nanokg.query.backends import open_embedded
    >>> classes_of(open_embedded(STORE), "https://w3id.org/nanokg/drug/doxorubicin")
    ['https://w3id.org/nanokg/ontology#SmallMoleculeDrug']
    """
    from nanokg.vocabulary import GRAPHS

    supers: dict[str, set[str]] = {}
    curated: set[str] = set()
    for kind, graph, parent in backend.select(_TYPES, {"entity": ox.NamedNode(iri)}).rows:
        if kind in _UNINFORMATIVE:
            continue
        supers.setdefault(kind, set())
        if parent is not None:
            supers[kind].add(str(parent))
        if str(graph) != str(GRAPHS["inferred"]):
            curated.add(kind)
    types = curated or set(supers)
    return sorted(t for t in types if not any(t in supers[o] for o in types if o != t))


def what_it_names(backend: Backend, name: str, limit: int = 3) -> str:
    """What ``name`` denotes in any class, for a message: ``drug:doxorubicin is of class nkg:SmallMoleculeDrug``.

    Empty when it denotes nothing. Said when a name resolved to nothing within a class,
    so that the user learns what it names instead.

    Examples
    --------
    >>> from nanokg.query.backends import open_embedded
    >>> what_it_names(open_embedded(STORE), "drug:doxorubicin")
    'drug:doxorubicin is of class nkg:SmallMoleculeDrug'
    """
    matches = resolve(backend, name)
    said = []
    for match in matches[:limit]:
        classes = ", ".join(compact_iri(c) for c in classes_of(backend, match.iri))
        said.append(f"{compact_iri(match.iri)} is of " + (f"class {classes}" if classes else "no class"))
    if len(matches) > limit:
        said.append(f"and {len(matches) - limit} more")
    return "; ".join(said)


def _by_key(backend: Backend, name: str, cls: str | None) -> list[Match]:
    """The entities with a label, synonym or exact-match CURIE whose key is ``name``'s."""
    key = name_key(name)
    if not key:
        return []
    bindings: dict[str, ox.NamedNode | ox.Literal] = {"key": ox.Literal(key)}
    if cls is not None:
        bindings["class"] = ox.NamedNode(cls)
    return _matches(backend.select(_FIND if cls is None else _FIND_IN_CLASS, bindings).rows)
