"""The closed NKG namespace matches the ontology: regenerate it when this fails."""

from __future__ import annotations

import pytest
from rdflib import URIRef

from nanokg import settings
from nanokg.curation.rdf import load_ontology
from nanokg.vocabulary import NKG, VAL, VALUE_TERMS


def test_nkg_namespace_is_fresh():
    ontology = load_ontology(settings.ontology_dir() / "nanokg.ttl")
    base = str(NKG._NS)
    in_ontology = {
        str(s)[len(base) :] for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(base)
    }
    in_code = set(NKG.__annotations__)
    assert in_ontology == in_code


def test_value_terms_are_fresh():
    ontology = load_ontology(settings.ontology_dir() / "nanokg.ttl")
    base = str(VAL)
    in_ontology = {
        str(s)[len(base) :] for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(base)
    }
    assert in_ontology == set(VALUE_TERMS)


def test_misspelt_term_fails_at_once():
    with pytest.raises(AttributeError):
        NKG.hasPayl0ad  # noqa: B018
