"""`nanokg query`, `nanokg sparql`, `nanokg describe`: answers, formats, endpoints, and clear errors."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from nanokg.cli import main
from nanokg.curation.catalogue import Catalogue


def run(*args: str, store=None) -> subprocess.CompletedProcess:
    extra = ["--store", str(store)] if store is not None else []
    return subprocess.run([sys.executable, "-m", "nanokg", *args, *extra], capture_output=True, text=True, check=False)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_list_shows_every_query_with_its_parameters():
    result = invoke("query", "--list")
    assert result.exit_code == 0
    for spec in Catalogue():
        assert f"{spec.name}: {spec.title}" in result.output
        for param in spec.params:
            assert f"    {param} (" in result.output
    assert "target (entity (nkg:MolecularTarget); default target:transferrin-receptor)" in result.output


def test_query_with_a_synonym_as_csv(built_store):
    result = invoke(
        "query", "products-by-target", "--param", "target=CD71", "--format", "csv", "--store", str(built_store)
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    # seed 000: SGT-53 (TfRscFv) and CALAA-01 (human transferrin) target the transferrin receptor
    assert {r["name"] for r in rows} == {"SGT-53", "CALAA-01"}
    assert rows[0]["product"].startswith("https://w3id.org/nanokg/product/")


def test_json_is_sparql_results_json(built_store):
    result = invoke("query", "products-by-target", "-p", "target=PSMA", "--format", "json", "--store", str(built_store))
    document = json.loads(result.stdout)
    assert document["head"]["vars"][:2] == ["product", "name"]
    (binding,) = document["results"]["bindings"]
    assert binding["product"] == {"type": "uri", "value": "https://w3id.org/nanokg/product/bind-014"}
    assert binding["stageRank"] == {
        "type": "literal",
        "value": "4",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    }


def test_tsv_writes_rdf_terms(built_store):
    result = invoke("query", "products-by-target", "-p", "target=PSMA", "--format", "tsv", "--store", str(built_store))
    header, row = result.stdout.splitlines()
    assert header.startswith("?product\t?name")
    assert row.startswith('<https://w3id.org/nanokg/product/bind-014>\t"BIND-014"')


def test_table_compacts_iris(built_store):
    result = invoke("query", "products-by-target", "-p", "target=PSMA", "--store", str(built_store))
    assert "product:bind-014" in result.stdout and "BIND-014" in result.stdout


def test_query_file(built_store, tmp_path):
    path = tmp_path / "mine.rq"
    path.write_text("PREFIX nkg: <https://w3id.org/nanokg/ontology#>\nSELECT ?p WHERE { ?p nkg:hasPayload ?_drug_iri }")
    result = invoke("query", str(path), "-p", "drug=p53 gene", "--format", "csv", "--store", str(built_store))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["p", "https://w3id.org/nanokg/product/sgt-53"]


def test_sparql_text_and_stdin(built_store):
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?p a nkg:Nanomedicine }"
    result = invoke("sparql", text, "--format", "csv", "--store", str(built_store))
    assert result.stdout.splitlines() == ["n", "42"]
    result = CliRunner().invoke(main, ["sparql", "-", "--format", "csv", "--store", str(built_store)], input=text)
    assert result.stdout.splitlines() == ["n", "42"]


def test_describe_prints_facts_with_sources(built_store):
    result = invoke("describe", "caelyx", "--store", str(built_store))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Doxil  <https://w3id.org/nanokg/product/doxil>"
    assert "  has payload: doxorubicin (drug:doxorubicin)" in lines
    at = lines.index("  has payload: doxorubicin (drug:doxorubicin)")
    assert lines[at + 1].startswith("      seed-000: ")
    result = invoke("describe", "ThermoDox", "--store", str(built_store))
    assert "correction: the seed says 'Themodox'" in result.stdout


def test_endpoint_gives_the_embedded_answer(built_store, oxigraph_server):
    args = ["query", "products-by-target", "-p", "target=tfr", "--format", "csv"]
    local = invoke(*args, "--store", str(built_store))
    remote = invoke(*args, "--endpoint", oxigraph_server.query_url)
    assert remote.exit_code == 0, remote.output
    assert sorted(remote.stdout.splitlines()) == sorted(local.stdout.splitlines())
    remote = invoke("describe", "CD71", "--endpoint", oxigraph_server.query_url)
    assert (
        remote.stdout.splitlines()[0] == "transferrin receptor  <https://w3id.org/nanokg/target/transferrin-receptor>"
    )
    remote = invoke("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?p a nkg:Nanomedicine }", "--endpoint",
                    oxigraph_server.query_url, "--format", "csv")  # fmt: skip
    assert remote.stdout.splitlines() == ["n", "42"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # an injection attempt through a parameter is a name that resolves to nothing
        (
            ["query", "products-by-target", "--param", 'target=x" } ; DROP ALL #'],
            "nanokg: error: parameter 'target': no nkg:MolecularTarget named 'x\" } ; DROP ALL #' in the graph",
        ),
        (["query", "no-such-query"], "nanokg: error: no query named 'no-such-query' (see `nanokg query --list`)"),
        (
            ["query", "products-by-target", "--param", "colour=red"],
            "nanokg: error: query 'products-by-target' has no parameter 'colour' (it takes: target)",
        ),
        (
            ["query", "products-by-target", "--param", "target"],
            "nanokg: error: --param 'target': write it as KEY=VALUE",
        ),
        (
            ["sparql", "SELECT ?p WHERE {\n  ?p nkg:hasPayload\n}"],
            "nanokg: error: sparql:3:",
        ),
        (["describe", "no such thing"], "nanokg: error: 'no such thing' names nothing"),
    ],
)
@pytest.mark.slow
def test_bad_input_is_one_clear_line_with_exit_2(built_store, args, message):
    result = run(*args, store=built_store)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), lines
    assert result.stdout == ""


def test_malformed_query_file_names_file_line_and_column(built_store, tmp_path):
    path = tmp_path / "broken.rq"
    path.write_text(
        "PREFIX nkg: <https://w3id.org/nanokg/ontology#>\nSELECT ?p WHERE {\n  ?p nkg:hasPayload ?d .\n  FILTER(\n}\n"
    )
    result = run("query", str(path), store=built_store)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    # Oxigraph reports where its parser gave up: here the end of the file
    assert re.match(rf"nanokg: error: {re.escape(str(path))}:\d+:\d+: SPARQL syntax error: expected ", line)


def test_unreachable_endpoint_is_one_line_exit_1():
    from servers import free_port

    result = run("sparql", "SELECT * WHERE { ?s ?p ?o }", "--endpoint", f"http://127.0.0.1:{free_port()}/query")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "cannot reach the endpoint" in line


@pytest.mark.parametrize("command", [[], ["build"], ["products"], ["stats"], ["query"], ["sparql"], ["describe"]])
def test_every_command_has_help(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: " in result.output and "--help" in result.output


@pytest.mark.parametrize("name", Catalogue().names())
def test_every_header_example_runs(built_store, name, federation_standin):  # federated ones call the stand-in
    import shlex

    args = shlex.split(Catalogue()[name].example)
    assert args[:3] == ["nanokg", "query", name]
    result = invoke(*args[1:], "--store", str(built_store))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_streamed_answers_are_the_results_text(built_store, fmt):
    # written piece by piece (Results.iter_csv ...): byte for byte the text of to_csv/to_tsv/to_json
    from nanokg import KnowledgeGraph

    text = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g ?s ?p ?o"
    with KnowledgeGraph.open(built_store) as kg:
        results = kg.sparql(text)
    assert len(results) > 5000  # many pieces of a writer
    result = invoke("sparql", text, "--format", fmt, "--store", str(built_store))
    assert result.exit_code == 0, result.output
    expected = {"csv": results.to_csv, "tsv": results.to_tsv, "json": lambda: results.to_json() + "\n"}[fmt]()
    assert result.stdout_bytes.decode("utf-8") == expected  # stdout would turn \r\n into \n
