"""Curation: the curated ``data/`` and the ontology turned into checked, reasoned RDF.

Records are read from YAML with their lines (:mod:`~nanokg.curation.yaml_lines`), validated by
their models (:mod:`~nanokg.curation.records`) and checked across records
(:mod:`~nanokg.curation.checks`), then built into asserted triples with provenance
(:mod:`~nanokg.curation.rdf`), reasoned over (:mod:`~nanokg.curation.reason`) and validated
(:mod:`~nanokg.curation.validate`); the query catalogue's headers are read here too.
:mod:`nanokg.store.build` runs these steps into the store.
"""

from nanokg.exports import lazy_exports

__all__ = [
    "AssertedGraphs",
    "Catalogue",
    "CatalogueError",
    "Curation",
    "DataError",
    "DataErrors",
    "InconsistentOntologyError",
    "OntologyError",
    "OntologyInputError",
    "Param",
    "ParameterClassError",
    "ParameterValueError",
    "QcViolation",
    "QueryNotFoundError",
    "QuerySpec",
    "ReasonerError",
    "ValidationFailed",
    "build_asserted",
    "catalogue_graph",
    "data_schema",
    "infer",
    "load_curation",
    "load_ontology",
    "parse_query_file",
    "qc_violations",
    "read_yaml",
    "shacl_violations",
    "verify_quotes",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "AssertedGraphs": "nanokg.curation.rdf",
        "Catalogue": "nanokg.curation.catalogue",
        "CatalogueError": "nanokg.curation.catalogue",
        "Curation": "nanokg.curation.records",
        "DataError": "nanokg.curation.yaml_lines",
        "DataErrors": "nanokg.curation.yaml_lines",
        "InconsistentOntologyError": "nanokg.curation.reason",
        "OntologyError": "nanokg.curation.rdf",
        "OntologyInputError": "nanokg.curation.rdf",
        "Param": "nanokg.curation.catalogue",
        "ParameterClassError": "nanokg.curation.catalogue",
        "ParameterValueError": "nanokg.curation.catalogue",
        "QcViolation": "nanokg.curation.validate",
        "QueryNotFoundError": "nanokg.curation.catalogue",
        "QuerySpec": "nanokg.curation.catalogue",
        "ReasonerError": "nanokg.curation.reason",
        "ValidationFailed": "nanokg.curation.validate",
        "build_asserted": "nanokg.curation.rdf",
        "catalogue_graph": "nanokg.curation.catalogue_graph",
        "data_schema": "nanokg.curation.schema",
        "infer": "nanokg.curation.reason",
        "load_curation": "nanokg.curation.loading",
        "load_ontology": "nanokg.curation.rdf",
        "parse_query_file": "nanokg.curation.catalogue",
        "qc_violations": "nanokg.curation.validate",
        "read_yaml": "nanokg.curation.yaml_lines",
        "shacl_violations": "nanokg.curation.validate",
        "verify_quotes": "nanokg.curation.checks",
    },
)
