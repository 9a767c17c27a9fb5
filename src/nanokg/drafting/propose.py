"""Proposing facts: each sentence's mentions turned into facts in the ontology's terms.

:func:`propose_facts` reads a document sentence by sentence. The products a sentence names
(known products and candidate names, :mod:`~nanokg.drafting.recognise`) are its subjects;
products written side by side ("Themodox ® and Lipolatin", "IHL-305 and LiPlaCis") form one
group that shares what precedes and follows it. Each group owns the text up to the next
group (its *segment*) and, for some kinds, the text since the previous group (its *lead*).
A sentence that starts with a pronoun ("It", "Its", "This drug", "The indications") speaks of
the last product of its paragraph (when it names none, or up to its first ";" when it does); a
lead stops at a ";". A name several products share ("paclitaxel-binding albumin injections")
speaks of each of them. Then one rule per fact kind fires on cue words of the segment and the
mentions in it:

=================  ==============================================================================
kind               rule (``rule`` of the proposal)
=================  ==============================================================================
product, alias     every product named; "X (Y)" or "X, also known as Y" makes Y an alias of X
carrier            the most specific carrier class a phrase of the segment, the lead or the name
                   itself names ("PEGylated ... liposome" before "liposome"), value the
                   :data:`nanokg.vocabulary.CARRIER_CLASSES` IRI; a conjugate's or inorganic
                   particle's top class beside it (as data/ lists them); a liposome's or
                   nanoparticle's top class is dropped where a kind of it is named
material           a carrier material the graph knows, in the segment
payload            a drug in the segment of a carrier or loading cue, not after "than"/"with";
                   "liposomal Y", "formulation of Y (and Z)" also for a drug the graph does not know
ligand, target     a ligand or target the graph knows, with a targeting cue
indication         a disease after a use cue ("for the treatment of", "suitable for", "indicated");
                   not when the words around speak of a model, activity or response, nor "other
                   tumours"; a disease phrase the graph does not know ("... leukemia") too
stage              the nearest phase after the product (unless a list cue hands it to the next
                   group), else the nearest before it; "approved"; "in clinical trials";
                   one per product, the furthest
approval           an approval cue with the agency, region and year of the sentence (an agency's
                   region from the graph, ``nkg:basedInRegion``); not an approval to run trials;
                   a region in parentheses after a use ("... (Europe and Canada)")
termination        "terminated", "discontinued" ... with its reasons (a known effect, cost, efficacy,
                   safety)
outcome            ORR, DCR, AUC, MTD, half-life, drug loading, molecular weight, toxic dose,
                   revenue: the number and unit after the measure, a comparator after "than";
                   "50 % higher" as a ratio of 1.5
stimulus           a release cue with heat, pH, PLA2, light or a magnetic field
combination        a drug or procedure after "in combination with", "combined with" ...
adverse_effect     a known effect, ``dose_limiting``, reduced or absent by the words before it
immune_concept     an immune concept of the graph (seed 004's vocabulary)
immune_relation    two immune concepts with a relation verb between them (induce, release, ...);
                   "by <verb>ing" makes the sentence's first concept the subject; "such as" lists
                   and "(1) ... (2) ..." repeat a relation; "... in the X" is ``located-in``
=================  ==============================================================================

Cue words are regular expressions over one segment (the mentions themselves come from
spaCy's matchers). Every proposal quotes its whole sentence; ``status`` is left to
:mod:`~nanokg.drafting.compare`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from nanokg.drafting.proposals import Document, Mention, Proposal, Sentence
from nanokg.drafting.recognise import Recogniser
from nanokg.store.index import name_key
from nanokg.vocabulary import CARRIER_CLASSES, STAGE_RANKS, VAL

__all__ = ["propose_facts"]

_I = re.IGNORECASE

#: carrier phrases, most specific first: (pattern, carrier class id)
CARRIER_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, _I), cls)
    for pattern, cls in (
        (r"non-?\s?pegylated(\s+\S+){0,2}\s+liposom", "non-pegylated-liposome"),
        (
            r"(pegylated|polyethylene glycol[- ]modified|peg[- ]modified|stealth)(\s+\S+){0,2}\s+liposom",
            "pegylated-liposome",
        ),
        (r"(heat|thermo|temperature)[- ]?sensitive(\s+\S+){0,2}\s+liposom", "thermosensitive-liposome"),
        (r"cationic(\s+\S+){0,2}\s+liposom", "cationic-liposome"),
        (r"immunoliposom", "immunoliposome"),
        (r"liposom", "liposome"),
        (r"micell", "polymeric-micelle"),
        (
            r"(?<!non-)(albumin[- ]bound|bound albumin|albumin[- ]nanoparticle|-bound albumin|-binding albumin)",
            "albumin-bound-nanoparticle",
        ),
        (r"iron[- ]oxide|superparamagnetic", "iron-oxide-nanoparticle"),
        (r"nanoshell", "gold-silica-nanoshell"),
        (r"silica nanoparticle", "silica-nanoparticle"),
        (r"inorganic nanoparticle", "inorganic-nanoparticle"),
        (r"\b(p?hpma|hydroxypropyl\)?\s?methacrylamide)\S*\s*(-\S+\s*)?(\S+\s+){0,3}conjugate", "hpma-conjugate"),
        (r"dextran\S*\s+(\S+\s+)?conjugate", "dextran-conjugate"),
        (r"polysaccharide\S*(\s+\S+){0,2}\s+conjugate", "polysaccharide-conjugate"),
        (r"polyglutam\S*(\s+\S+){0,4}\s+conjugate|conjugate of polyglutam", "polyglutamate-conjugate"),
        (r"\bpeg-\S+\s+conjugate|polyethylene glycol-drug conjugate", "peg-conjugate"),
        (r"conjugate", "polymer-drug-conjugate"),
        (
            r"\bpoly(?!ethylene glycol\b)[\w()-]*[^.;,]{0,40}nanoparticle"
            r"|nanoparticle[^.;]{0,60}\b(cyclodextrin|poly(?!ethylene glycol\b)\w+)",
            "polymeric-nanoparticle",
        ),
        (r"nanoparticle", "nanoparticle"),
    )
)
#: top carrier classes that data/ lists beside their kinds ("polymer-drug-conjugate", "hpma-conjugate");
#: a liposome's or a nanoparticle's kind is listed alone ("pegylated-liposome")
_LISTED_TOPS = ("polymer-drug-conjugate", "inorganic-nanoparticle")
_LOADING = re.compile(
    r"liposom|micell|nanoparticle|conjugate|load|encapsulat|formulation|preparation|-bound|carr|entrap", _I
)
_COMPARED = re.compile(
    r"(than|that of|compared (with|to)|relative to|versus|vs\.?|free|formulations,)\s*(the\s+)?"
    r"(\S+\s+){0,4}$",
    _I,
)
_COMBINATION = re.compile(
    r"(in combination with|combined with|combination with|together with|co-?administered with|administered with|"
    r"\bplus\b|given with)",
    _I,
)
_USE = re.compile(
    r"(treatment of|treating|to treat|indicat\w*|suitable for|used (for|in)|approved for|"
    r"for (the )?(treatment|therapy|imaging)|\bfor\b)",
    _I,
)
_NOT_USE = re.compile(
    r"\bmodels?\b|\bmice\b|\bmouse\b|\bactivity|\beffects?\b|\bresponses?\b|\btolerat|\bsurvival|\brates?\b|"
    r"\bagainst\b|\btoxicit|\bdose",
    _I,
)
_UNKNOWN_DISEASE = re.compile(
    r"(?:treatment of|suitable for|indicated for|approved for|\bfor)\s+(?:the treatment of\s+)?"
    r"(?:(?:adults?|patients?|children|people)\s+with\s+)?"
    r"((?:[\w’'+-]+\s+){0,5}?\w*(?:cancers?|leuka?emias?|carcinomas?|sarcomas?|lymphomas?|melanomas?|myelomas?|"
    r"tumou?rs?|meningitis|glioblastomas?|gliomas?|mesotheliomas?|neoplasms?))\b",
    _I,
)
_UNKNOWN_PAYLOAD = re.compile(
    r"(?:(?:formulation|preparation|liposome|nanoparticles?|micelles?|conjugate) of (?:the )?(?:\w+ drug )?"
    r"([a-z][a-z-]{3,})(?: (?:sulfate|sulphate|hydrochloride|citrate))?(?: and ([a-z][a-z-]{3,}))?"
    r"|\bliposomal (?!formulation|preparation|drug|product|form\b|nano)([a-z][a-z-]{4,})\b"
    r"|\b([a-z][a-z-]{4,})-loaded\b)",
    _I,
)
_NOT_DRUG = frozenset(
    "formulation formulations preparation preparations liposome liposomes nanoparticle nanoparticles drug drugs "
    "drugs, the antitumor antitumour anticancer active cationic pegylated polymer polymers lipid lipids "
    "irinotecan-loaded".split()
)
_APPROVAL = re.compile(r"approv|authori[sz]|licensed|marketed|marketing", _I)
_NEGATED = re.compile(r"\b(no|not|never|without|yet to|awaiting)\b(\s+\S+){0,4}\s*$", _I)
_TERMINATION = re.compile(r"terminat|discontinu|halted|withdrawn|stopped|abandon", _I)
_LIST_CUE = re.compile(r"\b(include|includes|including|such as|are|have)\b|:", _I)
_IN_TRIALS = re.compile(r"\b(in|entered|entering|enter)( \S+){0,2} clinical (trials?|evaluation|studies)", _I)
_IN_PARENTHESES = re.compile(r"\(([^()]*)\)")
_TARGETING = re.compile(r"target|bind|recogni|receptor|antigen|ligand|express", _I)
_RELEASE = re.compile(r"releas|responsive|sensitive|trigger", _I)
_STIMULI = tuple(
    (re.compile(p, _I), s)
    for p, s in (
        (r"\bheat|temperature|thermo|hyperthermi", "heat"),
        (r"\bph\b|ph-responsive|acidic", "ph"),
        (r"pla2|phospholipase", "phospholipase-a2"),
        (r"\blight\b|laser|near-infrared|photo", "light"),
        (r"magnetic", "magnetic-field"),
    )
)
_MEASURES = tuple(
    (re.compile(p, _I), m, units)
    for p, m, units in (
        (r"\bORR\b|overall response rate|objective response rate|response rate", "orr", ("percent",)),
        (r"\bDCR\b|disease control rate", "dcr", ("percent",)),
        (r"\bAUC\b|area under", "auc-ratio", ("fold",)),
        (r"\bMTD\b|maximum tolerated dose", "mtd-ratio", ("percent", "fold")),
        (r"half-life", "half-life-ratio", ("fold",)),
        (r"half-life", "half-life", ("hour",)),
        (r"drug loading", "drug-loading", ("percent",)),
        (r"molecular weight|\bMw\b", "carrier-molecular-weight", ("g-per-mol",)),
        (r"\bdose\b", "toxic-dose", ("mg-per-m2",)),
        (r"annual (revenue|sales)|revenues? of|sales of", "annual-revenue", ("usd",)),
    )
)
_HIGHER = re.compile(r"higher|more than|greater|height|increase", _I)
_EFFECT_REDUCED = re.compile(r"reduc|lower|eliminat|less|decreas|avoid|alleviat|attenuat", _I)
_EFFECT_ABSENT = re.compile(r"not cause|\bno\b|without|\bnone\b|did not|does not", _I)
_DOSE_LIMITING = re.compile(r"dose[- ]limiting", _I)
_PRONOUN = re.compile(
    r"^\s*((and|but|while)\s+)?(it|its|this|they|their"
    r"|the (drug|product|formulation|preparation|liposome|nanoparticle|indications?))\b",
    _I,
)
_GROUP_GLUE = re.compile(r"^[\s,;]*(and|or|as well as)?[\s,;]*$", _I)
_ALIAS = re.compile(r"^\s*(\(|, also known as|, also called|, marketed as|, trade name)\s*$", _I)
_IMMUNE_CUES = tuple(
    (re.compile(p, _I), predicate)
    for p, predicate in (
        (r"reduc\w* the expression", "reduces-expression-of"),
        (r"\bturn\w*\b.*\binto\b", "turns-into"),
        (r"\btarget", "targets"),
        (r"\binduc|\btrigger", "induces"),
        (r"\breleas", "releases"),
        (r"\binhibit|\bsuppress", "inhibits"),
        (r"\bpromot|\benhanc|\bpotentiat|\bboost|\bstrengthen|\bactivat", "promotes"),
        (r"\balert", "alerts"),
        (r"\bgenerat|\bproduc", "generates"),
        (r"\bpresent", "presents"),
        (r"\bstratif", "stratifies"),
        (r"\bcombin", "combined-with"),
    )
)
_ENUMERATED = re.compile(r"\(\d\)|\b\d\)")
_LOCATED = re.compile(r"\bin\s+(the\s+)?$", _I)
_BY = re.compile(r"\bby\s+\w+ing\b", _I)
_LIST_GLUE = re.compile(r"^[\s,;]*((such as|including|e\.g\.,?|i\.e\.,?|like|and|or|as well as)[\s,]*)*$", _I)


@dataclass
class _Subject:
    """A product a sentence speaks of: its name as written, its IRI when known, where it is."""

    name: str
    iri: str | None
    start: int
    end: int
    carried: bool = False


def propose_facts(document: Document, recogniser: Recogniser) -> list[Proposal]:
    """The facts ``document`` states, one :class:`Proposal` each, in document order.

    Parameters
    ----------
    document
        As read by :func:`nanokg.drafting.reading.read_document`.
    recogniser
        Made from the graph by :meth:`Recogniser.from_graph`.

    Returns
    -------
    list of Proposal
        Deduplicated by :meth:`Proposal.key` (the first, most confident, kept); one ``stage``
        per product (the furthest the document states); ``status`` None.
    """
    mentions = recogniser.mentions(document)
    starts = [s.locator.start for s in document.sentences]
    per_sentence: list[list[Mention]] = [[] for _ in document.sentences]
    for mention in mentions:
        index = bisect.bisect_right(starts, mention.start) - 1
        if index >= 0:
            per_sentence[index].append(mention)
    state = _State()
    proposals: list[Proposal] = []
    for sentence, found in zip(document.sentences, per_sentence, strict=True):
        proposals.extend(_sentence(document, sentence, found, state))
    return _settle(proposals)


class _State:
    """What carries over between sentences: aliases, the last product of the paragraph."""

    def __init__(self) -> None:
        self.aliases: dict[str, _Subject] = {}
        self.paragraph = 0
        self.last: _Subject | None = None


def _sentence(document: Document, sentence: Sentence, found: list[Mention], state: _State) -> list[Proposal]:
    if sentence.locator.paragraph != state.paragraph:
        state.paragraph, state.last = sentence.locator.paragraph, None
    text = document.text
    out: list[Proposal] = []
    emit = _Emitter(sentence, out)
    subjects = _subjects(found)
    # "X (Y)": Y is another name of X
    merged: list[_Subject] = []
    for subject in subjects:
        previous = merged[-1] if merged else None
        if previous and _ALIAS.match(text[previous.end : subject.start].replace("®", "").replace("™", "")):
            emit(previous, "alias", subject.name, subject.iri, "alias-apposition", 0.8)
            state.aliases[name_key(subject.name)] = previous
            continue
        merged.append(state.aliases.get(name_key(subject.name), subject) if subject.iri is None else subject)
        if subject.iri is None and name_key(subject.name) in state.aliases:
            merged[-1] = replace(state.aliases[name_key(subject.name)], start=subject.start, end=subject.end)
    subjects = merged
    carried = False
    start = sentence.locator.start
    if state.last is not None and _PRONOUN.match(sentence.text):
        if not subjects:
            subjects = [replace(state.last, start=start, end=start, carried=True)]
            carried = True
        else:  # "and its ORR 25 %; 2) NC-6004 ...": the clause before the first product is the last one's
            cut = text.rfind(";", start, subjects[0].start)
            if cut > start:
                scope = _Scope(text, found, (start, start), (start, cut), sentence, factor=0.8)
                _facts(replace(state.last, start=start, end=start, carried=True), scope, found, emit)
    if not subjects:
        _immune(sentence, found, text, emit)
        return out
    for subject in subjects:
        if not subject.carried:
            emit(
                subject,
                "product",
                subject.name,
                subject.iri,
                f"product-{'known' if subject.iri else 'candidate'}",
                0.95 if subject.iri else 0.7,
            )
    state.last = subjects[-1]
    groups = _groups(subjects, text)
    bounds = [g[0].start for g in groups] + [sentence.locator.end]
    previous_end = sentence.locator.start
    for number, group in enumerate(groups):
        # a lead stops at a clause break: "...; 3) NK012" does not own what precedes the semicolon
        lead = (max(previous_end, text.rfind(";", previous_end, group[0].start) + 1), group[0].start)
        segment = (group[-1].end, bounds[number + 1])
        previous_end = group[-1].end
        scope = _Scope(text, found, lead, segment, sentence, factor=0.8 if carried else 1.0)
        for subject in group:
            _facts(subject, scope, found, emit)
    _immune(sentence, found, text, emit)
    return out


def _subjects(found: list[Mention]) -> list[_Subject]:
    subjects: list[_Subject] = []
    for m in found:
        if not ((m.kind == "known" and m.entity_kind == "product") or m.kind == "candidate_product"):
            continue
        if subjects and m.start < subjects[-1].end:
            # a name several products share ("paclitaxel-binding albumin injections") speaks of each;
            # a candidate inside a known name is no subject of its own
            if m.kind == "known" and (m.start, m.end) == (subjects[-1].start, subjects[-1].end) and subjects[-1].iri:
                subjects.append(_Subject(m.text.rstrip(" ®™"), m.iri, m.start, m.end))
            continue
        subjects.append(_Subject(m.text.rstrip(" ®™"), m.iri, m.start, m.end))
    return subjects


def _groups(subjects: list[_Subject], text: str) -> list[list[_Subject]]:
    groups: list[list[_Subject]] = []
    for subject in subjects:
        between = text[groups[-1][-1].end : subject.start].replace("®", "").replace("™", "") if groups else None
        if between is not None and _GROUP_GLUE.match(between):
            groups[-1].append(subject)
        else:
            groups.append([subject])
    return groups


class _Emitter:
    def __init__(self, sentence: Sentence, out: list[Proposal]) -> None:
        self.sentence, self.out = sentence, out

    def __call__(
        self,
        subject: _Subject,
        kind: str,
        written: str,
        value_iri: str | None,
        rule: str,
        confidence: float,
        **details: Any,
    ) -> None:
        self.out.append(
            Proposal(
                kind,
                subject.name,
                subject.iri,
                written,
                value_iri,
                self.sentence.text,
                self.sentence.locator,
                rule,
                round(confidence, 2),
                {k: v for k, v in details.items() if v is not None},
            )
        )


class _Scope:
    """The text and mentions a group of subjects owns: its segment, then its lead."""

    def __init__(
        self,
        text: str,
        found: list[Mention],
        lead: tuple[int, int],
        segment: tuple[int, int],
        sentence: Sentence,
        factor: float,
    ) -> None:
        self.text, self.lead, self.segment, self.sentence, self.factor = text, lead, segment, sentence, factor
        self.found = found

    def words(self, part: str) -> str:
        start, end = getattr(self, part)
        return self.text[start:end]

    def mentions(self, part: str, kind: str | None = None, entity_kind: str | None = None) -> list[Mention]:
        start, end = getattr(self, part)
        return [
            m
            for m in self.found
            if start <= m.start
            and m.end <= end
            and (kind is None or m.kind == kind)
            and (entity_kind is None or m.entity_kind == entity_kind)
        ]

    def before(self, mention: Mention, chars: int = 60) -> str:
        return self.text[max(self.sentence.locator.start, mention.start - chars) : mention.start]


def _facts(subject: _Subject, scope: _Scope, found: list[Mention], emit: _Emitter) -> None:
    f = scope.factor
    segment, lead = scope.words("segment"), scope.words("lead")
    # carrier: the most specific class named in the segment, and the one named in the lead
    for part, confidence in (("segment", 0.85), ("lead", 0.6), ("name", 0.5)):
        # a descriptive name says it too ("paclitaxel-binding albumin injections")
        words = scope.text[subject.start : subject.end] if part == "name" else scope.words(part)
        hit = next(((p, cls) for p, cls in CARRIER_PHRASES if p.search(words)), None)
        if hit:
            match = hit[0].search(words)
            emit(
                subject,
                "carrier",
                CARRIER_CLASSES[hit[1]].label,
                str(CARRIER_CLASSES[hit[1]].iri),
                f"carrier-phrase:{hit[1]}",
                confidence * f,
                carrier_class=hit[1],
                phrase=match.group(0),
            )
            top = CARRIER_CLASSES[hit[1]].top
            if top in _LISTED_TOPS and top != hit[1]:
                emit(
                    subject,
                    "carrier",
                    CARRIER_CLASSES[top].label,
                    str(CARRIER_CLASSES[top].iri),
                    f"carrier-top-class:{top}",
                    confidence * f,
                    carrier_class=top,
                    phrase=match.group(0),
                )
    for m in scope.mentions("segment", "known", "material"):
        emit(subject, "material", m.text, m.iri, "material-in-segment", 0.5 * f)
    _payloads(subject, scope, emit, f)
    if _TARGETING.search(segment):
        for m in scope.mentions("segment", "known", "target"):
            emit(subject, "target", m.text, m.iri, "target-with-cue", 0.7 * f)
        for m in scope.mentions("segment", "known", "ligand"):
            emit(subject, "ligand", m.text, m.iri, "ligand-with-cue", 0.7 * f)
    _indications(subject, scope, emit, f)
    _stage(subject, scope, emit, f)
    _approval(subject, scope, emit, f)
    _termination(subject, scope, emit, f)
    _outcomes(subject, scope, emit, f)
    if _RELEASE.search(segment):
        for pattern, stimulus in _STIMULI:
            if pattern.search(segment):
                emit(subject, "stimulus", stimulus, str(VAL[stimulus]), "release-stimulus", 0.7 * f)
    _combinations(subject, scope, emit, f)
    _adverse_effects(subject, scope, emit, f)
    del lead, found


def _payloads(subject: _Subject, scope: _Scope, emit: _Emitter, f: float) -> None:
    combination = _COMBINATION.search(scope.words("segment"))
    cut = scope.segment[0] + combination.start() if combination else scope.segment[1]
    parts = [("segment", 0.75)]
    if re.search(r"load|encapsulat", scope.words("lead"), _I):
        parts.append(("lead", 0.6))
    named = set()
    for part, confidence in parts:
        if not _LOADING.search(scope.words(part)):
            continue
        for m in scope.mentions(part, "known", "drug"):
            if m.start >= cut or _COMPARED.search(scope.before(m, 40)):
                continue
            named.add(name_key(m.text))
            emit(subject, "payload", m.text, m.iri, f"drug-with-carrier-cue:{part}", confidence * f)
    for match in _UNKNOWN_PAYLOAD.finditer(scope.words("segment")):
        if scope.segment[0] + match.start() >= cut:
            continue
        for number, drug in enumerate(match.groups(), start=1):
            if drug is None:
                continue
            at = scope.segment[0] + match.start(number)
            # a word of a name the graph knows ("polyglutamic acid", a material) is no new drug
            if any(m.kind == "known" and m.start <= at < m.end for m in scope.found):
                continue
            if drug.casefold() not in _NOT_DRUG and name_key(drug) not in named:
                named.add(name_key(drug))
                emit(subject, "payload", drug, None, "formulation-of", 0.6 * f)


def _indications(subject: _Subject, scope: _Scope, emit: _Emitter, f: float) -> None:
    parts = [("segment", 0.75)]
    if scope.lead[0] == scope.sentence.locator.start and scope.segment[1] == scope.sentence.locator.end:
        parts.append(("lead", 0.55))  # the sentence's only group: "used for X ..., its trade name is P"
    covered: list[tuple[int, int]] = []
    for part, confidence in parts:
        start = getattr(scope, part)[0]
        for m in scope.mentions(part, "known", "disease"):
            before = scope.text[start : m.start]
            cues = list(_USE.finditer(before))
            if not cues:
                continue
            between = before[cues[-1].end() :]
            if re.search(r"\bother\s+$", before, _I):
                continue  # "... and other tumours": no particular disease
            ahead = before[max(0, cues[-1].start() - 30) : cues[-1].start()]
            if _NOT_USE.search(between) or _NOT_USE.search(ahead):
                continue
            covered.append((m.start, m.end))
            emit(subject, "indication", m.text, m.iri, f"disease-after-use-cue:{part}", confidence * f)
    start = scope.segment[0]
    for match in _UNKNOWN_DISEASE.finditer(scope.words("segment")):
        first, last = start + match.start(1), start + match.end(1)
        if any(a < last and first < b for a, b in covered) or _NOT_USE.search(match.group(0)):
            continue
        if any(
            m.kind == "known" and m.entity_kind == "disease" and m.start < last and first < m.end for m in scope.found
        ):
            continue
        emit(subject, "indication", match.group(1), None, "disease-phrase-after-use-cue", 0.55 * f)


def _stage(subject: _Subject, scope: _Scope, emit: _Emitter, f: float) -> None:
    text = scope.text
    # a phase after the group is its own unless a list cue ("include", "such as") hands it to the next group
    in_segment = scope.mentions("segment", "stage")
    if (
        in_segment
        and scope.segment[1] < scope.sentence.locator.end
        and _LIST_CUE.search(text[in_segment[-1].end : scope.segment[1]])
    ):
        in_segment.pop()
    in_lead = scope.mentions("lead", "stage")
    if in_segment:
        emit(subject, "stage", in_segment[0].text, in_segment[0].iri, "phase-after-product", 0.8 * f)
    elif in_lead:
        emit(subject, "stage", in_lead[-1].text, in_lead[-1].iri, "phase-before-product", 0.65 * f)
    elif _IN_TRIALS.search(scope.words("lead") + " " + scope.words("segment")):
        emit(subject, "stage", "clinical trials", str(VAL["clinical"]), "in-clinical-trials", 0.5 * f)
    for part in ("segment", "lead"):
        words = scope.words(part)
        match = _APPROVAL.search(words)
        if match and not _NEGATED.search(words[: match.start()]) and not _trial_approval(scope, words, match):
            emit(subject, "stage", "approved", str(VAL["approved"]), "approval-cue", 0.7 * f, phrase=match.group(0))
            break


def _approval(subject: _Subject, scope: _Scope, emit: _Emitter, f: float) -> None:
    words = scope.words("lead") + " " + scope.words("segment")
    match = _APPROVAL.search(words)
    sentence = scope.sentence.locator
    if not match or _NEGATED.search(words[: match.start()]) or _trial_approval(scope, words, match):
        _regions_of_use(subject, scope, emit, f)
        return
    agencies = [m for m in scope.found if m.kind == "agency" and sentence.start <= m.start < sentence.end]
    regions = [m for m in scope.found if m.kind == "region" and sentence.start <= m.start < sentence.end]
    years = [m for m in scope.found if m.kind == "year" and sentence.start <= m.start < sentence.end]

    def nearest(ms: list[Mention]) -> Mention | None:
        return min(ms, key=lambda m: abs(m.start - subject.start)) if ms else None

    agency, region, year = nearest(agencies), nearest(regions), nearest(years)
    if agency is None and region is None and year is None:
        return
    region_iri = region.iri if region else (agency.value.get("region") if agency else None)
    details = {
        "agency": agency.iri if agency else None,
        "agency_name": agency.text if agency else None,
        "region": region_iri,
        "region_name": region.text if region else None,
        "year": year.value.get("value") if year else None,
    }
    what = agency or region
    emit(
        subject,
        "approval",
        what.text if what else "approval",
        what.iri if what else None,
        "approval-cue",
        0.75 * f,
        **details,
    )
    if agency and region_iri and not region:  # the agency's region, as a fact of its own
        where = region_iri.rsplit("/", 1)[-1].replace("-", " ")  # the region's id as words: "united states"
        emit(subject, "approval", where, region_iri, "approval-agency-region", 0.65 * f, **details)


def _trial_approval(scope: _Scope, words: str, match: re.Match) -> bool:
    """An approval to run trials ("approved for clinical trials", "approvals ... and entered clinical trials")."""
    after = scope.text[scope.sentence.locator.start : scope.sentence.locator.end]
    return "clinical trial" in words[match.end() :][:30] or bool(
        re.search(r"approv\w*[^.;]*\band\b[^.;]*" + _IN_TRIALS.pattern, after, _I)
    )


def _regions_of_use(subject: _Subject, scope: _Scope, emit: _Emitter, f: float) -> None:
    """Where a product is in use ("used for ... X (Europe and Canada)"), it is approved."""
    segment = scope.words("segment")
    if not _USE.search(segment):
        return
    for group in _IN_PARENTHESES.finditer(segment):
        first, last = scope.segment[0] + group.start(1), scope.segment[0] + group.end(1)
        places = [m for m in scope.found if m.kind == "region" and first <= m.start and m.end <= last]
        if places and not _USE.search(segment[group.end() :][:1]):
            for m in places:
                emit(subject, "approval", m.text, m.iri, "region-of-use", 0.55 * f, region=m.iri, region_name=m.text)


def _termination(subject: _Subject, scope: _Scope, emit: _Emitter, f: float) -> None:
    segment = scope.words("segment")
    if not _TERMINATION.search(segment):
        return
    effects = [
        m
        for m in scope.found
        if m.kind == "known"
        and m.entity_kind == "effect"
        and scope.sentence.locator.start <= m.start < scope.sentence.locator.end
    ]
    reasons = [(m.text, m.iri) for m in effects]
    if not reasons:
        for pattern, reason in (
            (r"cost", "preparation-cost"),
            (r"efficacy|ineffective|no benefit|did not meet", "insufficient-efficacy"),
            (r"toxicit|safety|side effect|adverse", "safety"),
        ):
            if re.search(pattern, scope.sentence.text, _I):
                reasons.append((reason, str(VAL[reason])))
    for name, iri in reasons or [("terminated", str(VAL["terminated"]))]:
        emit(subject, "termination", name, iri, "termination-cue", 0.7 * f, reason=name)


def _outcomes(subject: _Subject, scope: _Scope, emit: _Emitter, f: float) -> None:
    # the group's part of the sentence: a measure may be named before the product ("the AUC of NK911 is twice")
    first, last = scope.lead[0], scope.segment[1]
    words = scope.text[first:last]
    quantities = [m for m in scope.found if m.kind == "quantity" and first <= m.start and m.end <= last]
    drugs = [m for m in scope.found if m.kind == "known" and m.entity_kind == "drug" and first <= m.start < last]
    for pattern, measure, units in _MEASURES:
        cue = pattern.search(words)
        if not cue or (measure == "toxic-dose" and not re.search(r"toxicit", words, _I)):
            continue
        at = first + cue.start()
        ratio = measure.endswith("-ratio")
        number = next(
            (
                q
                for q in quantities
                if q.start >= at
                and (
                    q.value.get("unit") in units
                    or (ratio and q.value.get("unit") == "percent" and _HIGHER.search(words))
                )
            ),
            None,
        )
        if number is None:
            continue
        value = dict(number.value)
        if ratio and value.get("unit") == "percent":  # "about 50 % higher than": a ratio of 1.5
            value = {"unit": "fold", "value": round(1 + value["value"] / 100, 4)}
        elif measure == "annual-revenue":
            value = {**value, "unit": "usd-per-year"}
        comparator = next((d for d in drugs if d.start > number.start and _COMPARED.search(scope.before(d, 40))), None)
        emit(
            subject,
            "outcome",
            measure,
            str(VAL[measure]),
            f"measure-cue:{measure}",
            0.7 * f,
            measure=measure,
            value=value.get("value"),
            min=value.get("min"),
            max=value.get("max"),
            unit=value.get("unit"),
            comparator=comparator.iri if comparator else None,
            comparator_name=comparator.text if comparator else None,
        )


def _combinations(subject: _Subject, scope: _Scope, emit: _Emitter, f: float) -> None:
    segment = scope.words("segment")
    cue = _COMBINATION.search(segment)
    if not cue:
        return
    at = scope.segment[0] + cue.end()
    partners = [
        m for m in scope.mentions("segment", "known") if m.start >= at and m.entity_kind in ("drug", "procedure")
    ]
    for m in partners:
        emit(subject, "combination", m.text, m.iri, "partner-after-combination-cue", 0.75 * f)
    if not partners:
        match = re.match(
            r"\s*(?:the\s+)?([\w-]+(?:\s+[\w-]+){0,2}?)(?=\s*(?:[,.;)]|$|\s+(?:and|for|in|to)\b))",
            scope.text[at : scope.segment[1]],
        )
        if match:
            emit(subject, "combination", match.group(1), None, "phrase-after-combination-cue", 0.5 * f)


def _adverse_effects(subject: _Subject, scope: _Scope, emit: _Emitter, f: float) -> None:
    sentence = scope.sentence.text
    for m in scope.mentions("segment", "known", "effect"):
        before = scope.text[scope.segment[0] : m.start]
        relation = (
            "absent" if _EFFECT_ABSENT.search(before) else "reduced" if _EFFECT_REDUCED.search(before) else "causes"
        )
        emit(
            subject,
            "adverse_effect",
            m.text,
            m.iri,
            "effect-in-segment",
            0.65 * f,
            relation=relation,
            dose_limiting=bool(_DOSE_LIMITING.search(sentence)),
        )


def _immune(sentence: Sentence, found: list[Mention], text: str, emit: _Emitter) -> None:
    immune = [m for m in found if m.kind == "known" and m.entity_kind == "immuno"]
    by_span: list[Mention] = []
    for m in immune:  # one per span (a name of two concepts: the first IRI)
        if not by_span or m.start >= by_span[-1].end:
            by_span.append(m)
    for m in by_span:
        emit(
            _Subject(m.label or m.text, m.iri, m.start, m.end),
            "immune_concept",
            m.label or m.text,
            m.iri,
            "immune-name",
            0.8,
        )
    related: dict[int, tuple[Mention, str]] = {}
    head = by_span[0] if by_span and by_span[0].start - sentence.locator.start < 3 else None
    for j, obj in enumerate(by_span):
        for i in range(j - 1, -1, -1):
            subj = by_span[i]
            between = _blank(text, subj.end, obj.start, by_span[i + 1 : j])
            if ";" in between or len(between) > 160:
                break
            nearest = i == j - 1
            if nearest and i in related and (_LIST_GLUE.match(between) or _ENUMERATED.search(between)):
                first, predicate = related[i]  # "..., such as X and Y", "(1) ... (2) ...": the same relation
                related[j] = (first, predicate)
                _relation(first, predicate, obj, emit)
                break
            cue = None
            for pattern, predicate in _IMMUNE_CUES:
                hit = pattern.search(between)
                if hit and (cue is None or hit.start() > cue[0]):
                    cue = (hit.start(), predicate)
            if nearest and _LOCATED.search(between) and (cue is None or cue[1] in ("generates", "promotes")):
                cue = (len(between), "located-in")
            if cue:
                # "X ... by inhibiting Y": the sentence's subject does it
                actor = head if head is not None and _BY.search(between[: cue[0] + 1]) else subj
                if actor is obj:
                    actor = subj
                related[j] = (actor, cue[1])
                _relation(actor, cue[1], obj, emit)
                break


def _blank(text: str, start: int, end: int, inside: list[Mention]) -> str:
    """The text between two mentions, with the mentions between them blanked (no cue inside a name)."""
    chars = list(text[start:end])
    for m in inside:
        for k in range(max(m.start, start), min(m.end, end)):
            chars[k - start] = " "
    return "".join(chars)


def _relation(subj: Mention, predicate: str, obj: Mention, emit: _Emitter) -> None:
    if subj.iri == obj.iri:
        return
    emit(
        _Subject(subj.label or subj.text, subj.iri, subj.start, subj.end),
        "immune_relation",
        obj.label or obj.text,
        obj.iri,
        f"immune-verb:{predicate}",
        0.6,
        predicate=predicate,
    )


def _settle(proposals: Iterable[Proposal]) -> list[Proposal]:
    """One proposal per key (the most confident, then the first); one stage per product (the furthest)."""
    best: dict[tuple, Proposal] = {}
    order: list[tuple] = []
    for p in proposals:
        key = (*p.key(), p.details.get("predicate"))
        if key not in best:
            order.append(key)
            best[key] = p
        elif p.confidence > best[key].confidence:
            best[key] = p
    furthest: dict[str, Proposal] = {}
    for key in order:
        p = best[key]
        if p.kind == "stage":
            product = p.product_iri or p.product.casefold()
            held = furthest.get(product)
            if held is None or STAGE_RANKS.get(p.value_iri or "", -1) > STAGE_RANKS.get(held.value_iri or "", -1):
                furthest[product] = p
    kept = {id(p) for p in furthest.values()}
    # a carrier class implied by a more specific one the document gives the same product is dropped
    specific: dict[str, set[str]] = {}
    for p in best.values():
        if p.kind == "carrier":
            specific.setdefault(p.product_iri or p.product.casefold(), set()).add(p.details["carrier_class"])

    def implied(p: Proposal) -> bool:
        cls = p.details.get("carrier_class")
        others = specific.get(p.product_iri or p.product.casefold(), set()) - {cls}
        if p.kind == "termination" and p.value_iri == str(VAL["terminated"]):
            return (p.product_iri or p.product.casefold()) in reasoned  # a reason says it was terminated
        # a top class the curators leave implied where the document names a kind of it
        return p.kind == "carrier" and cls not in _LISTED_TOPS and any(cls in _broader(o) for o in others)

    reasoned = {
        p.product_iri or p.product.casefold()
        for p in best.values()
        if p.kind == "termination" and p.value_iri != str(VAL["terminated"])
    }

    return [best[k] for k in order if (best[k].kind != "stage" or id(best[k]) in kept) and not implied(best[k])]


def _broader(cls: str) -> set[str]:
    """The carrier classes above ``cls`` (its top class; ``nanoparticle`` above the nanoparticle kinds)."""
    top = CARRIER_CLASSES[cls].top
    return {top} - {cls}
