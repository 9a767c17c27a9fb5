"""Answers of the clinical catalogue queries (approvals, outcomes, safety, trials, release, combinations).

The expected values come from the seeds (../shared/seeds/000_*.txt, "seed 000"); the
comment above each names the sentence. Facts the seed does not state (approval years,
agencies) are curated as `source: general-knowledge`; their comment points at the data
record instead. Where the curated graph corrects the seed, the comment says so.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from nanokg.curation.catalogue import ParameterValueError

FDA = "US Food and Drug Administration"


def names(rows) -> set[str]:
    return {r["name"] for r in rows}


# -- approvals-by-region ---------------------------------------------------------------


def test_approvals_in_the_united_states_by_default(kg):
    rows = kg.query("approvals-by-region").as_dicts()
    assert {(r["name"], r["agencyLabel"], r["year"], r["indicationLabel"]) for r in rows} == {
        # seed 000: "In 1995, ... Doxil ® was approved by the US Food and Drug Administration";
        # no indication: the seed does not tie the 1995 approval to one (curator note,
        # data/products/liposomes.yaml doxil approvals)
        ("Doxil", FDA, 1995, None),
        # seed 000 lists DaunoXome among approved liposomes "for ... AIDS-related Kaposi’s sarcoma";
        # agency and year: general-knowledge record, data/products/liposomes.yaml daunoxome
        ("DaunoXome", FDA, 1996, "Kaposi's sarcoma"),
        # seed 000: Abraxane "received clinical approval", "indications are pancreatic cancer and
        # metastatic breast cancer"; FDA 2005 and 2013: general-knowledge records, nanoparticles.yaml abraxane
        ("Abraxane", FDA, 2005, "metastatic breast cancer"),
        ("Abraxane", FDA, 2013, "pancreatic cancer"),
        # seed 000: MM-398 "mainly used for the treatment of pancreatic cancer" (approved liposome 3));
        # FDA 2015: general-knowledge record, liposomes.yaml mm-398
        ("MM-398", FDA, 2015, "pancreatic cancer"),
        # seed 000: Feraheme "clinically approved for the treatment of iron deficiency anemia";
        # FDA 2009: general-knowledge record, inorganic.yaml feraheme
        ("Feraheme", FDA, 2009, "iron-deficiency anaemia"),
    }


def test_approvals_by_region_is_ordered_by_year(kg):
    rows = kg.query("approvals-by-region", region="USA").as_dicts()
    # same records as above; "USA" is a synonym of the United States (organisations.yaml regions)
    assert [r["year"] for r in rows] == [1995, 1996, 2005, 2009, 2013, 2015]


def test_approvals_in_korea_name_the_seed_country_only(kg):
    rows = kg.query("approvals-by-region", region="Korea").as_dicts()
    # seed 000: Genexol-PM "is suitable for the treatment of metastatic breast cancer (Korea)";
    # the seed names neither agency nor year
    assert [(r["name"], r["agencyLabel"], r["year"], r["indicationLabel"]) for r in rows] == [
        ("Genexol-PM", None, None, "metastatic breast cancer")
    ]


def test_approvals_in_russia_and_canada(kg):
    # seed 000: Paclical "is suitable for the treatment of ovarian cancer (Russia )"
    russia = kg.query("approvals-by-region", region="Russian Federation").as_dicts()
    assert [(r["name"], r["indicationLabel"]) for r in russia] == [("Paclical", "ovarian cancer")]
    # seed 000: Myocet "mainly used for the treatment of metastatic breast cancer (Europe and Canada)"
    canada = kg.query("approvals-by-region", region="Canada").as_dicts()
    assert [(r["name"], r["indicationLabel"]) for r in canada] == [("Myocet", "metastatic breast cancer")]


def test_approvals_in_europe(kg):
    rows = kg.query("approvals-by-region", region="Europe").as_dicts()
    # seed 000: Myocet "(Europe and Canada)" gives a record without agency or year; the curators
    # added a second, general-knowledge record for the same EU authorisation (EMA, 2000;
    # data/products/liposomes.yaml myocet approvals), so Myocet appears twice
    assert {(r["name"], r["agencyLabel"], r["year"]) for r in rows} == {
        ("Myocet", None, None),
        ("Myocet", "European Medicines Agency", 2000),
    }
    assert len(rows) == 2


# -- approvals-timeline -----------------------------------------------------------------


def test_approvals_timeline_default_range(kg):
    rows = kg.query("approvals-timeline").as_dicts()
    # seed 000: Doxil (1995) was "the first nano drug to be used in the clinic"; the other
    # years are the general-knowledge records cited in test_approvals_in_the_united_states_by_default
    # plus Myocet's EU authorisation of 2000 (liposomes.yaml myocet). Records without a year
    # (Genexol-PM, Paclical, Myocet's seed records) are left out; Transdrug has no approval (corrected
    # to phase III, data/products/nanoparticles.yaml transdrug stage).
    assert [(r["year"], r["name"]) for r in rows] == [
        (1995, "Doxil"),
        (1996, "DaunoXome"),
        (2000, "Myocet"),
        (2005, "Abraxane"),
        (2009, "Feraheme"),
        (2013, "Abraxane"),
        (2015, "MM-398"),
    ]


def test_approvals_timeline_bounds_are_included(kg):
    rows = kg.query("approvals-timeline", fromyear=2000, toyear=2009).as_dicts()
    # Myocet (EMA 2000) and Feraheme (FDA 2009) sit on the bounds (general-knowledge records)
    assert [(r["year"], r["name"], r["regionLabel"]) for r in rows] == [
        (2000, "Myocet", "European Union"),
        (2005, "Abraxane", "United States"),
        (2009, "Feraheme", "United States"),
    ]


def test_approvals_timeline_nothing_before_doxil(kg):
    # seed 000: Doxil (1995) was "the first nano drug to be used in the clinic"
    assert kg.query("approvals-timeline", fromyear=1960, toyear=1994).as_dicts() == []


def test_approvals_timeline_rejects_a_non_integer_year(kg):
    with pytest.raises(ParameterValueError):
        kg.query("approvals-timeline", fromyear="nineteen-ninety")


# -- outcomes-above-threshold -----------------------------------------------------------


def test_orr_above_20_percent_by_default(kg):
    rows = kg.query("outcomes-above-threshold").as_dicts()
    assert {(r["name"], r["value"], r["unitLabel"], r["phaseLabel"], r["indicationLabel"]) for r in rows} == {
        # seed 000: NK105 "its overall response rate (ORR) 25% (clinical phase II data)" (no indication given)
        ("NK105", 25, "percent", "phase 2", None),
        # seed 000: "NK102 has a positive effect on patients with relapsed small cell lung cancer,
        # ORR is 22%" -- corrected to NK012 (correction record in data/products/micelles.yaml nk012)
        ("NK012", 22, "percent", "phase 2", "small cell lung cancer"),
    }
    # ordered by value, highest first
    assert [r["name"] for r in rows] == ["NK105", "NK012"]


def test_threshold_is_strict(kg):
    # seed 000: NK012 "ORR is 22%" does not exceed 22; NK105 "ORR 25%" does
    assert names(kg.query("outcomes-above-threshold", threshold=22).as_dicts()) == {"NK105"}
    # 25 does not exceed 25
    assert kg.query("outcomes-above-threshold", threshold=25).as_dicts() == []


def test_dcr_above_threshold_by_synonym(kg):
    rows = kg.query("outcomes-above-threshold", measure="DCR", threshold="50").as_dicts()
    # seed 000: "NC-6004 has a disease control rate of 64.7% for pancreatic cancer (clinical phase II data)"
    assert [(r["name"], r["value"], r["phaseLabel"], r["indicationLabel"]) for r in rows] == [
        ("NC-6004", Decimal("64.7"), "phase 2", "pancreatic cancer")
    ]


def test_auc_ratio_threshold_separates_the_two_products(kg):
    # seed 000: NK911 "(AUC) ... is twice that of free doxorubicin";
    # "the plasma AUC of NC-4016 is about 1000 times higher than that of oxaliplatin"
    both = kg.query("outcomes-above-threshold", measure="AUC", threshold=1).as_dicts()
    assert {(r["name"], r["value"], r["comparatorLabel"]) for r in both} == {
        ("NK911", 2, "doxorubicin"),
        ("NC-4016", 1000, "oxaliplatin"),
    }
    high = kg.query("outcomes-above-threshold", measure="val:auc-ratio", threshold="100").as_dicts()
    assert [(r["name"], r["qualifier"], r["phaseLabel"]) for r in high] == [("NC-4016", "about", "preclinical")]


def test_a_range_counts_when_its_minimum_exceeds(kg):
    # seed 000: "Docetaxel-PNP has a blood half-life of 1.5 to 2 times that of ... Taxotere"
    rows = kg.query("outcomes-above-threshold", measure="half-life ratio", threshold="1.4").as_dicts()
    assert [(r["name"], r["value"], r["minValue"], r["maxValue"], r["qualifier"]) for r in rows] == [
        ("Docetaxel-PNP", None, Decimal("1.5"), 2, "range")
    ]
    # the maximum (2) exceeds 1.5 but the minimum does not: the range does not count
    assert kg.query("outcomes-above-threshold", measure="half-life ratio", threshold="1.5").as_dicts() == []


# -- outcomes-by-product ------------------------------------------------------------------


def test_outcomes_of_abraxane_by_default(kg):
    rows = kg.query("outcomes-by-product").as_dicts()
    assert {(r["measureLabel"], r["value"], r["unitLabel"], r["qualifier"], r["comparatorLabel"]) for r in rows} == {
        # seed 000: "With annual revenues of approximately $967 million, Abraxane ®"
        ("annual revenue", 967_000_000, "US dollars per year", "about", None),
        # seed 000: "of Abraxane ® Maximum tolerated dose (MTD) than the Taxol ® height of about 50%"
        # -- stored as a ratio of about 1.5-fold (curator note, data/products/nanoparticles.yaml abraxane)
        ("maximum tolerated dose ratio", Decimal("1.5"), "fold (unitless ratio)", "about", "Taxol"),
    }


def test_outcomes_of_prothecan(kg):
    rows = kg.query("outcomes-by-product", product="Prothecan").as_dicts()
    assert {(r["measureLabel"], r["value"], r["unitLabel"], r["qualifier"]) for r in rows} == {
        # seed 000: "Prothecan has a camptothecin content of about 1. 7%" (corrected to 1.7 %)
        ("drug content", Decimal("1.7"), "percent", "about"),
        # seed 000: "plasma half-life for up to 72h"
        ("plasma half-life", 72, "hour", "up to"),
    }


def test_outcomes_of_lipoxal_are_a_range(kg):
    rows = kg.query("outcomes-by-product", product="product:lipoxal").as_dicts()
    # seed 000: "only if the dose reached 350 mg · m ~ 300 -2 when Shows certain body toxicity"
    # -- garbled "300 ~ 350 mg·m-2", corrected to 300-350 mg/m2 (liposomes.yaml lipoxal outcomes);
    # "Phase I clinical results show ..."
    assert [
        (r["measureLabel"], r["value"], r["minValue"], r["maxValue"], r["unitLabel"], r["phaseLabel"]) for r in rows
    ] == [("dose at onset of toxicity", None, 300, 350, "milligram per square metre", "phase 1")]


def test_outcomes_by_product_alias(kg):
    # "paclitaxel poliglumex" is Xyotax's INN (general-knowledge alias, conjugates.yaml xyotax)
    rows = kg.query("outcomes-by-product", product="paclitaxel poliglumex").as_dicts()
    # seed 000: "Xyotax ® is a conjugate of polyglutamic acid ( Mw =17000 g/mol) with paclitaxel,
    # which has a drug loading of up to 37%"
    assert {(r["measureLabel"], r["value"], r["qualifier"]) for r in rows} == {
        ("carrier molecular weight", 17000, "exact"),
        ("drug loading", 37, "up to"),
    }


def test_outcomes_by_product_without_outcomes(kg):
    # seed 000 gives no number for EndoTAG-1 (a cationic paclitaxel liposome)
    assert kg.query("outcomes-by-product", product="EndoTAG-1").as_dicts() == []


# -- outcomes-vs-comparator --------------------------------------------------------------


def test_all_outcomes_against_a_comparator(kg):
    rows = kg.query("outcomes-vs-comparator").as_dicts()
    assert {
        (r["name"], r["measureLabel"], r["value"], r["minValue"], r["maxValue"], r["comparatorLabel"]) for r in rows
    } == {
        # seed 000: NK911 "(AUC) ... is twice that of free doxorubicin"
        ("NK911", "plasma AUC ratio", 2, None, None, "doxorubicin"),
        # seed 000: "the plasma AUC of NC-4016 is about 1000 times higher than that of oxaliplatin"
        ("NC-4016", "plasma AUC ratio", 1000, None, None, "oxaliplatin"),
        # seed 000: Abraxane MTD "than the Taxol ® height of about 50%" (stored as about 1.5-fold)
        ("Abraxane", "maximum tolerated dose ratio", Decimal("1.5"), None, None, "Taxol"),
        # seed 000: "Docetaxel-PNP has a blood half-life of 1.5 to 2 times that of ... Taxotere"
        ("Docetaxel-PNP", "half-life ratio", None, Decimal("1.5"), 2, "Taxotere"),
    }


def test_outcomes_against_taxotere(kg):
    rows = kg.query("outcomes-vs-comparator", comparator="Taxotere").as_dicts()
    # seed 000: "a blood half-life of 1.5 to 2 times that of the anti-tumor drug, Taxotere"
    assert [(r["name"], r["minValue"], r["maxValue"], r["unitLabel"], r["qualifier"]) for r in rows] == [
        ("Docetaxel-PNP", Decimal("1.5"), 2, "fold (unitless ratio)", "range")
    ]


def test_outcomes_against_free_doxorubicin_by_synonym(kg):
    # "Dox" is the seed's abbreviation: "the antitumor drug Doxorubicin (Dox)";
    # seed 000: NK911 AUC "is twice that of free doxorubicin"
    rows = kg.query("outcomes-vs-comparator", comparator="Dox").as_dicts()
    assert [(r["name"], r["measure"], r["value"]) for r in rows] == [
        ("NK911", "https://w3id.org/nanokg/value/auc-ratio", 2)
    ]


def test_outcomes_against_a_drug_never_used_as_comparator(kg):
    # seed 000 compares Paclical's drug loading with Taxol and Abraxane only in words (a finding,
    # no number), so paclitaxel is no comparator of any outcome
    assert kg.query("outcomes-vs-comparator", comparator="paclitaxel").as_dicts() == []


# -- products-by-adverse-effect ----------------------------------------------------------


def test_cardiotoxicity_reduced_by_doxil_by_default(kg):
    rows = kg.query("products-by-adverse-effect").as_dicts()
    # seed 000: "Doxorubicin ... has cardiotoxicity ... Liposomes-encapsulated doxorubicin can
    # effectively reduce the toxicity of doxorubicin" (Doxil paragraph)
    assert [(r["name"], r["relation"], r["doseLimiting"]) for r in rows] == [("Doxil", "reduces", False)]


def test_neutropenia_caused_dose_limiting_and_reduced(kg):
    rows = kg.query("products-by-adverse-effect", effect="neutropenia").as_dicts()
    assert {(r["name"], r["relation"], r["doseLimiting"]) for r in rows} == {
        # seed 000: Prothecan "dose-limiting toxicity was mainly characterized by neutrophil and
        # thrombocytopenia" ("neutrophil" corrected to neutropenia, conjugates.yaml prothecan)
        ("Prothecan", "causes", True),
        # seed 000: NK105 "can significantly reduce the side effects caused by paclitaxel (such as neutropenia"
        ("NK105", "reduces", False),
    }


def test_thrombocytopenia_dose_limiting_only_for_prothecan(kg):
    rows = kg.query("products-by-adverse-effect", effect="thrombocytopenia").as_dicts()
    assert {(r["name"], r["relation"], r["doseLimiting"]) for r in rows} == {
        # seed 000: Prothecan "dose-limiting toxicity ... neutrophil and thrombocytopenia"
        ("Prothecan", "causes", True),
        # seed 000: "AD-70 exhibits large toxic side effects such as hepatotoxicity and thrombocytopenia"
        # (not called dose-limiting)
        ("AD-70", "causes", False),
    }


def test_adverse_effect_lacked_by_synonym(kg):
    rows = kg.query("products-by-adverse-effect", effect="bone marrow suppression").as_dicts()
    # seed 000: NK911 "does not cause serious side effects such as bone marrow suppression"
    assert [(r["name"], r["relation"]) for r in rows] == [("NK911", "lacks")]


def test_nephrotoxicity_by_synonym(kg):
    rows = kg.query("products-by-adverse-effect", effect="renal toxicity").as_dicts()
    # seed 000: "LiPlaCis has significant side effects such as nephrotoxicity"
    assert [(r["name"], r["relation"], r["doseLimiting"], r["stageLabel"]) for r in rows] == [
        ("LiPlaCis", "causes", False, "phase 1")
    ]


def test_systemic_toxicity_caused_and_reduced(kg):
    rows = kg.query("products-by-adverse-effect", effect="systemic toxicity").as_dicts()
    assert {(r["name"], r["relation"]) for r in rows} == {
        # seed 000: Lipoxal "Shows certain body toxicity" at 300-350 mg/m2 ("body toxicity" is a
        # synonym of systemic toxicity, effects.yaml)
        ("Lipoxal", "causes"),
        # seed 000: BIND-014 "significantly better than free docetaxel, with lower systemic toxicity"
        ("BIND-014", "reduces"),
        # seed 000: "Docetaxel-PNP has better therapeutic effect and lower Clinical toxicity"
        ("Docetaxel-PNP", "reduces"),
    }
    # "causes" rows come first
    assert rows[0]["relation"] == "causes"


# -- dose-limiting-toxicities ------------------------------------------------------------


def test_dose_limiting_and_dose_related_toxicities(kg):
    rows = kg.query("dose-limiting-toxicities").as_dicts()
    assert {
        (r["name"], r["effectLabel"], r["doseLimiting"], r["doseValue"], r["doseMin"], r["doseMax"]) for r in rows
    } == {
        # seed 000: Prothecan "its dose-limiting toxicity was mainly characterized by neutrophil and
        # thrombocytopenia" -- no dose given
        ("Prothecan", "neutropenia", True, None, None, None),
        ("Prothecan", "thrombocytopenia", True, None, None, None),
        # seed 000: Lipoxal "only if the dose reached 350 mg · m ~ 300 -2 when Shows certain body
        # toxicity, such as peripheral neurotoxicity" (range corrected to 300-350 mg/m2)
        ("Lipoxal", "systemic toxicity", False, None, 300, 350),
        ("Lipoxal", "peripheral neurotoxicity", False, None, 300, 350),
        # seed 000: "only when NC-6004 is administered at a dose of 120 mg·m -2Cisplatin-related
        # organism toxicity occurs"
        ("NC-6004", "cisplatin-related toxicity", False, 120, None, None),
    }


def test_dose_at_onset_unit_and_phase(kg):
    rows = kg.query("dose-limiting-toxicities").as_dicts()
    doses = {(r["name"], r["doseUnitLabel"], r["doseQualifier"], r["dosePhaseLabel"]) for r in rows if r["doseOutcome"]}
    assert doses == {
        # seed 000: "Phase I clinical results show that liposomal oxaliplatin ..." (Lipoxal)
        ("Lipoxal", "milligram per square metre", "range", "phase 1"),
        # seed 000 gives no phase for NC-6004's 120 mg·m-2 (curator note, micelles.yaml nc-6004)
        ("NC-6004", "milligram per square metre", "exact", None),
    }


def test_only_prothecan_has_toxicities_the_source_calls_dose_limiting(kg):
    rows = kg.query("dose-limiting-toxicities").as_dicts()
    # seed 000: "dose-limiting" occurs once, in the Prothecan sentence
    assert {r["name"] for r in rows if r["doseLimiting"]} == {"Prothecan"}


# -- terminated-trials --------------------------------------------------------------------


def test_all_terminated_trials_and_why(kg):
    rows = kg.query("terminated-trials").as_dicts()
    assert {(r["name"], r["phaseLabel"], r["reasonLabel"], r["reasonKind"]) for r in rows} == {
        # seed 000: "the results of clinical phase I indicate that LiPlaCis has significant side effects
        # such as nephrotoxicity, so its clinical trial has been terminated"
        ("LiPlaCis", "phase 1", "nephrotoxicity", "adverse effect"),
        # seed 000: "CALAA-01 (Clinical Phase I, Termination)", "discontinued for reasons of
        # preparation cost and safety"
        ("CALAA-01", "phase 1", "cost of preparation", "other"),
        ("CALAA-01", "phase 1", "safety concerns", "other"),
    }


def test_terminated_trials_for_an_adverse_effect_by_synonym(kg):
    rows = kg.query("terminated-trials", reason="renal toxicity").as_dicts()
    # seed 000: LiPlaCis "nephrotoxicity, so its clinical trial has been terminated"
    assert [(r["name"], r["reason"]) for r in rows] == [("LiPlaCis", "https://w3id.org/nanokg/effect/nephrotoxicity")]


def test_terminated_trials_for_another_reason(kg):
    # seed 000: CALAA-01 "discontinued for reasons of preparation cost and safety"
    for reason in ("cost of preparation", "safety concerns", "val:safety"):
        rows = kg.query("terminated-trials", reason=reason).as_dicts()
        assert names(rows) == {"CALAA-01"}
        assert len(rows) == 1


def test_no_trial_terminated_for_insufficient_efficacy(kg):
    # seed 000 names no trial stopped for lack of efficacy
    assert kg.query("terminated-trials", reason="val:insufficient-efficacy").as_dicts() == []


# -- release-by-stimulus -----------------------------------------------------------------


def test_heat_triggered_release_by_default(kg):
    rows = kg.query("release-by-stimulus").as_dicts()
    # seed 000: "Themodox ® can rapidly change the structure of the liposome when the ambient temperature
    # rises to 40 ~ 45 ° C, forming a “small opening” to release doxorubicin" (Themodox corrected to ThermoDox)
    assert [(r["name"], r["mechanismLabel"], r["minValue"], r["maxValue"], r["unitLabel"]) for r in rows] == [
        ("ThermoDox", "thermosensitive release", 40, 45, "degree Celsius")
    ]


def test_enzyme_triggered_release_by_abbreviation(kg):
    rows = kg.query("release-by-stimulus", stimulus="PLA2").as_dicts()
    # seed 000: "LiPlaCis is a liposomal formulation of cisplatin with a phosphatase A2 (PLA2) responsive
    # release drug" ("phosphatase" corrected to phospholipase, liposomes.yaml liplacis); no range
    assert [
        (r["name"], r["mechanismLabel"], r["stimulusLabel"], r["minValue"], r["maxValue"], r["payloadLabel"])
        for r in rows
    ] == [("LiPlaCis", "enzyme-responsive release", "phospholipase A2", None, None, "cisplatin")]


def test_no_product_releases_on_ph(kg):
    # seed 000 mentions pH-responsive liposomes only in the history (Yatvin, 1980), for no product
    assert kg.query("release-by-stimulus", stimulus="pH").as_dicts() == []


# -- combinations-by-partner -------------------------------------------------------------


def test_combination_with_bevacizumab_by_default(kg):
    rows = kg.query("combinations-by-partner").as_dicts()
    # seed 000: "CRLX101 can be combined with bevacizumab, ... well tolerated in metastatic renal cell carcinoma"
    assert [(r["name"], r["partnerLabel"], r["indicationLabel"]) for r in rows] == [
        ("CRLX101", "bevacizumab", "renal cell carcinoma")
    ]


def test_combination_partner_drug_by_synonym(kg):
    # seed 000: MM-398 "is administered in combination with 5-fluorouracil and leucovorin, and is
    # mainly used for the treatment of pancreatic cancer"
    for partner in ("5-FU", "5-fluorouracil", "leucovorin"):
        rows = kg.query("combinations-by-partner", partner=partner).as_dicts()
        assert [(r["name"], r["indicationLabel"]) for r in rows] == [("MM-398", "pancreatic cancer")]


def test_combination_partner_procedure(kg):
    # seed 000: "combined with radiofrequency ablation technology, Themodox ® ..." (no indication given)
    rows = kg.query("combinations-by-partner", partner="radiofrequency ablation").as_dicts()
    assert [(r["name"], r["indicationLabel"], r["stageLabel"]) for r in rows] == [("ThermoDox", None, "phase 3")]
    # seed 000: "AuroLase is a PEG-modified silica-gold nanoparticle for Photothermal therapy for metastatic
    # lung cancer": photothermal therapy is what AuroLase is used for (nkg:hasApplication), not a partner
    assert kg.query("combinations-by-partner", partner="photothermal therapy").rows == []
    rows = kg.sparql("SELECT ?p WHERE { ?p nkg:hasApplication procedure:photothermal-therapy }").rows
    assert rows == [("https://w3id.org/nanokg/product/aurolase",)]
    # seed 000: "SGT-53 significantly enhances the sensitivity of tumor cells to radiotherapy/chemotherapy"
    assert names(kg.query("combinations-by-partner", partner="radiotherapy").as_dicts()) == {"SGT-53"}
    assert names(kg.query("combinations-by-partner", partner="chemotherapy").as_dicts()) == {"SGT-53"}


# -- products-by-developer ---------------------------------------------------------------


def test_products_of_bioalliance_by_default(kg):
    rows = kg.query("products-by-developer").as_dicts()
    # seed 000: "Transdrug ®It is a doxorubicin nanoparticle preparation developed by BioAlliance";
    # the seed's "received clinical approval are Abraxane® and Transdrug ®" is corrected to phase III
    # (Livatag's phase III trial did not meet its endpoint; data/products/nanoparticles.yaml transdrug stage)
    assert [(r["name"], r["payloadLabel"], r["stageLabel"]) for r in rows] == [("Transdrug", "doxorubicin", "phase 3")]


def test_products_by_developer_synonyms(kg):
    # "Onxeo" is BioAlliance's later name (general-knowledge synonym, organisations.yaml bioalliance)
    assert names(kg.query("products-by-developer", organisation="Onxeo").as_dicts()) == {"Transdrug"}
    # seed 000: "five pharmaceutical companies in China (Zhengda Tianqing, Shijiazhuang Group, ...) have
    # successively obtained clinical approvals for various paclitaxel-binding albumin injections"
    rows = kg.query("products-by-developer", organisation="Chia Tai Tianqing").as_dicts()
    assert [(r["name"], r["organisationLabel"], r["stageLabel"]) for r in rows] == [
        ("Albumin-bound paclitaxel (Chia Tai Tianqing)", "Zhengda Tianqing", "clinical (phase not stated)")
    ]
    assert names(kg.query("products-by-developer", organisation="CSPC").as_dicts()) == {
        "Albumin-bound paclitaxel (CSPC)"
    }


def test_a_regulator_develops_nothing(kg):
    # seed 000: the FDA approved Doxil; it developed nothing
    assert kg.query("products-by-developer", organisation="FDA").as_dicts() == []


# -- clinical-attrition ------------------------------------------------------------------


def test_clinical_attrition_per_carrier_class(kg):
    rows = kg.query("clinical-attrition").as_dicts()
    got = {r["carrierClassLabel"]: (r["productCount"], r["approvedCount"], r["terminatedCount"]) for r in rows}
    assert got == {
        # seed 000, Liposomes paragraph: Doxil, DaunoXome, Myocet, MM-398 (approved); ThermoDox, Lipoplatin
        # (phase III), Lipoxal, EndoTAG-1 (phase II), IHL-305, LiPlaCis (phase I, "its clinical trial has been
        # terminated"); active targeting: MCC-465 (immunoliposome), SGT-53 (liposome nanocomplex)
        "liposome": (12, 4, 1),
        # seed 000: "clinically approved nanomicelles are Genexol-PM ® and Paclical ®"; in trials NK105,
        # NC-6004, NK012, NK911, NC-4016
        "polymeric micelle": (7, 2, 0),
        # seed 000: "nanoparticle nanomedicines that have received clinical approval are Abraxane® and
        # Transdrug ®" (Transdrug corrected to phase III: only Abraxane is approved); in trials
        # DHAD-PBCA-NPs, CRLX101, Nanoxel, Docetaxel-PNP, the five Chinese albumin-paclitaxel programmes,
        # BIND-014 and CALAA-01 ("Clinical Phase I, Termination")
        "nanoparticle": (13, 1, 1),
        # seed 000: "there are no clinical approvals for PDCs nanomedicine"; PK1, PK2, PNU-166945,
        # PNU-166148, Prothecan, AD-70, Xyotax
        "polymer-drug conjugate": (7, 0, 0),
        # seed 000: Feraheme "has been clinically approved"; Cornell Dots and AuroLase in clinical trials
        "inorganic nanoparticle": (3, 1, 0),
    }


def test_clinical_attrition_counts_every_product_once(kg):
    rows = kg.query("clinical-attrition").as_dicts()
    total = kg.sparql("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a nkg:Nanomedicine }").rows[0][0]
    # each product falls under exactly one of the five top classes (data/README.md)
    assert sum(r["productCount"] for r in rows) == total == 42
