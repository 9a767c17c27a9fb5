"""Recognising mentions: the graph's entities by name, candidate products, quantities, stages.

:class:`Recogniser` reads the graph's names once (:meth:`Recogniser.from_graph`): every
``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel`` and ``nkg:lookupKey`` (which holds the
CURIEs) of the curated entities and of imported ones, with each entity's IRI and node kind.
:meth:`Recogniser.mentions` then finds, in every sentence of a :class:`Document`:

* ``known``: an entity by any of its names, case- and punctuation-insensitively: tokens are
  compared by :func:`nanokg.store.index.name_key` (spaCy ``PhraseMatcher`` on ``NORM``), so
  "Doxil ®", "DOXIL" and "Kaposi's sarcoma" match; a regulator is an ``agency`` and a region a
  ``region`` mention as well;
* ``candidate_product``: a name the graph does not know, written as a brand (followed by ®
  or ™), as a development code (letters and digits: "NK105", "CPX-351") or as the subject of
  "X, a liposomal formulation of Y" / "X is a ... nanoparticle";
* ``quantity``: a number (or range) with a unit: nm, μm, mg/m², %, fold or "times", h, °C, g/mol;
* ``year`` (1900-2099), ``stage`` (phase I-III, I/II, preclinical; ``iri`` is ``val:phase-3``...),
  ``agency`` and ``region`` (from the graph, else a short list of regulators and regions).

The mechanics are spaCy's blank English pipeline (:func:`nanokg.drafting.reading.nlp`),
``PhraseMatcher`` and ``Matcher``; spaCy is imported only when mentions are first looked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nanokg.drafting.proposals import Document, Mention
from nanokg.store.index import name_key
from nanokg.vocabulary import BASE, KINDS, NKG, VAL

if TYPE_CHECKING:
    from nanokg.knowledge_graph import KnowledgeGraph

__all__ = ["ENTITY_KINDS", "Name", "Recogniser", "parse_number"]

#: the node kinds whose names are looked for (records of data/, not built facts or value terms)
ENTITY_KINDS = (
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
    "immuno",
)

_NAMES = """
PREFIX nkg: <https://w3id.org/nanokg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?entity ?name ?label WHERE {
  { ?entity rdfs:label ?name } UNION { ?entity skos:prefLabel ?name }
  UNION { ?entity skos:altLabel ?name } UNION { ?entity nkg:lookupKey ?name }
  FILTER(isIRI(?entity))
  OPTIONAL { ?entity rdfs:label ?label }
}
"""
# the types of entities outside nanokg's data namespaces (imported graphs), to give them a kind
_TYPES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?entity ?type WHERE {
  ?entity a ?direct . ?direct rdfs:subClassOf* ?type .
  FILTER(isIRI(?entity) && !STRSTARTS(STR(?entity), "https://w3id.org/nanokg/"))
}
"""
_REGULATORS = (
    "SELECT DISTINCT ?entity ?region WHERE { ?entity a <" + str(NKG.RegulatoryAgency) + "> "
    "OPTIONAL { ?entity <" + str(NKG.basedInRegion) + "> ?region } }"
)

#: regulators and regions the graph may not know (name -> mention kind); a known one gets its IRI
FALLBACK_PLACES = {
    "FDA": "agency",
    "EMA": "agency",
    "PMDA": "agency",
    "NMPA": "agency",
    "CFDA": "agency",
    "MHRA": "agency",
    "Health Canada": "agency",
    "European Commission": "agency",
    "United States": "region",
    "USA": "region",
    "US": "region",
    "Europe": "region",
    "European Union": "region",
    "EU": "region",
    "Japan": "region",
    "China": "region",
    "Korea": "region",
    "South Korea": "region",
    "Canada": "region",
    "Russia": "region",
    "India": "region",
    "Taiwan": "region",
    "Australia": "region",
}

_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "1": "1", "2": "2", "3": "3", "4": "4"}
_WORD_NUMBERS = {"twice": 2.0, "double": 2.0, "doubled": 2.0, "triple": 3.0, "tripled": 3.0, "half": 0.5}
_UNIT_WORDS = {
    "nm": "nanometre",
    "nanometers": "nanometre",
    "nanometres": "nanometre",
    "μm": "micrometre",
    "µm": "micrometre",
    "um": "micrometre",
    "%": "percent",
    "percent": "percent",
    "fold": "fold",
    "times": "fold",
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "hours": "hour",
    "mg": "mg",
    "°c": "degree-celsius",
    "℃": "degree-celsius",
    "g": "g",
    "kda": "kilodalton",
    "months": "month",
    "years": "year-span",
}
#: development codes: 2-6 capitals (a lower-case letter may follow one), an optional hyphen, 2-6 digits
_CODE = r"^[A-Z][A-Za-z]{0,3}[A-Z]-?\d{2,6}[A-Za-z]?$|^[A-Z]{2,6}-\d{2,6}$"
_NUMBER = r"^\d+(?:[.,]\d+)?$"


def parse_number(text: str) -> float | None:
    """A number as written ("1,000", "64.7", "twice"), or None.

    Examples
    --------
    >>> parse_number("1,000"), parse_number("64.7"), parse_number("twice")
    (1000.0, 64.7, 2.0)
    """
    word = _WORD_NUMBERS.get(text.casefold())
    if word is not None:
        return word
    cleaned = text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", text) else text.replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


@dataclass(frozen=True)
class Name:
    """One name of an entity as the graph holds it."""

    name: str
    iri: str
    kind: str
    label: str | None
    #: the entity is a regulatory agency (an ``agency`` mention besides ``known``)
    regulator: bool = False
    #: for an agency: the region it is based in (``nkg:basedInRegion``), its approvals' region
    region: str | None = None


@dataclass
class Recogniser:
    """Finds mentions in a document; made from the graph's names by :meth:`from_graph`."""

    names: list[Name]
    _matchers: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_graph(cls, kg: KnowledgeGraph) -> Recogniser:
        """Read the graph's names once: labels, altLabels, CURIEs and imported labels."""
        regulators = {str(row[0]): row[1] for row in kg.backend.select(_REGULATORS).rows}
        types: dict[str, list[str]] = {}
        for entity, kind in kg.backend.select(_TYPES).rows:
            types.setdefault(str(entity), []).append(str(kind))
        names = []
        for entity, name, label in kg.backend.select(_NAMES).rows:
            kind = _kind(str(entity), types.get(str(entity), ()))
            if kind is None or not name_key(str(name)):
                continue
            region = regulators.get(str(entity))
            # a product's parenthesis tells it from products of the same name: keep it whole
            for variant in [str(name)] if kind == "product" else variants(str(name)):
                names.append(
                    Name(
                        variant,
                        str(entity),
                        kind,
                        None if label is None else str(label),
                        regulator=str(entity) in regulators,
                        region=None if region is None else str(region),
                    )
                )
        return cls(sorted(set(names), key=lambda n: (n.iri, n.name)))

    # -- matchers ----------------------------------------------------------------

    def _build(self) -> dict[str, Any]:
        if self._matchers:
            return self._matchers
        from spacy.matcher import Matcher, PhraseMatcher

        from nanokg.drafting.reading import nlp

        pipeline = nlp()
        phrases = PhraseMatcher(pipeline.vocab, attr="NORM")
        self._by_key: dict[str, list[Name]] = {}
        seen: set[str] = set()
        for name in self.names:
            key = name_key(name.name)
            self._by_key.setdefault(key, []).append(name)
            if key not in seen:
                seen.add(key)
                phrases.add(key, [_normed(pipeline.make_doc(name.name))])
        for place in FALLBACK_PLACES:
            key = name_key(place)
            if key not in seen:
                seen.add(key)
                phrases.add(key, [_normed(pipeline.make_doc(place))])
        rules = Matcher(pipeline.vocab)
        for label, patterns in _PATTERNS.items():
            rules.add(label, patterns, greedy="LONGEST")
        self._matchers = {"phrases": phrases, "rules": rules, "nlp": pipeline}
        return self._matchers

    def mentions(self, document: Document) -> list[Mention]:
        """Every mention in ``document``'s sentences, in document order (offsets into ``document.text``)."""
        parts = self._build()
        pipeline = parts["nlp"]
        found: list[Mention] = []
        docs = []
        texts = (s.text for s in document.sentences)
        for sentence, doc in zip(document.sentences, pipeline.tokenizer.pipe(texts), strict=True):
            _normed(doc)
            docs.append(doc)
            offset = sentence.locator.start
            known = self._known(doc, offset)
            found.extend(known)
            found.extend(self._ruled(doc, offset, known))
        found.extend(self._repeated(document, docs, found))
        found.sort(key=lambda m: (m.start, -m.end, m.kind))
        return found

    def _repeated(self, document: Document, docs: list, found: list[Mention]) -> list[Mention]:
        """A candidate name found once is a candidate wherever the document writes it again."""
        from spacy.matcher import PhraseMatcher
        from spacy.util import filter_spans

        candidates = {name_key(m.text): m for m in found if m.kind == "candidate_product"}
        if not candidates:
            return []
        pipeline = self._matchers["nlp"]
        again = PhraseMatcher(pipeline.vocab, attr="NORM")
        for key, mention in candidates.items():
            again.add(key, [_normed(pipeline.make_doc(mention.text))])
        taken = {(m.start, m.end) for m in found}
        busy = [(m.start, m.end) for m in found if m.kind in ("known", "candidate_product")]
        out = []
        for sentence, doc in zip(document.sentences, docs, strict=True):
            for span in filter_spans([doc[s:e] for _, s, e in again(doc)]):
                start, end = sentence.locator.start + span.start_char, sentence.locator.start + span.end_char
                if (start, end) in taken or any(a < end and start < b for a, b in busy):
                    continue
                out.append(Mention("candidate_product", span.text, start, end, rule="candidate_product:repeated"))
        return out

    def _known(self, doc, offset: int) -> list[Mention]:
        from spacy.util import filter_spans

        phrases = self._matchers["phrases"]
        vocab = doc.vocab
        ids = {(s, e): match_id for match_id, s, e in phrases(doc)}
        spans = filter_spans([doc[s:e] for s, e in ids])  # the longest name wins
        out = []
        for span in spans:
            key = vocab.strings[ids[span.start, span.end]]
            start, end = offset + span.start_char, offset + span.end_char
            entities = self._by_key.get(key, [])
            for iri, entity in {n.iri: n for n in entities}.items():
                out.append(
                    Mention(
                        "known",
                        span.text,
                        start,
                        end,
                        iri=iri,
                        entity_kind=entity.kind,
                        label=entity.label,
                        rule="name-index",
                    )
                )
                if entity.regulator:
                    out.append(
                        Mention(
                            "agency",
                            span.text,
                            start,
                            end,
                            iri=iri,
                            label=entity.label,
                            rule="name-index",
                            value={"region": entity.region} if entity.region else {},
                        )
                    )
                elif entity.kind == "region":
                    out.append(Mention("region", span.text, start, end, iri=iri, label=entity.label, rule="name-index"))
            if not entities:  # a fallback place the graph does not know
                place = next(p for p in FALLBACK_PLACES if name_key(p) == key)
                out.append(Mention(FALLBACK_PLACES[place], span.text, start, end, rule="place-list"))
        return out

    def _ruled(self, doc, offset: int, known: list[Mention]) -> list[Mention]:
        from spacy.util import filter_spans

        rules = self._matchers["rules"]
        vocab = doc.vocab
        taken = {(m.start, m.end) for m in known}
        known_chars = {i for m in known if m.kind == "known" for i in range(m.start, m.end)}
        by_kind: dict[str, list] = {}
        rule_of = {}
        for match_id, s, e in rules(doc):
            rule = vocab.strings[match_id]
            by_kind.setdefault(rule.split(":")[0], []).append(doc[s:e])
            rule_of.setdefault((s, e), rule)
        out = []
        for kind, spans in by_kind.items():
            for span in filter_spans(spans):  # per kind, the longest match wins (a range over its end)
                rule = rule_of[span.start, span.end]
                start, end = offset + span.start_char, offset + span.end_char
                mention = _mention(kind, rule, span, start, end)
                if mention is None:
                    continue
                if kind == "candidate_product":
                    # a name the graph knows is a known mention, not a candidate
                    if (mention.start, mention.end) in taken or mention.start in known_chars:
                        continue
                    taken.add((mention.start, mention.end))
                out.append(mention)
        return out


_PARENTHESIS = re.compile(r"\s*\(([^()]+)\)")


def variants(name: str) -> list[str]:
    """A name and, for a label with a parenthesis, the name without it and an acronym in it.

    Examples
    --------
    >>> variants("danger-associated molecular patterns (DAMPs)")
    ['danger-associated molecular patterns (DAMPs)', 'danger-associated molecular patterns', 'DAMPs']
    >>> variants("cold (non-immunoresponsive) tumours")
    ['cold (non-immunoresponsive) tumours', 'cold tumours']
    """
    out = [name]
    inside = _PARENTHESIS.search(name)
    if inside:
        bare = _PARENTHESIS.sub("", name).strip()
        if len(bare) > 3:
            out.append(bare)
        acronym = inside.group(1).strip()
        if " " not in acronym and sum(c.isupper() for c in acronym) >= 2 and not re.fullmatch(r"[IVX]+", acronym):
            out.append(acronym)
    return out


def _kind(iri: str, types) -> str | None:
    if iri.startswith(BASE):
        kind = iri[len(BASE) :].split("/", 1)[0]
        return kind if kind in ENTITY_KINDS else None
    for cls, kind in KINDS.items():  # first match wins, as KINDS is ordered
        if cls in types:
            return kind if kind in ENTITY_KINDS else None
    return None


#: British spellings folded into American ones, on both sides of a comparison
_SPELLINGS = (
    ("tumour", "tumor"),
    ("leukaemia", "leukemia"),
    ("anaemia", "anemia"),
    ("oesophag", "esophag"),
    ("haem", "hem"),
    ("oestrogen", "estrogen"),
)


def fold(key: str) -> str:
    """A name key's token with British spelling and a plural ``-s`` folded (``tumours`` -> ``tumor``).

    Applied to the graph's names and to the document alike, so "advanced solid tumors" finds the
    graph's "solid tumour"; a word of 4 letters or fewer, or ending in -ss, -us, -is, is kept.

    Examples
    --------
    >>> fold("tumours"), fold("cells"), fold("virus"), fold("nm")
    ('tumor', 'cell', 'virus', 'nm')
    """
    for british, american in _SPELLINGS:
        if british in key:
            key = key.replace(british, american)
    if len(key) > 4 and key.isalpha() and key.endswith("s") and not key.endswith(("ss", "us", "is")):
        key = key[:-1]
    return key


def _normed(doc):
    """Set each token's NORM to its folded name key, so the phrase matcher compares as the name index does."""
    for token in doc:
        token.norm_ = fold(name_key(token.text)) or token.text
    return doc


def _mention(kind: str, rule: str, span, start: int, end: int) -> Mention | None:
    text = span.text
    if kind == "candidate_product":
        tokens = [t for t in span if t.text not in ("®", "™")]
        if rule.endswith("formulation"):
            tokens = [span[0]]  # "X, a liposomal formulation of Y": X is the product
        name_span = span.doc[tokens[0].i : tokens[-1].i + 1]
        return Mention(
            kind,
            name_span.text,
            start - span.start_char + name_span.start_char,
            start - span.start_char + name_span.end_char,
            rule=rule,
        )
    if kind == "year":
        return Mention(kind, text, start, end, value={"value": int(text)}, rule=rule)
    if kind == "stage":
        return Mention(kind, text, start, end, iri=str(VAL[_stage_id(span)]), rule=rule)
    if kind == "quantity":
        return _quantity(span, start, end, rule)
    return None


def _stage_id(span) -> str:
    words = [t.lower_ for t in span]
    if "preclinical" in words or "pre-clinical" in words:
        return "preclinical"
    numbers = [_ROMAN[w] for w in re.split(r"[/\-–]", "".join(words[1:])) if w in _ROMAN]
    if len(numbers) >= 2:
        return "phase-1-2" if numbers[:2] == ["1", "2"] else f"phase-{max(numbers)}"
    return f"phase-{numbers[0]}" if numbers else "clinical"


def _quantity(span, start: int, end: int, rule: str) -> Mention | None:
    if rule.endswith("money"):
        words = [t.lower_ for t in span]
        scale = 1e9 if "billion" in words else 1e6 if "million" in words else 1.0
        number = next(parse_number(t.text) for t in span if parse_number(t.text) is not None)
        return Mention("quantity", span.text, start, end, value={"unit": "usd", "value": number * scale}, rule=rule)
    glued = re.fullmatch(r"(\d+(?:\.\d+)?)(h|nm|%)", span.text)  # "72h": number and unit in one token
    if glued:
        unit = {"h": "hour", "nm": "nanometre", "%": "percent"}[glued.group(2)]
        return Mention(
            "quantity", span.text, start, end, value={"unit": unit, "value": float(glued.group(1))}, rule=rule
        )
    numbers = [parse_number(t.text) for t in span if parse_number(t.text) is not None]
    if not numbers:
        return None
    words = [t.lower_ for t in span]
    if any(re.match(r"^mg[·⋅/]m", w) for w in words) or (
        "mg" in words and any(w.startswith("m") and w != "mg" for w in words[words.index("mg") + 1 :])
    ):
        unit = "mg-per-m2"
    elif "g" in words and "mol" in " ".join(words):
        unit = "g-per-mol"
    elif "°" in words or "° c" in " ".join(words):
        unit = "degree-celsius"
    else:
        unit = next((_UNIT_WORDS[w] for w in reversed(words) if w in _UNIT_WORDS), "")
    if words[0] in _WORD_NUMBERS:
        unit = "fold"
    value: dict[str, Any] = {"unit": unit}
    text = span.text.rstrip(".")  # "45 ° C." at a sentence end: the tokenizer keeps the full stop
    end -= len(span.text) - len(text)
    if len(numbers) >= 2 and rule.endswith("range"):
        value.update(min=min(numbers[:2]), max=max(numbers[:2]), value=numbers[0])
    else:
        value["value"] = numbers[0]
    return Mention("quantity", text, start, end, value=value, rule=rule)


_NUM = {"TEXT": {"REGEX": _NUMBER}}
_RANGE = [_NUM, {"LOWER": {"IN": ["to", "~", "-", "–", "and"]}}, _NUM]
_UNITS = [
    [
        {
            "LOWER": {
                "IN": [
                    "nm",
                    "nanometers",
                    "nanometres",
                    "μm",
                    "µm",
                    "um",
                    "%",
                    "percent",
                    "h",
                    "hr",
                    "hrs",
                    "hours",
                    "℃",
                    "kda",
                    "months",
                ]
            }
        }
    ],
    [{"LOWER": {"IN": ["-", "–"]}, "OP": "?"}, {"LOWER": {"IN": ["fold", "times"]}}],
    [
        {"LOWER": "mg"},
        {"TEXT": {"IN": ["/", "·", "⋅", "per"]}, "OP": "?"},
        {"LOWER": {"REGEX": r"^m(2|²|\b)"}},
        {"TEXT": {"REGEX": r"^(~|-?2|−2)$"}, "OP": "*"},
    ],
    [{"LOWER": {"REGEX": r"^mg[·⋅/]m"}}],
    [{"LOWER": "°"}, {"LOWER": {"IN": ["c", "c."]}}],
    [{"LOWER": "°c"}],
    [{"LOWER": "g"}, {"TEXT": {"IN": ["/", "·"]}, "OP": "?"}, {"LOWER": {"REGEX": r"^mol"}}],
]
_BRAND_WORD = {"TEXT": {"REGEX": r"^[A-Z][A-Za-z0-9]*$"}}
_NAME_WORD = {"TEXT": {"REGEX": r"^[A-Z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$"}, "IS_STOP": False}
_CARRIER_WORDS = [
    "liposomal",
    "liposome",
    "micellar",
    "micelle",
    "nanomicelle",
    "nanoparticle",
    "nanoparticles",
    "conjugate",
    "albumin-bound",
    "pegylated",
    "polymeric",
    "lipid",
    "nanocrystal",
    "nanoshell",
    "nanoparticulate",
]
_PATTERNS: dict[str, list[list[dict[str, Any]]]] = {
    "quantity:range": [[*_RANGE, *unit] for unit in _UNITS],
    "quantity:money": [
        [{"ORTH": {"IN": ["$", "US$", "USD"]}}, _NUM, {"LOWER": {"IN": ["million", "billion"]}, "OP": "?"}]
    ],
    "quantity:single": [[_NUM, *unit] for unit in _UNITS]
    + [[{"TEXT": {"REGEX": r"^\d+(\.\d+)?(h|nm|%)$"}}]]
    + [[{"LOWER": {"IN": list(_WORD_NUMBERS)}}, {"LOWER": {"IN": ["that", "than", "as"]}}]],
    "year:four-digits": [[{"TEXT": {"REGEX": r"^(19|20)\d\d$"}}]],
    "stage:phase": [
        [{"LOWER": {"IN": ["phase", "stage"]}}, {"TEXT": {"REGEX": r"^(I{1,3}|IV|[1-4])([/\-–](I{1,3}|IV|[1-4]))?$"}}],
        [
            {"LOWER": {"IN": ["phase", "stage"]}},
            {"TEXT": {"REGEX": r"^(I{1,3}|IV|[1-4])$"}},
            {"TEXT": {"IN": ["/", "-"]}},
            {"TEXT": {"REGEX": r"^(I{1,3}|IV|[1-4])$"}},
        ],
        [{"LOWER": {"IN": ["preclinical", "pre-clinical"]}}],
    ],
    "candidate_product:brand": [
        [_BRAND_WORD, {"TEXT": {"IN": ["-", "–"]}}, _BRAND_WORD, {"TEXT": {"IN": ["®", "™"]}}],
        [_BRAND_WORD, {"TEXT": {"IN": ["®", "™"]}}],
    ],
    "candidate_product:code": [
        [{"TEXT": {"REGEX": _CODE}}],
        [{"TEXT": {"REGEX": r"^[A-Z]{2,6}$"}}, {"TEXT": {"IN": ["-", "–"]}}, {"TEXT": {"REGEX": r"^\d{2,6}$"}}],
    ],
    "candidate_product:formulation": [
        [
            _NAME_WORD,
            {"TEXT": {"IN": ["®", "™"]}, "OP": "?"},
            {"LOWER": {"IN": [",", "is", "("]}},
            {"LOWER": {"IN": ["a", "an"]}},
            {"OP": "{0,3}"},
            {"LOWER": {"IN": _CARRIER_WORDS}},
        ],
        # "X (CODE) is a liposomal ...": the name before a parenthesis
        [
            _NAME_WORD,
            {"TEXT": {"IN": ["®", "™"]}, "OP": "?"},
            {"ORTH": "("},
            {"ORTH": {"NOT_IN": [")"]}, "OP": "{1,3}"},
            {"ORTH": ")"},
            {"LOWER": {"IN": [",", "is"]}},
            {"LOWER": {"IN": ["a", "an"]}},
            {"OP": "{0,3}"},
            {"LOWER": {"IN": _CARRIER_WORDS}},
        ],
    ],
}
