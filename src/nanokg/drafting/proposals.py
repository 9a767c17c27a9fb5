"""What the curation assistant hands from reading to the curator: sentences, mentions, proposals.

The shapes shared by the stages of :mod:`nanokg.drafting`: :mod:`~nanokg.drafting.reading`
turns a document into :class:`Sentence` objects with a stable :class:`Locator`,
:mod:`~nanokg.drafting.recognise` finds :class:`Mention` objects in them,
:mod:`~nanokg.drafting.propose` turns mentions into :class:`Proposal` objects (one fact each,
with the sentence as its quote), and :mod:`~nanokg.drafting.compare` marks each proposal
``new``, ``known`` or ``conflict`` against the graph before :mod:`~nanokg.drafting.drafts`
writes them as draft records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["FACT_KINDS", "MENTION_KINDS", "STATUSES", "Document", "Locator", "Mention", "Proposal", "Sentence"]

#: the kinds of fact a proposal can carry (``kind`` of :class:`Proposal`); ``product`` proposes
#: a product itself (a name not in the graph, or a known one the document mentions)
FACT_KINDS = (
    "product",
    "alias",
    "carrier",
    "material",
    "payload",
    "ligand",
    "target",
    "indication",
    "stage",
    "approval",
    "termination",
    "outcome",
    "stimulus",
    "combination",
    "adverse_effect",
    "immune_concept",
    "immune_relation",
)

#: what a mention is: an entity the graph knows (``known``, with its IRI and kind), a candidate
#: product name the graph does not know, or a number with its unit
MENTION_KINDS = ("known", "candidate_product", "quantity", "year", "stage", "agency", "region")

#: how a proposal compares with the graph
STATUSES = ("new", "known", "conflict")


@dataclass(frozen=True)
class Locator:
    """Where a sentence is: paragraph and sentence numbers (from 1) and character offsets.

    Offsets index the document's normalised text (NFC, the reader's whitespace rules), so
    ``text[start:end]`` is the sentence; ``str(locator)`` is what a draft record's
    ``locator`` field holds (``"p3 s2 [812:951]"``).
    """

    paragraph: int
    sentence: int
    start: int
    end: int
    #: the section heading the sentence falls under (Markdown ``#`` lines), if any
    section: str = ""

    def __str__(self) -> str:
        return f"p{self.paragraph} s{self.sentence} [{self.start}:{self.end}]"


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document, verbatim (after normalisation), with its locator."""

    text: str
    locator: Locator


@dataclass(frozen=True)
class Document:
    """A document as read: its normalised text and its sentences, in order."""

    path: str
    text: str
    sentences: tuple[Sentence, ...]
    #: the first Markdown heading or first line, for a draft source entry
    title: str = ""


@dataclass(frozen=True)
class Mention:
    """A span of a sentence that names something.

    ``start``/``end`` are offsets in the document's normalised text (not the sentence's).
    """

    kind: str  # one of MENTION_KINDS
    text: str
    start: int
    end: int
    #: for ``known``: the entity's IRI and its node kind (product, drug, target, ...;
    #: :data:`nanokg.vocabulary.KINDS`); for ``stage``/``agency``/``region``: the value term
    iri: str | None = None
    entity_kind: str | None = None
    #: the graph's label for a known entity
    label: str | None = None
    #: for ``quantity``: the number and unit as read (``{"value": 100.0, "unit": "nm"}``)
    value: dict[str, Any] = field(default_factory=dict)
    #: the pattern or rule that matched
    rule: str = ""


@dataclass(frozen=True)
class Proposal:
    """One fact a document states, in the ontology's terms, with its evidence.

    ``product`` is the name as the document writes it; ``product_iri`` is the graph's IRI
    when the product is known (``None``: a new product). ``value`` is the object as written;
    ``value_iri`` the known entity or value term (a drug, a target, ``val:phase-3``...), or
    ``None`` when the graph has no such entity yet. ``details`` carries what a kind needs
    beyond one value: ``agency``, ``region``, ``year`` for an approval; ``measure``,
    ``value``, ``unit``, ``comparator`` for an outcome; ``reason`` for a termination;
    ``dose_limiting`` for an adverse effect; ``phase`` for a stage.
    """

    kind: str  # one of FACT_KINDS
    product: str
    product_iri: str | None
    value: str
    value_iri: str | None
    quote: str
    locator: Locator
    rule: str
    confidence: float
    details: dict[str, Any] = field(default_factory=dict)
    #: set by compare: one of STATUSES, and the graph's evidence for a known or conflicting fact
    status: str | None = None
    evidence: tuple[dict[str, Any], ...] = ()

    def key(self) -> tuple[str | None, str, str | None]:
        """(product, kind, value) by IRI where known: what recall and precision compare."""
        return (self.product_iri or self.product.casefold(), self.kind, self.value_iri or self.value.casefold())
