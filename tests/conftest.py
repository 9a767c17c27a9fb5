"""Shared fixtures; `built_store` (the graph built once per session) is in the root conftest.py."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from nanokg import KnowledgeGraph, settings
from nanokg.store.transaction import open_store
from servers import missing

ROOT = Path(__file__).resolve().parents[1]


# -- test tiers ----------------------------------------------------------------------------------
# A test's tier follows from what it starts: using one of these fixtures (directly or through
# another fixture) marks it. Modules whose tests start their own servers say so in `pytestmark`.
# The fast tier: python -m pytest -n 2 --dist loadfile -m "not slow and not virtuoso and not browser and not grlc"
FIXTURE_MARKS = {
    "virtuoso_server": ("virtuoso", "server"),
    "small_virtuoso": ("virtuoso", "server"),
    "oxigraph_server": ("server",),
    "federation_standin": ("server",),
    "pushed": ("server",),
    "chromium": ("browser",),
    "grlc": ("grlc", "server"),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for name in getattr(item, "fixturenames", ()):
            for mark in FIXTURE_MARKS.get(name, ()):
                item.add_marker(mark)


@pytest.fixture(scope="session")
def store(built_store) -> ox.Store:
    return open_store(built_store)


@pytest.fixture(scope="session")
def kg(built_store) -> KnowledgeGraph:
    """The Python API on the session's embedded store."""
    return KnowledgeGraph.open(built_store)


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    """A writable copy of data/ for tests that break it on purpose."""
    target = tmp_path / "data"
    shutil.copytree(settings.data_dir(), target)
    return target


def select(store: ox.Store, text: str) -> list[dict[str, str]]:
    """Run a SELECT with the project's prefixes; rows of plain strings."""
    prefixes = (
        "PREFIX nkg: <https://w3id.org/nanokg/ontology#>\n"
        "PREFIX val: <https://w3id.org/nanokg/value/>\n"
        "PREFIX npo: <http://purl.bioontology.org/ontology/npo#>\n"
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
        "PREFIX qudt: <http://qudt.org/schema/qudt/>\n"
        "PREFIX product: <https://w3id.org/nanokg/product/>\n"
    )
    result = store.query(prefixes + text, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


@pytest.fixture(scope="session")
def oxigraph_server(built_store, tmp_path_factory):
    """A real `oxigraph serve` on 127.0.0.1 holding the built graph (loaded through GSP)."""
    from servers import OxigraphServer

    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "data")
    try:
        server.load_store(open_store(built_store))
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """A real Virtuoso 7 (Debian's virtuoso-opensource) on 127.0.0.1, started empty once per session.

    Tests that write into it use their own graph IRIs or replace ours with the same data.
    """
    from servers import VirtuosoServer

    try:
        server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso") / "db")
    except RuntimeError as exc:  # not installable, or it would not start: say so, never skip
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def virtuoso_loaded(virtuoso_server, store):
    """The session's Virtuoso holding exactly the built graph (its named graphs, same IRIs).

    Module-scoped on the one session instance: loading takes under a second, and it is
    cleared again afterwards, so modules that push into ``virtuoso_server`` find it empty.
    """
    virtuoso_server.clear()
    virtuoso_server.load_store(store)
    yield virtuoso_server
    virtuoso_server.clear()


# -- federation: a local stand-in for the public endpoints the federated queries call ------------

_STANDIN_DRUGS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX nkg: <https://w3id.org/nanokg/ontology#>
SELECT ?drug ?item ?label (SAMPLE(?c) AS ?chebi) (SAMPLE(?p) AS ?pubchem) WHERE {
  ?drug a nkg:Agent ; skos:exactMatch ?item ; skos:exactMatch ?chebiIri .
  FILTER(STRSTARTS(STR(?item), "http://www.wikidata.org/entity/"))
  FILTER(STRSTARTS(STR(?chebiIri), "http://purl.obolibrary.org/obo/CHEBI_"))
  ?item rdfs:label ?label .
  BIND(STRAFTER(STR(?chebiIri), "CHEBI_") AS ?c)
  OPTIONAL { ?drug skos:exactMatch ?pubchemIri .
             FILTER(STRSTARTS(STR(?pubchemIri), "http://rdf.ncbi.nlm.nih.gov/pubchem/compound/CID"))
             BIND(STRAFTER(STR(?pubchemIri), "/compound/CID") AS ?p) }
} GROUP BY ?drug ?item ?label ORDER BY ?drug LIMIT 3
"""
_STANDIN_PROTEINS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX nkg: <https://w3id.org/nanokg/ontology#>
SELECT ?target ?protein ?label (SAMPLE(?s) AS ?symbol) WHERE {
  ?target a nkg:MolecularTarget ; skos:exactMatch ?protein .
  FILTER(STRSTARTS(STR(?protein), "http://purl.uniprot.org/uniprot/"))
  ?protein rdfs:label ?label .
  OPTIONAL { ?target skos:exactMatch ?symbolIri .
             FILTER(STRSTARTS(STR(?symbolIri), "https://identifiers.org/hgnc.symbol:"))
             BIND(STRAFTER(STR(?symbolIri), "hgnc.symbol:") AS ?s) }
} GROUP BY ?target ?protein ?label ORDER BY ?target LIMIT 2
"""


class FederationStandIn:
    """A second `oxigraph serve` that plays Wikidata and UniProt for the federated queries.

    It holds an extract the test writes from nanokg's own mappings: Wikidata-shaped triples
    (English label, P683 ChEBI ID, P662 PubChem CID) for three mapped drugs, UniProt-shaped
    ones (reviewed human up:Protein, recommended name, encoding gene) for two mapped targets,
    and one item nanokg does not map, which no join may reach.
    """

    def __init__(self, store: ox.Store, directory: Path) -> None:
        from servers import OxigraphServer

        self.drugs = [dict(zip(("drug", "item", "label", "chebi", "pubchem"), r, strict=True))
                      for r in _rows(store, _STANDIN_DRUGS)]  # fmt: skip
        self.proteins = [dict(zip(("target", "protein", "label", "symbol"), r, strict=True))
                         for r in _rows(store, _STANDIN_PROTEINS)]  # fmt: skip
        self.server = OxigraphServer(directory)
        self.query_url = self.server.query_url
        self.triples = self._extract()
        self.server.put_graph("https://example.org/federation-stand-in", self.triples.encode())

    def _extract(self) -> str:
        wdt, up = "http://www.wikidata.org/prop/direct/", "http://purl.uniprot.org/core/"
        label, pref = "http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel"
        triples = []
        for d in self.drugs:
            item = ox.NamedNode(d["item"])
            triples += [ox.Triple(item, ox.NamedNode(label), ox.Literal(d["label"], language="en")),
                        ox.Triple(item, ox.NamedNode(label), ox.Literal(d["label"], language="de")),
                        ox.Triple(item, ox.NamedNode(wdt + "P683"), ox.Literal(d["chebi"]))]  # fmt: skip
            if d["pubchem"]:
                triples.append(ox.Triple(item, ox.NamedNode(wdt + "P662"), ox.Literal(d["pubchem"])))
        outsider = ox.NamedNode("http://www.wikidata.org/entity/Q4115189")  # the Wikidata sandbox item
        triples += [ox.Triple(outsider, ox.NamedNode(label), ox.Literal("Wikidata Sandbox", language="en")),
                    ox.Triple(outsider, ox.NamedNode(wdt + "P683"), ox.Literal("15377"))]  # fmt: skip
        for n, p in enumerate(self.proteins):
            protein, name, gene = ox.NamedNode(p["protein"]), ox.BlankNode(f"name{n}"), ox.BlankNode(f"gene{n}")
            triples += [
                ox.Triple(protein, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                          ox.NamedNode(up + "Protein")),
                ox.Triple(protein, ox.NamedNode(up + "reviewed"), ox.Literal("true", datatype=ox.NamedNode(
                    "http://www.w3.org/2001/XMLSchema#boolean"))),
                ox.Triple(protein, ox.NamedNode(up + "organism"), ox.NamedNode("http://purl.uniprot.org/taxonomy/9606")),
                ox.Triple(protein, ox.NamedNode(up + "recommendedName"), name),
                ox.Triple(name, ox.NamedNode(up + "fullName"), ox.Literal(p["label"])),
            ]  # fmt: skip
            if p["symbol"]:
                triples += [ox.Triple(protein, ox.NamedNode(up + "encodedBy"), gene),
                            ox.Triple(gene, ox.NamedNode(pref), ox.Literal(p["symbol"]))]  # fmt: skip
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()

    @property
    def services(self) -> str:
        """The ``NANOKG_SERVICES`` value that points both public endpoints here."""
        return f"wikidata={self.query_url} uniprot={self.query_url}"

    def stop(self) -> None:
        self.server.stop()


def _rows(store: ox.Store, text: str) -> list[tuple]:
    result = store.query(text, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [tuple(row[n].value if row[n] is not None else None for n in names) for row in result]


@pytest.fixture(scope="session")
def federation_standin(store, tmp_path_factory):
    """The stand-in endpoint, with ``$NANOKG_SERVICES`` pointing the federated queries at it.

    The variable stays set for the rest of the session (client-side rewriting reaches every
    backend: the embedded store, rdflib, and the servers the queries are sent to).
    """
    import os

    standin = FederationStandIn(store, tmp_path_factory.mktemp("federation") / "data")
    previous = os.environ.get("NANOKG_SERVICES")
    os.environ["NANOKG_SERVICES"] = standin.services
    try:
        yield standin
    finally:
        if previous is None:
            os.environ.pop("NANOKG_SERVICES", None)
        else:
            os.environ["NANOKG_SERVICES"] = previous
        standin.stop()


# -- Debian's chromium, for the query page and the HTML network view ----------------------

CHROMIUM = Path("/usr/bin/chromium")
# headless, with nothing that phones home (the machines are offline)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium; scripts/setup-test-env.sh installs it (no test installs anything)."""
    if not CHROMIUM.exists():
        pytest.fail(missing("chromium (Debian package chromium)"), pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots are kept: build/test-artifacts/, or $NANOKG_TEST_ARTIFACTS."""
    folder = Path(os.environ.get("NANOKG_TEST_ARTIFACTS") or ROOT / "build" / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture()
def browser(chromium, tmp_path):
    """A chromium context with a fresh profile; records every (method, url) it requests and every page error."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "profile",
            executable_path=str(chromium),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        context.requests = []
        context.errors = []
        context.on("request", lambda request: context.requests.append((request.method, request.url)))
        context.on("weberror", lambda error: context.errors.append(str(error.error)))
        try:
            yield context
        finally:
            context.close()
