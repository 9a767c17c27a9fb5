"""Facts of the two seeds, asserted through SPARQL on the built graph (not the YAML)."""

from __future__ import annotations

from decimal import Decimal

from conftest import select


def labels(store, where: str) -> set[str]:
    return {r["name"] for r in select(store, f"SELECT DISTINCT ?name WHERE {{ {where} ?p rdfs:label ?name }}")}


def test_transferrin_receptor_products_are_sgt53_and_calaa01(store):
    assert labels(
        store, "?p a nkg:Nanomedicine ; nkg:activelyTargets <https://w3id.org/nanokg/target/transferrin-receptor> ."
    ) == {
        "SGT-53",
        "CALAA-01",
    }


def test_transferrin_receptor_reached_through_the_ligand(store):
    rows = select(
        store,
        """
        SELECT ?ligand WHERE {
          product:sgt-53 nkg:hasTargetingLigand ?l . ?l nkg:bindsTarget <https://w3id.org/nanokg/target/transferrin-receptor> ;
                                                     rdfs:label ?ligand }""",
    )
    assert [r["ligand"] for r in rows] == ["anti-transferrin receptor single-chain antibody fragment"]


def test_psma_and_asgpr_targets(store):
    assert labels(store, "?p nkg:activelyTargets <https://w3id.org/nanokg/target/psma> .") == {"BIND-014"}
    assert labels(store, "?p nkg:activelyTargets <https://w3id.org/nanokg/target/asialoglycoprotein-receptor> .") == {
        "PK2"
    }


def test_approved_products_follow_the_seed_with_its_correction(store):
    # the seed's approved products, less Transdrug: "received clinical approval are Abraxane® and
    # Transdrug ®" is corrected to phase III (Livatag's phase III trial failed; general knowledge)
    approved = labels(store, "?p nkg:hasHighestStage val:approved .")
    assert approved == {
        "Doxil", "DaunoXome", "Myocet", "MM-398", "Genexol-PM", "Paclical", "Abraxane", "Feraheme",
    }  # fmt: skip
    assert labels(store, "?p nkg:hasApproval ?a .") == approved
    assert labels(store, "?p nkg:hasHighestStage val:phase-3 . FILTER(?p = product:transdrug)") == {"Transdrug"}


def test_doxil_approved_by_fda_in_1995(store):
    rows = select(
        store,
        """
        SELECT ?year ?agency WHERE { product:doxil nkg:hasApproval ?a . ?a nkg:year ?year ;
                                     nkg:approvedBy/rdfs:label ?agency }""",
    )
    assert {(int(r["year"]), r["agency"]) for r in rows} == {(1995, "US Food and Drug Administration")}


def test_nk105_orr_25_percent_in_phase_2_and_stage_phase_3(store):
    rows = select(
        store,
        """
        SELECT ?value ?phase ?stage WHERE {
          product:nk105 nkg:hasOutcome ?o ; nkg:hasHighestStage ?stage .
          ?o nkg:outcomeMeasure val:orr ; qudt:numericValue ?value ; nkg:outcomePhase ?phase }""",
    )
    assert len(rows) == 1
    assert Decimal(rows[0]["value"]) == 25
    assert rows[0]["phase"].endswith("/phase-2")
    assert rows[0]["stage"].endswith("/phase-3")


def test_nc6004_dcr_and_nk012_orr_with_correction(store):
    rows = select(
        store,
        """
        SELECT ?value WHERE { product:nc-6004 nkg:hasOutcome ?o . ?o nkg:outcomeMeasure val:dcr ; qudt:numericValue ?value }""",
    )
    assert [Decimal(r["value"]) for r in rows] == [Decimal("64.7")]
    rows = select(
        store,
        """
        SELECT ?value ?says ?corrected WHERE {
          product:nk012 nkg:hasOutcome ?o . ?o nkg:outcomeMeasure val:orr ; qudt:numericValue ?value .
          ?st rdf:subject ?o ; rdf:predicate qudt:numericValue ; nkg:hasEvidence/nkg:hasCorrection ?c .
          ?c nkg:seedSays ?says ; nkg:correctedValue ?corrected }""",
    )
    assert {(Decimal(r["value"]), r["says"]) for r in rows} == {(Decimal(22), "NK102")}
    assert "NK012" in rows[0]["corrected"]


def test_sizes_in_nm(store):
    rows = select(
        store,
        """
        SELECT ?name ?min ?max WHERE { ?p a nkg:Nanomedicine ; rdfs:label ?name ;
          nkg:particleSizeMin ?min ; nkg:particleSizeMax ?max }""",
    )
    sizes = {r["name"]: (Decimal(r["min"]), Decimal(r["max"])) for r in rows}
    assert sizes["Genexol-PM"] == (20, 50)
    assert sizes["Paclical"] == (20, 60)
    assert sizes["Abraxane"] == (130, 130)
    assert sizes["Myocet"] == (150, 150)
    assert sizes["DaunoXome"] == (50, 50)  # the seed's "50 μm", corrected to nm


def test_terminated_products_and_reasons(store):
    rows = select(
        store,
        """
        SELECT ?name ?reason WHERE { ?p rdfs:label ?name ; nkg:hasTrial ?t . ?t nkg:trialStatus val:terminated ;
          nkg:terminationReason/rdfs:label ?reason }""",
    )
    reasons = {(r["name"], r["reason"]) for r in rows}
    assert reasons == {
        ("LiPlaCis", "nephrotoxicity"),
        ("CALAA-01", "cost of preparation"),
        ("CALAA-01", "safety concerns"),
    }


def test_thermodox_releases_at_40_to_45_degrees(store):
    rows = select(
        store,
        """
        SELECT ?min ?max ?stimulus WHERE { product:thermodox nkg:hasReleaseProfile ?r .
          ?r nkg:minValue ?min ; nkg:maxValue ?max ; nkg:releaseStimulus ?stimulus }""",
    )
    assert [(Decimal(r["min"]), Decimal(r["max"]), r["stimulus"].rsplit("/", 1)[1]) for r in rows] == [(40, 45, "heat")]


def test_seed_spellings_are_kept_as_aliases(store):
    for product, alias in [("thermodox", "Themodox"), ("lipoplatin", "Lipolatin"), ("nk012", "NK102")]:
        rows = select(store, f"SELECT ?a WHERE {{ product:{product} skos:altLabel ?a }}")
        assert alias in {r["a"] for r in rows}


def test_mm398_combined_with_fluorouracil_and_leucovorin_by_inference(store):
    rows = select(
        store,
        """
        SELECT ?partner WHERE { GRAPH <https://w3id.org/nanokg/graph/inferred> { product:mm-398 nkg:combinedWith ?x }
          ?x rdfs:label ?partner }""",
    )
    assert {r["partner"] for r in rows} >= {"fluorouracil", "leucovorin"}


def test_field_statistics(store):
    rows = select(store, "SELECT ?id ?v WHERE { ?s a nkg:FieldStatistic ; qudt:numericValue ?v BIND(STR(?s) AS ?id) }")
    values = {r["id"].rsplit("/", 1)[1]: Decimal(r["v"]) for r in rows}
    assert 15 in values.values() and 50 in values.values() and 10 in values.values()


def test_history_timeline_years(store):
    rows = select(store, "SELECT ?y WHERE { ?e a nkg:HistoricalEvent ; nkg:year ?y }")
    assert {int(r["y"]) for r in rows} >= {1960, 1976, 1980, 1986, 1987, 1994, 1995}


def test_three_nano_immunotherapy_approaches_and_icd_damps(store):
    assert len(labels(store, "?p a nkg:NanoImmunotherapyApproach .")) == 3
    damps = labels(store, "?p a nkg:DAMP .")
    assert len(damps) >= 3
    rows = select(
        store,
        """
        SELECT ?x WHERE { ?icd a nkg:ImmuneProcess ; rdfs:label ?l ; nkg:releases ?x FILTER(CONTAINS(LCASE(?l), "immunogenic")) }""",
    )
    assert len(rows) >= 3


def test_every_fact_names_its_source(store):
    rows = select(
        store,
        """
        SELECT ?quote ?source WHERE {
          ?st rdf:subject product:liplacis ; rdf:predicate nkg:hasTrial ; nkg:hasEvidence ?e .
          ?e nkg:quote ?quote ; prov:wasDerivedFrom ?source }""",
    )
    assert rows and all(r["source"].endswith("/source/seed-000") for r in rows)
