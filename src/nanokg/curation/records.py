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

import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nanokg import vocabulary as voc

__all__ = [
    "MAPPING_KINDS",
    "MAPPING_SOURCE",
    "PROPOSED",
    "SECTIONS",
    "Curation",
    "EntityMapping",
    "Evidence",
    "Id",
    "Product",
    "ProductExtension",
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


#: the ``status`` marker of a draft record (``nanokg curate``) no curator has accepted yet
PROPOSED = "proposed"
#: what the build says of a record still marked proposed (one line, at the marker's line)
PROPOSED_MESSAGE = "a draft record still marked `status: proposed`: review it, then delete this line (or the record)"


class _Reviewed(BaseModel):
    """A record a draft may hold: carries ``status: proposed`` until a curator accepts it.

    The field is part of the schema so that the loader reads a draft and the editor schema
    knows the marker; validation refuses it, so ``nanokg build`` stops at the marker's line
    instead of building facts nobody reviewed.
    """

    status: Literal["proposed"] | None = Field(
        default=None, description="`proposed` in drafts written by `nanokg curate`; the build refuses it"
    )

    @field_validator("status")
    @classmethod
    def _not_proposed(cls, value: str | None) -> str | None:
        if value == PROPOSED:
            raise ValueError(PROPOSED_MESSAGE)
        return value


class Product(_Reviewed, Evidence):
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


class ProductExtension(_Reviewed, _Model):
    """Facts a later source adds to a product curated elsewhere (section ``extensions``).

    ``nanokg curate`` writes one for each product the graph already knows, so a new document
    adds facts to the product without a second record of it (the loader refuses a product id
    defined twice). ``id`` names the extension itself (``<source>-<product>``); ``product`` the
    product it extends. Its lists are appended to the product's; a ``stage`` replaces the
    product's (a newer source says it went further; the approvals must agree, as for any
    product). :attr:`Curation.products` returns the products with their extensions applied.
    """

    id: Id
    product: Id
    aliases: list[Named] = []
    materials: list[MaterialRef] = []
    surface: list[SurfaceRef] = []
    payloads: list[PayloadRef] = []
    targeting: list[Targeting] = []
    indications: list[IndicationRef] = []
    applications: list[ApplicationRef] = []
    combinations: list[Combination] = []
    stage: StageRef | None = None
    approvals: list[Approval] = []
    trials: list[Trial] = []
    outcomes: list[Outcome] = []
    adverse_effects: list[AdverseEffectRef] = []
    release: list[Release] = []
    developers: list[DeveloperRef] = []
    findings: list[Finding] = []
    #: set by the loader: "data/FILE.yaml:LINE"
    curated_from: str = ""


#: the fact lists a :class:`ProductExtension` adds to its product: its list fields
EXTENSION_LISTS = tuple(
    name for name, info in ProductExtension.model_fields.items() if typing.get_origin(info.annotation) is list
)


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


class Source(_Reviewed, _Model):
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
    "extensions": (ProductExtension, "extension"),
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

    @property
    def products(self) -> list[Product]:
        """The products, each with the facts of its :class:`ProductExtension` records appended.

        Raises
        ------
        DataErrors
            When an extension names a product no file defines (at the extension's line).
        """
        extensions = self.records["extensions"]
        if not extensions:
            return self.records["products"]
        by_product: dict[str, list[ProductExtension]] = {}
        for ext in extensions:
            by_product.setdefault(ext.product, []).append(ext)
        products = []
        for p in self.records["products"]:
            for ext in by_product.pop(p.id, []):
                update: dict[str, Any] = {name: [*getattr(p, name), *getattr(ext, name)] for name in EXTENSION_LISTS}
                if ext.stage is not None:
                    update["stage"] = ext.stage
                p = p.model_copy(update=update)
            products.append(p)
        if by_product:
            from nanokg.curation.yaml_lines import DataError, DataErrors

            errors = []
            for exts in by_product.values():
                for ext in exts:
                    path, _, line = self.origin.get(("extensions", ext.id), "").rpartition(":")
                    errors.append(DataError(path, int(line or 0), f"extensions[{ext.id}].product",
                                            f"{ext.product!r} is not a defined product id"))  # fmt: skip
            raise DataErrors(errors)
        return products

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
