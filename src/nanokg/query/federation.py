"""Federated queries: the public SPARQL endpoints nanokg's queries call, and pointing them elsewhere.

The ``queries/federated-*.rq`` files join nanokg with a public knowledge graph through a
SPARQL 1.1 ``SERVICE`` clause naming the public endpoint (:data:`SERVICES`). The query
engine that runs the query calls the service: the embedded Oxigraph store, an Oxigraph or
Virtuoso server, or rdflib.

To run the same files against a mirror or a local stand-in (the tests load a small extract
into a second Oxigraph server), set ``NANOKG_SERVICES`` to ``NAME=URL`` pairs separated by
spaces or commas, where NAME is a key of :data:`SERVICES` or the public endpoint's IRI::

    NANOKG_SERVICES="wikidata=http://localhost:7879/query uniprot=http://localhost:7879/query"

Only the IRI inside ``SERVICE <...>`` that equals a public endpoint is replaced, by a term
Oxigraph has parsed as an IRI, so no text of the variable reaches the query otherwise.
(``SERVICE ?var`` with the endpoint bound by a parameter would be the SPARQL way, but
Oxigraph 0.5 refuses it: "The variable encoding the service name is unbound".)
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox

from nanokg.curation.catalogue import ParameterValueError
from nanokg.settings import env
from nanokg.sparql_text import service_calls

__all__ = ["ENVIRONMENT", "SERVICES", "ServiceOverrideError", "redirect_services", "service_overrides"]

#: the public endpoints the federated queries call, by name
SERVICES = {
    "wikidata": "https://query.wikidata.org/sparql",
    "uniprot": "https://sparql.uniprot.org/sparql",
}
ENVIRONMENT = "NANOKG_SERVICES"


class ServiceOverrideError(ParameterValueError):
    """``NANOKG_SERVICES`` (or an override given in Python) is malformed."""


def service_overrides(text: str | None = None) -> dict[str, str]:
    """Public endpoint IRI -> replacement IRI, from ``text`` (default: ``$NANOKG_SERVICES``).

    Examples
    --------
    >>> service_overrides("wikidata=http://127.0.0.1:7879/query")
    {'https://query.wikidata.org/sparql': 'http://127.0.0.1:7879/query'}
    >>> service_overrides("")
    {}
    """
    text = (env(ENVIRONMENT) or "") if text is None else text
    overrides: dict[str, str] = {}
    for pair in re.split(r"[\s,]+", text.strip()):
        if not pair:
            continue
        name, eq, url = pair.partition("=")
        if not eq:
            raise ServiceOverrideError(f"{ENVIRONMENT}: {pair!r} is not NAME=URL")
        public = SERVICES.get(name, name)
        if public not in SERVICES.values():
            known = ", ".join(f"{k} ({v})" for k, v in SERVICES.items())
            raise ServiceOverrideError(f"{ENVIRONMENT}: {name!r} is no service of the queries (known: {known})")
        overrides[public] = _iri(url)
    return overrides


def _iri(url: str) -> str:
    try:
        node = ox.NamedNode(url)
    except ValueError as exc:
        raise ServiceOverrideError(f"{ENVIRONMENT}: {url!r} is not an IRI ({exc})") from None
    if not re.match(r"https?://", node.value):
        raise ServiceOverrideError(f"{ENVIRONMENT}: {url!r} is not an http(s) endpoint")
    return node.value


def redirect_services(text: str, overrides: Mapping[str, str] | None = None) -> str:
    """``text`` with each ``SERVICE <public endpoint>`` pointed at its override.

    Examples
    --------
    >>> q = "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }"
    >>> redirect_services(q, {"https://query.wikidata.org/sparql": "http://127.0.0.1:1/query"})
    'SELECT * WHERE { SERVICE <http://127.0.0.1:1/query> { ?s ?p ?o } }'

    The clauses are found by :func:`nanokg.sparql_text.service_calls`: a ``SERVICE <...>``
    inside a string or a comment is left as it is.
    """
    overrides = service_overrides() if overrides is None else overrides
    if not overrides:
        return text
    parts, done = [], 0
    for call in service_calls(text):
        target = overrides.get(call.endpoint) if call.endpoint is not None else None
        if target is not None and call.span is not None:
            start, end = call.span
            parts += [text[done:start], str(ox.NamedNode(_iri(target)))]
            done = end
    return "".join(parts) + text[done:]
