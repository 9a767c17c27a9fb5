"""Evidence on answers: the curated facts behind each row, on every backend.

The acceptance question, "Which products target the transferrin receptor?", is asked
with evidence of the embedded store, of the in-memory rdflib copy, of a fresh real
Oxigraph server after `nanokg push`, and of a real Virtuoso; each answer must name
SGT-53 and CALAA-01 with the seed sentences that say so.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import pyoxigraph as ox
import pytest
from rdflib.query import Result

from nanokg import KnowledgeGraph, settings
from nanokg.query.backends import EmbeddedBackend
from nanokg.query.evidence import Fact
from nanokg.query.provenance import evidence_query
from nanokg.query.results import CSV_COLUMNS
from nanokg.vocabulary import GRAPHS
from servers import OxigraphServer

NKG = "https://w3id.org/nanokg/ontology#"
PRODUCT = "https://w3id.org/nanokg/product/"
SEED_000 = "https://w3id.org/nanokg/source/seed-000"
TARGET_TFR = "https://w3id.org/nanokg/target/transferrin-receptor"
#: the seed sentences that say each product targets the transferrin receptor (data/products/targeted.yaml)
SAYS_SO = {
    "SGT-53": "wherein TfRscFv actively targets tumor cell transferrin receptor",
    "CALAA-01": "CALAA-01 surface-modified human transferrin (hTf) specifically targets the transferrin receptor",
}
LIGANDS = {
    "SGT-53": "https://w3id.org/nanokg/ligand/tfr-scfv",
    "CALAA-01": "https://w3id.org/nanokg/ligand/human-transferrin",
}


def nanokg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nanokg", *args], capture_output=True, text=True, timeout=300, check=False
    )


def check_acceptance(kg: KnowledgeGraph) -> None:
    """SGT-53 and CALAA-01, each with the seed sentence behind its targeting facts."""
    answer = kg.query("products-by-target", target="TfR", evidence=True)
    assert {row["name"] for row in answer} == set(SAYS_SO)
    assert len(answer.evidence) == len(answer)
    for row, facts in zip(answer.as_dicts(), answer.evidence, strict=True):
        product, quote = row["product"], SAYS_SO[row["name"]]
        ligand = LIGANDS[row["name"]]
        by_triple = {(f.subject, f.predicate, f.object): f for f in facts}
        for triple in [
            (product, NKG + "hasTargetingLigand", ligand),
            (product, NKG + "activelyTargets", TARGET_TFR),
            (ligand, NKG + "bindsTarget", TARGET_TFR),
        ]:
            fact = by_triple[triple]
            assert (fact.source, fact.quote, fact.correction) == (SEED_000, quote, None)
        # the name column is a fact too, with the product's own sentence
        label = by_triple[(product, "http://www.w3.org/2000/01/rdf-schema#label", row["name"])]
        assert label.quote.startswith(row["name"]) and label.locator == "Active targeting of nanomedicine"
        # nothing about other products, and no fact without its source
        assert all(f.subject in (product, ligand) for f in facts)
        assert all(f.source and (f.quote or f.note) for f in facts)


def comparable(kg: KnowledgeGraph, name: str, **params) -> list[tuple]:
    answer = kg.query(name, evidence=True, **params)
    rows = [tuple(str(v) for v in row) for row in answer.rows]
    return sorted(zip(rows, (tuple(sorted(map(repr, facts))) for facts in answer.evidence), strict=True))


# -- the acceptance question on every backend -------------------------------------------


def test_the_quotes_are_the_curated_strings():
    text = (settings.data_dir() / "products" / "targeted.yaml").read_text(encoding="utf-8")
    for quote in SAYS_SO.values():
        assert f'quote: "{quote}"' in text


def test_acceptance_on_the_embedded_store(kg):
    check_acceptance(kg)


@pytest.mark.slow
def test_acceptance_in_memory_rdflib(built_store, kg):
    memory = KnowledgeGraph.in_memory(built_store)
    check_acceptance(memory)
    for name, params in [("products-by-target", {"target": "TfR"}), ("terminated-trials", {})]:
        assert comparable(memory, name, **params) == comparable(kg, name, **params)


@pytest.fixture(scope="module")
def pushed(built_store, tmp_path_factory):
    """A fresh real Oxigraph server that got the graph through `nanokg push`, the user's path."""
    server = OxigraphServer(tmp_path_factory.mktemp("evidence-oxigraph") / "data")
    try:
        done = nanokg("push", "--endpoint", server.query_url, "--store", str(built_store))
        assert done.returncode == 0, done.stderr
        yield server
    finally:
        server.stop()


@pytest.mark.slow
def test_acceptance_on_oxigraph_after_push(pushed, kg):
    remote = KnowledgeGraph.remote(pushed.query_url)
    check_acceptance(remote)
    for name, params in [
        ("products-by-target", {"target": "TfR"}),
        ("products-by-payload", {"payload": "doxorubicin"}),
        ("terminated-trials", {}),
        ("outcomes-by-product", {"product": "Abraxane"}),
    ]:
        assert comparable(remote, name, **params) == comparable(kg, name, **params), name


@pytest.mark.slow
def test_cli_evidence_against_the_pushed_server(pushed):
    done = nanokg("query", "products-by-target", "-p", "target=TfR", "--evidence", "--endpoint", pushed.query_url)
    assert done.returncode == 0, done.stderr
    for quote in SAYS_SO.values():
        assert f'        seed-000: "{quote}"' in done.stdout.splitlines()


def test_acceptance_on_virtuoso(virtuoso_loaded, kg):
    remote = KnowledgeGraph.remote(virtuoso_loaded.query_url)
    check_acceptance(remote)
    assert comparable(remote, "terminated-trials") == comparable(kg, "terminated-trials")


# -- which facts a row gets -------------------------------------------------------------


def facts_of(answer, **match) -> list[Fact]:
    (index,) = [i for i, row in enumerate(answer.as_dicts()) if all(row[k] == v for k, v in match.items())]
    return answer.evidence[index]


def test_products_by_payload(kg):
    answer = kg.query("products-by-payload", payload="doxorubicin", evidence=True)
    facts = facts_of(answer, name="Doxil")
    payload = [
        f
        for f in facts
        if f.triple == (PRODUCT + "doxil", NKG + "hasPayload", "https://w3id.org/nanokg/drug/doxorubicin")
    ]
    # two sentences of seed 000 say Doxil carries doxorubicin: both are there
    assert {f.quote for f in payload} == {
        "liposome-encapsulated doxorubicin has been used in clinical treatment of ovarian cancer, metastatic breast "
        "cancer, Kaposi’s sarcoma and other tumors in many countries including China, and its trade name is Doxil ®",
        "loaded with the antitumor drug Doxorubicin (Dox), the polyethylene glycol modified liposome Doxil ®",
    }
    assert (PRODUCT + "doxil", NKG + "hasHighestStage", "https://w3id.org/nanokg/value/approved") in {
        f.triple for f in facts
    }
    # a correction of the source comes with the fact it corrects
    thermodox = facts_of(answer, name="ThermoDox")
    (label,) = [f for f in thermodox if f.predicate.endswith("#label") and f.subject == PRODUCT + "thermodox"]
    assert label.correction.seed_says == "Themodox" and label.correction.corrected == "ThermoDox"


def test_terminated_trials(kg):
    answer = kg.query("terminated-trials", evidence=True)
    row = {"name": "CALAA-01", "reason": "https://w3id.org/nanokg/value/safety"}
    triples = {f.triple: f for f in facts_of(answer, **row)}
    trial = "https://w3id.org/nanokg/trial/calaa-01-phase-1"
    said = "CALAA-01 related clinical trials have been discontinued for reasons of preparation cost and safety"
    assert triples[(PRODUCT + "calaa-01", NKG + "hasTrial", trial)].quote == said
    assert triples[(trial, NKG + "terminationReason", row["reason"])].quote == said
    # the other reason's fact belongs to the other row
    assert (trial, NKG + "terminationReason", "https://w3id.org/nanokg/value/preparation-cost") not in triples


def test_outcomes_by_product(kg):
    answer = kg.query("outcomes-by-product", product="Abraxane", evidence=True)
    for row, facts in zip(answer.as_dicts(), answer.evidence, strict=True):
        triples = {f.triple for f in facts}
        assert (PRODUCT + "abraxane", NKG + "hasOutcome", row["outcome"]) in triples
        assert (row["outcome"], NKG + "outcomeMeasure", row["measure"]) in triples
        if row["value"] is not None:
            assert (row["outcome"], "http://qudt.org/schema/qudt/numericValue", row["value"]) in triples
        # one outcome's facts only
        assert {f.subject for f in facts} <= {PRODUCT + "abraxane", row["outcome"]}


def test_two_step_premises_when_the_row_skips_the_node_between(kg, tmp_path):
    # the approval that links a product to its region is not selected: the path through it is the evidence
    query = tmp_path / "approved-where.rq"
    query.write_text(
        "PREFIX nkg: <https://w3id.org/nanokg/ontology#>\n"
        "SELECT DISTINCT ?product ?region WHERE { ?product nkg:hasApproval/nkg:approvalRegion ?region }\n"
    )
    answer = kg.query(query, evidence=True)
    korea = "https://w3id.org/nanokg/region/south-korea"
    facts = facts_of(answer, product=PRODUCT + "genexol-pm", region=korea)
    approval = "https://w3id.org/nanokg/approval/genexol-pm-1"
    assert {f.triple for f in facts} == {
        (PRODUCT + "genexol-pm", NKG + "hasApproval", approval),
        (approval, NKG + "approvalRegion", korea),
    }
    assert all(f.source for f in facts)


def test_rows_without_curated_facts_have_an_empty_list(kg):
    answer = kg.query("stats-graphs", evidence=True)
    assert answer.evidence == [[] for _ in answer.rows]
    assert kg.query("stats-graphs").evidence is None


def test_a_few_bulk_queries_per_answer(built_store):
    class Counting(EmbeddedBackend):
        calls = 0

        def _select(self, text):
            Counting.calls += 1
            return super()._select(text)

    kg = KnowledgeGraph(Counting(KnowledgeGraph.open(built_store).backend.store))
    answer = kg.query("products", evidence=True)
    assert len(answer) == 42 and all(answer.evidence)
    # the answer, the statements about its terms, two-step nodes, evidence: not one query per fact
    assert Counting.calls <= 4 < sum(len(f) for f in answer.evidence)


# -- describe: the same model -------------------------------------------------------------


def test_describe_gives_facts_and_the_premises_of_inferred_statements(kg):
    described = kg.describe("triple-negative breast cancer")
    rows = described.as_dicts()
    assert len(described.evidence) == len(rows)
    for row, facts in zip(rows, described.evidence, strict=True):
        if row["graph"] == "asserted":
            assert [(f.source, f.quote, f.note) for f in facts] == [(row["source"], row["quote"], row["note"])]
    (i,) = [i for i, r in enumerate(rows) if r["graph"] == "inferred" and r["value"].endswith("/disease/cancer")]
    tnbc, breast, cancer = (f"https://w3id.org/nanokg/disease/{d}" for d in ("triple-negative-breast-cancer",
                                                                             "breast-cancer", "cancer"))  # fmt: skip
    assert {f.triple for f in described.evidence[i]} == {
        (tnbc, NKG + "broaderDisease", breast),
        (breast, NKG + "broaderDisease", cancer),
    }


def test_cli_describe_shows_premises(built_store):
    done = nanokg("describe", "doxorubicin", "--store", str(built_store))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    at = lines.index("  is payload of: Myocet (product:myocet)  [inferred]")
    assert lines[at + 1 : at + 4] == [
        "      from:",
        "        product:myocet nkg:hasPayload drug:doxorubicin",
        '            seed-000: "Myocet ® is a non-pegylated doxorubicin liposome"',
    ]


# -- output formats ---------------------------------------------------------------------


def test_cli_table(built_store):
    done = nanokg("query", "products-by-target", "-p", "target=TfR", "--evidence", "--store", str(built_store))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    sgt = next(i for i, line in enumerate(lines) if line.startswith("product:sgt-53 "))
    block = lines[sgt + 1 :]
    assert block[:2] == [
        "    ligand:tfr-scfv nkg:bindsTarget target:transferrin-receptor",
        f'        seed-000: "{SAYS_SO["SGT-53"]}"',
    ]
    assert "    product:sgt-53 nkg:hasTargetingLigand ligand:tfr-scfv" in block


def test_json_extends_sparql_results(built_store):
    done = nanokg("query", "products-by-target", "-p", "target=TfR", "--evidence", "--format", "json",
                  "--store", str(built_store))  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    bindings, evidence = document["results"]["bindings"], document["evidence"]
    assert len(evidence) == len(bindings) == 3
    for binding, facts in zip(bindings, evidence, strict=True):
        name = binding["name"]["value"]
        (fact,) = [f for f in facts if f["predicate"]["value"] == NKG + "hasTargetingLigand"]
        assert fact == {
            "subject": {"type": "uri", "value": binding["product"]["value"]},
            "predicate": {"type": "uri", "value": NKG + "hasTargetingLigand"},
            "object": {"type": "uri", "value": LIGANDS[name]},
            "source": SEED_000,
            "quote": SAYS_SO[name],
            "locator": None,
            "note": None,
            "curatedFrom": fact["curatedFrom"],
            "correction": None,
        }
        assert re.fullmatch(r"data/products/targeted\.yaml:\d+", fact["curatedFrom"])
    # a SPARQL JSON reader still reads it, ignoring the extra member
    parsed = Result.parse(io.StringIO(done.stdout), format="json")
    assert len(parsed) == 3


def test_csv_and_tsv_give_a_line_per_row_and_fact(built_store):
    args = ["query", "products-by-target", "-p", "target=TfR", "--evidence", "--store", str(built_store)]
    answer = KnowledgeGraph.open(built_store).query("products-by-target", target="TfR", evidence=True)
    done = nanokg(*args, "--format", "csv")
    assert done.returncode == 0, done.stderr
    lines = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(lines[0]) == [*answer.columns, *CSV_COLUMNS]
    assert len(lines) == sum(len(f) for f in answer.evidence)
    said = {(line["name"], line["evidence_quote"]) for line in lines if line["evidence_predicate"].endswith("Ligand")}
    assert said == set(SAYS_SO.items())
    assert {line["evidence_row"] for line in lines} == {"1", "2", "3"}
    done = nanokg(*args, "--format", "tsv")
    header, *rows = done.stdout.splitlines()
    assert header.split("\t")[-len(CSV_COLUMNS) :] == [f"?{c}" for c in CSV_COLUMNS]
    assert len(rows) == len(lines)
    assert any(f'\t"{SAYS_SO["SGT-53"]}"\t' in row for row in rows)


def test_no_evidence_leaves_the_formats_as_they_were(kg):
    answer = kg.query("products-by-target", target="TfR")
    assert answer.evidence is None
    assert "evidence" not in answer.to_sparql_json()
    assert answer.to_csv().splitlines()[0] == ",".join(answer.columns)


def test_rows_without_facts_in_csv_keep_their_line(kg):
    answer = kg.query("stats-graphs", evidence=True)
    lines = list(csv.DictReader(io.StringIO(answer.to_csv())))
    assert len(lines) == len(answer)
    assert all(line["evidence_subject"] == "" for line in lines)


def test_cli_table_marks_rows_without_facts(built_store):
    done = nanokg("query", "stats-graphs", "--evidence", "--store", str(built_store))
    assert done.returncode == 0, done.stderr
    assert "    (no curated fact)" in done.stdout.splitlines()


# -- the one provenance query (nanokg.query.provenance) -------------------------------------


def _provenance_store() -> ox.Store:
    """Two reified facts in the provenance graph: one with a source, quote and correction, one with a note only."""
    data = f"""
    @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
    @prefix nkg: <{NKG}> .
    @prefix prov: <http://www.w3.org/ns/prov#> .
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    @prefix e: <http://e/> .
    e:st1 rdf:subject e:a ; rdf:predicate e:p ; rdf:object e:b ; nkg:hasEvidence e:ev1 .
    e:ev1 prov:wasDerivedFrom e:seed ; nkg:quote "a p b" ; nkg:locator "p. 2" ; nkg:hasCorrection e:c1 .
    e:c1 nkg:seedSays "5" ; nkg:correctedValue "50" ; nkg:correctionReason "a typo" .
    e:st2 rdf:subject e:a ; rdf:predicate e:q ; rdf:object "x" ; nkg:hasEvidence e:ev2 .
    e:ev2 skos:editorialNote "general knowledge" .
    """
    store = ox.Store()
    store.load(data.encode(), ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(GRAPHS["provenance"])))
    return store


def test_the_provenance_query_reads_fields_required_or_optional():
    store = _provenance_store()
    fields = ["source", "quote", "locator", "note", "curatedFrom", "correction"]
    text = evidence_query(fields, fact=("s", "p", "o"), graph=str(GRAPHS["provenance"]))
    solutions = store.query(text)
    names = [v.value for v in solutions.variables]
    rows = {row["p"].value: {n: (row[n].value if row[n] is not None else None) for n in names} for row in solutions}
    assert rows["http://e/p"] == {
        "s": "http://e/a", "p": "http://e/p", "o": "http://e/b", "source": "http://e/seed", "quote": "a p b",
        "locator": "p. 2", "note": None, "curatedFrom": None, "seedSays": "5", "corrected": "50", "reason": "a typo",
    }  # fmt: skip
    assert rows["http://e/q"]["note"] == "general knowledge" and rows["http://e/q"]["source"] is None
    # a required field keeps only the evidence that has it; names rename the columns
    required = evidence_query(["source", "locator"], required=["source"], fact=("s", "p", "o"), names={"locator": "at"})
    solutions = list(store.query(required, use_default_graph_as_union=True))
    assert [(s["p"].value, s["at"].value) for s in solutions] == [("http://e/p", "p. 2")]
    # outside the named graph there is nothing
    assert not list(store.query(evidence_query(["note"], fact=("s", "p", "o"), graph="http://e/elsewhere")))


def test_the_provenance_query_refuses_unknown_and_impossible_fields():
    with pytest.raises(ValueError, match="no field of the evidence"):
        evidence_query(["sorce"])
    with pytest.raises(ValueError, match="must be among"):
        evidence_query(["source"], required=["correction"])
    with pytest.raises(ValueError, match="must be among"):
        evidence_query(["source"], required=["quote"])
