"""External identifiers: data/mappings.yaml validated and built, names by CURIE or IRI, `nanokg mappings`, SSSOM."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import select
from nanokg.cli import main
from nanokg.curation import DataErrors, load_curation
from nanokg.identifiers import compress, expand
from nanokg.publish.mappings import COVERED_KINDS, coverage, mapping_rows, unmapped

DOXORUBICIN = "https://w3id.org/nanokg/drug/doxorubicin"
CHEBI_DOXORUBICIN = "http://purl.obolibrary.org/obo/CHEBI_28748"
CHECKED = "github:owner/repo@abc123 data/file.tsv: 'DB00997<TAB>Doxorubicin'"


def write_mappings(data: Path, entries: list[dict] | None) -> Path:
    path = data / "mappings.yaml"
    path.write_text(yaml.safe_dump({"mappings": entries}, sort_keys=False), encoding="utf-8")
    return path


def errors_of(data: Path) -> list[str]:
    with pytest.raises(DataErrors) as caught:
        load_curation(data)
    return [str(e) for e in caught.value.errors]


def match(curie: str, **extra) -> dict:
    return {"id": curie, "predicate": "exact", "label": "doxorubicin", "checked": CHECKED, **extra}


# -- the file ---------------------------------------------------------------------------------


@pytest.mark.parametrize("entries", [None, []])
def test_an_empty_or_partial_file_builds(data_copy, entries):
    write_mappings(data_copy, entries)
    assert load_curation(data_copy).mappings == []
    write_mappings(data_copy, [{"entity": "drug/doxorubicin", "matches": [match("CHEBI:28748")]}])
    [mapping] = load_curation(data_copy).mappings
    assert mapping.matches[0].curated_from == "data/mappings.yaml:4"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"entity": "drug/no-such-drug", "matches": [match("CHEBI:28748")]},
         "mappings.yaml:2: mappings[drug/no-such-drug].entity: 'no-such-drug' is not a defined drug id"),
        ({"entity": "spaceship/doxorubicin"}, "mappings[spaceship/doxorubicin].entity: unknown kind 'spaceship'"),
        ({"entity": "drug/doxorubicin", "matches": [match("NOPE:1")]},
         "mappings.yaml:4: mappings[drug/doxorubicin].matches[0].id: unknown prefix 'NOPE' (not in the Bioregistry)"),
        ({"entity": "drug/doxorubicin", "matches": [match("chebi:28748")]},
         "matches[0].id: write the prefix as the Bioregistry prefers: 'CHEBI:28748'"),
        ({"entity": "drug/doxorubicin", "matches": [match("drugbank:00997")]},
         "matches[0].id: malformed CURIE: '00997' does not match drugbank's pattern"),
        ({"entity": "drug/doxorubicin", "matches": [match("CHEBI 28748")]}, "matches[0].id: malformed CURIE"),
        ({"entity": "drug/doxorubicin", "matches": [match("CHEBI:28748"), match("CHEBI:28748")]},
         "mappings.yaml:8: mappings[drug/doxorubicin].matches[1].id: duplicate id 'CHEBI:28748'"),
        ({"entity": "drug/doxorubicin", "matches": [match("CHEBI:28748")],
          "unmapped": [{"prefix": "CHEBI", "reason": "r"}]}, "'CHEBI' is listed as unmapped but has a match"),
        ({"entity": "drug/doxorubicin", "matches": [{"id": "CHEBI:28748", "predicate": "exact"}]},
         "mappings.yaml:4: mappings[drug/doxorubicin].matches[0].checked: required field is missing"),
        ({"entity": "drug/doxorubicin", "matches": [match("CHEBI:28748", predicate="same")]},
         "matches[0].predicate: 'same' is not one of the allowed values"),
        ({"entity": "drug/doxorubicin", "synonyms": [{"name": "Adriamycin", "from": "CHEBI:x", "checked": CHECKED}]},
         "mappings[drug/doxorubicin].synonyms[0].from: malformed CURIE"),
    ],
)  # fmt: skip
@pytest.mark.slow
def test_bad_mappings_are_located(data_copy, entry, expected):
    write_mappings(data_copy, [entry])
    found = errors_of(data_copy)
    assert any(expected in e for e in found), found


def test_duplicate_entity(data_copy):
    write_mappings(data_copy, [{"entity": "drug/doxorubicin"}, {"entity": "drug/doxorubicin"}])
    assert any("duplicate entity 'drug/doxorubicin' (first listed at data/mappings.yaml:2)" in e
               for e in errors_of(data_copy))  # fmt: skip


# -- identifiers ------------------------------------------------------------------------------


def test_identifiers_use_the_iris_of_the_graphs_that_hold_them():
    assert expand("wikidata:Q18936") == "http://www.wikidata.org/entity/Q18936"
    assert expand("uniprot:P02786") == "http://purl.uniprot.org/uniprot/P02786"
    assert expand("CHEBI:28748") == CHEBI_DOXORUBICIN
    for iri in (CHEBI_DOXORUBICIN, "https://identifiers.org/CHEBI:28748", "http://identifiers.org/chebi/CHEBI:28748"):
        assert compress(iri) == "CHEBI:28748"


@pytest.mark.slow
def test_the_bioregistry_is_read_offline():
    # every connection attempt fails in this interpreter: the prefix map must come from the installed package
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network used')\n"
        "socket.socket.connect = refuse\nsocket.create_connection = refuse\nsocket.getaddrinfo = refuse\n"
        "from nanokg.identifiers import expand, compress\n"
        "print(expand('MONDO:0007254'), compress('https://go.drugbank.com/drugs/DB00997'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["http://purl.obolibrary.org/obo/MONDO_0007254", "drugbank:DB00997"]


def test_query_path_does_not_load_the_bioregistry_for_a_label(built_store):
    code = (
        "import sys\nfrom nanokg import KnowledgeGraph\n"
        f"kg = KnowledgeGraph.open({str(built_store)!r})\n"
        "assert kg.query('products-by-payload', payload='doxorubicin').rows\n"
        "assert kg.query('products-by-payload', payload='CHEBI:28748').rows\n"
        "print('bioregistry' in sys.modules, 'curies' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["False", "False"], done.stderr


# -- the graph --------------------------------------------------------------------------------


def test_mapping_is_reified_with_where_it_was_checked(store):
    rows = select(
        store,
        f"""SELECT ?source ?locator ?from ?quote WHERE {{
          GRAPH <https://w3id.org/nanokg/graph/asserted> {{ <{DOXORUBICIN}> skos:exactMatch <{CHEBI_DOXORUBICIN}> }}
          ?st rdf:subject <{DOXORUBICIN}> ; rdf:predicate skos:exactMatch ; rdf:object <{CHEBI_DOXORUBICIN}> ;
              nkg:hasEvidence ?ev .
          ?ev prov:wasDerivedFrom ?source ; nkg:locator ?locator ; nkg:curatedFrom ?from .
          OPTIONAL {{ ?ev nkg:quote ?quote }}
        }}""",
    )
    assert len(rows) == 1
    assert rows[0]["source"] == "https://w3id.org/nanokg/source/identifier-check"
    assert rows[0]["locator"].startswith("github:") and rows[0]["from"].startswith("data/mappings.yaml:")
    assert rows[0]["quote"] is None  # no seed quote: the quote check does not apply


def test_synonyms_are_indexed_for_names(store):
    rows = select(store, f'SELECT ?ev WHERE {{ ?st rdf:subject <{DOXORUBICIN}> ; rdf:predicate skos:altLabel ; '
                         f'rdf:object "Adriamycin" ; nkg:hasEvidence ?ev }}')  # fmt: skip
    assert len(rows) == 1
    keys = {r["k"] for r in select(store, f"SELECT ?k WHERE {{ <{DOXORUBICIN}> nkg:lookupKey ?k }}")}
    assert {"adriamycin", "chebi:28748"} <= keys


# -- names: a CURIE or an IRI wherever a label is accepted ------------------------------------


@pytest.mark.parametrize(
    ("query", "param", "values"),
    [
        ("products-by-payload", "payload", ["CHEBI:28748", CHEBI_DOXORUBICIN, "https://identifiers.org/CHEBI:28748",
                                            "wikidata:Q18936", "http://www.wikidata.org/entity/Q18936",
                                            "drugbank:DB00997", "Adriamycin"]),
        ("products-by-target", "target", ["CD71", "uniprot:P02786", "http://purl.uniprot.org/uniprot/P02786",
                                          "hgnc.symbol:TFRC", "target:transferrin-receptor"]),
    ],
)  # fmt: skip
def test_named_queries_take_a_curie_or_an_iri(kg, query, param, values):
    expected = kg.query(query, **{param: values[-1]}).rows
    assert expected
    for value in values:
        assert kg.query(query, **{param: value}).rows == expected, value


def test_an_identifier_of_another_class_names_nothing(kg):
    from nanokg.curation.catalogue import ParameterValueError

    with pytest.raises(ParameterValueError, match="no nkg:MolecularTarget named 'CHEBI:28748'"):
        kg.query("products-by-target", target="CHEBI:28748")


@pytest.mark.parametrize("value", ["CHEBI:28748", CHEBI_DOXORUBICIN])
def test_cli_query_takes_a_curie_or_an_iri(built_store, value):
    base = [
        sys.executable,
        "-m",
        "nanokg",
        "query",
        "products-by-payload",
        "--format",
        "csv",
        "--store",
        str(built_store),
    ]
    by_label = subprocess.run([*base, "-p", "payload=doxorubicin"], capture_output=True, text=True, timeout=120)
    done = subprocess.run([*base, "-p", f"payload={value}"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == by_label.stdout and len(done.stdout.splitlines()) > 1


# -- nanokg mappings --------------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_mappings_table_and_csv(built_store, kg):
    result = run("mappings", "--format", "csv", "--store", str(built_store))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert len(rows) == len(mapping_rows(kg.backend))
    doxorubicin = {r["id"] for r in rows if r["entity"] == "drug:doxorubicin"}
    assert {"CHEBI:28748", "wikidata:Q18936"} <= doxorubicin
    assert all(r["checked"] for r in rows)
    assert "nanokg: entities with at least one mapping: drugs " in result.stderr
    table = run("mappings", "--store", str(built_store))
    assert table.exit_code == 0 and "skos:exactMatch" in table.stdout


def test_unmapped_report(built_store, kg):
    result = run("mappings", "--unmapped", "--format", "csv", "--store", str(built_store))
    assert result.exit_code == 0, result.output
    listed = list(csv.DictReader(result.stdout.splitlines()))
    gaps = unmapped(kg.backend)
    assert len(listed) == len(gaps)
    mapped = {r.entity for r in mapping_rows(kg.backend)}
    # every entity without any mapping is listed, and a recorded reason comes along
    entities = {r[0] for r in kg.sparql("SELECT ?e WHERE { ?e a nkg:Nanomedicine }").rows}
    assert {e for e in entities if e not in mapped} <= {g.entity for g in gaps}
    assert any(r["reason"] for r in listed)
    refused = run("mappings", "--unmapped", "--format", "sssom", "--store", str(built_store))
    assert refused.exit_code == 2 and "--unmapped lists gaps" in refused.stderr


def test_coverage_of_drugs_targets_and_indications(kg):
    # the promise of the mapping work: 90 % of drugs, targets and indications carry a checked mapping
    figures = {c.kind: c for c in coverage(kg.backend)}
    mapped = sum(figures[k].mapped for k in COVERED_KINDS)
    total = sum(figures[k].total for k in COVERED_KINDS)
    assert total and mapped / total >= 0.9, {k: (c.mapped, c.total) for k, c in figures.items()}


# -- SSSOM ------------------------------------------------------------------------------------


def read_sssom(text: str) -> tuple[dict, list[dict]]:
    lines = text.splitlines()
    header = [line[2:] for line in lines if line.startswith("# ")]
    table = [line for line in lines if not line.startswith("#")]
    return yaml.safe_load("\n".join(header)), list(csv.DictReader(table, delimiter="\t"))


def test_sssom_export_validates_against_the_sssom_schema(built_store, tmp_path):
    from sssom_schema.datamodel.sssom_schema import Mapping, MappingSet

    result = run("mappings", "--format", "sssom", "--store", str(built_store))
    assert result.exit_code == 0, result.output
    metadata, rows = read_sssom(result.stdout)
    assert rows
    # checked here, not left to a reader that fills them in
    assert metadata["mapping_set_id"].startswith("https://w3id.org/nanokg/") and metadata["license"].startswith(
        "https://"
    )
    assert {r["mapping_justification"] for r in rows} == {"semapv:ManualMappingCuration"}
    assert all(r["comment"].startswith("checked: ") and len(r["comment"]) > 20 for r in rows)
    prefixes = {v.partition(":")[0] for r in rows for v in (r["subject_id"], r["predicate_id"], r["object_id"])}
    assert prefixes | {"semapv"} <= set(metadata["curie_map"])
    # the LinkML data model of the SSSOM schema: required slots, enumerations, no unknown column
    MappingSet(
        mappings=[Mapping(**{k: v for k, v in r.items() if v}) for r in rows],
        **{k: v for k, v in metadata.items() if k != "curie_map"},
    )
    # and a full SSSOM TSV reader parses every row with the file's own prefix map
    import sssom_pydantic

    path = tmp_path / "nanokg.sssom.tsv"
    path.write_text(result.stdout, encoding="utf-8")
    mappings, converter, _ = sssom_pydantic.read(path)
    assert len(mappings) == len(rows)
    assert converter.expand("CHEBI:28748") == CHEBI_DOXORUBICIN


def test_sssom_schema_rejects_what_the_export_must_not_lack():
    from sssom_schema.datamodel.sssom_schema import Mapping, MappingSet

    with pytest.raises(ValueError, match="mapping_justification must be supplied"):
        Mapping(subject_id="drug:x", predicate_id="skos:exactMatch", object_id="CHEBI:1")
    with pytest.raises(ValueError, match="license must be supplied"):
        MappingSet(mapping_set_id="https://w3id.org/nanokg/x", mappings=[])


@pytest.mark.slow
def test_cli_mappings_from_an_endpoint(oxigraph_server):
    result = subprocess.run(
        [sys.executable, "-m", "nanokg", "mappings", "--format", "csv", "--endpoint", oxigraph_server.query_url],
        capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "drug:doxorubicin" in result.stdout


# -- products: identifiers of the formulation, never of the free drug -------------------------

PRODUCT = "https://w3id.org/nanokg/product/"


def product_matches(kg) -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for r in mapping_rows(kg.backend):
        if r.kind == "product":
            found.setdefault(r.entity.removeprefix(PRODUCT), set()).add((r.curie, r.predicate))
    return found


def test_products_map_to_the_formulation_not_the_drug(kg):
    found = product_matches(kg)
    exact, close = "skos:exactMatch", "skos:closeMatch"
    assert found["abraxane"] == {("NCIT:C2688", exact), ("rxnorm:589511", exact)}
    assert found["xyotax"] == {("drugbank:DB13809", exact), ("wikidata:Q72499389", exact)}
    assert found["mm-398"] == {("NCIT:C82676", exact)}
    assert found["nc-6004"] == {("drugbank:DB14807", exact)}
    # another maker's albumin-bound paclitaxel is close to NCIt's formulation class, not the same product
    assert found["albumin-paclitaxel-cspc"] == {("NCIT:C2688", close)}
    assert found["feraheme"] == {("drugbank:DB06215", exact), ("wikidata:Q27430123", exact)}
    assert found["daunoxome"] == {("wikidata:Q16965066", close)}
    assert len(found) >= 12
    # no identifier of a payload or comparator drug (doxorubicin DB00997, paclitaxel DB01229 ...) names a product
    # (the converse may hold: Feraheme's iron oxide core is close to DrugBank's whole ferumoxytol particle)
    rows = mapping_rows(kg.backend)
    drug_ids = {r.curie for r in rows if r.kind == "drug" and r.predicate == exact}
    assert not drug_ids & {curie for pairs in found.values() for curie, _ in pairs}
    assert {"drugbank:DB00997", "drugbank:DB01229"} <= drug_ids
    # every product mapping says where it was checked; a close one says why it is not exact
    products = [r for r in rows if r.kind == "product"]
    assert all(r.checked.startswith("github:") for r in products)
    assert all(r.note for r in products if r.predicate == close)


def test_every_unmapped_product_gives_its_reason(kg):
    gaps = [g for g in unmapped(kg.backend) if g.kind == "product"]
    mapped = set(product_matches(kg))
    assert gaps and all(g.reason for g in gaps), [g.entity for g in gaps if not g.reason]
    assert not {g.entity.removeprefix(PRODUCT) for g in gaps} & mapped
    figures = {c.kind: c for c in coverage(kg.backend)}
    assert figures["product"].mapped == len(mapped) and figures["product"].total >= 42


@pytest.mark.parametrize(
    ("curie", "name"), [("NCIT:C2688", "Abraxane"), ("drugbank:DB13809", "Xyotax"), ("NCIT:C82676", "MM-398")]
)
def test_a_product_is_named_by_its_curie(kg, curie, name):
    expected = kg.query("describe", entity=name).rows
    assert expected
    assert kg.query("describe", entity=curie).rows == expected
