"""The SPARQL 1.1 Service Description that ``GET /sparql`` (no parameters) answers.

The description (https://www.w3.org/TR/sparql11-service-description/) says what the
endpoint is and does, and only what holds: ``sd:endpoint`` is the URL the client asked
(the same IRI the server takes as the base of a query's relative IRIs), the language is
SPARQL 1.1 Query (read-only: no SPARQL Update), one ``sd:resultFormat`` per format the
protocol answers in (:data:`RESULT_FORMAT_IRIS`), the features
``sd:UnionDefaultGraph`` (the default graph is the union of the named graphs) and, only
when the operator allowed some endpoint for ``SERVICE``, ``sd:BasicFederatedQuery``;
entailment is simple (the build materialises inferences into a graph of their own, the
query engine infers nothing). ``sd:defaultDataset`` lists each named graph of the served
store, read by a query worker (so from the same store generation the queries see), with
its size as ``void:triples``.

Examples
--------
>>> triples = description_triples("http://127.0.0.1:7878/sparql", [("http://e/g", 3)], federated=False)
>>> text = serialize_description(triples, "ntriples").decode()
>>> "<http://127.0.0.1:7878/sparql>" in text and '"3"^^<http://www.w3.org/2001/XMLSchema#integer>' in text
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox

__all__ = [
    "GRAPH_FORMATS",
    "RESULT_FORMAT_IRIS",
    "SD",
    "description_triples",
    "serialize_description",
]

#: The SPARQL 1.1 Service Description vocabulary.
SD = "http://www.w3.org/ns/sparql-service-description#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")
_SIMPLE_ENTAILMENT = ox.NamedNode("http://www.w3.org/ns/entailment/Simple")
_FORMATS = "http://www.w3.org/ns/formats/"
_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

#: Format key of :mod:`nanokg.serve.protocol` -> its IRI in W3C's "Unique URIs for File Formats"
#: (``http://www.w3.org/ns/formats/``; JSON-LD under its name there, not Oxigraph's newer ``.../data/JSON-LD``).
RESULT_FORMAT_IRIS = {
    "json": _FORMATS + "SPARQL_Results_JSON",
    "xml": _FORMATS + "SPARQL_Results_XML",
    "csv": _FORMATS + "SPARQL_Results_CSV",
    "tsv": _FORMATS + "SPARQL_Results_TSV",
    "turtle": _FORMATS + "Turtle",
    "ntriples": _FORMATS + "N-Triples",
    "nquads": _FORMATS + "N-Quads",
    "jsonld": _FORMATS + "JSON-LD",
    "rdfxml": _FORMATS + "RDF_XML",
}
#: Format key -> the pyoxigraph format a description (a graph) is written in.
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def description_triples(endpoint: str, graphs: Iterable[tuple[str, int]], *, federated: bool) -> list[ox.Triple]:
    """The service description of the endpoint at ``endpoint`` serving named ``graphs`` (IRI, triple count).

    Parameters
    ----------
    endpoint
        The endpoint's URL as the client asked for it (an absolute IRI).
    graphs
        Every named graph of the store with its number of triples.
    federated
        Whether ``SERVICE`` may call some endpoint (``nanokg serve --allow-service``, ``$NANOKG_SERVICES``).
    """
    service, dataset, default = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(service, _RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint)),
        # SPARQL 1.1 Query includes 1.0; Update is refused (the endpoint is read-only)
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL10Query")),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        *(ox.Triple(service, _sd("resultFormat"), ox.NamedNode(iri)) for iri in RESULT_FORMAT_IRIS.values()),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("defaultEntailmentRegime"), _SIMPLE_ENTAILMENT),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, _RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default),
        ox.Triple(default, _RDF_TYPE, _sd("Graph")),
    ]
    if federated:
        triples.append(ox.Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
    for iri, size in graphs:
        named, graph = ox.BlankNode(), ox.BlankNode()
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, _RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(iri)),
            ox.Triple(named, _sd("graph"), graph),
            ox.Triple(graph, _RDF_TYPE, _sd("Graph")),
            ox.Triple(graph, _VOID_TRIPLES, ox.Literal(str(size), datatype=_INTEGER)),
        ]
    return triples


def serialize_description(triples: Sequence[ox.Triple], fmt: str) -> bytes:
    """``triples`` in graph format ``fmt`` (a key of :data:`GRAPH_FORMATS`), with the ``sd:`` and ``void:`` prefixes."""
    prefixes = {"sd": SD, "void": "http://rdfs.org/ns/void#", "formats": _FORMATS}
    return ox.serialize(triples, format=GRAPH_FORMATS[fmt], prefixes=prefixes)
