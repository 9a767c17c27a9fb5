"""``nanokg curate``: proposals compared with the graph, drafts the loader reads, ``--accept``, bad input."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from nanokg import KnowledgeGraph, settings
from nanokg.cli import main
from nanokg.curation.loading import load_curation
from nanokg.curation.yaml_lines import DataErrors
from nanokg.drafting.compare import compare, summary
from nanokg.drafting.drafts import ACCEPTED_MARK, AcceptError, DraftError, accept, build_draft, write_draft
from nanokg.drafting.proposals import Proposal
from nanokg.drafting.reading import read_document

#: a document about a nanomedicine the graph does not hold (facts from the FDA label of 2017)
VYXEOS = """# Vyxeos

Vyxeos (CPX-351) is a liposomal formulation of daunorubicin and cytarabine.
In 2017, Vyxeos was approved by the US Food and Drug Administration for adults with newly diagnosed therapy-related acute myeloid leukaemia.

Seed 000 says that Transdrug, a doxorubicin nanoparticle preparation for hepatocellular carcinoma, received clinical approval.
"""


def _sentence(document, words: str):
    return next(s for s in document.sentences if words in s.text)


def _proposals(document) -> list[Proposal]:
    """What the proposer is expected to say of VYXEOS, built by hand."""
    first = _sentence(document, "liposomal formulation")
    approved = _sentence(document, "was approved")
    transdrug = _sentence(document, "Transdrug")

    def p(kind, product, value, value_iri, sentence, **details):
        return Proposal(kind, product, None, value, value_iri, sentence.text, sentence.locator, "hand", 0.9, details)

    return [
        p("product", "Vyxeos", "Vyxeos", None, first),
        p("alias", "Vyxeos", "CPX-351", None, first),
        p("carrier", "Vyxeos", "liposomal", "liposome", first),
        p("payload", "Vyxeos", "daunorubicin", "drug:daunorubicin", first),
        p("payload", "Vyxeos", "cytarabine", None, first),
        p(
            "approval",
            "Vyxeos",
            "FDA 2017",
            None,
            approved,
            agency="organisation:fda",
            region="region:united-states",
            year=2017,
        ),
        p("stage", "Transdrug", "clinical approval", "val:approved", transdrug),
        p("indication", "Transdrug", "hepatocellular carcinoma", "disease:hepatocellular-carcinoma", transdrug),
        p("stage", "Transdrug", "clinical", "val:clinical", transdrug),
        p("material", "Transdrug", "PEG", "material:peg", transdrug),
    ]


@pytest.fixture(scope="module")
def kg(built_store):
    with KnowledgeGraph.open(built_store) as graph:
        yield graph


@pytest.fixture
def vyxeos(tmp_path) -> Path:
    path = tmp_path / "vyxeos-review.md"
    path.write_text(VYXEOS, encoding="utf-8")
    return path


@pytest.fixture
def data_copy(tmp_path) -> Path:
    folder = tmp_path / "repo" / "data"
    shutil.copytree(settings.data_dir(), folder)
    return folder


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    folder = tmp_path / "seeds"
    shutil.copytree(settings.seeds_dir(), folder)
    return folder


def _draft(vyxeos, kg):
    document = read_document(vyxeos)
    compared = compare(_proposals(document), kg)
    entry = {"id": "vyxeos-review", "status": "proposed", "kind": "document", "title": "Vyxeos",
             "path": "vyxeos-review.txt"}  # fmt: skip
    return document, compared, build_draft(document, compared, "vyxeos-review", entry)


def _unmark(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if line.strip() != "status: proposed"), encoding="utf-8")


def test_compare_marks_new_known_and_conflict_with_the_graphs_evidence(vyxeos, kg):
    _, compared, _ = _draft(vyxeos, kg)
    by = {(p.product, p.kind, p.value): p for p in compared}
    assert by[("Vyxeos", "product", "Vyxeos")].status == "new"
    assert by[("Vyxeos", "product", "Vyxeos")].product_iri is None
    conflict = by[("Transdrug", "stage", "clinical approval")]  # the graph: phase 3
    assert conflict.status == "conflict"
    assert conflict.product_iri == "https://w3id.org/nanokg/product/transdrug"
    assert conflict.evidence and all(e["source"] == "seed-000" and e["quote"] for e in conflict.evidence)
    known = by[("Transdrug", "indication", "hepatocellular carcinoma")]
    assert known.status == "known"
    assert known.evidence and all(e["quote"] and e["source"] == "seed-000" for e in known.evidence)
    assert by[("Transdrug", "stage", "clinical")].status == "known"  # below phase 3: history, not a conflict
    assert by[("Transdrug", "material", "PEG")].status == "new"
    assert summary(compared) == "10 proposals: 7 new, 2 known, 1 conflict"


def test_compare_reads_products_through_the_name_index(kg, vyxeos):
    document = read_document(vyxeos)
    s = document.sentences[0]
    # a synonym, in another case: the name index finds Doxil; a year the graph does not hold conflicts
    p = Proposal("approval", "CAELYX", None, "FDA 1999", None, s.text, s.locator, "hand", 0.8,
                 {"agency": "organisation:fda", "year": 1999})  # fmt: skip
    same = Proposal("approval", "doxil", None, "FDA 1995", None, s.text, s.locator, "hand", 0.8,
                    {"agency": "organisation:fda", "year": 1995})  # fmt: skip
    carrier = Proposal("carrier", "Doxil", None, "micelle", "polymeric-micelle", s.text, s.locator, "hand", 0.8)
    got = compare([p, same, carrier], kg)
    assert [x.status for x in got] == ["conflict", "known", "conflict"]
    assert "1995" in got[0].evidence[0]["quote"]


def test_drafts_mark_every_record_carry_evidence_and_pass_the_loader(vyxeos, kg, data_copy, tmp_path):
    _, _, draft = _draft(vyxeos, kg)
    path = write_draft(draft, tmp_path / "drafts", str(vyxeos))
    text = (tmp_path / "drafts" / "vyxeos-review.txt").read_text(encoding="utf-8")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [s["id"] for s in raw["sources"]] == ["vyxeos-review"]
    (product,) = raw["products"]
    (extension,) = raw["extensions"]
    assert product["id"] == "vyxeos" and product["carrier"]["classes"] == ["liposome"]
    assert product["stage"]["value"] == "approved"
    assert product["approvals"][0] == {**product["approvals"][0], "agency": "fda", "year": 2017}
    assert [p["agent"] for p in product["payloads"]] == ["daunorubicin"]
    assert any("cytarabine" in f["text"] for f in product["findings"])  # not in the graph yet: a finding
    # Transdrug is extended by id, not defined again; the known indication is left out, the conflict noted
    assert extension["product"] == "transdrug" and "indications" not in extension
    assert [m["material"] for m in extension["materials"]] == ["peg"]
    assert extension["stage"]["value"] == "approved" and "conflicts with the graph" in extension["stage"]["note"]
    assert extension["approvals"][0]["quote"] == extension["stage"]["quote"]  # approved needs an approval
    for record in (*raw["sources"], product, extension):
        assert record["status"] == "proposed"

    def facts(node):
        if isinstance(node, dict):
            if "quote" in node:
                yield node
            for value in node.values():
                yield from facts(value)
        elif isinstance(node, list):
            for value in node:
                yield from facts(value)

    found = list(facts([product, extension]))
    assert len(found) > 8
    for fact in found:
        assert fact["source"] == "vyxeos-review" and fact["locator"].startswith("p")
        assert " ".join(fact["quote"].split()) in " ".join(text.split())
    # with the markers the loader refuses each record at its marker's line; without them it passes
    shutil.copy(path, data_copy / "products" / path.name)
    with pytest.raises(DataErrors) as refused:
        load_curation(data_copy)
    lines = refused.value.lines()
    assert len(lines) == 3 and all("status: proposed" in line for line in lines)
    marker = path.read_text(encoding="utf-8").splitlines().index("    status: proposed") + 1
    assert lines[0].startswith(f"data/products/vyxeos-review.yaml:{marker}: sources[vyxeos-review].status:")
    _unmark(data_copy / "products" / path.name)
    curation = load_curation(data_copy)
    transdrug = next(p for p in curation.products if p.id == "transdrug")
    assert transdrug.stage.value == "approved" and "peg" in [m.material for m in transdrug.materials]
    assert len([p for p in curation.products if p.id == "transdrug"]) == 1


def test_build_refuses_a_proposed_record_in_one_line(tmp_path, data_copy):
    (data_copy / "products" / "draft.yaml").write_text(
        "products:\n  - id: zz-1\n    status: proposed\n    name: ZZ-1\n    note: x\n"
        "    carrier: {classes: [liposome], note: x}\n    stage: {value: preclinical, note: x}\n",
        encoding="utf-8",
    )
    done = CliRunner().invoke(main, ["build", "--data", str(data_copy), "--store", str(tmp_path / "store")])
    assert done.exit_code == 2, done.output
    lines = done.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("nanokg: error: data/products/draft.yaml:3: products[zz-1].status: a draft record")


def test_accept_then_build_puts_the_new_product_and_its_quotes_in_the_graph(
    vyxeos, kg, data_copy, seeds_copy, tmp_path
):
    drafts = tmp_path / "drafts"
    runner = CliRunner()
    done = runner.invoke(main, ["curate", "--accept", str(drafts / "none.yaml"), "--data", str(data_copy)])
    assert done.exit_code == 2 and done.output.count("\n") == 1, done.output
    _, _, draft = _draft(vyxeos, kg)
    path = write_draft(draft, drafts, str(vyxeos))
    before = sorted(p.name for p in data_copy.rglob("*"))
    # still proposed: refused at the draft's own line, data/ unchanged
    done = runner.invoke(main, ["curate", "--accept", str(path), "--data", str(data_copy), "--seeds", str(seeds_copy)])
    assert done.exit_code == 2
    assert done.output.startswith(f"nanokg: error: {path}:") and "status: proposed" in done.output
    assert sorted(p.name for p in data_copy.rglob("*")) == before
    _unmark(path)
    # an invalid fact: the loader's line names the draft, and data/ stays as it was
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("agent: daunorubicin", "agent: daunorubicine"), encoding="utf-8")
    with pytest.raises(DataErrors) as bad:
        accept(path, data_copy, seeds_copy)
    assert str(bad.value).startswith(f"{path}:") and "'daunorubicine' is not a defined drug id" in str(bad.value)
    assert sorted(p.name for p in data_copy.rglob("*")) == before
    path.write_text(good, encoding="utf-8")
    # a curated file of that name that --accept did not write is never replaced
    (data_copy / "products" / path.name).write_text("products: []\n", encoding="utf-8")
    with pytest.raises(AcceptError, match="not written by --accept"):
        accept(path, data_copy, seeds_copy)
    (data_copy / "products" / path.name).unlink()

    done = runner.invoke(main, ["curate", "--accept", str(path), "--data", str(data_copy), "--seeds", str(seeds_copy)])
    assert done.exit_code == 0, done.output
    accepted = data_copy / "products" / path.name
    assert accepted.read_text(encoding="utf-8").startswith(ACCEPTED_MARK)
    assert (data_copy / "documents" / "vyxeos-review.txt").read_text(encoding="utf-8") == draft.text
    store = tmp_path / "store"
    with KnowledgeGraph.build(store, data=data_copy, seeds=seeds_copy) as built:
        facts = built.describe("CPX-351").as_dicts()
        quotes = {f["quote"] for f in facts if f["predicateLabel"] == "has payload"}
        assert any(q and q.startswith("Vyxeos (CPX-351) is a liposomal formulation") for q in quotes)
        assert {f["source"] for f in facts if f["quote"]} == {"https://w3id.org/nanokg/source/vyxeos-review"}
        stage = built.sparql("SELECT ?s WHERE { product:transdrug nkg:hasHighestStage ?s }").as_dicts()
        assert [str(r["s"]) for r in stage] == ["https://w3id.org/nanokg/value/approved"]
    # accepting the same draft again replaces only the file --accept wrote
    assert accept(path, data_copy, seeds_copy) == [accepted]
    assert not (seeds_copy / "vyxeos-review.txt").exists()  # the seeds folder is never written


def test_out_inside_data_and_unknown_source_are_refused_in_one_line(vyxeos, data_copy, built_store):
    runner = CliRunner()
    for args, needle in (
        (["--out", str(data_copy / "products")], "is inside the data folder"),
        (["--source", "no-such-source"], "unknown source 'no-such-source'"),
    ):
        done = runner.invoke(
            main, ["curate", str(vyxeos), "--data", str(data_copy), "--store", str(built_store), *args]
        )
        assert done.exit_code == 2, done.output
        assert done.output.count("\n") == 1 and needle in done.output, done.output
    with pytest.raises(DraftError):
        from nanokg.drafting.drafts import check_out_dir

        check_out_dir(data_copy, data_copy)


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("empty.txt", b"  \n", "empty document"),
        ("binary.txt", b"\x00\x01\x02PNG", "binary"),
        ("latin1.txt", "Liposomes de doxorubicine: efficacit\u00e9".encode("latin-1"), "UTF-8"),
        ("missing.txt", None, "cannot be read"),
    ],
)
def test_bad_documents_fail_in_one_line_with_exit_2(name, content, needle, tmp_path, built_store):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    done = CliRunner().invoke(main, ["curate", str(path), "--store", str(built_store), "--out", str(tmp_path / "d")])
    assert done.exit_code == 2, done.output
    assert done.output.count("\n") == 1 and needle in done.output and str(path) in done.output, done.output
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").iterdir())


def test_without_spacy_one_line_says_what_to_install(vyxeos, built_store, monkeypatch):
    monkeypatch.setitem(sys.modules, "spacy", None)  # importlib finds no spaCy
    done = CliRunner().invoke(main, ["curate", str(vyxeos), "--store", str(built_store)])
    assert done.exit_code == 1
    assert done.output == "nanokg: error: nanokg curate needs spaCy: pip install 'nanokg[curate]'\n"


def test_curate_end_to_end_prints_proposals_and_writes_a_draft(vyxeos, built_store, tmp_path):
    pytest.importorskip("nanokg.drafting.propose", reason="the proposer is not there yet")
    out = tmp_path / "drafts"
    runner = CliRunner()
    done = runner.invoke(main, ["curate", str(vyxeos), "--store", str(built_store), "--out", str(out),
                                "--format", "json"])  # fmt: skip
    assert done.exit_code == 0, done.output
    records = json.loads(done.stdout)
    assert records and {r["status"] for r in records} <= {"new", "known", "conflict"}
    assert any(r["product"] == "Vyxeos" and r["status"] == "new" for r in records)
    assert "proposals:" in done.stderr and (out / "vyxeos-review.yaml").is_file()
    table = runner.invoke(main, ["curate", str(vyxeos), "--store", str(built_store), "--out", str(out),
                                 "--format", "table"])  # fmt: skip
    assert table.stdout.splitlines()[0].split()[:5] == ["status", "kind", "product", "value", "confidence"]
