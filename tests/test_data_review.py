"""Issue #20, item 6: the data review's points, each read back through a named query.

Every test names the seed passage it rests on; the data live in data/ (and, for facts about
whole classes of nanomedicines, in the ontology section "issue 20: data review").
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from nanokg import settings


def _seed_text() -> str:
    folder = settings.seeds_dir()
    if not folder.is_dir():
        pytest.skip("the seed documents are not at hand")
    return " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in sorted(folder.glob("*.txt")))


def names(rows) -> set[str]:
    return {r["name"] for r in rows}


# -- Transdrug: the seed's "approved" is a correction --------------------------------------


def test_transdrug_is_no_longer_approved(kg):
    # seed 000: "Currently, nanoparticle nanomedicines that have received clinical approval are
    # Abraxane® and Transdrug ®"; corrected to phase III (Livatag's phase III trial failed)
    approved = names(kg.query("products-by-stage", stage="approved").as_dicts())
    assert "Transdrug" not in approved and "Abraxane" in approved
    phase3 = {r["name"]: r["stageLabel"] for r in kg.query("products-by-stage", stage="phase 3").as_dicts()}
    assert phase3["Transdrug"] == "phase 3"


def test_transdrug_for_hcc_is_a_phase_3_product(kg):
    # seed 000: Transdrug "is suitable for clinical treatment of hepatocellular carcinoma"
    rows = kg.query("products-by-indication", disease="hepatocellular carcinoma").as_dicts()
    stages = {r["name"]: r["stageLabel"] for r in rows}
    assert stages["Transdrug"] == "phase 3"
    assert "approved" not in stages.values()


def test_the_product_table_and_the_approvals_leave_transdrug_out(kg):
    table = {r["name"]: r for r in kg.query("products").as_dicts()}
    assert table["Transdrug"]["stage"] == "phase 3"
    assert "Transdrug" not in names(kg.query("approvals-timeline").as_dicts())


def test_transdrug_correction_says_what_the_seed_says_and_why(kg):
    rows = [r for r in kg.query("source-corrections").as_dicts() if r["subjectLabel"] == "Transdrug"]
    stage = [r for r in rows if r["predicateLabel"] == "has highest stage"]
    assert stage, rows
    row = stage[0]
    assert row["seedSays"] == "received clinical approval"  # verbatim: seed_says is always in the seed
    assert row["correctedValue"] == "phase-3"
    assert "general knowledge" in row["correctionReason"] and "ReLive" in row["correctionReason"]
    assert "received clinical approval are Abraxane® and Transdrug ®" in row["quote"]
    assert row["source"].endswith("/source/seed-000")


def test_transdrug_phase_3_trial_is_general_knowledge(kg):
    rows = kg.query("fact-sources", subject="product:transdrug", predicate="nkg:hasTrial").as_dicts()
    assert {r["source"].rsplit("/", 1)[1] for r in rows} >= {"general-knowledge"}
    assert any("ReLive" in (r["note"] or "") for r in rows)


# -- one rule for indications and tumour models --------------------------------------------


def test_tumour_models_and_trial_activity_are_not_indications(kg):
    # seed 000: Xyotax "shows high antitumor activity against a variety of tumor models, such as
    # non-small cell lung cancer and ovarian cancer"; BIND-014 "has a good inhibitory effect on a
    # variety of tumor models (such as prostate cancer, non-small cell lung cancer, etc.)";
    # MCC-465 "can specifically bind to the stomach, Intestinal tumor tissue"; PK1 "exhibits
    # anti-tumor activity in non-small cell lung cancer, colorectal cancer, ..."
    nsclc = names(kg.query("products-by-indication", disease="non-small cell lung cancer").as_dicts())
    assert nsclc == {"Lipoplatin", "CRLX101"}
    cancer = names(kg.query("products-by-indication", disease="disease:cancer").as_dicts())
    assert not {"Xyotax", "BIND-014", "PK1", "MCC-465", "Prothecan"} & cancer
    assert {"Lipoplatin", "CRLX101", "Transdrug", "Doxil"} <= cancer


def test_the_same_diseases_are_findings(kg):
    rows = kg.query("findings-by-disease", disease="non-small cell lung cancer").as_dicts()
    found = {(r["name"], r["phaseLabel"]) for r in rows}
    assert {("Xyotax", "preclinical"), ("BIND-014", "preclinical"), ("IHL-305", "preclinical")} <= found
    assert {("PK1", "phase 1"), ("PK1", "phase 2")} <= found
    gastric = {
        (r["name"], r["phaseLabel"]) for r in kg.query("findings-by-disease", disease="gastric cancer").as_dicts()
    }
    # MCC-465: tissue binding, no phase; Lipoxal: phase I activity; NC-4016: animal model
    assert {("MCC-465", None), ("Lipoxal", "phase 1"), ("NC-4016", "preclinical")} <= gastric
    ovarian = {r["name"] for r in kg.query("findings-by-disease", disease="ovarian cancer").as_dicts()}
    assert ovarian == {"Xyotax"}


def test_stated_uses_stay_indications(kg):
    # seed 000: "CRLX101 is also suitable for the treatment of non-small cell lung cancer" (after its
    # metastatic renal cell carcinoma combination); Lipoplatin "suitable for ... non-small cell lung cancer"
    rcc = names(kg.query("products-by-indication", disease="renal cell carcinoma").as_dicts())
    assert rcc == {"CRLX101"}


# -- facts that were missing -----------------------------------------------------------------


def test_micelle_size_range_is_10_to_200_nm(kg):
    # seed 000: "Nanomicelle refers to a polymer molecular aggregate having a “core-shell” structure
    # with a particle size of 10 to 200 nm"
    rows = [r for r in kg.query("carrier-class-features").as_dicts() if r["featureType"] == "size range"]
    assert [(r["carrierClassLabel"], r["sizeMinNm"], r["sizeMaxNm"]) for r in rows] == [
        ("polymeric micelle", Decimal(10), Decimal(200))
    ]
    assert "particle size of 10 to 200 nm" in rows[0]["quote"]


def test_glycoprotein_receptors_are_a_tumour_cell_target(kg):
    # seed 000: "Tumor cell targets refer to transferrin receptors, folate receptors, and
    # glycoprotein receptors that are overexpressed by tumor cells"
    rows = kg.query("fact-sources", subject="target:glycoprotein-receptor").as_dicts()
    facts = {(r["predicateLabel"], str(r["value"])) for r in rows}
    assert ("compartment", "tumour-cell") in facts
    assert ("label", "glycoprotein receptor") in facts
    assert any("glycoprotein receptors that are overexpressed by tumor cells" in (r["quote"] or "") for r in rows)
    assert "https://w3id.org/nanokg/ontology#TumourCellTarget" in {r["value"] for r in rows}


def test_advantages_of_nanomedicines_and_liposomes(kg):
    rows = kg.query("carrier-class-features").as_dicts()
    advantages: dict[str, set[str]] = {}
    for r in rows:
        if r["featureType"] == "advantage":
            advantages.setdefault(r["carrierClassLabel"], set()).add(r["featureLabel"])
    # seed 000: "Nano-drugs have many advantages in cancer treatment, including: 1) rational design
    # ... 5) ... not by enzymes degradation"
    assert advantages["nanomedicine"] == {
        "rational design of shape, size and function", "integration of diagnosis and treatment",
        "preferential enrichment in tumour tissue", "reduced toxic side effects",
        "protection of biologically active substances",
    }  # fmt: skip
    # seed 000: liposomes "have a particle size, plasticity, good biocompatibility, low toxicity and low
    # ... immunogenicity and can simultaneously load drugs with different affinity and hydrophobicity"
    assert len(advantages["liposome"]) == 4
    assert "good biocompatibility, low toxicity and low immunogenicity" in advantages["liposome"]


def test_inorganic_kinds_and_properties(kg):
    rows = [
        r for r in kg.query("carrier-class-features").as_dicts() if r["carrierClassLabel"] == "inorganic nanoparticle"
    ]
    kinds = {r["featureLabel"] for r in rows if r["featureType"] == "common kind"}
    # seed 000: "Common inorganic nanoparticles include magnetic nanoparticles, silica nanoparticles,
    # nanocarbon materials, and quantum dots"
    assert len(kinds) == 4 and {"magnetic nanoparticle", "nanocarbon material", "quantum dot"} <= kinds
    properties = {r["featureLabel"] for r in rows if r["featureType"] == "property"}
    # seed 000: "good size and shape controllability and large specific surface area ... surface
    # plasmon resonance and magnetic responsiveness"
    assert properties == {
        "good control of size and shape", "large specific surface area", "surface plasmon resonance",
        "magnetic responsiveness",
    }  # fmt: skip


def test_every_class_feature_quote_is_verbatim_in_the_seeds(kg):
    seeds = _seed_text()
    rows = kg.query("carrier-class-features").as_dicts()
    assert len(rows) >= 19
    for r in rows:
        assert r["source"] == "https://w3id.org/nanokg/source/seed-000"
        assert " ".join(r["quote"].split()) in seeds, r["feature"]


def test_antigen_presenting_cells_present_tumour_antigens(kg):
    # seed 004: "The latter serve as adjuvants to alert antigen-presenting cells to take up, process
    # and present the former" (the former: the tumour antigens)
    rows = kg.query("immune-relations", entity="antigen-presenting cells").as_dicts()
    assert ("out", "presents", "tumour antigens") in {
        (r["direction"], r["relationLabel"], r["otherLabel"]) for r in rows
    }


def test_nano_immunotherapy_is_realised_by_three_approaches(kg):
    # seed 004: "Nano-immunotherapy can be realized via three different approaches, in which
    # nanomedicines are used (1) to target cancer cells, (2) ... and (3) to target the peripheral immune system"
    rows = kg.query("immune-relations", entity="nano-immunotherapy").as_dicts()
    approaches = {r["otherLabel"] for r in rows if r["direction"] == "in" and r["relationLabel"] == "is an approach of"}
    assert approaches == {
        "Nanomedicines targeting cancer cells",
        "Nanomedicines targeting the tumour immune microenvironment",
        "Nanomedicines targeting the peripheral immune system",
    }


def test_seed_004_publication_date(kg):
    # seed 004: "Publication statusPublished - 18 Jun 2019"
    rows = {r["source"].rsplit("/", 1)[1]: r for r in kg.query("sources").as_dicts()}
    assert rows["seed-004"]["year"] == "2019"
    assert "published 18 June 2019" in rows["seed-004"]["citation"]
    assert rows["seed-004"]["authors"] == "Lammers, Twan; Shi, Yang"


# -- two slips that had no correction --------------------------------------------------------


@pytest.mark.parametrize(
    ("seed_says", "corrected"),
    [
        # seed 000: "can be divided into in vitro cytological assessment and zoological assessment"
        ("zoological assessment", "in vivo (animal) assessment"),
        # seed 000: "nanomedicine being taken up by mononuclear macrophage system"
        ("mononuclear macrophage system", "mononuclear phagocyte system"),
    ],
)
def test_slips_are_recorded_as_corrections(kg, seed_says, corrected):
    rows = [
        r for r in kg.query("source-corrections", source="source:seed-000").as_dicts() if r["seedSays"] == seed_says
    ]
    assert rows and {r["correctedValue"] for r in rows} == {corrected}
    assert all(seed_says in r["quote"] for r in rows)
    assert {r["subject"].rsplit("/", 2)[1] for r in rows} == {"challenge"}


def test_no_seed_quote_of_the_review_is_invented():
    # the two slips and the new facts quote the seeds verbatim (the build checks data/; this
    # checks the phrases the tests above rely on)
    seeds = _seed_text()
    for phrase in (
        "zoological assessment",
        "mononuclear macrophage system",
        "glycoprotein receptors that are overexpressed by tumor cells",
        "with a particle size of 10 to 200 nm",
        "Publication statusPublished - 18 Jun 2019",
    ):
        assert re.search(re.escape(phrase), seeds), phrase
