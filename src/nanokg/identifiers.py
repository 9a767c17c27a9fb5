"""Compact identifiers (CURIEs) and their IRIs: the project's own and other resources'.

The project's prefixes (``product:doxil``, ``nkg:Nanomedicine``, ``npo:NPO_719``; the map is
:data:`nanokg.vocabulary.PREFIXES`) are expanded and compacted by :func:`expand_curie` and
:func:`compact_iri`, a longest-namespace-first lookup over that small map: they are on
the cold path of every ``nanokg query`` table, where loading a converter library would
cost more than the query (``curies`` pulls in pydantic: ~0.25 s).

External identifiers: nanokg entities are linked to the identifiers other knowledge graphs use (ChEBI, DrugBank,
PubChem, Wikidata, UniProt, HGNC, NCI Thesaurus, MONDO, DOID) by ``skos:exactMatch`` and
``skos:closeMatch`` (``data/mappings.yaml``). CURIEs are expanded and contracted with the
``curies`` library over the prefix map the ``bioregistry`` package ships (read from the
installed package, never from the network). Prefixes are the Bioregistry's preferred
spelling (``CHEBI``, ``NCIT``, ``MONDO``, ``DOID``, ``drugbank``, ``pubchem.compound``,
``wikidata``, ``uniprot``, ``hgnc``, ``hgnc.symbol``); any spelling the Bioregistry knows
(``chebi:28748``) is read.

An identifier's IRI is the one the graphs holding it use themselves, so that a
SPARQL ``SERVICE`` join meets the same node: the Bioregistry's RDF URI format where it
has one (Wikidata ``http://www.wikidata.org/entity/Q18936``, UniProt
``http://purl.uniprot.org/uniprot/P02786``, PubChem
``http://rdf.ncbi.nlm.nih.gov/pubchem/compound/CID31703``), else its default (OBO PURLs
``http://purl.obolibrary.org/obo/CHEBI_28748`` for ChEBI, NCIT, MONDO, DOID; DrugBank
``https://go.drugbank.com/drugs/DB00997``). HGNC's default is a web-page fragment
(``.../#!/hgnc_id/11763``); identifiers.org's ``https://identifiers.org/hgnc:11763`` is
used instead. Every other IRI form the Bioregistry lists (identifiers.org, bioregistry.io,
n2t.net, bio2rdf, ...) is read as the same identifier.

Loading the Bioregistry costs about 1.5 s, so it happens once, on first use: ``nanokg
query`` only pays it when a parameter looks like an external CURIE (:func:`looks_like_curie`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from nanokg.vocabulary import PREFIXES

if TYPE_CHECKING:
    import curies

__all__ = [
    "URI_OVERRIDES",
    "compact_iri",
    "compress",
    "converter",
    "curie_problem",
    "expand",
    "expand_curie",
    "looks_like_curie",
    "standard_iri",
    "uri_prefix",
]

#: IRIs chosen over the Bioregistry's own where its default is not an RDF node (see the module docstring)
URI_OVERRIDES = {
    "hgnc": "https://identifiers.org/hgnc:",
    "hgnc.symbol": "https://identifiers.org/hgnc.symbol:",
}

_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9._-]*):(\S+)$")
_ABSOLUTE = re.compile(r"(?i)(https?|urn|file):\S+$")
_LOCAL = re.compile(r"[\w.\-~%]*")
# longest namespace first, so product: wins over a shorter prefix of the same IRI
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def compact_iri(iri: str) -> str:
    """The CURIE of ``iri`` under the project's prefixes, or ``iri`` unchanged.

    Examples
    --------
    >>> compact_iri("https://w3id.org/nanokg/product/doxil")
    'product:doxil'
    >>> compact_iri("http://example.org/x")
    'http://example.org/x'
    """
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def expand_curie(text: str, prefixes: Mapping[str, str] | None = None) -> str | None:
    """The IRI of ``text`` if it is an IRI, ``<IRI>`` or a CURIE with a known prefix, else None.

    Parameters
    ----------
    text
        An IRI, ``<IRI>`` or ``prefix:local``.
    prefixes
        Prefixes known besides the project's (e.g. those a query file declares); they win.

    Examples
    --------
    >>> expand_curie("product:doxil")
    'https://w3id.org/nanokg/product/doxil'
    >>> expand_curie("<https://w3id.org/nanokg/target/psma>")
    'https://w3id.org/nanokg/target/psma'
    >>> expand_curie("ex:thing", {"ex": "http://example.org/"})
    'http://example.org/thing'
    >>> expand_curie("Doxil") is None
    True
    """
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if _ABSOLUTE.match(text):
        return text
    prefix, colon, local = text.partition(":")
    namespace = (prefixes or {}).get(prefix) or PREFIXES.get(prefix)
    if colon and namespace and _LOCAL.fullmatch(local):
        return namespace + local
    return None


def looks_like_curie(text: str) -> bool:
    """Whether ``text`` has the shape of a CURIE (``prefix:local``, no spaces, not an IRI).

    A cheap test, so that the Bioregistry is loaded only for text that may need it.

    Examples
    --------
    >>> looks_like_curie("CHEBI:28748"), looks_like_curie("pubchem.compound:31703")
    (True, True)
    >>> looks_like_curie("Doxil"), looks_like_curie("http://purl.obolibrary.org/obo/CHEBI_28748")
    (False, False)
    """
    match = _CURIE.match(text.strip())
    return bool(match) and not match.group(2).startswith("//")


@functools.cache
def converter() -> curies.Converter:
    """The Bioregistry's converter: preferred prefixes, RDF URI formats first (loaded once)."""
    import bioregistry

    return bioregistry.get_converter(prefix_priority=["preferred", "default"], uri_prefix_priority=["rdf", "default"])


@functools.cache
def _prefix_map() -> Mapping[str, str]:
    """The converter's prefix map, built once (curies rebuilds it at each access: 0.5 s a build)."""
    return converter().prefix_map


def uri_prefix(prefix: str) -> str | None:
    """The namespace nanokg writes identifiers of ``prefix`` under (any spelling), or None if unknown.

    Examples
    --------
    >>> uri_prefix("chebi"), uri_prefix("hgnc")
    ('http://purl.obolibrary.org/obo/CHEBI_', 'https://identifiers.org/hgnc:')
    """
    conv = converter()
    standard = conv.standardize_prefix(prefix)
    if standard is None:
        return None
    return URI_OVERRIDES.get(standard) or _prefix_map()[standard]


def expand(curie: str) -> str | None:
    """The IRI of an external CURIE (any spelling of its prefix), or None if the prefix is unknown.

    Examples
    --------
    >>> expand("CHEBI:28748")
    'http://purl.obolibrary.org/obo/CHEBI_28748'
    >>> expand("wikidata:Q18936"), expand("uniprot:P02786")
    ('http://www.wikidata.org/entity/Q18936', 'http://purl.uniprot.org/uniprot/P02786')
    >>> expand("nosuchprefix:1") is None
    True
    """
    match = _CURIE.match(curie.strip())
    if not match:
        return None
    namespace = uri_prefix(match.group(1))
    return None if namespace is None else namespace + match.group(2)


def compress(iri: str) -> str | None:
    """The standard CURIE of an IRI in any form the Bioregistry lists, or None.

    Examples
    --------
    >>> compress("https://identifiers.org/CHEBI:28748"), compress("https://www.wikidata.org/wiki/Q18936")
    ('CHEBI:28748', 'wikidata:Q18936')
    >>> compress("https://identifiers.org/hgnc:11763")
    'hgnc:11763'
    """
    for standard, namespace in URI_OVERRIDES.items():
        if iri.startswith(namespace):
            return f"{standard}:{iri[len(namespace) :]}"
    return converter().compress(iri, strict=False)


def standard_iri(iri: str) -> str | None:
    """The IRI nanokg uses for the identifier ``iri`` denotes in another form, or None.

    Examples
    --------
    >>> standard_iri("https://identifiers.org/CHEBI:28748")
    'http://purl.obolibrary.org/obo/CHEBI_28748'
    """
    curie = compress(iri)
    return expand(curie) if curie else None


def curie_problem(curie: str) -> str | None:
    r"""What is wrong with a CURIE written in ``data/mappings.yaml``, or None if nothing.

    It must have a prefix the Bioregistry knows, spelt as the Bioregistry prefers, and a
    local identifier matching the Bioregistry's pattern for that prefix.

    Examples
    --------
    >>> curie_problem("CHEBI:28748") is None
    True
    >>> curie_problem("chebi:28748")
    "write the prefix as the Bioregistry prefers: 'CHEBI:28748'"
    >>> curie_problem("drugbank:00997")
    "malformed CURIE: '00997' does not match drugbank's pattern ^DB\\d{5}$"
    """
    match = _CURIE.match(curie)
    if not match or curie != curie.strip():
        return f"malformed CURIE {curie!r}: write PREFIX:LOCAL (e.g. CHEBI:28748)"
    prefix, local = match.groups()
    conv = converter()
    standard = conv.standardize_prefix(prefix)
    if standard is None:
        return f"unknown prefix {prefix!r} (not in the Bioregistry)"
    if standard != prefix:
        return f"write the prefix as the Bioregistry prefers: '{standard}:{local}'"
    pattern = conv.get_record(standard).pattern
    if pattern and not re.match(pattern, local):
        return f"malformed CURIE: {local!r} does not match {standard}'s pattern {pattern}"
    return None
