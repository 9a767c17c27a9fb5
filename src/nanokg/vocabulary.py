"""Namespaces and the closed vocabulary of the nanokg ontology.

``NKG`` is a closed :class:`rdflib.namespace.DefinedNamespace`: a misspelt term raises
``AttributeError`` at once instead of minting a new IRI. It is generated from
``ontology/nanokg.ttl``; ``tests/test_vocabulary.py`` fails when the two drift apart.

Below the namespaces is the one domain vocabulary: the carrier classes (:data:`CARRIER_CLASSES`,
:data:`TOP_CARRIER_CLASSES`), the development stages in order (:data:`STAGES`), the closed value
lists and the class of each record kind (:data:`CLASS_MAPS`), and the node kinds of the entity
graph (:data:`KINDS`). The record models, the build and analytics derive from it;
``tests/test_domain_vocabulary.py`` checks it against the ontology and the SHACL shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

__all__ = [
    "BASE",
    "CARRIER_CLASSES",
    "CLASS_MAPS",
    "CLINICAL_PHASES",
    "COMPARTMENTS",
    "DATA_NAMESPACES",
    "GRAPHS",
    "HISTORY_CONCEPTS",
    "IMMUNE_PREDICATES",
    "KINDS",
    "MEASURES",
    "NKG",
    "NPO",
    "NPO_TARGETS",
    "PREFIXES",
    "QUALIFIERS",
    "QUDT",
    "RELEASE_MECHANISMS",
    "STAGES",
    "STAGE_BY_ID",
    "STAGE_IDS",
    "STAGE_LABELS",
    "STAGE_RANKS",
    "STIMULI",
    "SURFACE_MODIFICATIONS",
    "TERMINATION_REASONS",
    "TOP_CARRIER_CLASSES",
    "TRIAL_STATUSES",
    "UNIT",
    "UNITS",
    "VAL",
    "VALUE_TERMS",
    "CarrierClass",
    "Stage",
    "Unit",
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
    CarrierAdvantage: URIRef
    CarrierClassFeature: URIRef
    CarrierMaterial: URIRef
    CarrierPlatform: URIRef
    CarrierProperty: URIRef
    CarrierSizeRange: URIRef
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
    MagneticNanoparticle: URIRef
    MolecularTarget: URIRef
    NanoImmunotherapyApproach: URIRef
    NanocarbonMaterial: URIRef
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
    QuantumDot: URIRef
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
    directType: URIRef  # derived at write time (nanokg.store.derive), never curated
    featureOf: URIRef
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
    hasTerminatedTrial: URIRef  # derived at write time (ontology/derive/terminated-trials.rq)
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
    isApproachOf: URIRef
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
    presents: URIRef
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
    sizeRangeMax: URIRef
    sizeRangeMin: URIRef
    sourcePath: URIRef
    sourceQuote: URIRef
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
        "advantage-diagnosis-and-treatment",
        "advantage-protects-biologics",
        "advantage-rational-design",
        "advantage-reduced-toxicity",
        "advantage-tumour-enrichment",
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
        "inorganic-magnetic-responsiveness",
        "inorganic-size-shape-control",
        "inorganic-specific-surface-area",
        "inorganic-surface-plasmon-resonance",
        "inorganic-theranostic-uses",
        "insufficient-efficacy",
        "ligand-conjugation",
        "light",
        "liposome-biocompatibility",
        "liposome-co-loading",
        "liposome-mature-technology",
        "liposome-size-and-plasticity",
        "long-circulating-nanoparticle",
        "magnetic-field",
        "micelle-size-range",
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
    for name in ("ontology", "asserted", "inferred", "derived", "provenance", "lookup", "queries")
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


def entity_iri(kind: str, identifier: str) -> URIRef:
    """Return the IRI of a curated record.

    Examples
    --------
    >>> entity_iri("product", "doxil")
    rdflib.term.URIRef('https://w3id.org/nanokg/product/doxil')
    """
    return DATA_NAMESPACES[kind][identifier]


# ---------------------------------------------------------------------------
# The domain vocabulary: closed value lists and class maps of the curated records
# ---------------------------------------------------------------------------
# The one place for them: the record models (nanokg.curation.records), the build
# (nanokg.curation.rdf) and analytics derive from these; tests/test_domain_vocabulary.py
# checks each IRI against ontology/nanokg.ttl and each list against ontology/shapes.ttl.
# A new carrier class is one CarrierClass line here plus its class in the ontology.


@dataclass(frozen=True)
class CarrierClass:
    """A carrier class of ``data/README.md``: its id, ontology class and top-level class.

    Attributes
    ----------
    id
        The id curators write in ``carrier.classes`` (``pegylated-liposome``).
    iri
        The ontology class (a ``nkg:`` or NPO class).
    top
        The id of the top-level carrier class it falls under (one of :data:`TOP_CARRIER_CLASSES`).
    label
        A short human label (for a top-level class, the one analytics and figures show).

    Examples
    --------
    >>> CARRIER_CLASSES["pegylated-liposome"].top
    'liposome'
    >>> CARRIER_CLASSES["liposome"].is_top
    True
    """

    id: str
    iri: URIRef
    top: str
    label: str

    @property
    def is_top(self) -> bool:
        """Whether this is one of the five top-level carrier classes."""
        return self.top == self.id


#: carrier class id -> :class:`CarrierClass`; the five top-level classes are their own ``top``
CARRIER_CLASSES: dict[str, CarrierClass] = {
    c.id: c
    for c in (
        CarrierClass("liposome", NPO["NPO_719"], "liposome", "liposome"),
        CarrierClass("pegylated-liposome", NKG.PEGylatedLiposome, "liposome", "PEGylated liposome"),
        CarrierClass("non-pegylated-liposome", NKG.NonPEGylatedLiposome, "liposome", "non-PEGylated liposome"),
        CarrierClass("thermosensitive-liposome", NKG.ThermosensitiveLiposome, "liposome", "thermosensitive liposome"),
        CarrierClass("cationic-liposome", NKG.CationicLiposome, "liposome", "cationic liposome"),
        CarrierClass("immunoliposome", NKG.Immunoliposome, "liposome", "immunoliposome"),
        CarrierClass("polymeric-micelle", NKG.PolymericMicelle, "polymeric-micelle", "polymeric micelle"),
        CarrierClass("nanoparticle", NKG.NanoparticleCarrier, "nanoparticle", "nanoparticle"),
        CarrierClass(
            "albumin-bound-nanoparticle", NKG.AlbuminBoundNanoparticle, "nanoparticle", "albumin-bound nanoparticle"
        ),
        CarrierClass("polymeric-nanoparticle", NPO["NPO_1375"], "nanoparticle", "polymeric nanoparticle"),
        CarrierClass(
            "polymer-drug-conjugate", NKG.PolymerDrugConjugate, "polymer-drug-conjugate", "polymer-drug conjugate"
        ),
        CarrierClass("hpma-conjugate", NKG.HPMAConjugate, "polymer-drug-conjugate", "HPMA conjugate"),
        CarrierClass("peg-conjugate", NKG.PEGConjugate, "polymer-drug-conjugate", "PEG conjugate"),
        CarrierClass(
            "polysaccharide-conjugate",
            NKG.PolysaccharideConjugate,
            "polymer-drug-conjugate",
            "polysaccharide conjugate",
        ),
        CarrierClass("dextran-conjugate", NKG.DextranConjugate, "polymer-drug-conjugate", "dextran conjugate"),
        CarrierClass(
            "polyglutamate-conjugate", NKG.PolyglutamateConjugate, "polymer-drug-conjugate", "polyglutamate conjugate"
        ),
        CarrierClass("inorganic-nanoparticle", NPO["NPO_1536"], "inorganic-nanoparticle", "inorganic nanoparticle"),
        CarrierClass("iron-oxide-nanoparticle", NPO["NPO_729"], "inorganic-nanoparticle", "iron oxide nanoparticle"),
        CarrierClass("silica-nanoparticle", NPO["NPO_1373"], "inorganic-nanoparticle", "silica nanoparticle"),
        CarrierClass(
            "gold-silica-nanoshell", NKG.GoldSilicaNanoshell, "inorganic-nanoparticle", "gold-silica nanoshell"
        ),
    )
}

#: The five top carrier classes of the review, as ``queries/clinical-attrition.rq`` and
#: ``queries/products.rq`` name them (IRI -> label).
TOP_CARRIER_CLASSES: dict[str, str] = {str(c.iri): c.label for c in CARRIER_CLASSES.values() if c.is_top}


@dataclass(frozen=True)
class Stage:
    """A development stage, in order: ``rank`` is its ``nkg:stageRank`` (furthest highest).

    Attributes
    ----------
    id
        The id curators write (``phase-1-2``); the individual is ``val:<id>``.
    rank
        Its ``nkg:stageRank`` in the ontology.
    label
        Its ``rdfs:label`` in the ontology (``clinical (phase not stated)``).
    phrase
        How built labels name it inside a phrase (``Doxil phase 1/2 trial``, ``ORR 25 % (clinical)``).

    Examples
    --------
    >>> [s.id for s in STAGES if s.rank >= 5]
    ['phase-3', 'approved']
    >>> STAGE_BY_ID["phase-1-2"].phrase
    'phase 1/2'
    """

    id: str
    rank: int
    label: str
    phrase: str

    @property
    def iri(self) -> URIRef:
        """The individual ``val:<id>``."""
        return VAL[self.id]

    @property
    def clinical(self) -> bool:
        """Whether it is a clinical trial phase (neither preclinical nor approved)."""
        return self.id not in ("preclinical", "approved")


#: the development stages, furthest last
STAGES: tuple[Stage, ...] = (
    Stage("preclinical", 0, "preclinical", "preclinical"),
    Stage("clinical", 1, "clinical (phase not stated)", "clinical"),
    Stage("phase-1", 2, "phase 1", "phase 1"),
    Stage("phase-1-2", 3, "phase 1/2", "phase 1/2"),
    Stage("phase-2", 4, "phase 2", "phase 2"),
    Stage("phase-3", 5, "phase 3", "phase 3"),
    Stage("approved", 6, "approved", "approved"),
)
STAGE_BY_ID: dict[str, Stage] = {s.id: s for s in STAGES}
STAGE_IDS: tuple[str, ...] = tuple(s.id for s in STAGES)
#: stage IRI -> label and stage IRI -> rank (as the graph holds them)
STAGE_LABELS: dict[str, str] = {str(s.iri): s.label for s in STAGES}
STAGE_RANKS: dict[str, int] = {str(s.iri): s.rank for s in STAGES}
#: the stages a trial or finding may name
CLINICAL_PHASES: tuple[str, ...] = tuple(s.id for s in STAGES if s.clinical)

TRIAL_STATUSES = ("ongoing", "completed", "terminated")
TERMINATION_REASONS = ("preparation-cost", "safety", "insufficient-efficacy")
QUALIFIERS = ("exact", "about", "up-to", "at-least", "more-than", "range")
SURFACE_MODIFICATIONS = ("pegylation", "ligand-conjugation")
RELEASE_MECHANISMS = ("thermosensitive-release", "ph-responsive-release", "enzyme-responsive-release")
STIMULI = ("heat", "ph", "phospholipase-a2", "light", "magnetic-field")

#: outcome measure id -> the short name built labels use (``ORR 25 %``)
MEASURES: dict[str, str] = {
    "orr": "ORR", "dcr": "DCR", "auc-ratio": "AUC ratio", "mtd-ratio": "MTD ratio",
    "half-life": "half-life", "half-life-ratio": "half-life ratio", "drug-loading": "drug loading",
    "drug-content": "drug content", "carrier-molecular-weight": "carrier molecular weight",
    "toxic-dose": "dose at onset of toxicity", "annual-revenue": "annual revenue",
}  # fmt: skip


@dataclass(frozen=True)
class Unit:
    """A unit of ``data/README.md``: its QUDT (or nanokg) IRI and how a number is suffixed."""

    id: str
    iri: URIRef
    suffix: str


#: unit id -> :class:`Unit`
UNITS: dict[str, Unit] = {
    u.id: u
    for u in (
        Unit("percent", UNIT["PERCENT"], " %"),
        Unit("fold", UNIT["UNITLESS"], "-fold"),
        Unit("hour", UNIT["HR"], " h"),
        Unit("mg-per-m2", UNIT["MilliGM-PER-M2"], " mg/m2"),
        Unit("g-per-mol", UNIT["GM-PER-MOL"], " g/mol"),
        Unit("nanometre", UNIT["NanoM"], " nm"),
        Unit("degree-celsius", UNIT["DEG_C"], " °C"),
        Unit("usd-per-year", NKG.USDPerYear, " USD/year"),
    )
}

#: ontology class of each record ``kind``, by section of data/ (``drugs``' kind ``sirna`` -> nkg:SiRNA;
#: ``entities``: the immune entities of immunotherapy.yaml)
CLASS_MAPS: dict[str, dict[str, URIRef]] = {
    "drugs": {
        "small-molecule": NKG.SmallMoleculeDrug,
        "sirna": NKG.SiRNA,
        "gene": NKG.Gene,
        "protein": NKG.ProteinAgent,
        "antibody": NKG.Antibody,
        "radiolabel": NKG.Radiolabel,
        "imaging-label": NKG.ImagingLabel,
        "inorganic-agent": NKG.InorganicAgent,
        "formulation": NKG.ConventionalFormulation,
    },
    "targets": {
        "receptor": NKG.Receptor,
        "antigen": NKG.Antigen,
        "growth-factor": NKG.GrowthFactor,
        "adhesion-molecule": NKG.AdhesionMolecule,
        "integrin": NKG.Integrin,
    },
    "ligands": {
        "antibody": NKG.AntibodyLigand,
        "antibody-fragment": NKG.AntibodyFragmentLigand,
        "protein": NKG.ProteinLigand,
        "peptide": NKG.PeptideLigand,
        "sugar": NKG.SugarLigand,
        "vitamin": NKG.VitaminLigand,
        "aptamer": NKG.AptamerLigand,
        "small-molecule": NKG.SmallMoleculeLigand,
    },
    "materials": {
        "polymer": NKG.Polymer,
        "block-copolymer": NKG.BlockCopolymer,
        "lipid": NKG.Lipid,
        "protein": NKG.ProteinMaterial,
        "surfactant": NKG.Surfactant,
        "inorganic": NKG.InorganicMaterial,
        "excipient": NKG.Excipient,
    },
    "organisations": {"regulator": NKG.RegulatoryAgency, "company": NKG.Company},
    "entities": {
        "process": NKG.ImmuneProcess,
        "cell-type": NKG.ImmuneCellType,
        "molecule": NKG.ImmuneMolecule,
        "damp": NKG.DAMP,
        "lymphoid-organ": NKG.LymphoidOrgan,
        "biomarker": NKG.Biomarker,
        "tumour-immune-phenotype": NKG.TumourImmunePhenotype,
        "concept": NKG.ImmunotherapyConcept,
    },
}
#: target ids that NPO has a class for
NPO_TARGETS: dict[str, URIRef] = {"folate-receptor": NPO["NPO_1594"]}
#: target compartment -> targeting strategy class
COMPARTMENTS: dict[str, URIRef] = {
    "tumour-cell": NKG.TumourCellTarget,
    "tumour-endothelium": NKG.TumourEndothelialTarget,
}
#: immune relation predicate id -> ontology property
IMMUNE_PREDICATES: dict[str, URIRef] = {
    "targets": NKG.immuneTargets,
    "induces": NKG.induces,
    "releases": NKG.releases,
    "inhibits": NKG.inhibits,
    "promotes": NKG.promotes,
    "reduces-expression-of": NKG.reducesExpressionOf,
    "alerts": NKG.alerts,
    "generates": NKG.generates,
    "located-in": NKG.locatedIn,
    "turns-into": NKG.turnsInto,
    "stratifies": NKG.stratifies,
    "combined-with": NKG.isCombinedWith,
    "presents": NKG.presents,
    "approach-of": NKG.isApproachOf,
}
#: concept a historical event introduced -> its ontology term
HISTORY_CONCEPTS: dict[str, URIRef] = {
    "liposome": NPO["NPO_719"],
    "epr-effect": NPO["NPO_837"],
    "pegylation": NPO["NPO_1965"],
    "active-targeting": NPO["NPO_903"],
    "passive-targeting": NPO["NPO_945"],
    "ph-responsive-release": VAL["ph-responsive-release"],
    "sustained-release": VAL["sustained-release-concept"],
    "long-circulating-nanoparticle": VAL["long-circulating-nanoparticle"],
}

#: Node kinds by class, first match wins (an entity's classes include its superclasses).
KINDS: dict[str, str] = {
    str(NKG.Nanomedicine): "product",
    str(NKG.Agent): "drug",
    str(NKG.MolecularTarget): "target",
    str(NPO.NPO_227): "ligand",
    str(NKG.Disease): "disease",
    str(NKG.CarrierMaterial): "material",
    str(NKG.AdverseEffect): "effect",
    str(NKG.Procedure): "procedure",
    str(NKG.Organisation): "organisation",
    str(NKG.Region): "region",
    str(NKG.ClinicalTrial): "trial",
    str(NKG.RegulatoryApproval): "approval",
    str(NKG.Outcome): "outcome",
    str(NKG.CombinationTherapy): "combination",
    str(NKG.ReleaseProfile): "release",
    str(NKG.Finding): "finding",
    str(NKG.FieldStatistic): "statistic",
    str(NKG.HistoricalEvent): "event",
    str(PROV.Person): "person",
    str(NKG.TranslationChallenge): "challenge",
    str(NKG.ImmuneConcept): "immuno",
    str(NKG.NanoImmunotherapyApproach): "immuno",
    str(NKG.DevelopmentStage): "stage",
    str(NKG.TrialStatus): "status",
    str(NKG.OutcomeMeasure): "measure",
    str(NKG.Stimulus): "stimulus",
    str(NKG.ReleaseMechanism): "mechanism",
    str(NKG.SurfaceModification): "modification",
    str(NKG.TerminationReason): "reason",
    str(NKG.QualifierValue): "qualifier",
    str(NKG.TargetingStrategy): "strategy",
    str(NKG.FieldConcept): "concept",
    str(NKG.CarrierClassFeature): "feature",
    str(QUDT.Unit): "unit",
}
