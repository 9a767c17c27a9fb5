"""Answers of the field-level, immunotherapy and provenance queries on the curated graph.

Every expected value is written from the seeds (../shared/seeds/000_*.txt, the review
"Progress in clinical transformation of anti-tumor nano drugs", and 004_*.txt, the
abstract of Shi & Lammers, "Combining Nanomedicine and Immunotherapy"); the comment
above each one quotes or points at the sentence that justifies it. Where the curated
graph deliberately departs from the seed (a correction or a curator's note), the
comment says so.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from nanokg import settings
from nanokg.query.engine import ParameterValueError

SOURCE = "https://w3id.org/nanokg/source/"


def local(term):
    """The last segment of an IRI (the record id, or an ontology term's local name);
    any other value (a literal, None) as it is."""
    if isinstance(term, str) and term.startswith(("http://", "https://")):
        return term.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return term


def seed_text(prefix: str) -> str:
    """A seed's text with white space collapsed (quotes are checked that way too)."""
    (path,) = settings.seeds_dir().glob(f"{prefix}_*.txt")
    return " ".join(path.read_text(encoding="utf-8").split())


# ---------------------------------------------------------------------------
# immunotherapy-approaches
# ---------------------------------------------------------------------------


def test_the_three_approaches_of_seed_004(kg):
    rows = kg.query("immunotherapy-approaches").as_dicts()
    # 004: "Nano-immunotherapy can be realized via three different approaches, in which
    # nanomedicines are used (1) to target cancer cells, (2) to target the tumor immune
    # microenvironment, and (3) to target the peripheral immune system."
    assert {local(r["approach"]) for r in rows} == {
        "targeting-cancer-cells",
        "targeting-tumour-immune-microenvironment",
        "targeting-peripheral-immune-system",
    }
    assert all(r["approachLabel"] and r["approachDescription"] for r in rows)


def test_cancer_cell_approach_sets_off_the_immunogenic_cell_death_cascade(kg):
    rows = kg.query("immunotherapy-approaches", approach="immuno:targeting-cancer-cells").as_dicts()
    assert {local(r["approach"]) for r in rows} == {"targeting-cancer-cells"}
    effects = {(local(r["subject"]), local(r["relation"]), local(r["object"])) for r in rows}
    effects = {e for e in effects if e[1] != "locatedIn"}
    approach = "targeting-cancer-cells"
    assert effects == {
        # 004: "Nano-immunotherapy can be realized via three different approaches, in which
        # nanomedicines are used (1) to target cancer cells"
        (approach, "isApproachOf", "nano-immunotherapy"),
        # 004: "(1) to target cancer cells"
        (approach, "immuneTargets", "cancer-cells"),
        # 004: "When targeting cancer cells, nanomedicines typically aim to induce immunogenic cell death"
        (approach, "induces", "immunogenic-cell-death"),
        # 004: "thereby triggering the release of tumor antigens and danger-associated molecular
        # patterns, such as calreticulin translocation, high mobility group box 1 protein and
        # adenosine triphosphate"
        ("immunogenic-cell-death", "releases", "tumour-antigens"),
        ("immunogenic-cell-death", "releases", "damps"),
        ("immunogenic-cell-death", "releases", "calreticulin"),
        ("immunogenic-cell-death", "releases", "hmgb1"),
        ("immunogenic-cell-death", "releases", "atp"),
        # 004: "The latter [the DAMPs] serve as adjuvants to alert antigen-presenting cells"
        ("damps", "alerts", "antigen-presenting-cells"),
        ("calreticulin", "alerts", "antigen-presenting-cells"),
        ("hmgb1", "alerts", "antigen-presenting-cells"),
        ("atp", "alerts", "antigen-presenting-cells"),
        # 004: "The latter serve as adjuvants to alert antigen-presenting cells to take up, process
        # and present the former" (the former: the tumour antigens)
        ("antigen-presenting-cells", "presents", "tumour-antigens"),
        # 004: "thereby promoting the generation of CD8+ cytotoxic T cells"
        ("antigen-presenting-cells", "generates", "cd8-cytotoxic-t-cells"),
    }
    # the approach's own relations come first ("approach" sorts before "downstream")
    steps = [r["step"] for r in rows]
    assert steps == sorted(steps)
    assert {local(r["subject"]) for r in rows if r["step"] == "approach"} == {approach}


def test_cancer_cell_approach_does_not_follow_locations(kg):
    rows = kg.query("immunotherapy-approaches", approach="immuno:targeting-cancer-cells").as_dicts()
    # 004 places APCs and cytotoxic T cells "in the tumor immune microenvironment" and T-cell
    # production "in secondary lymphoid organs": these are listed, but the cascade does not
    # run on into what lives there (that is the other approaches' business).
    located = {(local(r["subject"]), local(r["object"])) for r in rows if local(r["relation"]) == "locatedIn"}
    assert ("antigen-presenting-cells", "tumour-immune-microenvironment") in located
    assert ("cd8-cytotoxic-t-cells", "secondary-lymphoid-organs") in located
    assert not {local(r["subject"]) for r in rows} & {"tumour-immune-microenvironment", "secondary-lymphoid-organs"}


def test_tumour_microenvironment_approach_own_relations(kg):
    rows = kg.query("immunotherapy-approaches", approach="immuno:targeting-tumour-immune-microenvironment")
    own = {(local(r["relation"]), local(r["object"])) for r in rows.as_dicts() if r["step"] == "approach"}
    assert own == {
        # 004: "Nano-immunotherapy can be realized via three different approaches, in which nanomedicines
        # are used (1) to target cancer cells, (2) to target the tumor immune microenvironment"
        ("isApproachOf", "nano-immunotherapy"),
        # 004: "(2) to target the tumor immune microenvironment"
        ("immuneTargets", "tumour-immune-microenvironment"),
        # 004: "Nanomedicines targeting the tumor immune microenvironment potentiate cancer
        # immunotherapy by inhibiting immunosuppressive cells, such as M2-like tumor-associated macrophages"
        ("promotes", "cancer-immunotherapy"),
        ("inhibits", "immunosuppressive-cells"),
        ("inhibits", "m2-like-tumour-associated-macrophages"),
        # 004: "as well as by reducing the expression of immunosuppressive molecules, such as
        # transforming growth factor beta" (the curated relation, not the inferred "inhibits")
        ("reducesExpressionOf", "immunosuppressive-molecules"),
        ("reducesExpressionOf", "tgf-beta"),
        # 004: "nanomedicines can be employed to promote the activity of antigen-presenting cells
        # and cytotoxic T cells in the tumor immune microenvironment" (curated as the CD8+ cells
        # named earlier in the abstract; see the curator's note in data/immunotherapy.yaml)
        ("promotes", "antigen-presenting-cells"),
        ("promotes", "cd8-cytotoxic-t-cells"),
    }


def test_peripheral_immune_system_approach_own_relations(kg):
    rows = kg.query("immunotherapy-approaches", approach="Nanomedicines targeting the peripheral immune system")
    own = {(local(r["relation"]), local(r["object"])) for r in rows.as_dicts() if r["step"] == "approach"}
    assert own == {
        # 004: "Nano-immunotherapy can be realized via three different approaches, in which nanomedicines
        # are used ... and (3) to target the peripheral immune system"
        ("isApproachOf", "nano-immunotherapy"),
        # 004: "(3) to target the peripheral immune system"
        ("immuneTargets", "peripheral-immune-system"),
        # 004: "enhance antigen presentation and cytotoxic T cell production in secondary
        # lymphoid organs, such as lymph nodes and spleen"
        ("immuneTargets", "secondary-lymphoid-organs"),
        ("immuneTargets", "lymph-nodes"),
        ("immuneTargets", "spleen"),
        ("promotes", "antigen-presentation"),
        ("promotes", "cd8-cytotoxic-t-cells"),
        # 004: "as well as to engineer and strengthen peripheral effector immune cell
        # populations, thereby promoting anticancer immunity"
        ("promotes", "peripheral-effector-immune-cells"),
        ("promotes", "anticancer-immunity"),
    }


# ---------------------------------------------------------------------------
# immune-relations
# ---------------------------------------------------------------------------


def test_immunogenic_cell_death_relations_both_ways(kg):
    rows = kg.query("immune-relations").as_dicts()  # default: immunogenic cell death
    assert {(r["direction"], r["relationLabel"], local(r["other"])) for r in rows} == {
        # 004: "When targeting cancer cells, nanomedicines typically aim to induce immunogenic cell death"
        ("in", "induces", "targeting-cancer-cells"),
        # 004: "thereby triggering the release of tumor antigens and danger-associated molecular
        # patterns, such as calreticulin translocation, high mobility group box 1 protein and
        # adenosine triphosphate"
        ("out", "releases", "tumour-antigens"),
        ("out", "releases", "damps"),
        ("out", "releases", "calreticulin"),
        ("out", "releases", "hmgb1"),
        ("out", "releases", "atp"),
    }
    assert [r["direction"] for r in rows] == sorted(r["direction"] for r in rows)


def test_antigen_presenting_cells_relations_by_label(kg):
    rows = kg.query("immune-relations", entity="antigen-presenting cells").as_dicts()
    assert {(r["direction"], r["relationLabel"], local(r["other"])) for r in rows} == {
        # 004: "The latter [calreticulin, HMGB1, ATP: the DAMPs] serve as adjuvants to alert
        # antigen-presenting cells"
        ("in", "alerts", "damps"),
        ("in", "alerts", "calreticulin"),
        ("in", "alerts", "hmgb1"),
        ("in", "alerts", "atp"),
        # 004: "nanomedicines can be employed to promote the activity of antigen-presenting cells
        # and cytotoxic T cells in the tumor immune microenvironment"
        ("in", "promotes", "targeting-tumour-immune-microenvironment"),
        ("out", "located in", "tumour-immune-microenvironment"),
        # 004: "The latter serve as adjuvants to alert antigen-presenting cells to take up, process and
        # present the former" (the former: the tumour antigens)
        ("out", "presents", "tumour-antigens"),
        # 004: "thereby promoting the generation of CD8+ cytotoxic T cells"
        ("out", "generates", "cd8-cytotoxic-t-cells"),
    }
    # the other end's class: the approach is an approach, the DAMPs are DAMPs
    classes = {local(r["other"]): local(r["otherClass"]) for r in rows}
    assert classes["targeting-tumour-immune-microenvironment"] == "NanoImmunotherapyApproach"
    assert classes["hmgb1"] == "DAMP"


def test_tgf_beta_is_acted_on_once_not_twice(kg):
    rows = kg.query("immune-relations", entity="immuno:tgf-beta").as_dicts()
    # 004: "by reducing the expression of immunosuppressive molecules, such as transforming
    # growth factor beta" -- one curated relation; the reasoner's "inhibits" (its
    # super-property) is not repeated.
    assert [(r["direction"], r["relationLabel"], local(r["other"])) for r in rows] == [
        ("in", "reduces expression of", "targeting-tumour-immune-microenvironment")
    ]


def test_immune_relations_takes_immune_concepts_only(kg):
    # the parameter is restricted to nkg:ImmuneConcept: a product name does not resolve
    with pytest.raises(ParameterValueError):
        kg.query("immune-relations", entity="Doxil")


# ---------------------------------------------------------------------------
# history-timeline
# ---------------------------------------------------------------------------


def test_timeline_is_the_seed_history_in_year_order(kg):
    rows = kg.query("history-timeline").as_dicts()  # 1960-2030
    years = [r["year"] for r in rows]
    assert years == sorted(years)
    # 000, "The application of nano drugs in clinic": "began in the 1960s", "In 1976, Langer",
    # "In 1980, Yatvin", "In 1986, Matsumura and Maeda", "In 1987, Allen", "In 1994, Langer",
    # "In 1995, ... Doxil ® was approved"
    assert list(dict.fromkeys(years)) == [1960, 1976, 1980, 1986, 1987, 1994, 1995]
    # "The development of nanomedicine began in the 1960s": a decade, not the year 1960
    assert {r["yearPrecision"] for r in rows if r["year"] == 1960} == {"decade"}
    assert {r["yearPrecision"] for r in rows if r["year"] != 1960} == {"year"}


def test_timeline_people_and_products(kg):
    rows = kg.query("history-timeline").as_dicts()
    people = {(r["year"], r["involvedLabel"]) for r in rows if r["role"] == "person"}
    assert people == {
        (1976, "Langer"),  # "In 1976, Langer first proposed a delivery system for sustained release drugs"
        (1980, "Yatvin"),  # "In 1980, Yatvin designed liposomes with pH-responsive drug release"
        (1986, "Matsumura"),  # "In 1986, Matsumura and Maeda proposed the enhanced permeability
        (1986, "Maeda"),  # and retention effect (EPR effect)"
        (1987, "Allen"),  # "In 1987, Allen proposed that the modification of liposomes with ... PEG"
        (1994, "Langer"),  # "In 1994, Langer prepared the first long-cycle nanoparticle"
    }
    # "In 1995, ... the polyethylene glycol modified liposome Doxil ® was approved by the US
    # Food and Drug Administration as the first nano drug to be used in the clinic"
    assert {(r["year"], local(r["involved"])) for r in rows if r["role"] == "product"} == {(1995, "doxil")}
    # "(EPR effect)" is the concept the 1986 event introduced
    assert "enhanced permeability and retention effect" in {
        r["involvedLabel"] for r in rows if r["year"] == 1986 and r["role"] == "concept"
    }


def test_timeline_of_the_1980s(kg):
    rows = kg.query("history-timeline", fromyear=1980, toyear=1989).as_dicts()
    # 000: Yatvin 1980, Matsumura and Maeda 1986, Allen 1987
    assert sorted({r["year"] for r in rows}) == [1980, 1986, 1987]


def test_timeline_decade_overlaps_the_range(kg):
    rows = kg.query("history-timeline", fromyear="1965", toyear="1979").as_dicts()
    # "began in the 1960s" overlaps 1965-1979; "In 1976, Langer" is inside it
    assert sorted({r["year"] for r in rows}) == [1960, 1976]


def test_timeline_after_doxil_is_empty(kg):
    # the seed's history ends with Doxil's approval "In 1995"
    assert len(kg.query("history-timeline", fromyear=1996, toyear=2030)) == 0


def test_timeline_years_must_be_integers(kg):
    with pytest.raises(ParameterValueError):
        kg.query("history-timeline", fromyear="the sixties")


# ---------------------------------------------------------------------------
# field-statistics
# ---------------------------------------------------------------------------


def test_field_statistics_numbers(kg):
    rows = {local(r["statistic"]): r for r in kg.query("field-statistics").as_dicts()}
    got = {k: (r["value"], r["qualifier"], local(r["stage"]), local(r["carrierClass"])) for k, r in rows.items()}
    assert got == {
        # 000: "there are currently 15 kinds of nano drugs approved by the US Food and Drug
        # Administration or the European Medicines Agency for cancer treatment, and more than
        # 50 kinds of nano drugs in clinical trials"
        "approved-for-cancer": (Decimal(15), "exact", "approved", None),
        "in-clinical-trials": (Decimal(50), "more than", "clinical", None),
        # 000: "among the clinically approved nanomedicines, there are 10 kinds of liposomes,
        # 2 kinds of polymer micelles, 2 kinds of nanoparticles, and 1 kind of inorganic
        # nanoparticles. However, there is no polymer-drug conjugate."
        "approved-liposomes": (Decimal(10), "exact", "approved", "NPO_719"),
        "approved-polymeric-micelles": (Decimal(2), "exact", "approved", "PolymericMicelle"),
        "approved-nanoparticles": (Decimal(2), "exact", "approved", "NanoparticleCarrier"),
        "approved-inorganic-nanoparticles": (Decimal(1), "exact", "approved", "NPO_1536"),
        "approved-polymer-drug-conjugates": (Decimal(0), "exact", "approved", "PolymerDrugConjugate"),
        # 000, "Nanoparticle": "a total of five pharmaceutical companies in China ... have
        # successively obtained clinical approvals for various paclitaxel-binding albumin
        # injections, and have successively entered clinical trials. Among them, there are 5
        # kinds of new drugs in class 1.6, one class of new drugs in class 2.4, and seven kinds
        # of new drugs in class 3.4." (approvals to start trials, hence stage "clinical")
        "china-albumin-paclitaxel-companies": (Decimal(5), "exact", "clinical", "NanoparticleCarrier"),
        "china-albumin-paclitaxel-class-1-6": (Decimal(5), "exact", "clinical", "NanoparticleCarrier"),
        "china-albumin-paclitaxel-class-2-4": (Decimal(1), "exact", "clinical", "NanoparticleCarrier"),
        "china-albumin-paclitaxel-class-3-4": (Decimal(7), "exact", "clinical", "NanoparticleCarrier"),
    }
    # counts of kinds of products (and companies) carry no unit
    assert {r["unit"] for r in rows.values()} == {None}
    # each number comes with the seed's sentence
    seed = seed_text("000")
    assert all(r["quote"] and r["quote"] in seed for r in rows.values())


def test_approved_breakdown_adds_up_to_the_total(kg):
    rows = {local(r["statistic"]): r["value"] for r in kg.query("field-statistics").as_dicts()}
    # 000: 10 liposomes + 2 micelles + 2 nanoparticles + 1 inorganic + 0 conjugates = the 15 approved
    parts = [k for k in rows if k.startswith("approved-") and k != "approved-for-cancer"]
    assert sum(rows[k] for k in parts) == rows["approved-for-cancer"] == 15


def test_field_statistics_keep_the_curators_doubts(kg):
    rows = {local(r["statistic"]): r for r in kg.query("field-statistics").as_dicts()}
    # 000 names the two approved nanoparticles: "nanoparticle nanomedicines that have received
    # clinical approval are Abraxane® and Transdrug ®"; the curator keeps the seed's count of 2
    # but notes that Transdrug (Livatag) did not reach marketing approval (its product record is
    # corrected to phase III).
    assert rows["approved-nanoparticles"]["value"] == 2
    assert "Transdrug" in rows["approved-nanoparticles"]["note"]


# ---------------------------------------------------------------------------
# translation-challenges
# ---------------------------------------------------------------------------


def test_translation_challenges_from_the_seed(kg):
    rows = kg.query("translation-challenges").as_dicts()
    by_id = {local(r["challenge"]): r for r in rows}
    assert len(by_id) == len(rows), "one row per challenge"
    sections = {k: r["section"] for k, r in by_id.items()}
    # 000, "in conclusion": "how to overcome the genetic diversity of tumors Sexuality,
    # heterogeneity, and drug resistance of tumor cells; how to overcome the off-target
    # effects of nanomedicine; and how to carry out large-scale reproducible preparation and
    # screening of nanomedicine"
    for challenge in ("tumour-heterogeneity", "off-target-effects", "reproducible-preparation-and-screening"):
        assert sections[challenge] == "in conclusion"
    # 000, "The challenge of nanomedicine in clinical transformation": "passive targeting
    # effects due to EPR effects are often more pronounced in animal models than in human
    # cancer patients"; "the lack of animal experimental models that accurately reflect human
    # cancer conditions"; "its mass production poses higher requirements and challenges"
    for challenge in ("epr-animal-vs-human", "animal-models", "manufacturing-cmc"):
        assert sections[challenge] == "The challenge of nanomedicine in clinical transformation"
    # 000, "Inorganic nanoparticles": "their biosafety has been a potential problem and
    # requires biosafety evaluation"
    assert sections["inorganic-biosafety"] == "Inorganic nanoparticles"
    # 000, "Active targeting of nanomedicine": "there is still a lack of active targeted
    # nano-drugs on the market, mainly due to the lack of significant differences in clinical
    # trial results"
    assert sections["active-targeting-no-clinical-benefit"] == "Active targeting of nanomedicine"
    assert "Off-target effects" in {r["label"] for r in rows}


def test_translation_challenges_quote_the_seed(kg):
    rows = kg.query("translation-challenges").as_dicts()
    seed = seed_text("000")
    # every challenge has a curated description and a sentence found verbatim in seed 000
    assert all(r["description"] for r in rows)
    assert [r["quote"] for r in rows if r["quote"] not in seed] == []
    # ordered by section, then label
    keys = [(r["section"], r["label"]) for r in rows]
    assert keys == sorted(keys)


# ---------------------------------------------------------------------------
# source-corrections
# ---------------------------------------------------------------------------


def test_source_corrections_name_the_seed_garbles(kg):
    rows = kg.query("source-corrections").as_dicts()
    pairs = {(r["seedSays"], r["correctedValue"]) for r in rows}
    # 000 says "Themodox ® and Lipolatin in clinical phase III trials", "NK102 has a positive
    # effect" (in the NK012 paragraph), "DaunoXome ® , a 50 μm diameter", "In 1994, Langer
    # prepared the first long-cycle nanoparticle", "the porous plate environment", "Prothecan
    # has a camptothecin content of about 1. 7%"
    assert {
        ("Themodox", "ThermoDox"),
        ("Lipolatin", "Lipoplatin"),
        ("NK102", "NK012"),
        ("50 μm", "50 nm"),
        ("long-cycle nanoparticle", "long-circulating nanoparticle"),
        ("porous plate", "multi-well plate"),
        ("1. 7%", "1.7 %"),
    } <= pairs
    # whatever a correction says the seed says, the seed does say
    seed = seed_text("000")
    assert [said for said, _ in pairs if " ".join(said.split()) not in seed] == []
    assert all(r["correctionReason"] for r in rows)


def test_source_corrections_point_at_the_corrected_facts(kg):
    rows = kg.query("source-corrections").as_dicts()
    facts = {(r["seedSays"], local(r["subject"]), local(r["predicate"]), r["valueLabel"] or r["value"]) for r in rows}
    # "Themodox ®": the product's label is ThermoDox, corrected from the seed's spelling
    assert ("Themodox", "thermodox", "label", "ThermoDox") in facts
    # "NK102 has a positive effect on patients with relapsed small cell lung cancer": NK012
    # keeps the seed's slip as a synonym
    assert ("NK102", "nk012", "altLabel", "NK102") in facts
    # "a 50 μm diameter n- succinic liposome": DaunoXome's size is held in nm
    assert ("50 μm", "daunoxome", "particleSizeMax", Decimal(50)) in facts
    # "Its indications include the ovary. Cancer": Doxil's indication is ovarian cancer
    assert ("the ovary. Cancer", "doxil", "hasIndication", "ovarian cancer") in facts


def test_source_corrections_by_source(kg):
    everything = kg.query("source-corrections").rows
    # seed 000 is the machine translation (sources.yaml: "Some names, units and numbers are
    # garbled"); seed 004 is the published English abstract, and general knowledge is not a
    # document that can be garbled: all corrections are of seed 000.
    assert kg.query("source-corrections", source="source:seed-000").rows == everything
    assert len(kg.query("source-corrections", source="source:seed-004")) == 0
    assert len(kg.query("source-corrections", source="source:general-knowledge")) == 0
    assert {r["source"] for r in kg.query("source-corrections").as_dicts()} == {SOURCE + "seed-000"}


# ---------------------------------------------------------------------------
# fact-sources
# ---------------------------------------------------------------------------


def test_abraxane_facts_and_their_sources(kg):
    rows = kg.query("fact-sources").as_dicts()  # default: Abraxane
    facts = {(local(r["predicate"]), r["valueLabel"] or str(r["value"]), local(r["source"])) for r in rows}
    # 000: "The indications are pancreatic cancer and metastatic breast cancer."
    assert ("hasIndication", "pancreatic cancer", "seed-000") in facts
    assert ("hasIndication", "metastatic breast cancer", "seed-000") in facts
    # 000: "Abraxane ® is a paclitaxel-bound albumin nanoparticle with an average particle
    # size of approximately 130 nm."
    assert ("hasPayload", "paclitaxel", "seed-000") in facts
    assert ("particleSizeMax", "130", "seed-000") in facts
    # the seed names Abraxane approved ("nanoparticle nanomedicines that have received
    # clinical approval are Abraxane® and Transdrug ®") but gives no agency or year: the
    # approvals themselves rest on general knowledge
    assert {s for p, _, s in facts if p == "hasApproval"} == {"general-knowledge"}
    assert ("hasHighestStage", "approved", "seed-000") in facts
    # every quote is verbatim seed 000; every general-knowledge fact carries a note instead
    seed = seed_text("000")
    for r in rows:
        if local(r["source"]) == "seed-000":
            assert r["quote"] and " ".join(r["quote"].split()) in seed
        else:
            assert r["quote"] is None and r["note"]
        assert r["curatedFrom"].startswith("data/")


def test_fact_sources_for_one_predicate(kg):
    rows = kg.query("fact-sources", subject="Abraxane", predicate="nkg:hasIndication").as_dicts()
    # 000: "The indications are pancreatic cancer and metastatic breast cancer."
    assert {r["valueLabel"] for r in rows} == {"pancreatic cancer", "metastatic breast cancer"}
    assert {r["quote"] for r in rows} == {"The indications are pancreatic cancer and metastatic breast cancer."}
    # the property can be named by its label too
    by_curie = kg.query("fact-sources", subject="Abraxane", predicate="nkg:hasIndication").rows
    assert kg.query("fact-sources", subject="Abraxane", predicate="has indication").rows == by_curie


def test_fact_sources_shows_the_correction(kg):
    rows = kg.query("fact-sources", subject="ThermoDox", predicate="rdfs:label").as_dicts()
    # 000: "Themodox ® and Lipolatin in clinical phase III trials": the label is the corrected name
    assert [(r["value"], r["seedSays"], r["correctedValue"]) for r in rows] == [("ThermoDox", "Themodox", "ThermoDox")]


# ---------------------------------------------------------------------------
# facts-by-source
# ---------------------------------------------------------------------------


def test_facts_by_source(kg):
    rows = {local(r["source"]): r for r in kg.query("facts-by-source").as_dicts()}
    # sources.yaml: the two seeds and the curators' general knowledge; the build's identifier checks (mappings)
    assert list(rows) == ["general-knowledge", "identifier-check", "seed-000", "seed-004"]
    assert rows["seed-000"]["title"] == "Progress in clinical transformation of anti-tumor nano drugs"
    assert rows["seed-004"]["title"] == "Combining Nanomedicine and Immunotherapy"
    assert all(0 < r["subjects"] <= r["facts"] for r in rows.values())
    # seed 000 is the long review of ~40 products; seed 004 a one-paragraph abstract
    assert rows["seed-000"]["facts"] > rows["seed-004"]["facts"]
    assert rows["seed-000"]["facts"] > rows["general-knowledge"]["facts"]


def test_facts_by_source_cover_every_asserted_fact(kg):
    rows = kg.query("facts-by-source").as_dicts()
    asserted = kg.sparql(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/nanokg/graph/asserted> { ?s ?p ?o } }"
    )
    # every asserted fact cites a source (data/README.md), so the counts cover all of them
    assert sum(r["facts"] for r in rows) >= asserted.rows[0][0]
    # seed 004 supports exactly the nano-immunotherapy records: its 3 approaches and the
    # immune concepts it names (data/immunotherapy.yaml, default_source seed-004)
    immuno = kg.sparql(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH <https://w3id.org/nanokg/graph/asserted> { ?s ?p ?o } "
        'FILTER(STRSTARTS(STR(?s), "https://w3id.org/nanokg/immuno/")) }'
    )
    (seed004,) = [r for r in rows if local(r["source"]) == "seed-004"]
    assert seed004["subjects"] == immuno.rows[0][0]


# ---------------------------------------------------------------------------
# general-knowledge-facts
# ---------------------------------------------------------------------------


def test_general_knowledge_facts_are_reviewable(kg):
    rows = kg.query("general-knowledge-facts").as_dicts()
    assert rows
    # data/README.md: a general-knowledge fact "needs a `note` saying what it rests on"
    assert [r for r in rows if not r["note"]] == []
    facts = {(local(r["subject"]), local(r["predicate"]), local(r["value"])) for r in rows}
    # 000: "DaunoXome ® , a 50 μm diameter n- succinic liposome" -- no payload named
    assert ("daunoxome", "hasPayload", "daunorubicin") in facts
    # 000 never names Caelyx; it is Doxil's brand name outside the US
    assert ("doxil", "altLabel", "Caelyx") in facts
    seed = seed_text("000")
    assert "Caelyx" not in seed and "daunorubicin" not in seed.lower()


def test_general_knowledge_facts_flag_what_a_seed_also_says(kg):
    rows = kg.query("general-knowledge-facts").as_dicts()
    also = {(local(r["subject"]), local(r["predicate"]), local(r["value"])): r["alsoInSeed"] for r in rows}
    # 000: "BIND-014 (clinical phase II), loaded with docetaxel, nanoparticles that
    # specifically target prostate specific membrane antigen (PSMA)" -- the target is in the
    # seed, the ligand (curated from general knowledge) is not
    assert also[("bind-014", "activelyTargets", "psma")] is True
    assert also[("bind-014", "hasTargetingLigand", "psma-small-molecule-ligand")] is False
    # 000 gives no year for Abraxane's approval: the 2005 FDA approval rests on general knowledge only
    assert also[("abraxane", "hasApproval", "abraxane-1")] is False


# ---------------------------------------------------------------------------
# findings-by-text
# ---------------------------------------------------------------------------


def test_findings_mentioning_neutropenia(kg):
    rows = kg.query("findings-by-text").as_dicts()  # default: "neutropenia"
    # 000: "NK105 ... can significantly reduce the side effects caused by paclitaxel (such as
    # neutropenia, etc.)". The sentence opens "Clinical trial results show" without a phase
    # (the "(clinical phase II data)" that follows belongs to the ORR), hence stage "clinical".
    # Prothecan's "neutrophil and thrombocytopenia" is curated as a dose-limiting toxicity,
    # not a finding.
    assert [(r["productName"], local(r["phase"]), r["indicationLabel"]) for r in rows] == [("NK105", "clinical", None)]
    assert "neutropenia" in rows[0]["text"]


def test_findings_search_ignores_case(kg):
    assert kg.query("findings-by-text", text="NEUTROPENIA").rows == kg.query("findings-by-text").rows


def test_findings_mentioning_cystitis(kg):
    rows = kg.query("findings-by-text", text="cystitis").as_dicts()
    # 000: "PNU-166945 (PHPMA) -PTX, clinical stage I) and PNU-166148 (PHPMA-CPT, clinical
    # stage I) ... the clinical trial results of PNU-166945 and PNU-166148 are also
    # unsatisfactory, both of which show significant toxicity ..., such as cystitis"
    assert [(r["productName"], local(r["phase"])) for r in rows] == [
        ("PNU-166148", "phase-1"),
        ("PNU-166945", "phase-1"),
    ]


def _counts(kg) -> tuple[int, int]:
    products = kg.sparql("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a nkg:Nanomedicine }").rows[0][0]
    quads = kg.sparql("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][0]
    return products, quads


def test_findings_search_text_is_only_a_string(kg):
    before = _counts(kg)
    assert before[0] > 0
    # a value that would close the string and the group if it were pasted into the query
    assert len(kg.query("findings-by-text", text='x" } ; DROP ALL #')) == 0
    assert _counts(kg) == before


# ---------------------------------------------------------------------------
# people
# ---------------------------------------------------------------------------


def test_people_of_the_history(kg):
    rows = kg.query("people").as_dicts()
    # 000: "In 1976, Langer first proposed ...", "In 1980, Yatvin designed ...", "In 1986,
    # Matsumura and Maeda proposed ...", "In 1987, Allen proposed ...", "In 1994, Langer prepared ..."
    assert {(r["name"], r["year"]) for r in rows} == {
        ("Allen", 1987),
        ("Langer", 1976),
        ("Langer", 1994),
        ("Maeda", 1986),
        ("Matsumura", 1986),
        ("Yatvin", 1980),
    }
    # ordered by name, then year
    assert [(r["name"], r["year"]) for r in rows] == sorted((r["name"], r["year"]) for r in rows)
    # Matsumura and Maeda share one event: the EPR effect
    epr = {r["name"] for r in rows if local(r["event"]) == "epr-effect-proposed"}
    assert epr == {"Matsumura", "Maeda"}
    # the curator's note says who the person is (the seed gives surnames only)
    assert all(r["note"] for r in rows)


# ---------------------------------------------------------------------------
# entity-types
# ---------------------------------------------------------------------------


def test_doxil_classes_asserted_and_inferred(kg):
    rows = kg.query("entity-types").as_dicts()  # default: Doxil
    by_origin = {(local(r["class"]), r["origin"]) for r in rows}
    # 000: "the polyethylene glycol modified liposome Doxil ®": curated as a PEGylated liposome
    assert {c for c, o in by_origin if o == "asserted"} == {"Nanomedicine", "PEGylatedLiposome"}
    inferred = {c for c, o in by_origin if o == "inferred"}
    # a PEGylated liposome is a liposome (NPO_719) ...
    assert "NPO_719" in inferred
    # ... and "was approved by the US Food and Drug Administration": an approved nanomedicine
    assert "ApprovedNanomedicine" in inferred
    assert all(r["classLabel"] for r in rows)
    # asserted classes first
    origins = [r["origin"] for r in rows]
    assert origins == sorted(origins, key=["asserted", "inferred", "ontology", "provenance"].index)


def test_immune_concept_classes(kg):
    rows = kg.query("entity-types", entity="immunogenic cell death").as_dicts()
    # 004: "induce immunogenic cell death" -- a process of the immune response
    assert {(local(r["class"]), r["origin"]) for r in rows} >= {("ImmuneProcess", "asserted")}


def test_source_document_class_comes_from_provenance(kg):
    rows = kg.query("entity-types", entity="source:seed-004").as_dicts()
    assert [(local(r["class"]), r["origin"]) for r in rows] == [("SourceDocument", "provenance")]
