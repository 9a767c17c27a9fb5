"""Curated records: the schema of ``data/``, one pydantic model per kind of record.

The value lists the models accept (stages, measures, units, record kinds...) derive from the
one domain vocabulary, :mod:`nanokg.vocabulary`. Reading the files is
:mod:`nanokg.curation.loading`'s job, checking records against each other that of
:mod:`nanokg.curation.checks`; ``data/schema/nanokg-data.schema.json`` is generated from
these models (:mod:`nanokg.curation.schema`) so editors check YAML as curators type.

Examples
--------
>>> StageRef(value="phase-2", quote="in phase II").value
'phase-2'
>>> sorted(SECTIONS)[:3]
['approaches', 'challenges', 'diseases']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nanokg import vocabulary as voc

__all__ = [
    "MAPPING_KINDS",
    "MAPPING_SOURCE",
    "SECTIONS",
    "Curation",
    "EntityMapping",
    "Evidence",
    "Id",
    "Product",
]

# ---------------------------------------------------------------------------
# Closed value lists, from the one domain vocabulary (the ontology holds their meaning)
# ---------------------------------------------------------------------------
Stage = Literal[voc.STAGE_IDS]  # type: ignore[valid-type]
ClinicalPhase = Literal[voc.CLINICAL_PHASES]  # type: ignore[valid-type]
Qualifier = Literal[voc.QUALIFIERS]  # type: ignore[valid-type]
Measure = Literal[tuple(voc.MEASURES)]  # type: ignore[valid-type]
UnitId = Literal[tuple(voc.UNITS)]  # type: ignore[valid-type]
Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
# a record's ``kind`` is a key of its section's class map
DrugKind = Literal[tuple(voc.CLASS_MAPS["drugs"])]  # type: ignore[valid-type]
TargetKind = Literal[tuple(voc.CLASS_MAPS["targets"])]  # type: ignore[valid-type]
LigandKind = Literal[tuple(voc.CLASS_MAPS["ligands"])]  # type: ignore[valid-type]
MaterialKind = Literal[tuple(voc.CLASS_MAPS["materials"])]  # type: ignore[valid-type]
OrganisationKind = Literal[tuple(voc.CLASS_MAPS["organisations"])]  # type: ignore[valid-type]
ImmuneKind = Literal[tuple(voc.CLASS_MAPS["entities"])]  # type: ignore[valid-type]


# ---------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Correction(_Model):
    """What the source says at a garbled place, what we hold instead, and why."""

    seed_says: str
    corrected: str
    reason: str


class Evidence(_Model):
    """The support of one fact: a source with a verbatim quote, or a curator's note."""

    quote: str | None = None
    source: Id | None = None
    locator: str | None = None
    note: str | None = None
    correction: Correction | None = None
    #: set by the loader: "data/FILE.yaml:LINE"
    curated_from: str = ""

    @model_validator(mode="after")
    def _needs_support(self):
        if not self.quote and not self.locator and not self.note:
            raise ValueError("a fact needs a quote (or a locator, or for general knowledge a note)")
        return self


class Named(Evidence):
    """An alias or synonym with its own evidence."""

    name: str = Field(min_length=1)


class Carrier(Evidence):
    # checked by nanokg.curation.checks (one message naming data/README.md); listed for editors
    classes: list[str] = Field(min_length=1, json_schema_extra={"items": {"enum": list(voc.CARRIER_CLASSES)}})
    detail: str | None = None


class MaterialRef(Evidence):
    material: Id


class SurfaceRef(Evidence):
    modification: Literal[voc.SURFACE_MODIFICATIONS]  # type: ignore[valid-type]


class PayloadRef(Evidence):
    agent: Id


class Size(Evidence):
    min: float
    max: float
    qualifier: Qualifier = "exact"


class Targeting(Evidence):
    target: Id | None = None
    ligand: Id | None = None

    @model_validator(mode="after")
    def _one_of(self):
        if not self.target and not self.ligand:
            raise ValueError("targeting needs a target, a ligand, or both")
        return self


class IndicationRef(Evidence):
    disease: Id


class Combination(Evidence):
    partner: Id
    indication: Id | None = None


class StageRef(Evidence):
    value: Stage


class Approval(Evidence):
    agency: Id | None = None
    region: Id | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    indication: Id | None = None


class Trial(Evidence):
    phase: ClinicalPhase
    status: Literal[voc.TRIAL_STATUSES] | None = None  # type: ignore[valid-type]
    reasons: list[Id] = []


class Outcome(Evidence):
    measure: Measure
    value: float | None = None
    min: float | None = None
    max: float | None = None
    unit: UnitId
    qualifier: Qualifier = "exact"
    phase: Stage | None = None
    indication: Id | None = None
    comparator: Id | None = None

    @model_validator(mode="after")
    def _value_or_range(self):
        if self.value is None and (self.min is None or self.max is None):
            raise ValueError("an outcome needs a value, or both min and max")
        return self


class AdverseEffectRef(Evidence):
    effect: Id
    relation: Literal["causes", "reduced", "absent"] = "causes"
    dose_limiting: bool = False
    phase: Stage | None = None


class Release(Evidence):
    mechanism: Literal[voc.RELEASE_MECHANISMS]  # type: ignore[valid-type]
    stimulus: Literal[voc.STIMULI] | None = None  # type: ignore[valid-type]
    min: float | None = None
    max: float | None = None
    unit: UnitId | None = None


class DeveloperRef(Evidence):
    organisation: Id


class Finding(Evidence):
    text: str = Field(min_length=1)
    phase: Stage | None = None
    indication: Id | None = None


class ApplicationRef(Evidence):
    procedure: Id


class Product(Evidence):
    """One nanomedicine product and everything the sources say of it."""

    id: Id
    name: str = Field(min_length=1)
    aliases: list[Named] = []
    carrier: Carrier
    materials: list[MaterialRef] = []
    surface: list[SurfaceRef] = []
    payloads: list[PayloadRef] = []
    size: Size | None = None
    targeting: list[Targeting] = []
    indications: list[IndicationRef] = []
    applications: list[ApplicationRef] = []
    combinations: list[Combination] = []
    stage: StageRef
    approvals: list[Approval] = []
    trials: list[Trial] = []
    outcomes: list[Outcome] = []
    adverse_effects: list[AdverseEffectRef] = []
    release: list[Release] = []
    developers: list[DeveloperRef] = []
    findings: list[Finding] = []


class Drug(Evidence):
    id: Id
    name: str
    kind: DrugKind
    synonyms: list[Named] = []
    active_ingredient: Id | None = None
    excipients: list[Id] = []


class Target(Evidence):
    id: Id
    name: str
    kind: TargetKind
    compartment: Literal[tuple(voc.COMPARTMENTS)]  # type: ignore[valid-type]
    synonyms: list[Named] = []


class Ligand(Evidence):
    id: Id
    name: str
    kind: LigandKind
    binds: Id | None = None
    synonyms: list[Named] = []


class Disease(Evidence):
    id: Id
    name: str
    cancer: bool
    broader: list[Id] = []
    synonyms: list[Named] = []


class Material(Evidence):
    id: Id
    name: str
    kind: MaterialKind
    components: list[Id] = []
    synonyms: list[Named] = []


class Effect(Evidence):
    id: Id
    name: str
    synonyms: list[Named] = []


class ProcedureRecord(Evidence):
    id: Id
    name: str
    kind: Literal["ablation", "radiotherapy", "chemotherapy", "phototherapy", "imaging"]
    synonyms: list[Named] = []


class Organisation(Evidence):
    id: Id
    name: str
    kind: OrganisationKind
    country: Id | None = None
    synonyms: list[Named] = []


class Region(Evidence):
    id: Id
    name: str
    synonyms: list[Named] = []


class Source(_Model):
    id: Id
    title: str
    kind: Literal["document", "general-knowledge", "identifier-check"]
    path: str | None = None
    citation: str | None = None
    authors: list[str] = []
    year: int | None = None
    language_note: str | None = None


class Statistic(Evidence):
    id: Id
    label: str
    value: float
    qualifier: Qualifier = "exact"
    status: Literal["approved", "in-clinical-trials"] | None = None
    carrier_class: str | None = None


class Person(Evidence):
    id: Id
    name: str


class Event(Evidence):
    id: Id
    year: int
    precision: Literal["year", "decade"] = "year"
    label: str
    people: list[Id] = []
    concepts: list[Literal[tuple(voc.HISTORY_CONCEPTS)]] = []  # type: ignore[valid-type]
    products: list[Id] = []


class Challenge(Evidence):
    id: Id
    label: str
    description: str


class ImmuneRelation(Evidence):
    predicate: Literal[tuple(voc.IMMUNE_PREDICATES)]  # type: ignore[valid-type]
    object: Id


class Approach(Evidence):
    id: Id
    label: str
    description: str
    relations: list[ImmuneRelation] = []


class ImmuneEntity(Evidence):
    id: Id
    label: str
    kind: ImmuneKind
    description: str | None = None
    synonyms: list[Named] = []
    relations: list[ImmuneRelation] = []


# ---------------------------------------------------------------------------
# External identifiers (data/mappings.yaml)
# ---------------------------------------------------------------------------
#: kind of IRI a mapping's `entity` may name -> section of its records
MAPPING_KINDS = {
    "product": "products", "drug": "drugs", "target": "targets", "ligand": "ligands", "disease": "diseases",
    "material": "materials", "effect": "effects", "procedure": "procedures", "organisation": "organisations",
    "region": "regions",
}  # fmt: skip


class Match(_Model):
    """One external identifier of an entity, with where it was checked."""

    id: str = Field(min_length=1)
    predicate: Literal["exact", "close"]
    label: str | None = None
    checked: str = Field(min_length=1)
    note: str | None = None
    #: set by the loader: "data/FILE.yaml:LINE"
    curated_from: str = ""


class MappedSynonym(_Model):
    """A name an external source gives the entity (brand, generic or code name)."""

    name: str = Field(min_length=1)
    from_: str = Field(alias="from", min_length=1)
    checked: str = Field(min_length=1)
    curated_from: str = ""


class Unmapped(_Model):
    """A source looked in without a verified identifier, and why."""

    prefix: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    curated_from: str = ""


class EntityMapping(_Model):
    """The external identifiers, synonyms and known gaps of one nanokg entity."""

    entity: str = Field(pattern=r"^[a-z]+/[a-z0-9][a-z0-9-]*$")
    matches: list[Match] = []
    synonyms: list[MappedSynonym] = []
    unmapped: list[Unmapped] = []
    curated_from: str = ""

    @property
    def kind(self) -> str:
        """The kind of IRI (``drug`` of ``drug/doxorubicin``)."""
        return self.entity.partition("/")[0]

    @property
    def record_id(self) -> str:
        """The record id (``doxorubicin`` of ``drug/doxorubicin``)."""
        return self.entity.partition("/")[2]


#: file key -> (record model, kind of IRI)
SECTIONS: dict[str, tuple[type[BaseModel], str]] = {
    "products": (Product, "product"),
    "drugs": (Drug, "drug"),
    "targets": (Target, "target"),
    "ligands": (Ligand, "ligand"),
    "diseases": (Disease, "disease"),
    "materials": (Material, "material"),
    "effects": (Effect, "effect"),
    "procedures": (ProcedureRecord, "procedure"),
    "organisations": (Organisation, "organisation"),
    "regions": (Region, "region"),
    "sources": (Source, "source"),
    "statistics": (Statistic, "statistic"),
    "people": (Person, "person"),
    "history": (Event, "event"),
    "challenges": (Challenge, "challenge"),
    "approaches": (Approach, "immuno"),
    "entities": (ImmuneEntity, "immuno"),
}


@dataclass
class Curation:
    """Every curated record, by section, with where each came from."""

    records: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in SECTIONS})
    #: (section, id) -> "path:line"
    origin: dict[tuple[str, str], str] = field(default_factory=dict)
    #: external identifiers per entity (data/mappings.yaml)
    mappings: list[EntityMapping] = field(default_factory=list)

    def __getattr__(self, name: str) -> list[Any]:
        try:
            return self.records[name]
        except KeyError:
            raise AttributeError(name) from None

    def ids(self, *sections: str) -> set[str]:
        """Ids defined in the given sections."""
        return {r.id for s in sections for r in self.records[s]}

    def iter_evidence(self) -> Iterator[tuple[str, Evidence]]:
        """Every evidence-bearing object, depth first, with its record as ``section[id]``."""

        def walk(obj: Any) -> Iterator[Evidence]:
            if isinstance(obj, Evidence):
                yield obj
            if isinstance(obj, BaseModel):
                for name in type(obj).model_fields:
                    yield from walk(getattr(obj, name))
            elif isinstance(obj, list):
                for item in obj:
                    yield from walk(item)

        for section, records in self.records.items():
            for record in records:
                for evidence in walk(record):
                    yield f"{section}[{record.id}]", evidence


#: the source every mapping's evidence derives from (data/sources.yaml, kind identifier-check);
#: each evidence's locator says where the identifier was checked
MAPPING_SOURCE = "identifier-check"
