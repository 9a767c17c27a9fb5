"""Federated queries (queries/federated-*.rq) run for real against a local stand-in endpoint.

A second `oxigraph serve` (the `federation_standin` fixture of tests/conftest.py) plays
Wikidata and UniProt with a small extract the test writes from nanokg's own mappings;
$NANOKG_SERVICES points the queries' SERVICE clauses at it. The SERVICE call is made by
each engine itself: the embedded pyoxigraph store, rdflib, an Oxigraph server and a real
`nanokg` subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from nanokg import KnowledgeGraph
from nanokg.curation.catalogue import Catalogue, ParameterValueError
from nanokg.query.federation import SERVICES, redirect_services, service_overrides

FEDERATED = [spec.name for spec in Catalogue() if "federated" in spec.tags]


def test_the_catalogue_has_federated_queries_calling_public_endpoints():
    assert set(FEDERATED) >= {"federated-wikidata-drugs", "federated-uniprot-targets"}
    for name in FEDERATED:
        text = Catalogue()[name].text
        assert any(f"SERVICE <{url}>" in text for url in SERVICES.values()), name


def test_stand_in_holds_an_extract_of_mapped_entities(federation_standin):
    assert len(federation_standin.drugs) == 3
    assert len(federation_standin.proteins) == 2
    assert all(d["chebi"] for d in federation_standin.drugs)


def wikidata_expected(standin):
    return sorted(
        (d["drug"], d["item"], d["label"], d["chebi"], d["chebi"], d["pubchem"], d["pubchem"]) for d in standin.drugs
    )


def wikidata_rows(kg):
    results = kg.query("federated-wikidata-drugs")
    assert results.columns == ["drug", "name", "item", "wikidataLabel", "wikidataChebi", "nanokgChebi",
                               "wikidataPubchem", "nanokgPubchem"]  # fmt: skip
    return sorted({(r[0], r[2], r[3], r[4], r[5], r[6], r[7]) for r in results.rows})


def uniprot_rows(kg):
    results = kg.query("federated-uniprot-targets")
    assert results.columns == ["target", "name", "protein", "proteinName", "gene", "nanokgSymbol"]
    return sorted((r[0], r[2], r[3], r[4], r[5]) for r in results.rows)


def uniprot_expected(standin):
    return sorted((p["target"], p["protein"], p["label"], p["symbol"], p["symbol"]) for p in standin.proteins)


@pytest.fixture(scope="module")
def engines(kg, built_store, oxigraph_server, federation_standin):
    return {
        "embedded": kg,
        "rdflib": KnowledgeGraph.in_memory(built_store),
        "oxigraph-server": KnowledgeGraph.remote(oxigraph_server.query_url),
    }


@pytest.mark.parametrize("engine", ["embedded", "rdflib", "oxigraph-server"])
def test_wikidata_join_through_the_stand_in(engines, federation_standin, engine):
    # the stand-in's item nanokg does not map never reaches the answer; its German labels are filtered out
    assert wikidata_rows(engines[engine]) == wikidata_expected(federation_standin)


@pytest.mark.parametrize("engine", ["embedded", "rdflib", "oxigraph-server"])
def test_uniprot_join_through_the_stand_in(engines, federation_standin, engine):
    assert uniprot_rows(engines[engine]) == uniprot_expected(federation_standin)


def test_a_federated_query_with_evidence_goes_through_the_stand_in_too(kg, federation_standin):
    # evidence=True takes its own path to the backend: it must redirect SERVICE as well
    plain = kg.query("federated-wikidata-drugs")
    with_evidence = kg.query("federated-wikidata-drugs", evidence=True)
    assert with_evidence.rows == plain.rows and len(plain) == len(federation_standin.drugs)
    assert len(with_evidence.evidence) == len(plain)


def test_cli_runs_a_federated_query_in_a_subprocess(built_store, federation_standin):
    done = subprocess.run(
        [sys.executable, "-m", "nanokg", "query", "federated-wikidata-drugs", "--format", "csv",
         "--store", str(built_store)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "NANOKG_SERVICES": federation_standin.services},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 + len(federation_standin.drugs)
    assert {d["item"] for d in federation_standin.drugs} <= {line.split(",")[2] for line in lines[1:]}


def test_only_the_public_endpoint_iri_is_replaced():
    text = (
        "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } "
        'SERVICE SILENT <https://example.org/sparql> { ?s ?p "SERVICE <https://query.wikidata.org/sparql>" } }'
    )
    out = redirect_services(text, service_overrides("wikidata=http://127.0.0.1:9/query"))
    assert out.count("<http://127.0.0.1:9/query>") == 1
    assert "SERVICE SILENT <https://example.org/sparql>" in out


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("wikidata", "is not NAME=URL"),
        ("dbpedia=http://127.0.0.1:9/query", "no service of the queries"),
        ("wikidata=http://127.0.0.1:9/q> } DROP ALL {", "is not an IRI"),
        ("uniprot=file:///etc/passwd", "not an http(s) endpoint"),
    ],
)
def test_malformed_overrides_are_refused(value, message):
    with pytest.raises(ParameterValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        service_overrides(value)


def test_cli_reports_a_malformed_override_in_one_line(built_store):
    done = subprocess.run(
        [sys.executable, "-m", "nanokg", "query", "federated-uniprot-targets", "--store", str(built_store)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "NANOKG_SERVICES": "uniprot=not a url"},
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("nanokg: error: NANOKG_SERVICES: ") and len(done.stderr.splitlines()) == 1


def test_cli_reports_an_unreachable_service_in_one_line_not_as_a_bug(built_store):
    # nothing listens on the discard port: the engine's OSError is a failure of the work (exit 1)
    done = subprocess.run(
        [sys.executable, "-m", "nanokg", "query", "federated-uniprot-targets", "--store", str(built_store)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "NANOKG_SERVICES": "uniprot=http://127.0.0.1:9/sparql"},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("nanokg: error: the query failed (a SERVICE endpoint it calls?): ")
    assert len(done.stderr.splitlines()) == 1 and "bug" not in done.stderr


def test_an_unreachable_service_is_an_oserror_and_a_nanokg_error(kg, monkeypatch):
    from nanokg.errors import NanokgError
    from nanokg.query.backends import EngineFailure

    monkeypatch.setenv("NANOKG_SERVICES", "wikidata=http://127.0.0.1:9/sparql")
    with pytest.raises(EngineFailure, match="SERVICE endpoint") as caught:
        kg.query("federated-wikidata-drugs")
    assert isinstance(caught.value, OSError) and isinstance(caught.value, NanokgError)
