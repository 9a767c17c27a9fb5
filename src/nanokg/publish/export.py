"""Export the built graph as an RDF file, with a VoID/DCAT description of the dataset.

Six formats (:data:`FORMATS`): Turtle ``ttl``, N-Triples ``nt``, N-Quads ``nq``, TriG
``trig``, JSON-LD ``jsonld`` and RDF/XML ``xml``. The **quad formats** (nq, trig, jsonld)
keep every named graph; the **triple formats** (ttl, nt, xml) cannot name graphs, so the
selected graphs are merged into one graph, each distinct triple written once.

The graphs written are ``asserted``, ``inferred``, ``ontology``, ``provenance`` and
``queries`` (the query catalogue, :mod:`nanokg.curation.catalogue_graph`) unless
``graphs`` says otherwise; ``lookup`` (the name index of :mod:`nanokg.query.names`) is written
only when asked for. A description of what was exported (:func:`describe_dataset`) is
always part of the file: in quad formats it is its own named graph,
:data:`DESCRIPTION_GRAPH`; in triple formats it is merged with the rest. It says:

* the dataset ``<https://w3id.org/nanokg/dataset>`` is a ``void:Dataset`` and a
  ``dcat:Dataset``, with title, description, licence (CC BY 4.0), the package version
  (``dcat:version``, ``owl:versionInfo``), the ontology version it conforms to
  (``dct:conformsTo`` its ``owl:versionIRI``), a ``dct:source`` for each source document
  the curated facts cite, ``void:uriSpace``, ``void:vocabulary`` for each vocabulary its
  predicates and classes come from, and ``void:triples``, ``void:distinctSubjects``,
  ``void:distinctObjects``, ``void:properties``, ``void:classes`` over the union of the
  exported graphs (distinct triples; the description itself is not counted);
* one ``void:subset`` per exported named graph, named by ``sd:name <graph IRI>`` (SPARQL
  service description), with the same five counts for that graph alone;
* the ``dcat:distribution`` written: its ``dcat:mediaType`` (an IANA media type IRI) and
  ``dct:conformsTo`` the W3C format IRI;
* ``spdx:checksum``: the SHA-256 of the exported data as N-Quads lines sorted bytewise,
  description graph excluded (:func:`data_checksum`); the same for every format, so it
  identifies the content, and it can be checked from an N-Quads export with
  ``grep -v '<https://w3id.org/nanokg/graph/description> .$' | LC_ALL=C sort | sha256sum``.

There are no timestamps. The quads are sorted before Oxigraph serialises them and the
build gives blank nodes canonical ids, so the same store gives the same bytes in every
format, whatever the interpreter's hash seed.

Writing is all or nothing: the serialisation goes to a temporary file (beside the target
path, or spooled for a stream) and only a complete file is renamed over the target or
copied to the stream, so a failure leaves no half file and an existing file intact.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from nanokg.atomic import atomic_write
from nanokg.errors import InputError, NanokgError
from nanokg.vocabulary import BASE, GRAPHS, PREFIXES

__all__ = [
    "DATASET",
    "DEFAULT_GRAPHS",
    "DESCRIPTION_GRAPH",
    "FORMATS",
    "ExportError",
    "ExportFormat",
    "ExportUsageError",
    "data_checksum",
    "describe_dataset",
    "export",
    "select_graphs",
]


class ExportError(NanokgError, RuntimeError):
    """The export failed; nothing was written (an existing file is left as it was)."""


class ExportUsageError(InputError, ExportError):
    """An argument of the export is wrong (format, graph name, output path)."""


@dataclass(frozen=True)
class ExportFormat:
    """One RDF format the export writes.

    Attributes
    ----------
    name
        The short name given to ``--format`` (also the usual file extension).
    title
        The format's name for people.
    rdf_format
        Oxigraph's serialiser.
    media_type
        Its IANA media type.
    w3c
        Its W3C format IRI (``http://www.w3.org/ns/formats/``).
    named_graphs
        Whether the format keeps named graphs (otherwise they are merged into one).
    """

    name: str
    title: str
    rdf_format: ox.RdfFormat
    media_type: str
    w3c: str
    named_graphs: bool


FORMATS = {
    f.name: f
    for f in (
        ExportFormat("ttl", "Turtle", ox.RdfFormat.TURTLE, "text/turtle", "Turtle", False),
        ExportFormat("nt", "N-Triples", ox.RdfFormat.N_TRIPLES, "application/n-triples", "N-Triples", False),
        ExportFormat("nq", "N-Quads", ox.RdfFormat.N_QUADS, "application/n-quads", "N-Quads", True),
        ExportFormat("trig", "TriG", ox.RdfFormat.TRIG, "application/trig", "TriG", True),
        ExportFormat("jsonld", "JSON-LD", ox.RdfFormat.JSON_LD, "application/ld+json", "JSON-LD", True),
        ExportFormat("xml", "RDF/XML", ox.RdfFormat.RDF_XML, "application/rdf+xml", "RDF_XML", False),
    )
}

#: graphs exported when none are named (``lookup`` is derived from the others: ask for it;
#: ``queries`` is the published catalogue, so a store loaded from an export lists its questions)
DEFAULT_GRAPHS = ("asserted", "inferred", "ontology", "provenance", "queries")
#: the named graph that holds the VoID/DCAT description in quad formats
DESCRIPTION_GRAPH = f"{BASE}graph/description"
#: the IRI of the dataset the description is about
DATASET = f"{BASE}dataset"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"

_VOID = "http://rdfs.org/ns/void#"
_DCAT = "http://www.w3.org/ns/dcat#"
_DCT = "http://purl.org/dc/terms/"
_SD = "http://www.w3.org/ns/sparql-service-description#"
_SPDX = "http://spdx.org/rdf/terms#"
_PROV = "http://www.w3.org/ns/prov#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_OWL = "http://www.w3.org/2002/07/owl#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"

#: the project's prefixes plus those of the description's vocabularies
EXPORT_PREFIXES = {**PREFIXES, "void": _VOID, "dcat": _DCAT, "sd": _SD, "spdx": _SPDX}

_GRAPH_DESCRIPTIONS = {
    "ontology": "The nanokg OWL 2 ontology.",
    "asserted": "The curated facts, each traceable to its evidence in the provenance graph.",
    "inferred": "What the HermiT reasoner entails beyond the asserted facts and the ontology.",
    "provenance": "One rdf:Statement per asserted triple, linked to its evidence: source, quote, locator, "
    "curator's note, correction.",
    "lookup": "The name index: one normalised, case-folded lookup key per label and synonym.",
    "queries": "The query catalogue: one SHACL SPARQL executable per named question, with title, description, "
    "parameters and runnable text.",
}

_SOURCES = f"""
SELECT DISTINCT ?source ?title WHERE {{
  ?evidence <{_PROV}wasDerivedFrom> ?source .
  ?source a <https://w3id.org/nanokg/ontology#SourceDocument> .
  OPTIONAL {{ ?source <{_DCT}title> ?title }}
}}
"""
_ONTOLOGY = f"""
SELECT ?ontology ?versionIRI ?versionInfo WHERE {{
  GRAPH <{GRAPHS["ontology"]}> {{
    ?ontology a <{_OWL}Ontology> .
    OPTIONAL {{ ?ontology <{_OWL}versionIRI> ?versionIRI }}
    OPTIONAL {{ ?ontology <{_OWL}versionInfo> ?versionInfo }}
  }}
}}
"""

# a predicate RDF/XML can write: a namespace and a non-empty XML name after it
_XML_LOCAL_NAME = re.compile(r"[^\W\d][\w.-]*$")


def select_graphs(names: Iterable[str] | None, parameter: str = "graphs") -> tuple[str, ...]:
    """Check graph names and put them in the canonical order of :data:`~nanokg.vocabulary.GRAPHS`.

    Parameters
    ----------
    names
        Names among ``ontology``, ``asserted``, ``inferred``, ``provenance``, ``lookup``;
        ``None`` means :data:`DEFAULT_GRAPHS`.
    parameter
        How the caller calls the argument, for the error message (``--graphs`` on the
        command line).

    Raises
    ------
    ExportUsageError
        For an unknown name or an empty selection.

    Examples
    --------
    >>> select_graphs(["provenance", "asserted", "asserted"])
    ('asserted', 'provenance')
    >>> select_graphs(["facts"], "--graphs")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nanokg.publish.export.ExportUsageError: --graphs: unknown graph 'facts' (graphs: ontology, asserted, ...)
    """
    if names is None:
        names = DEFAULT_GRAPHS
    if isinstance(names, str):
        names = [names]
    wanted = set()
    for name in names:
        if name not in GRAPHS:
            hint = "; the description graph is always written" if name == "description" else ""
            raise ExportUsageError(f"{parameter}: unknown graph {name!r} (graphs: {', '.join(GRAPHS)}){hint}")
        wanted.add(name)
    if not wanted:
        raise ExportUsageError(f"{parameter}: name at least one graph (graphs: {', '.join(GRAPHS)})")
    return tuple(name for name in GRAPHS if name in wanted)


def _format(fmt: str | ExportFormat) -> ExportFormat:
    if isinstance(fmt, ExportFormat):
        return fmt
    if fmt not in FORMATS:
        raise ExportUsageError(f"format: unknown format {fmt!r} (formats: {', '.join(FORMATS)})")
    return FORMATS[fmt]


def _quad_key(quad: ox.Quad) -> tuple[str, str, str, str]:
    # N-Triples forms of the terms: a total order that does not depend on hashing
    return str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object)


def _triple_key(triple: ox.Triple) -> tuple[str, str, str]:
    return str(triple.subject), str(triple.predicate), str(triple.object)


def _read_graphs(store: ox.Store, names: Sequence[str]) -> dict[str, list[ox.Quad]]:
    return {name: list(store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPHS[name]))) for name in names}


def data_checksum(quads: Iterable[ox.Quad]) -> str:
    r"""SHA-256 (hex) of the quads as N-Quads lines, sorted bytewise.

    The same as ``LC_ALL=C sort FILE.nq | sha256sum`` over an N-Quads file holding
    exactly these quads.

    Examples
    --------
    >>> q = ox.Quad(ox.NamedNode("http://e.org/s"), ox.NamedNode("http://e.org/p"), ox.Literal("o"))
    >>> data_checksum([q]) == hashlib.sha256(b'<http://e.org/s> <http://e.org/p> "o" .\n').hexdigest()
    True
    """
    lines = sorted(f"{quad} .\n".encode() for quad in quads)
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line)
    return digest.hexdigest()


def _vocabulary(iri: str) -> str:
    # the namespace an IRI is minted in, named as its vocabulary is (no trailing '#')
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1].removesuffix("#")


def _counts(triples: Iterable[ox.Triple | ox.Quad]) -> dict[str, int]:
    triples = list(triples)
    return {
        "triples": len(triples),
        "distinctSubjects": len({t.subject for t in triples}),
        "distinctObjects": len({t.object for t in triples}),
        "properties": len({t.predicate for t in triples}),
        "classes": len({t.object for t in triples if t.predicate == _RDF_TYPE}),
    }


def _description(store: ox.Store, data: dict[str, list[ox.Quad]], fmt: ExportFormat | None) -> list[ox.Quad]:
    graph = ox.NamedNode(DESCRIPTION_GRAPH)
    out: list[ox.Quad] = []

    def add(subject: ox.NamedNode | ox.BlankNode, predicate: str, obj: ox.NamedNode | ox.BlankNode | ox.Literal):
        out.append(ox.Quad(subject, ox.NamedNode(predicate), obj, graph))

    def describe_counts(subject: ox.NamedNode, counts: dict[str, int]) -> None:
        for name, value in counts.items():
            add(subject, _VOID + name, ox.Literal(value))

    dataset = ox.NamedNode(DATASET)
    package_version = version("nanokg")
    add(dataset, _RDF_TYPE.value, ox.NamedNode(_VOID + "Dataset"))
    add(dataset, _RDF_TYPE.value, ox.NamedNode(_DCAT + "Dataset"))
    add(dataset, _DCT + "title", ox.Literal("nanokg: a knowledge graph of anti-tumour nanomedicines", language="en"))
    add(dataset, _DCT + "description", ox.Literal(
        "Anti-tumour nanomedicine products with their carriers, payloads, targets, ligands, indications, "
        "clinical development and outcomes, with the nanokg ontology, what a reasoner entails from them, "
        "and the source and verbatim quote of every curated fact.",
        language="en",
    ))  # fmt: skip
    add(dataset, _DCT + "license", ox.NamedNode(LICENSE))
    add(dataset, _DCAT + "version", ox.Literal(package_version))
    add(dataset, _OWL + "versionInfo", ox.Literal(package_version))
    add(dataset, _VOID + "uriSpace", ox.Literal(BASE))

    for row in store.query(_ONTOLOGY):
        ontology, version_iri, version_info = row["ontology"], row["versionIRI"], row["versionInfo"]
        add(dataset, _DCT + "conformsTo", version_iri or ontology)
        if version_iri is not None:
            add(ontology, _OWL + "versionIRI", version_iri)
        if version_info is not None:
            add(ontology, _OWL + "versionInfo", version_info)
    for row in store.query(_SOURCES, use_default_graph_as_union=True):
        add(dataset, _DCT + "source", row["source"])
        if row["title"] is not None:
            add(row["source"], _DCT + "title", row["title"])

    union = {ox.Triple(q.subject, q.predicate, q.object) for quads in data.values() for q in quads}
    vocabularies = {_vocabulary(t.predicate.value) for t in union}
    vocabularies |= {_vocabulary(t.object.value) for t in union if t.predicate == _RDF_TYPE}
    for iri in sorted(v for v in vocabularies if v):
        add(dataset, _VOID + "vocabulary", ox.NamedNode(iri))
    describe_counts(dataset, _counts(union))

    checksum = ox.BlankNode("checksum")
    add(dataset, _SPDX + "checksum", checksum)
    add(checksum, _SPDX + "algorithm", ox.NamedNode(_SPDX + "checksumAlgorithm_sha256"))
    add(checksum, _SPDX + "checksumValue", ox.Literal(
        data_checksum(q for quads in data.values() for q in quads),
        datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#hexBinary"),
    ))  # fmt: skip
    add(checksum, _RDFS + "comment", ox.Literal(
        "SHA-256 of the exported data as N-Quads lines sorted bytewise, the description graph excluded.",
        language="en",
    ))  # fmt: skip

    for name, quads in data.items():
        subset = ox.NamedNode(f"{DATASET}/graph/{name}")
        add(dataset, _VOID + "subset", subset)
        add(subset, _RDF_TYPE.value, ox.NamedNode(_VOID + "Dataset"))
        add(subset, _SD + "name", ox.NamedNode(GRAPHS[name]))
        add(subset, _DCT + "title", ox.Literal(f"nanokg {name} graph", language="en"))
        add(subset, _DCT + "description", ox.Literal(_GRAPH_DESCRIPTIONS[name], language="en"))
        describe_counts(subset, _counts(quads))

    if fmt is not None:
        distribution = ox.NamedNode(f"{DATASET}/distribution/{fmt.name}")
        add(dataset, _DCAT + "distribution", distribution)
        add(distribution, _RDF_TYPE.value, ox.NamedNode(_DCAT + "Distribution"))
        add(distribution, _DCT + "title", ox.Literal(f"nanokg in {fmt.title}", language="en"))
        layout = "each graph in its own named graph" if fmt.named_graphs else "the graphs merged into one graph"
        add(distribution, _DCT + "description", ox.Literal(f"{fmt.title}, {layout}.", language="en"))
        add(
            distribution,
            _DCAT + "mediaType",
            ox.NamedNode(f"https://www.iana.org/assignments/media-types/{fmt.media_type}"),
        )
        add(distribution, _DCT + "conformsTo", ox.NamedNode(f"http://www.w3.org/ns/formats/{fmt.w3c}"))
        add(distribution, _DCT + "license", ox.NamedNode(LICENSE))
    return sorted(set(out), key=_quad_key)


def describe_dataset(store: ox.Store, graphs: Iterable[str] | None = None, fmt: str | None = None) -> list[ox.Quad]:
    """The VoID/DCAT description of an export, as quads in :data:`DESCRIPTION_GRAPH`.

    Parameters
    ----------
    store
        The built store.
    graphs
        The graphs exported (default :data:`DEFAULT_GRAPHS`).
    fmt
        The format written (a key of :data:`FORMATS`); ``None`` leaves out the distribution.

    Examples
    --------
    >>> from nanokg.store.transaction import open_store
    >>> quads = describe_dataset(open_store(STORE), ["asserted"])
    >>> [q.object.value for q in quads if q.predicate.value.endswith("#name")]
    ['https://w3id.org/nanokg/graph/asserted']
    """
    names = select_graphs(graphs)
    return _description(store, _read_graphs(store, names), None if fmt is None else _format(fmt))


def _check_xml_predicates(triples: Iterable[ox.Triple]) -> None:
    # Oxigraph writes an ill-formed element for a predicate it cannot split (e.g. ending in
    # a digit or '/'): refuse before writing rather than hand out broken RDF/XML
    for predicate in sorted({t.predicate.value for t in triples}):
        match = _XML_LOCAL_NAME.search(predicate)
        if match is None or match.start() == 0:
            raise ExportError(f"RDF/XML cannot write the predicate <{predicate}> (no XML name at its end); "
                              "export it as ttl, nt, nq, trig or jsonld")  # fmt: skip


def _serialize(statements: list, fmt: ExportFormat, stream: BinaryIO) -> None:
    prefixes = None if fmt.rdf_format in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS) else EXPORT_PREFIXES
    ox.serialize(statements, stream, fmt.rdf_format, prefixes=prefixes)


def _write_path(path: Path, statements: list, fmt: ExportFormat) -> None:
    if path.is_dir():
        raise ExportUsageError(f"cannot write the export to {path}: it is a directory")
    opened = False
    try:
        with atomic_write(path) as stream:
            opened = True
            _serialize(statements, fmt, stream)
    except OSError as exc:
        if not opened:  # no temporary file beside it: the folder is missing or not writable
            raise ExportUsageError(f"cannot write the export to {path}: {exc.strerror or exc}") from exc
        kept = "; the existing file is unchanged" if path.exists() else ""
        raise ExportError(f"writing the export to {path} failed: {exc.strerror or exc}{kept}") from exc


def _write_stream(stream: BinaryIO, statements: list, fmt: ExportFormat) -> None:
    # spooled first, so a failure half-way sends nothing rather than half a file
    with tempfile.SpooledTemporaryFile(max_size=64 * 2**20) as spool:
        try:
            _serialize(statements, fmt, spool)
        except OSError as exc:
            raise ExportError(f"serialising the export failed: {exc.strerror or exc}; nothing written") from exc
        spool.seek(0)
        shutil.copyfileobj(spool, stream)
        stream.flush()


def export(store: ox.Store, fmt: str, out: str | os.PathLike | BinaryIO, graphs: Iterable[str] | None = None) -> int:
    r"""Write the graphs and their description in one RDF format.

    Quad formats (``nq``, ``trig``, ``jsonld``) keep the named graphs and put the
    description in :data:`DESCRIPTION_GRAPH`; triple formats (``ttl``, ``nt``, ``xml``)
    merge the selected graphs and the description into one graph, each distinct triple
    once.

    Parameters
    ----------
    store
        The built store (see :func:`nanokg.store.transaction.open_store`).
    fmt
        A key of :data:`FORMATS`.
    out
        A file path (written atomically: a temporary file beside it, then renamed) or a
        binary stream.
    graphs
        Names of the graphs to write (default :data:`DEFAULT_GRAPHS`; ``lookup`` on request).

    Returns
    -------
    int
        The number of statements written: quads in quad formats, triples in triple formats.

    Raises
    ------
    ExportUsageError
        Unknown format or graph, or an output path that cannot be created.
    ExportError
        The serialisation or the write failed; nothing was written.

    Examples
    --------
    >>> import io
    >>> from nanokg.store.transaction import open_store
    >>> buffer = io.BytesIO()
    >>> export(open_store(STORE), "nt", buffer, ["ontology"]) == buffer.getvalue().count(b"\n")
    True
    """
    form = _format(fmt)
    names = select_graphs(graphs)
    data = _read_graphs(store, names)
    description = _description(store, data, form)
    statements: list
    if form.named_graphs:
        # the description first, then the data graphs in IRI order
        statements = description + sorted((q for quads in data.values() for q in quads), key=_quad_key)
    else:
        merged = {ox.Triple(q.subject, q.predicate, q.object) for quads in data.values() for q in quads}
        merged |= {ox.Triple(q.subject, q.predicate, q.object) for q in description}
        statements = sorted(merged, key=_triple_key)
        if form.name == "xml":
            _check_xml_predicates(statements)
    if isinstance(out, (str, os.PathLike)):
        _write_path(Path(out), statements, form)
    else:
        _write_stream(out, statements, form)
    return len(statements)
