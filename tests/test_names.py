"""Names resolve through the exact-match lookup key, case-insensitively, to the right entity."""

from __future__ import annotations

import pytest

from nanokg.identifiers import expand_curie
from nanokg.store.index import name_key

TFR = "https://w3id.org/nanokg/target/transferrin-receptor"
DOXIL = "https://w3id.org/nanokg/product/doxil"


@pytest.mark.parametrize(
    ("name", "iri"),
    [
        # seed 000: "anti-tumor Transferrin receptor single-chain antibody fragment (TfRscFv)"
        ("transferrin receptor", TFR),
        ("Transferrin Receptor", TFR),
        ("TfR", TFR),
        ("tfr", TFR),
        # CD71 is the transferrin receptor's cluster-of-differentiation name (general knowledge, targets.yaml)
        ("CD71", TFR),
        ("cd71", TFR),
        # seed 000: "the polyethylene glycol modified liposome Doxil ®"
        ("Doxil", DOXIL),
        ("DOXIL ®", DOXIL),
        # Caelyx: Doxil's name outside the US (general knowledge, liposomes.yaml)
        ("Caelyx", DOXIL),
        ("caelyx", DOXIL),
        # seed 000 writes "Themodox" for ThermoDox (a recorded correction)
        ("Themodox", "https://w3id.org/nanokg/product/thermodox"),
        ("product:doxil", DOXIL),
        (f"<{DOXIL}>", DOXIL),
        (DOXIL, DOXIL),
    ],
)
def test_find_resolves_labels_synonyms_curies_and_iris(kg, name, iri):
    assert kg.find(name) == [iri]


def test_unknown_names_and_iris_resolve_to_nothing(kg):
    assert kg.find("no such thing") == []
    assert kg.find("product:no-such-product") == []
    assert kg.find('x" } ; DROP ALL #') == []


def test_class_restricts_resolution(kg):
    target = "https://w3id.org/nanokg/ontology#MolecularTarget"
    assert kg.find("TfR", cls=target) == [TFR]
    assert kg.find("Doxil", cls=target) == []


def test_the_lookup_graph_holds_one_key_per_name(store):
    rows = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/nanokg/graph/lookup> "
        "{ <https://w3id.org/nanokg/target/transferrin-receptor> ?p ?key } }"
    )
    # transferrin receptor, TfR, CD71 (targets.yaml), at least
    assert int(next(rows)["n"].value) >= 3


def test_name_key():
    assert name_key("Kaposi’s  sarcoma") == name_key("kaposi's sarcoma")
    assert name_key("phase\u20111") == "phase-1"
    assert expand_curie("drug:doxorubicin") == "https://w3id.org/nanokg/drug/doxorubicin"
    assert expand_curie("CD71") is None
