"""Namespaces and the closed vocabulary of the nanokg ontology.

``NKG`` is a closed :class:`rdflib.namespace.DefinedNamespace`: a misspelt term raises
``AttributeError`` at once instead of minting a new IRI. It is generated from
``ontology/nanokg.ttl``; ``tests/test_vocabulary.py`` fails when the two drift apart.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

__all__ = [
    "BASE",
    "DATA_NAMESPACES",
    "GRAPHS",
    "NKG",
    "NPO",
    "PREFIXES",
    "QUDT",
    "UNIT",
    "VAL",
    "VALUE_TERMS",
    "compact_iri",
    "entity_iri",
]

BASE = "https://w3id.org/nanokg/"


class NKG(DefinedNamespace):
    """Classes and properties of the nanokg ontology."""

    _NS = Namespace("https://w3id.org/nanokg/ontology#")
    _fail = True

    ActivelyTargetedNanomedicine: URIRef
    AdhesionMolecule: URIRef
    AdverseEffect: URIRef
    Agent: URIRef
    AlbuminBoundNanoparticle: URIRef
    Antibody: URIRef
    AntibodyBasedLigand: URIRef
    AntibodyFragmentLigand: URIRef
    AntibodyLigand: URIRef
    Antigen: URIRef
    ApprovedNanomedicine: URIRef
    AptamerLigand: URIRef
    Biomarker: URIRef
    BlockCopolymer: URIRef
    Cancer: URIRef
    CancerNanomedicine: URIRef
    CarrierMaterial: URIRef
    CarrierPlatform: URIRef
    CationicLiposome: URIRef
    ClinicalStage: URIRef
    ClinicalStageNanomedicine: URIRef
    ClinicalTrial: URIRef
    CombinationTherapy: URIRef
    CommercialMeasure: URIRef
    Company: URIRef
    ConventionalFormulation: URIRef
    DAMP: URIRef
    DevelopmentStage: URIRef
    DextranConjugate: URIRef
    Disease: URIRef
    EfficacyMeasure: URIRef
    Evidence: URIRef
    Excipient: URIRef
    FieldConcept: URIRef
    FieldStatistic: URIRef
    Finding: URIRef
    FormulationMeasure: URIRef
    Gene: URIRef
    GoldSilicaNanoshell: URIRef
    GrowthFactor: URIRef
    HPMAConjugate: URIRef
    HistoricalEvent: URIRef
    ImagingLabel: URIRef
    ImagingNanomedicine: URIRef
    ImmuneCellType: URIRef
    ImmuneConcept: URIRef
    ImmuneMolecule: URIRef
    ImmuneProcess: URIRef
    Immunoliposome: URIRef
    ImmunotherapyConcept: URIRef
    InorganicAgent: URIRef
    InorganicMaterial: URIRef
    Integrin: URIRef
    LigandConjugation: URIRef
    Lipid: URIRef
    LymphoidOrgan: URIRef
    MolecularTarget: URIRef
    NanoImmunotherapyApproach: URIRef
    Nanomedicine: URIRef
    NanoparticleCarrier: URIRef
    NonCancerDisease: URIRef
    NonPEGylatedLiposome: URIRef
    NucleicAcid: URIRef
    NucleicAcidNanomedicine: URIRef
    Organisation: URIRef
    Outcome: URIRef
    OutcomeMeasure: URIRef
    PEGConjugate: URIRef
    PEGylatedLiposome: URIRef
    PEGylatedNanomedicine: URIRef
    PeptideLigand: URIRef
    PharmacokineticMeasure: URIRef
    PolyglutamateConjugate: URIRef
    Polymer: URIRef
    PolymerDrugConjugate: URIRef
    PolymericMicelle: URIRef
    PolysaccharideConjugate: URIRef
    Procedure: URIRef
    ProteinAgent: URIRef
    ProteinLigand: URIRef
    ProteinMaterial: URIRef
    QualifierValue: URIRef
    Radiolabel: URIRef
    Receptor: URIRef
    Region: URIRef
    RegulatoryAgency: URIRef
    RegulatoryApproval: URIRef
    ReleaseMechanism: URIRef
    ReleaseProfile: URIRef
    SafetyMeasure: URIRef
    SiRNA: URIRef
    SmallMoleculeDrug: URIRef
    SmallMoleculeLigand: URIRef
    SourceCorrection: URIRef
    SourceDocument: URIRef
    Stimulus: URIRef
    StimulusResponsiveNanomedicine: URIRef
    SugarLigand: URIRef
    SurfaceModification: URIRef
    Surfactant: URIRef
    TargetingStrategy: URIRef
    TerminatedNanomedicine: URIRef
    TerminationReason: URIRef
    ThermosensitiveLiposome: URIRef
    TranslationChallenge: URIRef
    TrialStatus: URIRef
    TumourCellTarget: URIRef
    TumourEndothelialTarget: URIRef
    TumourImmunePhenotype: URIRef
    USDPerYear: URIRef
    VitaminLigand: URIRef
    aboutCarrierClass: URIRef
    activeIngredient: URIRef
    activelyTargets: URIRef
    alerts: URIRef
    approvalRegion: URIRef
    approvedBy: URIRef
    approvedFor: URIRef
    basedInRegion: URIRef
    bindsTarget: URIRef
    broaderDisease: URIRef
    carrierDetail: URIRef
    causesAdverseEffect: URIRef
    combinationIndication: URIRef
    combinationPartner: URIRef
    combinedWith: URIRef
    comparator: URIRef
    compartment: URIRef
    correctedValue: URIRef
    correctionReason: URIRef
    curatedFrom: URIRef
    developedBy: URIRef
    findingIndication: URIRef
    findingPhase: URIRef
    generates: URIRef
    hasApplication: URIRef
    hasApproval: URIRef
    hasCarrierMaterial: URIRef
    hasCombination: URIRef
    hasComponent: URIRef
    hasCorrection: URIRef
    hasDoseLimitingToxicity: URIRef
    hasEvidence: URIRef
    hasExcipient: URIRef
    hasFinding: URIRef
    hasHighestStage: URIRef
    hasIndication: URIRef
    hasOutcome: URIRef
    hasPayload: URIRef
    hasReleaseProfile: URIRef
    hasSurfaceModification: URIRef
    hasTargetingLigand: URIRef
    hasTrial: URIRef
    hasUnmappedSource: URIRef
    identifierPrefix: URIRef
    immuneRelation: URIRef
    immuneTargets: URIRef
    induces: URIRef
    inhibits: URIRef
    introducedConcept: URIRef
    involvedPerson: URIRef
    involvedProduct: URIRef
    isCombinedWith: URIRef
    isDoseLimiting: URIRef
    isPayloadOf: URIRef
    isTargetedBy: URIRef
    lacksAdverseEffect: URIRef
    locatedIn: URIRef
    locator: URIRef
    lookupKey: URIRef
    maxValue: URIRef
    minValue: URIRef
    outcomeIndication: URIRef
    outcomeMeasure: URIRef
    outcomePhase: URIRef
    particleSizeMax: URIRef
    particleSizeMin: URIRef
    promotes: URIRef
    quote: URIRef
    reducesAdverseEffect: URIRef
    reducesExpressionOf: URIRef
    releaseMechanism: URIRef
    releaseStimulus: URIRef
    releases: URIRef
    reportedIn: URIRef
    seedSays: URIRef
    sizeQualifier: URIRef
    sourcePath: URIRef
    stageRank: URIRef
    statisticStage: URIRef
    stratifies: URIRef
    terminationReason: URIRef
    trialPhase: URIRef
    trialStatus: URIRef
    turnsInto: URIRef
    valueQualifier: URIRef
    year: URIRef
    yearPrecision: URIRef


#: Individuals of the ontology's closed value sets (stages, measures, stimuli, ...).
VAL = Namespace(BASE + "value/")
VALUE_TERMS = frozenset(
    (
        "about",
        "annual-revenue",
        "approved",
        "at-least",
        "auc-ratio",
        "carrier-molecular-weight",
        "clinical",
        "completed",
        "dcr",
        "drug-content",
        "drug-loading",
        "enzyme-responsive-release",
        "exact",
        "half-life",
        "half-life-ratio",
        "heat",
        "insufficient-efficacy",
        "ligand-conjugation",
        "light",
        "long-circulating-nanoparticle",
        "magnetic-field",
        "more-than",
        "mtd-ratio",
        "ongoing",
        "orr",
        "pegylation",
        "ph",
        "ph-responsive-release",
        "phase-1",
        "phase-1-2",
        "phase-2",
        "phase-3",
        "phospholipase-a2",
        "preclinical",
        "preparation-cost",
        "range",
        "safety",
        "sustained-release",
        "sustained-release-concept",
        "terminated",
        "thermosensitive-release",
        "toxic-dose",
        "up-to",
    )
)

NPO = Namespace("http://purl.bioontology.org/ontology/npo#")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
PROV = Namespace("http://www.w3.org/ns/prov#")

#: One namespace per kind of curated record; the record id is the local name.
DATA_NAMESPACES = {
    kind: Namespace(f"{BASE}{kind}/")
    for kind in (
        "product",
        "drug",
        "target",
        "ligand",
        "disease",
        "material",
        "effect",
        "procedure",
        "organisation",
        "region",
        "trial",
        "approval",
        "outcome",
        "combination",
        "release",
        "finding",
        "source",
        "evidence",
        "correction",
        "statement",
        "statistic",
        "event",
        "person",
        "challenge",
        "immuno",
    )
}

#: Named graphs of the dataset (`lookup` holds the derived name index of :mod:`nanokg.query.names`,
#: `queries` the query catalogue as SHACL SPARQL executables, :mod:`nanokg.curation.catalogue_graph`).
GRAPHS = {
    name: URIRef(f"{BASE}graph/{name}")
    for name in ("ontology", "asserted", "inferred", "provenance", "lookup", "queries")
}

PREFIXES = {
    "nkg": str(NKG._NS),
    "val": str(VAL),
    "npo": str(NPO),
    "qudt": str(QUDT),
    "unit": str(UNIT),
    "prov": str(PROV),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    **{kind: str(ns) for kind, ns in DATA_NAMESPACES.items()},
}


# longest namespace first, so product: wins over a shorter prefix of the same IRI
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def compact_iri(iri: str) -> str:
    """The CURIE of ``iri`` under the project's prefixes, or ``iri`` unchanged.

    Examples
    --------
    >>> compact_iri("https://w3id.org/nanokg/product/doxil")
    'product:doxil'
    >>> compact_iri("http://example.org/x")
    'http://example.org/x'
    """
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def entity_iri(kind: str, identifier: str) -> URIRef:
    """Return the IRI of a curated record.

    Examples
    --------
    >>> entity_iri("product", "doxil")
    rdflib.term.URIRef('https://w3id.org/nanokg/product/doxil')
    """
    return DATA_NAMESPACES[kind][identifier]
