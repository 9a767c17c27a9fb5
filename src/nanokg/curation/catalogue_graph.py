"""The query catalogue published in the graph, as SHACL SPARQL executables.

Each ``queries/NAME.rq`` becomes ``<https://w3id.org/nanokg/query/NAME>`` in its own
named graph (:data:`nanokg.vocabulary.GRAPHS` ``["queries"]``), written the way the SIB
sparql-examples describe their example queries, so a SPARQL user (or a tool made for
those examples) finds the curated questions at the endpoint itself:

* ``a sh:SPARQLExecutable, sh:SPARQLSelectExecutable``;
* ``sh:select``: the query text, its ``#+`` header left out, with the header's defaults
  bound as RDF terms in ``VALUES`` blocks (:func:`nanokg.sparql_text.with_values`), so the
  text runs as it is and gives the default answer; an optional parameter without a
  default stays an unbound variable, as it does in ``nanokg query``;
* ``dcterms:title`` (the header's ``summary``) and ``rdfs:comment`` (its ``description``,
  the question in plain words), both ``@en``; ``schema:keywords`` for each tag;
* ``schema:target``: the dataset ``<https://w3id.org/nanokg/dataset>`` (the same graph is
  served from several endpoints, so no single endpoint URL is named);
* ``skos:example``: the command line that runs the query;
* ``spex:federatesWith`` each endpoint a ``SERVICE`` clause calls (the public one, as
  written in the file), as the sparql-examples require of federated queries;
* ``sh:parameter``, one node ``<.../query/NAME/parameter/PARAM>`` per parameter, with
  ``sh:name``, ``sh:description``, ``sh:order`` (its place in the file),
  ``sh:defaultValue`` (the default as an RDF term), ``sh:optional`` and, for entity
  parameters, ``sh:class``.

The title is ``dcterms:title`` rather than ``rdfs:label`` so that queries matching any
labelled resource do not meet the catalogue among the entities. No blank nodes: every
resource has an IRI, so the graph pushes into stores that refuse blank nodes.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, SKOS

from nanokg.curation.catalogue import Catalogue, QuerySpec
from nanokg.sparql_text import service_iris, with_values
from nanokg.vocabulary import BASE

__all__ = ["DATASET_TARGET", "QUERY_NAMESPACE", "catalogue_graph", "query_iri", "runnable_text"]

#: Where the catalogue's queries get their IRIs: ``QUERY_NAMESPACE + name``.
QUERY_NAMESPACE = f"{BASE}query/"
#: ``schema:target`` of every query: the dataset they are written for.
DATASET_TARGET = f"{BASE}dataset"

SCHEMA = Namespace("https://schema.org/")
SPEX = Namespace("https://purl.expasy.org/sparql-examples/ontology#")
_HEADER_LINE = re.compile(r"^#\+[^\n]*\n?", re.MULTILINE)


def query_iri(name: str) -> str:
    """The IRI of catalogue query ``name``.

    Examples
    --------
    >>> query_iri("products-by-target")
    'https://w3id.org/nanokg/query/products-by-target'
    """
    return f"{QUERY_NAMESPACE}{name}"


def runnable_text(spec: QuerySpec) -> str:
    """The query without its ``#+`` header, its defaults bound in ``VALUES`` blocks.

    Examples
    --------
    >>> text = runnable_text(Catalogue()["products-by-target"])
    >>> "VALUES ?_target_iri { <https://w3id.org/nanokg/target/transferrin-receptor> }" in text
    True
    >>> text.startswith("#+")
    False
    """
    defaults = spec.default_bindings()
    bound = with_values(spec.text, defaults) if defaults else spec.text
    return _HEADER_LINE.sub("", bound).lstrip("\n")


def _rdflib_term(term: ox.NamedNode | ox.Literal) -> URIRef | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def catalogue_graph(catalogue: Catalogue | None = None) -> Graph:
    """The catalogue as ``sh:SPARQLSelectExecutable`` resources (see the module docstring).

    Parameters
    ----------
    catalogue
        The queries to publish; by default the project's ``queries/``.

    Returns
    -------
    rdflib.Graph
        One executable per query, one ``sh:Parameter`` node per parameter.

    Raises
    ------
    nanokg.curation.catalogue.CatalogueError
        If a query file breaks the catalogue's conventions.
    """
    graph = Graph()
    graph.bind("sh", SH)
    graph.bind("schema", SCHEMA)
    graph.bind("dcterms", DCTERMS)
    graph.bind("spex", SPEX)
    for spec in catalogue or Catalogue():
        query = URIRef(query_iri(spec.name))
        graph.add((query, RDF.type, SH.SPARQLExecutable))
        graph.add((query, RDF.type, SH.SPARQLSelectExecutable))
        text = runnable_text(spec)
        graph.add((query, SH.select, Literal(text)))
        for endpoint in sorted(set(service_iris(text))):
            graph.add((query, SPEX.federatesWith, URIRef(endpoint)))
        graph.add((query, DCTERMS.title, Literal(spec.summary, lang="en")))
        graph.add((query, RDFS.comment, Literal(spec.description, lang="en")))
        graph.add((query, SCHEMA.target, URIRef(DATASET_TARGET)))
        graph.add((query, DCTERMS.identifier, Literal(spec.name)))
        if spec.example:
            graph.add((query, SKOS.example, Literal(spec.example)))
        for tag in spec.tags:
            graph.add((query, SCHEMA.keywords, Literal(tag)))
        for order, (name, param) in enumerate(spec.params.items()):
            node = URIRef(f"{query}/parameter/{name}")
            graph.add((query, SH.parameter, node))
            graph.add((node, RDF.type, SH.Parameter))
            graph.add((node, SH.name, Literal(name)))
            graph.add((node, SH.description, Literal(param.description, lang="en")))
            graph.add((node, SH.order, Literal(order, datatype=XSD.integer)))
            graph.add((node, SH.optional, Literal(not param.required)))
            default = param.default_term()
            if default is not None:
                graph.add((node, SH.defaultValue, _rdflib_term(default)))
            if param.cls:
                graph.add((node, SH["class"], URIRef(param.cls)))
    return graph
