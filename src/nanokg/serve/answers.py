"""What a query worker of ``nanokg serve`` does with one job: run it on its store and serialise the answer.

:func:`answer` runs a client's SPARQL text (a :class:`~nanokg.serve.protocol.QueryJob`):
text nested too deep for Oxigraph's parser is refused before it is parsed, ``SERVICE``
may call only the allowed endpoints, the default graph is the union of the named graphs
unless the query or the request names a dataset, and an answer is cut at ``max_rows``.
:func:`answer_named` runs a query of the catalogue (a :class:`~nanokg.serve.protocol.NamedJob`)
with its parameters bound as RDF terms, as ``nanokg query`` binds them. :func:`answer_graphs`
lists the store's named graphs with their sizes, for the service description.

A client's text is parsed with the endpoint's URL as its base IRI, so ``<s>`` is
``<http://host:port/s>`` as on Oxigraph's own server; a syntax error is reported from that
same parse, with the line and column of :class:`~nanokg.sparql_text.QuerySyntaxError`.

A failure becomes a :class:`~nanokg.serve.protocol.Reply` by its class: bad input (an
:class:`~nanokg.errors.InputError`) is its ``http_status`` with the ``parameter`` it
names, a query missing from the catalogue 404.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox

# imported with the module, not per answer: a worker pays for them before it says it is ready,
# so its first answer is as fast as the next (a 1 ms --timeout must still answer ASK {})
from nanokg.curation.catalogue import Catalogue, QueryNotFoundError
from nanokg.errors import InputError
from nanokg.query.backends import EmbeddedBackend
from nanokg.query.engine import prepare
from nanokg.query.federation import redirect_services
from nanokg.query.results import Results
from nanokg.serve.protocol import GraphsJob, NamedJob, QueryJob, Reply
from nanokg.sparql_text import (
    QuerySyntaxError,
    QueryTooComplexError,
    ServiceCall,
    check_query_text,
    names_a_dataset,
    query_shape,
    with_values,
)
from nanokg.vocabulary import PREFIXES

__all__ = ["answer", "answer_graphs", "answer_named"]

_GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
_BOOLEAN_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
# one catalogue per worker: the query files are parsed once
_CATALOGUE: dict[str, Any] = {}


# how Oxigraph's parser places an error: "error at LINE:COLUMN: message"
_LOCATION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)
_GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def _syntax_message(error: SyntaxError) -> str:
    r"""The one-line message of the parser's ``error``, placed as :func:`nanokg.query.backends.check_syntax` places it.

    Read from the failed parse itself (not a second one), so the base IRI and prefixes it
    had are the ones the message is about.

    Examples
    --------
    >>> _syntax_message(SyntaxError("error at 2:5: expected one of\n  '}'"))
    "query:2:5: SPARQL syntax error: expected one of '}'"
    """
    match = _LOCATION.match(str(error))
    if match is None:
        return str(QuerySyntaxError(" ".join(str(error).split())))
    return str(QuerySyntaxError(" ".join(match.group(3).split()), int(match.group(1)), int(match.group(2))))


def _refused_service(calls: Sequence[ServiceCall], allowed: Sequence[str]) -> str | None:
    """Why one of ``calls`` may not run here, or None."""
    for call in calls:
        if call.endpoint is None:
            return (
                f"{call.written}: this server calls only endpoints its operator allows (nanokg serve "
                "--allow-service URL), named by their full IRI, SERVICE <http://...>"
            )
        if call.endpoint not in allowed:
            return (
                f"SERVICE <{call.endpoint}>: this server does not call that endpoint; its operator may allow "
                "it with `nanokg serve --allow-service URL`"
            )
    return None


def _dataset(job: QueryJob, text: str) -> dict[str, Any]:
    """The dataset arguments of ``Store.query`` for ``job``."""
    if job.default_graph is None and job.named_graphs is None:
        # pyoxigraph's union flag would override a FROM clause, so it is set only without one
        return {} if names_a_dataset(text) else {"use_default_graph_as_union": True}
    # the protocol's dataset replaces the query's; naming only named graphs leaves the default graph empty
    dataset: dict[str, Any] = {"default_graph": [ox.NamedNode(iri) for iri in job.default_graph or []]}
    if job.named_graphs is not None:
        dataset["named_graphs"] = [ox.NamedNode(iri) for iri in job.named_graphs]
    return dataset


def answer(store: ox.Store, job: QueryJob, max_rows: int) -> Reply:
    """Run one query on ``store`` and serialise its answer as ``job`` asks, cut at ``max_rows``.

    Examples
    --------
    >>> from nanokg.serve.protocol import QueryJob
    >>> reply = answer(ox.Store(), QueryJob("ASK { ?s ?p ?o }", results="csv"), max_rows=10)
    >>> reply.status, reply.body, reply.fmt
    (200, b'false', 'csv')
    >>> answer(ox.Store(), QueryJob("SELECT * {", results="json"), max_rows=10).status
    400
    """
    text = job.query
    try:
        # before Oxigraph parses it: text nested too deep would overflow the parser's stack
        shape = check_query_text(text)
    except QueryTooComplexError as exc:
        return Reply.error(400, str(exc))
    if job.mirrors and "SERVICE" in text.upper():
        text = redirect_services(text, job.mirrors)
        shape = query_shape(text)  # what runs is what is checked
    if job.services is not None:
        refusal = _refused_service(shape.services, job.services)
        if refusal:
            return Reply.error(400, refusal)
    dataset = _dataset(job, text)
    try:
        result = store.query(text, prefixes=PREFIXES, base_iri=job.base_iri, **dataset)
    except SyntaxError as exc:
        return Reply.error(400, _syntax_message(exc))
    if isinstance(result, ox.QueryBoolean):
        if job.results is None:
            return Reply.error(406, "an ASK answer is a SPARQL results document: accept JSON, XML, CSV or TSV")
        return Reply(200, result.serialize(format=_BOOLEAN_FORMATS[job.results]), job.results)
    if isinstance(result, ox.QuerySolutions):
        if job.results is None:
            return Reply.error(406, "a SELECT answer is a SPARQL results document: accept JSON, XML, CSV or TSV")
        columns = [v.value for v in result.variables]

        # the writer reads the first max_rows solutions as the engine gives them, keeping none (it is the
        # one pass: `again` would serve a second); one more solution says the answer was cut
        def again():
            return itertools.islice(store.query(text, prefixes=PREFIXES, base_iri=job.base_iri, **dataset), max_rows)

        results = Results.from_solutions(columns, itertools.islice(result, max_rows), again=again)
        writer = {"json": results.to_json, "xml": results.to_xml, "csv": results.to_csv, "tsv": results.to_tsv}
        body = writer[job.results]().encode("utf-8")
        return Reply(200, body, job.results, next(result, None) is not None)
    if job.graph is None:
        return Reply.error(406, "a CONSTRUCT or DESCRIBE answer is RDF: accept Turtle, N-Triples, JSON-LD or RDF/XML")
    triples = list(itertools.islice(result, max_rows + 1))
    body = ox.serialize(triples[:max_rows], format=_GRAPH_FORMATS[job.graph], prefixes=PREFIXES)
    return Reply(200, body, job.graph, len(triples) > max_rows)


def answer_named(store: ox.Store, job: NamedJob, max_rows: int) -> Reply:
    """Run catalogue query ``job.name`` with ``job.params`` (strings) bound as RDF terms.

    Values become terms through :func:`nanokg.query.engine.prepare`, names of entities
    resolved on ``store`` as ``nanokg query`` resolves them; the terms reach the query in
    ``VALUES`` blocks, never pasted into its text. A parameter that is unknown, missing,
    of the wrong type or naming no entity is 400, with the parameter; an unknown query 404.
    """
    catalogue = _CATALOGUE.setdefault("catalogue", Catalogue())
    try:
        spec = catalogue[job.name]
        text, bindings = prepare(EmbeddedBackend(store), spec, job.params)
    except QueryNotFoundError as exc:
        return Reply.failure(exc, status=404)  # a resource that is not there, though bad input to the CLI
    except InputError as exc:
        return Reply.failure(exc)
    return answer(store, QueryJob(with_values(text, bindings), results=job.results), max_rows)


def answer_graphs(store: ox.Store, job: GraphsJob) -> Reply:
    """The store's named graphs and their sizes, as JSON ``[[IRI, triples], ...]`` sorted by IRI.

    Examples
    --------
    >>> g = ox.NamedNode("http://e/g")
    >>> store = ox.Store()
    >>> store.add(ox.Quad(g, g, g, g))
    >>> store.add_graph(ox.NamedNode("http://e/empty"))
    >>> answer_graphs(store, GraphsJob()).body
    b'[["http://e/empty", 0], ["http://e/g", 1]]'
    """
    sizes = {graph.value: 0 for graph in store.named_graphs() if isinstance(graph, ox.NamedNode)}
    for row in store.query(_GRAPH_SIZES):
        if isinstance(row["g"], ox.NamedNode):
            sizes[row["g"].value] = int(row["n"].value)
    return Reply(200, json.dumps(sorted(sizes.items())).encode("utf-8"), "json")
