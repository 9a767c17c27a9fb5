"""The name index: the lookup key of every label and synonym, computed as data enters the store.

Resolving a name (:func:`nanokg.query.names.resolve`) is one exact-match lookup of its
key (:func:`name_key`) on ``nkg:lookupKey``, an indexed literal, rather than a
case-insensitive scan over every label. The keys are written when data enters the store:
by the build, into the named graph ``graph/lookup`` (:func:`lookup_graph`), and by
``nanokg load``, beside each imported graph (:func:`nanokg.store.load.lookup_graph_of`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from nanokg.vocabulary import BASE, NKG

__all__ = ["LABEL_PREDICATES", "lookup_graph", "name_key"]

#: predicates whose literal values name their subject
LABEL_PREDICATES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u02bc\u2032"), "'")
_MARKS = dict.fromkeys(map(ord, "\u00ae\u2122\u00a9"), None)
_SPACE = re.compile(r"\s+")


def name_key(name: str) -> str:
    """The lookup key of a name: Unicode-normalised, case-folded, marks and spacing tidied.

    Brand marks (® ™) are dropped, typographic dashes and apostrophes become ASCII,
    and runs of white space become one space, so the seeds' "Doxil ®" and
    "Kaposi’s sarcoma" match what a user types.

    Examples
    --------
    >>> name_key("  Doxil ®")
    'doxil'
    >>> name_key("Kaposi’s  Sarcoma")
    "kaposi's sarcoma"
    >>> name_key("TfR") == name_key("TFR")
    True
    """
    text = unicodedata.normalize("NFKC", name).translate(_MARKS).translate(_DASHES).translate(_QUOTES)
    return _SPACE.sub(" ", text.casefold()).strip()


def lookup_graph(graphs: Iterable[Graph]) -> Graph:
    """One ``nkg:lookupKey`` triple per distinct (IRI, key) over the labels of ``graphs``.

    Examples
    --------
    >>> g = Graph()
    >>> _ = g.add((URIRef("https://w3id.org/nanokg/target/tfr"), RDFS.label, Literal("TfR")))
    >>> sorted(str(o) for o in lookup_graph([g]).objects())
    ['tfr']
    """
    index = Graph()
    for graph in graphs:
        for predicate in LABEL_PREDICATES:
            for subject, label in graph.subject_objects(predicate):
                if isinstance(subject, URIRef) and isinstance(label, Literal):
                    key = name_key(str(label))
                    if key:
                        index.add((subject, NKG.lookupKey, Literal(key)))
        # the CURIE of each exact match is a key too: `CHEBI:28748` resolves without loading the Bioregistry
        mapped = [(s, o) for s, o in graph.subject_objects(SKOS.exactMatch) if _is_entity(s) and isinstance(o, URIRef)]
        if mapped:
            from nanokg.identifiers import compress

            for subject, external in mapped:
                curie = compress(str(external))
                if curie:
                    index.add((subject, NKG.lookupKey, Literal(name_key(curie))))
    return index


def _is_entity(node) -> bool:
    """A curated nanokg entity (not an ontology term: their matches are class-level notes)."""
    return isinstance(node, URIRef) and str(node).startswith(BASE) and not str(node).startswith(str(NKG._NS))
