"""Curated records: their schema, and loading them from ``data/`` with line numbers.

Every error is reported as one :class:`DataError` line, ``FILE:LINE: FIELD: message``,
so a curator can jump to the place at fault. Loading never writes anything. Each file is
read by :func:`read_yaml`, which refuses a hostile file (an alias bomb, nesting thousands
deep, bytes that are not UTF-8...) at its first problem, in bounded time and memory.
"""

from __future__ import annotations

import os
import re
import reprlib
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from nanokg.errors import InputError

__all__ = [
    "CARRIER_CLASSES",
    "MAPPING_KINDS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "STAGES",
    "Curation",
    "DataError",
    "DataErrors",
    "EntityMapping",
    "Product",
    "load_curation",
    "read_yaml",
    "verify_quotes",
]

# ---------------------------------------------------------------------------
# Closed value lists (the ontology holds their meaning; see data/README.md)
# ---------------------------------------------------------------------------
#: carrier class id -> (ontology class local name or NPO id, top-level class id)
CARRIER_CLASSES: dict[str, tuple[str, str]] = {
    "liposome": ("npo:NPO_719", "liposome"),
    "pegylated-liposome": ("nkg:PEGylatedLiposome", "liposome"),
    "non-pegylated-liposome": ("nkg:NonPEGylatedLiposome", "liposome"),
    "thermosensitive-liposome": ("nkg:ThermosensitiveLiposome", "liposome"),
    "cationic-liposome": ("nkg:CationicLiposome", "liposome"),
    "immunoliposome": ("nkg:Immunoliposome", "liposome"),
    "polymeric-micelle": ("nkg:PolymericMicelle", "polymeric-micelle"),
    "nanoparticle": ("nkg:NanoparticleCarrier", "nanoparticle"),
    "albumin-bound-nanoparticle": ("nkg:AlbuminBoundNanoparticle", "nanoparticle"),
    "polymeric-nanoparticle": ("npo:NPO_1375", "nanoparticle"),
    "polymer-drug-conjugate": ("nkg:PolymerDrugConjugate", "polymer-drug-conjugate"),
    "hpma-conjugate": ("nkg:HPMAConjugate", "polymer-drug-conjugate"),
    "peg-conjugate": ("nkg:PEGConjugate", "polymer-drug-conjugate"),
    "polysaccharide-conjugate": ("nkg:PolysaccharideConjugate", "polymer-drug-conjugate"),
    "dextran-conjugate": ("nkg:DextranConjugate", "polymer-drug-conjugate"),
    "polyglutamate-conjugate": ("nkg:PolyglutamateConjugate", "polymer-drug-conjugate"),
    "inorganic-nanoparticle": ("npo:NPO_1536", "inorganic-nanoparticle"),
    "iron-oxide-nanoparticle": ("npo:NPO_729", "inorganic-nanoparticle"),
    "silica-nanoparticle": ("npo:NPO_1373", "inorganic-nanoparticle"),
    "gold-silica-nanoshell": ("nkg:GoldSilicaNanoshell", "inorganic-nanoparticle"),
}

STAGES = ("preclinical", "clinical", "phase-1", "phase-1-2", "phase-2", "phase-3", "approved")
CLINICAL_PHASES = ("clinical", "phase-1", "phase-1-2", "phase-2", "phase-3")
TERMINATION_REASONS = ("preparation-cost", "safety", "insufficient-efficacy")
MEASURES = (
    "orr", "dcr", "auc-ratio", "mtd-ratio", "half-life", "half-life-ratio", "drug-loading",
    "drug-content", "carrier-molecular-weight", "toxic-dose", "annual-revenue",
)  # fmt: skip
UNITS = (
    "percent", "fold", "hour", "mg-per-m2", "g-per-mol", "nanometre", "degree-celsius",
    "usd-per-year",
)  # fmt: skip
SURFACE_MODIFICATIONS = ("pegylation", "ligand-conjugation")
HISTORY_CONCEPTS = (
    "liposome", "epr-effect", "pegylation", "active-targeting", "passive-targeting",
    "ph-responsive-release", "sustained-release", "long-circulating-nanoparticle",
)  # fmt: skip
IMMUNE_PREDICATES = (
    "targets", "induces", "releases", "inhibits", "promotes", "reduces-expression-of",
    "alerts", "generates", "located-in", "turns-into", "stratifies", "combined-with",
)  # fmt: skip

Stage = Literal["preclinical", "clinical", "phase-1", "phase-1-2", "phase-2", "phase-3", "approved"]
Qualifier = Literal["exact", "about", "up-to", "at-least", "more-than", "range"]
Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DataError:
    """One problem in the curated data, located to a file, line and field."""

    path: str
    line: int
    field: str
    message: str

    def __post_init__(self) -> None:
        # one readable line whatever a message was given (values are cut where they are
        # formatted; this bounds what a check elsewhere, e.g. curie_problem, may quote)
        for name, limit in (("field", 200), ("message", 1000)):
            text = getattr(self, name)
            if len(text) > limit or "\n" in text:
                flat = " ".join(text[: limit + 1].split())
                object.__setattr__(self, name, flat if len(text) <= limit else flat[: limit - 3] + "...")

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class DataErrors(InputError):
    """Raised when curated data do not validate; holds every :class:`DataError` found."""

    def __init__(self, errors: list[DataError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
        if errors:
            self.location = f"{errors[0].path}:{errors[0].line}" if errors[0].line else errors[0].path

    def lines(self) -> list[str]:
        """One line per error, each naming its file and line."""
        return [str(e) for e in self.errors]


# ---------------------------------------------------------------------------
# YAML with line numbers, read defensively
# ---------------------------------------------------------------------------
#: deepest nesting of mappings and lists in a data file (the curated files nest 6 deep)
MAX_DEPTH = 64
#: largest data file read, in bytes: the largest curated file is under 100 kB, and 16 MB of
#: product records validate in about 10 s and 0.3 GB; past it, a file is a mistake or an attack
MAX_FILE_BYTES = 16 * 2**20
#: longest number or date read, in characters: bounds the work of converting one, e.g. a
#: sexagesimal integer ``1:1:1:...`` whose conversion is quadratic in its length
_MAX_NUMBER_CHARS = 100
#: characters YAML does not allow in a stream (PyYAML's Reader refuses the same)
_FORBIDDEN = re.compile(r"[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
#: libyaml's parser (C) when PyYAML has it: the pure-Python one takes 5 s a megabyte
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR, _MERGE = "tag:yaml.org,2002:str", "tag:yaml.org,2002:merge"
#: the tags a plain scalar may resolve to besides str, and what each is called in messages
_SCALAR_KINDS = {
    "tag:yaml.org,2002:int": "an integer", "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a boolean", "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "a date",
}  # fmt: skip


class _LineDict(dict):
    """A mapping that remembers the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]


class _LineList(list):
    line: int = 0
    item_lines: list[int]


class _Refused(Exception):
    """One problem of a data file's text: its 1-based line (0: the file) and the message."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


def read_yaml(path: Path, rel: str | None = None) -> Any:
    """Read one data file into plain values whose mappings and lists know their lines.

    The one entry point for data files: it refuses, before building anything large, what
    no curated file needs and a hostile one could use to hang or crash the build.

    Parameters
    ----------
    path
        The YAML file.
    rel
        The file as shown in messages (default: ``path``).

    Returns
    -------
    Any
        ``None`` for an empty file, else the document: ``dict``/``list`` subclasses with a
        ``line`` (and ``key_lines`` or ``item_lines``), and scalars as YAML's safe schema reads them.

    Raises
    ------
    DataErrors
        With one located line when the file is not a regular file or is larger than
        :data:`MAX_FILE_BYTES`, is not UTF-8, holds a character YAML forbids, is malformed,
        holds anchors, aliases, merge keys (``<<``) or tags, nests deeper than
        :data:`MAX_DEPTH`, has a key that is a list or a mapping or appears twice, a
        number or date that cannot be read, or more than one document.
    """
    rel = rel or str(path)
    try:
        return _read_yaml(path)
    except _Refused as exc:
        raise DataErrors([DataError(rel, exc.line, "", exc.message)]) from None


def _read_yaml(path: Path) -> Any:
    try:
        # non-blocking, so that a FIFO named *.yaml is refused instead of waited on
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _Refused(0, f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused(0, "not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise _Refused(0, _too_big(info.st_size))
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(MAX_FILE_BYTES + 1)  # the file may have grown since fstat
    except OSError as exc:
        raise _Refused(0, f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(0, _too_big(len(data)))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        raise _Refused(line, f"not UTF-8 (byte 0x{data[exc.start]:02x} at column {column}): save it as UTF-8") from None
    bad = _FORBIDDEN.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - text.rfind("\n", 0, bad.start())
        raise _Refused(line, f"character U+{ord(bad.group()):04X} at column {column} is not allowed in YAML")
    loader = _Loader(text)
    try:
        return _compose(loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context or "malformed YAML").split())
        if "nesting depth" in problem:
            # PyYAML >= 6.0.4's scanner has a flow-nesting limit of its own, met before ours
            raise _Refused(mark.line + 1 if mark else 0, f"nested deeper than {MAX_DEPTH} levels") from None
        raise _Refused(mark.line + 1 if mark else 0, f"malformed YAML: {_cut(problem, 200)}") from None
    except yaml.YAMLError as exc:
        raise _Refused(0, f"unreadable YAML: {_cut(' '.join(str(exc).split()), 200)}") from None
    finally:
        loader.dispose()


def _too_big(size: int) -> str:
    return f"{size / 2**20:.1f} MB is over the {MAX_FILE_BYTES // 2**20} MB limit of a data file"


#: the key slot of a mapping's frame while it waits for its next key
_NO_KEY = object()


def _compose(loader: Any) -> Any:
    """Build the document from the parser's events, refusing at the first event out of bounds.

    Events, not PyYAML's composer: the composer recurses once per level (libyaml's crashes
    the interpreter at 100 000 levels, the Python one raises RecursionError) and expands
    aliases before anything could refuse them. Here the document is built with an explicit
    stack, one event at a time, so the work is linear in the file and stops at the problem.
    """
    scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    get_event, no_key = loader.get_event, _NO_KEY
    #: plain scalars that are not text (numbers, dates...), read once per file: they repeat
    read: dict[str, Any] = {}
    root: Any = None
    # one frame per open mapping or list: [container, pending key (or _NO_KEY), the key's line]
    stack: list[list[Any]] = []
    documents = 0
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event or kind is mapping_start or kind is sequence_start:
            line = event.start_mark.line + 1
            if event.anchor is not None:
                raise _Refused(line, f"&{_cut(event.anchor)}: anchors and aliases are not allowed in data files")
            if event.tag is not None:
                raise _Refused(line, f"tag {_cut(event.tag)}: tags are not allowed in data files")
            if kind is scalar_event:
                value: Any = event.value
                # quoted scalars are text; so are plain ones no implicit resolver starts with
                if event.implicit[0] and (not value or value[0] in _RESOLVABLE or _RESOLVE_ALL):
                    value = read[value] if value in read else read.setdefault(value, _scalar(loader, event, line))
            else:
                if len(stack) >= MAX_DEPTH:
                    raise _Refused(line, f"nested deeper than {MAX_DEPTH} levels")
                is_map = kind is mapping_start
                if stack and stack[-1][1] is no_key and type(stack[-1][0]) is _LineDict:
                    raise _Refused(line, f"a key must be a plain value, not {'a mapping' if is_map else 'a list'}")
                value = _LineDict() if is_map else _LineList()
                value.line = line
                if is_map:
                    value.key_lines = {}
                else:
                    value.item_lines = []
            if stack:
                frame = stack[-1]
                parent = frame[0]
                if type(parent) is _LineList:
                    parent.append(value)
                    parent.item_lines.append(line)
                elif frame[1] is no_key:  # a scalar key (a collection was refused above)
                    if value in parent:
                        raise _Refused(line, f"duplicate key {_short(value)}")
                    frame[1], frame[2] = value, line
                else:
                    parent[frame[1]] = value
                    parent.key_lines[frame[1]] = frame[2]
                    frame[1] = no_key
            else:
                root = value
            if kind is not scalar_event:
                stack.append([value, no_key, 0])
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
        elif kind is yaml.AliasEvent:
            line = event.start_mark.line + 1
            raise _Refused(line, f"*{_cut(event.anchor)}: anchors and aliases are not allowed in data files")
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                line = event.start_mark.line + 1
                raise _Refused(line, "a data file holds one YAML document: remove the second `---`")
        elif kind is yaml.StreamEndEvent:
            return root


#: first characters of the plain scalars YAML may read as something other than text; every
#: scalar is resolved if a resolver was registered for any first character (key None)
_RESOLVABLE = frozenset(c for c in _Loader.yaml_implicit_resolvers if c)
_RESOLVE_ALL = None in _Loader.yaml_implicit_resolvers


def _scalar(loader: Any, event: Any, line: int) -> Any:
    """The value of a plain scalar as YAML's safe schema reads it (str, int, float, bool, None, date)."""
    tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _STR:
        return event.value
    if tag == _MERGE:
        raise _Refused(line, "merge keys (<<) are not allowed in data files: write the keys out")
    what = _SCALAR_KINDS.get(tag)
    if what is None:
        raise _Refused(line, f"cannot read {_short(event.value)} ({_cut(tag)}): quote it if it is text")
    if len(event.value) > _MAX_NUMBER_CHARS:
        raise _Refused(line, f"cannot read {_short(event.value)} as {what}: over {_MAX_NUMBER_CHARS} characters")
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
    try:
        return loader.yaml_constructors[tag](loader, node)
    except (ValueError, OverflowError, yaml.YAMLError) as exc:
        raise _Refused(line, f"cannot read {_short(event.value)} as {what}: {_cut(str(exc), 100)}") from None


def _line_of(raw: Any, loc: tuple) -> int:
    """Find the line of the deepest node of ``raw`` that ``loc`` (a pydantic path) reaches."""
    line = getattr(raw, "line", 0)
    node = raw
    for part in loc:
        if isinstance(node, _LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, _LineList) and isinstance(part, int) and part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def _dotted(loc: tuple) -> str:
    """('products', 'nk105', 'size', 'min') -> 'products[nk105].size.min'."""
    out = _cut(loc[0])
    if len(loc) > 1:
        out += f"[{_cut(loc[1])}]"
    for part in loc[2:]:
        out += f"[{part}]" if isinstance(part, int) else f".{_cut(part)}"
    return out


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
    classes: list[str] = Field(min_length=1)
    detail: str | None = None


class MaterialRef(Evidence):
    material: Id


class SurfaceRef(Evidence):
    modification: Literal["pegylation", "ligand-conjugation"]


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
    phase: Literal["clinical", "phase-1", "phase-1-2", "phase-2", "phase-3"]
    status: Literal["ongoing", "completed", "terminated"] | None = None
    reasons: list[Id] = []


class Outcome(Evidence):
    measure: Literal[MEASURES]  # type: ignore[valid-type]
    value: float | None = None
    min: float | None = None
    max: float | None = None
    unit: Literal[UNITS]  # type: ignore[valid-type]
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
    mechanism: Literal["thermosensitive-release", "ph-responsive-release", "enzyme-responsive-release"]
    stimulus: Literal["heat", "ph", "phospholipase-a2", "light", "magnetic-field"] | None = None
    min: float | None = None
    max: float | None = None
    unit: Literal[UNITS] | None = None  # type: ignore[valid-type]


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
    kind: Literal[
        "small-molecule", "sirna", "gene", "protein", "antibody", "radiolabel",
        "imaging-label", "inorganic-agent", "formulation",
    ]  # fmt: skip
    synonyms: list[Named] = []
    active_ingredient: Id | None = None
    excipients: list[Id] = []


class Target(Evidence):
    id: Id
    name: str
    kind: Literal["receptor", "antigen", "growth-factor", "adhesion-molecule", "integrin"]
    compartment: Literal["tumour-cell", "tumour-endothelium"]
    synonyms: list[Named] = []


class Ligand(Evidence):
    id: Id
    name: str
    kind: Literal[
        "antibody", "antibody-fragment", "protein", "peptide", "sugar", "vitamin", "aptamer",
        "small-molecule",
    ]  # fmt: skip
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
    kind: Literal["polymer", "block-copolymer", "lipid", "protein", "surfactant", "inorganic", "excipient"]
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
    kind: Literal["regulator", "company"]
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
    concepts: list[Literal[HISTORY_CONCEPTS]] = []  # type: ignore[valid-type]
    products: list[Id] = []


class Challenge(Evidence):
    id: Id
    label: str
    description: str


class ImmuneRelation(Evidence):
    predicate: Literal[IMMUNE_PREDICATES]  # type: ignore[valid-type]
    object: Id


class Approach(Evidence):
    id: Id
    label: str
    description: str
    relations: list[ImmuneRelation] = []


class ImmuneEntity(Evidence):
    id: Id
    label: str
    kind: Literal[
        "process", "cell-type", "molecule", "damp", "lymphoid-organ", "biomarker",
        "tumour-immune-phenotype", "concept",
    ]  # fmt: skip
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


# file key -> (record model, kind of IRI)
_SECTIONS: dict[str, tuple[type[BaseModel], str]] = {
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

    records: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in _SECTIONS})
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


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------
def _stamp(raw: Any, model: BaseModel, rel: str, default_source: str | None) -> BaseModel:
    """Give each evidence-bearing mapping its ``curated_from`` (file:line) and default source."""

    def walk(raw_node: Any, obj: Any) -> Any:
        if isinstance(obj, BaseModel) and isinstance(raw_node, _LineDict):
            updates = {}
            for name in type(obj).model_fields:
                if name in raw_node:
                    value = getattr(obj, name)
                    new = walk(raw_node[name], value)
                    if new is not value:
                        updates[name] = new
            if isinstance(obj, Evidence):
                updates["curated_from"] = f"{rel}:{raw_node.line}"
                if obj.source is None and default_source:
                    updates["source"] = default_source
            return obj.model_copy(update=updates) if updates else obj
        if isinstance(obj, list) and isinstance(raw_node, _LineList):
            return [walk(r, o) for r, o in zip(raw_node, obj, strict=True)]
        return obj

    return walk(raw, model)


def _parse_file(path: Path, rel: str, curation: Curation, errors: list[DataError]) -> None:
    try:
        raw = read_yaml(path, rel)
    except DataErrors as exc:
        errors.extend(exc.errors)
        return
    if raw is None:
        return
    if not isinstance(raw, dict):
        errors.append(DataError(rel, 1, "", "the file must be a mapping of sections"))
        return
    default_source = raw.get("default_source")
    for key, value in raw.items():
        if key == "default_source":
            continue
        if key == "mappings":
            _parse_mappings(raw, rel, curation, errors)
            continue
        if key not in _SECTIONS:
            known = ", ".join(sorted(_SECTIONS))
            errors.append(DataError(rel, raw.key_lines[key], _cut(key), f"unknown section (known: {known})"))
            continue
        model, _ = _SECTIONS[key]
        if not isinstance(value, list):
            errors.append(DataError(rel, raw.key_lines[key], key, "must be a list of records"))
            continue
        for index, item in enumerate(value):
            item_line = value.item_lines[index]
            try:
                record = model.model_validate(item)
            except ValidationError as exc:
                rid = item.get("id") if isinstance(item, dict) else None
                errors.extend(_validation_errors(exc, raw, rel, key, index, rid, item_line))
                continue
            record = _stamp(item, record, rel, default_source)
            rid = record.id
            origin = f"{rel}:{item_line}"
            if (key, rid) in curation.origin:
                errors.append(
                    DataError(rel, item_line, f"{key}[{index}].id",
                              f"duplicate id {_short(rid)} (first defined at {curation.origin[(key, rid)]})")
                )  # fmt: skip
                continue
            curation.origin[(key, rid)] = origin
            curation.records[key].append(record)


def _validation_errors(
    exc: ValidationError, raw: Any, rel: str, key: str, index: int, rid: Any, item_line: int
) -> list[DataError]:
    """One located :class:`DataError` per pydantic error of item ``index`` of section ``key``."""
    errors = []
    for err in exc.errors():
        loc = (key, index, *err["loc"])
        line = _line_of(raw, loc) or item_line
        shown = (key, rid, *err["loc"]) if isinstance(rid, str) else loc
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "literal_error":
            msg = f"{_short(err.get('input'))} is not one of the allowed values ({err['ctx']['expected']})"
        elif err["type"] == "extra_forbidden":
            msg = "unknown field (typo?)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        errors.append(DataError(rel, line, _dotted(shown), msg))
    return errors


def _parse_mappings(raw: Any, rel: str, curation: Curation, errors: list[DataError]) -> None:
    """Validate the ``mappings:`` list of ``raw`` into ``curation.mappings``, each part stamped with its line."""
    value = raw["mappings"]
    if value is None:  # a file that lists nothing yet
        return
    if not isinstance(value, list):
        errors.append(DataError(rel, raw.key_lines["mappings"], "mappings", "must be a list of entity mappings"))
        return

    def stamp(raw_node: Any, obj: Any) -> Any:
        if isinstance(obj, BaseModel) and isinstance(raw_node, _LineDict):
            updates: dict[str, Any] = {"curated_from": f"{rel}:{raw_node.line}"}
            for name, info in type(obj).model_fields.items():
                key = info.alias or name
                if key in raw_node and isinstance(getattr(obj, name), list):
                    updates[name] = [stamp(r, o) for r, o in zip(raw_node[key], getattr(obj, name), strict=True)]
            return obj.model_copy(update=updates)
        return obj

    for index, item in enumerate(value):
        item_line = value.item_lines[index]
        try:
            mapping = EntityMapping.model_validate(item)
        except ValidationError as exc:
            rid = item.get("entity") if isinstance(item, dict) else None
            errors.extend(_validation_errors(exc, raw, rel, "mappings", index, rid, item_line))
            continue
        curation.mappings.append(stamp(item, mapping))


#: the source every mapping's evidence derives from (data/sources.yaml, kind identifier-check);
#: each evidence's locator says where the identifier was checked
MAPPING_SOURCE = "identifier-check"


def _check_mappings(c: Curation) -> list[DataError]:
    """Mapped entities exist; CURIEs are well formed, known to the Bioregistry and not repeated."""
    if not c.mappings:
        return []
    from nanokg.identifiers import converter, curie_problem

    errors: list[DataError] = []
    seen: dict[str, str] = {}
    # every mapping's evidence derives from this source: it must be listed with the others
    if not any(s.id == MAPPING_SOURCE and s.kind == "identifier-check" for s in c.sources):
        first = c.mappings[0].curated_from.rpartition(":")[0]
        msg = f"sources.yaml defines no source {MAPPING_SOURCE!r} of kind identifier-check"
        errors.append(DataError(first, 0, "mappings", msg))

    def err(obj: Any, entity: str, fld: str, msg: str) -> None:
        path, _, line = obj.curated_from.rpartition(":")
        errors.append(DataError(path, int(line) if line.isdigit() else 0, f"mappings[{entity}]{fld}", msg))

    for m in c.mappings:
        if m.kind not in MAPPING_KINDS:
            err(m, m.entity, ".entity", f"unknown kind {_short(m.kind)} (known: {', '.join(MAPPING_KINDS)})")
            continue
        if m.record_id not in c.ids(MAPPING_KINDS[m.kind]):
            err(m, m.entity, ".entity", f"{_short(m.record_id)} is not a defined {m.kind} id")
        if m.entity in seen:
            err(m, m.entity, ".entity", f"duplicate entity {_short(m.entity)} (first listed at {seen[m.entity]})")
        seen.setdefault(m.entity, m.curated_from)
        ids: set[str] = set()
        for n, match in enumerate(m.matches):
            problem = curie_problem(match.id)
            if problem:
                err(match, m.entity, f".matches[{n}].id", problem)
            elif match.id in ids:
                err(match, m.entity, f".matches[{n}].id", f"duplicate id {_short(match.id)}")
            ids.add(match.id)
        mapped = {i.partition(":")[0] for i in ids}
        names: set[tuple[str, str]] = set()
        for n, syn in enumerate(m.synonyms):
            problem = curie_problem(syn.from_)
            if problem:
                err(syn, m.entity, f".synonyms[{n}].from", problem)
            # the same name from two sources is two records; from one source twice is a slip
            if (syn.name, syn.from_) in names:
                msg = f"duplicate synonym {_short(syn.name)} from {_cut(syn.from_)}"
                err(syn, m.entity, f".synonyms[{n}].name", msg)
            names.add((syn.name, syn.from_))
        for n, gap in enumerate(m.unmapped):
            standard = converter().standardize_prefix(gap.prefix)
            if standard is None:
                msg = f"unknown prefix {_short(gap.prefix)} (not in the Bioregistry)"
                err(gap, m.entity, f".unmapped[{n}].prefix", msg)
            elif standard != gap.prefix:
                err(
                    gap,
                    m.entity,
                    f".unmapped[{n}].prefix",
                    f"write the prefix as the Bioregistry prefers: {standard!r}",
                )
            elif gap.prefix in mapped:
                msg = f"{_short(gap.prefix)} is listed as unmapped but has a match"
                err(gap, m.entity, f".unmapped[{n}].prefix", msg)
    return errors


class _Shown(reprlib.Repr):
    """``repr()`` that reads no more of a value than it shows: a few items, two levels deep."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxstring, self.maxother = 2, _SHOWN, _SHOWN

    # reprlib looks up repr_<type name>: without these, a _LineDict would get the full repr()
    def repr__LineDict(self, value: dict, level: int) -> str:
        return self.repr_dict(value, level)

    def repr__LineList(self, value: list, level: int) -> str:
        return self.repr_list(value, level)

    def repr_int(self, value: int, level: int) -> str:
        # repr() of an int past 4300 digits raises, and is slow well before that
        bits = value.bit_length()
        return super().repr_int(value, level) if bits < 1000 else f"<integer of {bits} bits>"


#: characters of a value shown in a message
_SHOWN = 60
_SHOWN_REPR = _Shown()


def _short(value: Any) -> str:
    """``repr(value)`` in at most :data:`_SHOWN` characters, cut before it is formatted."""
    text = repr(value[: _SHOWN + 1]) if isinstance(value, str) else _SHOWN_REPR.repr(value)
    return text if len(text) < _SHOWN else text[: _SHOWN - 3] + "..."


def _cut(value: Any, limit: int = _SHOWN) -> str:
    """``str(value)`` in at most ``limit`` characters, cut before it is formatted (names, fields)."""
    if isinstance(value, str):
        text = value[: limit + 1]
    else:  # the loader reads no number longer than _MAX_NUMBER_CHARS: str() of a scalar is short
        text = _SHOWN_REPR.repr(value) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_curation(data_dir: Path, root: Path | None = None) -> Curation:
    """Load and validate every YAML file under ``data_dir``.

    Parameters
    ----------
    data_dir
        The folder of curated files (``data/`` in the repository).
    root
        Paths in error messages are shown relative to this folder (default: the parent
        of ``data_dir``).

    Raises
    ------
    DataErrors
        With one located line per problem, when anything is malformed, unknown,
        inconsistent or refers to an undefined id.
    """
    root = root or data_dir.parent
    curation = Curation()
    errors: list[DataError] = []
    files = []
    for path in sorted(data_dir.rglob("*")):
        try:
            rel = str(path.relative_to(root))
        except ValueError:
            rel = str(path)
        if path.suffix == ".yaml":
            files.append((path, rel))
        elif path.suffix.lower() in (".yaml", ".yml"):  # read by no one: say so rather than skip it
            errors.append(DataError(rel, 0, "", f"data files end in .yaml: rename it {path.stem}.yaml"))
    if not files and not errors:
        raise DataErrors([DataError(str(data_dir), 0, "", "no curated YAML files found")])
    for path, rel in files:
        _parse_file(path, rel, curation, errors)
    if not errors:
        errors.extend(_check_references(curation))
        errors.extend(_check_mappings(curation))
    if errors:
        raise DataErrors(errors)
    return curation


def _where(evidence: Evidence) -> tuple[str, int]:
    path, _, line = evidence.curated_from.rpartition(":")
    return path, int(line) if line.isdigit() else 0


def _check_references(c: Curation) -> list[DataError]:
    """Cross-record checks: undefined ids, contradictions, value ranges."""
    errors: list[DataError] = []
    record = {"path": ""}  # e.g. "products[nk105]", prefixed to field names below

    def err(ev: Evidence, fld: str, msg: str) -> None:
        path, line = _where(ev)
        errors.append(DataError(path, line, f"{record['path']}.{fld}" if record["path"] else fld, msg))

    sources = {s.id: s for s in c.sources}
    drugs, targets, ligands = c.ids("drugs"), c.ids("targets"), c.ids("ligands")
    diseases, materials, effects = c.ids("diseases"), c.ids("materials"), c.ids("effects")
    procedures, orgs, regions = c.ids("procedures"), c.ids("organisations"), c.ids("regions")
    products, people = c.ids("products"), c.ids("people")
    immune = c.ids("approaches", "entities")
    regulators = {o.id for o in c.organisations if o.kind == "regulator"}

    def ref(ev: Evidence, fld: str, value: str | None, pool: set[str], what: str) -> None:
        if value is not None and value not in pool:
            err(ev, fld, f"{_short(value)} is not a defined {what} id")

    for owner, ev in c.iter_evidence():
        record["path"] = owner
        if ev.source is None:
            err(ev, "source", "no source: set `source:` or the file's `default_source:`")
        elif ev.source not in sources:
            err(ev, "source", f"{_short(ev.source)} is not a source defined in sources.yaml")
        elif sources[ev.source].kind == "general-knowledge" and not ev.note:
            err(ev, "note", "a general-knowledge fact needs a note saying what it rests on")
        elif sources[ev.source].kind == "document" and not (ev.quote or ev.locator):
            err(ev, "quote", f"a fact from {ev.source} needs a quote or a locator")

    for p in c.products:
        record["path"] = f"products[{p.id}]"
        tops = set()
        for cls in p.carrier.classes:
            if cls not in CARRIER_CLASSES:
                err(p.carrier, "carrier.classes", f"unknown carrier class {_short(cls)} (see data/README.md)")
            else:
                tops.add(CARRIER_CLASSES[cls][1])
        if len(tops) > 1:
            err(p.carrier, "carrier.classes", f"classes fall under more than one carrier class: {sorted(tops)}")
        for m in p.materials:
            ref(m, "materials.material", m.material, materials, "material")
        for a in p.payloads:
            ref(a, "payloads.agent", a.agent, drugs, "drug")
        if p.size is not None:
            if p.size.min <= 0 or p.size.max <= 0:
                err(p.size, "size", f"size must be positive (min {p.size.min:g}, max {p.size.max:g})")
            elif p.size.min > p.size.max:
                err(p.size, "size", f"reversed size range: min {p.size.min:g} is greater than max {p.size.max:g}")
        for t in p.targeting:
            ref(t, "targeting.target", t.target, targets, "target")
            ref(t, "targeting.ligand", t.ligand, ligands, "ligand")
        for i in p.indications:
            ref(i, "indications.disease", i.disease, diseases, "disease")
        for a in p.applications:
            ref(a, "applications.procedure", a.procedure, procedures, "procedure")
        for cb in p.combinations:
            ref(cb, "combinations.partner", cb.partner, drugs | procedures, "drug or procedure")
            ref(cb, "combinations.indication", cb.indication, diseases, "disease")
        for ap in p.approvals:
            ref(ap, "approvals.agency", ap.agency, regulators, "regulator (organisation of kind regulator)")
            ref(ap, "approvals.region", ap.region, regions, "region")
            ref(ap, "approvals.indication", ap.indication, diseases, "disease")
        if p.approvals and p.stage.value != "approved":
            err(p.stage, "stage", f"has approvals but stage is {p.stage.value!r}")
        if p.stage.value == "approved" and not p.approvals:
            err(p.stage, "stage", "stage is 'approved' but no approval is recorded")
        rank = STAGES.index(p.stage.value)
        for tr in p.trials:
            if STAGES.index(tr.phase) > rank:
                err(tr, "trials.phase", f"trial phase {tr.phase!r} is above the product's stage {p.stage.value!r}")
            for reason in tr.reasons:
                if reason not in effects and reason not in TERMINATION_REASONS:
                    msg = f"{_short(reason)} is neither an effect id nor one of {TERMINATION_REASONS}"
                    err(tr, "trials.reasons", msg)
            if tr.reasons and tr.status != "terminated":
                err(tr, "trials.reasons", "termination reasons given but status is not 'terminated'")
        for o in p.outcomes:
            ref(o, "outcomes.indication", o.indication, diseases, "disease")
            ref(o, "outcomes.comparator", o.comparator, drugs | products, "drug or product")
            if o.min is not None and o.max is not None and o.min > o.max:
                err(o, "outcomes", f"reversed range: min {o.min:g} is greater than max {o.max:g}")
        for ae in p.adverse_effects:
            ref(ae, "adverse_effects.effect", ae.effect, effects, "effect")
        for r in p.release:
            if r.min is not None and r.max is not None and r.min > r.max:
                err(r, "release", f"reversed range: min {r.min:g} is greater than max {r.max:g}")
        for d in p.developers:
            ref(d, "developers.organisation", d.organisation, orgs, "organisation")
        for f in p.findings:
            ref(f, "findings.indication", f.indication, diseases, "disease")

    pools = {"drugs": drugs, "materials": materials, "targets": targets, "diseases": diseases,
             "regions": regions, "people": people, "products": products}  # fmt: skip
    for section in ("drugs", "ligands", "diseases", "materials", "organisations", "statistics", "history"):
        for r in c.records[section]:
            record["path"] = f"{section}[{r.id}]"
            _check_record(section, r, ref, err, pools)
    for rec_ in (*c.approaches, *c.entities):
        record["path"] = f"{'approaches' if rec_ in c.approaches else 'entities'}[{rec_.id}]"
        for r in rec_.relations:
            ref(r, "relations.object", r.object, immune, "immunotherapy approach or entity")
    return errors


def _check_record(section: str, r: Any, ref, err, pools: dict[str, set[str]]) -> None:
    """Reference checks of one non-product record; ``pools`` holds the defined ids by section."""
    drugs, materials, targets = pools["drugs"], pools["materials"], pools["targets"]
    diseases, regions, people, products = pools["diseases"], pools["regions"], pools["people"], pools["products"]
    if section == "drugs":
        ref(r, "active_ingredient", r.active_ingredient, drugs, "drug")
        for x in r.excipients:
            ref(r, "excipients", x, materials, "material")
    elif section == "ligands":
        ref(r, "binds", r.binds, targets, "target")
    elif section == "diseases":
        for b in r.broader:
            ref(r, "broader", b, diseases, "disease")
    elif section == "materials":
        for x in r.components:
            ref(r, "components", x, materials, "material")
    elif section == "organisations":
        ref(r, "country", r.country, regions, "region")
    elif section == "statistics":
        if r.carrier_class is not None and r.carrier_class not in {v[1] for v in CARRIER_CLASSES.values()}:
            err(r, "carrier_class", f"{_short(r.carrier_class)} is not a top carrier class")
    elif section == "history":
        for x in r.people:
            ref(r, "people", x, people, "person")
        for x in r.products:
            ref(r, "products", x, products, "product")


def _normalise(text: str) -> str:
    return " ".join(text.split())


def verify_quotes(curation: Curation, seeds_dir: Path) -> list[DataError]:
    """Check that every quote appears verbatim (up to whitespace) in its source document.

    Returns one :class:`DataError` per quote that is not found, or per source file missing.
    """
    texts: dict[str, str] = {}
    errors: list[DataError] = []
    for source in curation.sources:
        if source.path:
            path = seeds_dir / source.path
            if path.is_file():
                texts[source.id] = _normalise(path.read_text(encoding="utf-8"))
            else:
                errors.append(DataError(str(path), 0, "", f"source document of {source.id!r} not found"))
    if errors:
        return errors
    for owner, ev in curation.iter_evidence():
        if ev.quote and ev.source in texts and _normalise(ev.quote) not in texts[ev.source]:
            path, line = _where(ev)
            errors.append(
                DataError(path, line, f"{owner}.quote", f"not found verbatim in {ev.source}: {_short(ev.quote)}")
            )
    return errors
