"""What changed between two versions of the graph, in the domain's words.

:func:`diff_graphs` compares two stores (a release read back by
:func:`nanokg.publish.release.open_release`, or a built store) and :class:`GraphDiff` renders the
changes as a table, Markdown (what goes into ``CHANGELOG.md``) or JSON.

**What is compared.** The curated facts of the ``asserted`` graph, and with
``inferred=True`` also the ``inferred`` graph (its lines are marked "inferred"). The
ontology, the name index (``lookup``), the catalogue and the export's description are
not compared: they are either derived or not facts about the domain. The ``provenance``
graph is compared only through the facts it supports: when a fact is in both versions
and the evidence for it differs (source, quote, locator, curator's note, correction),
that is one "evidence" change of the fact. Where a record sits in the data files
(``nkg:curatedFrom``, file and line) is not evidence and is not compared: inserting a
record would otherwise shift every later line. The provenance graph's own IRIs (statement
and evidence ids are content hashes) never show.

**How it is told.** Changes are grouped by entity and named by labels, not IRIs
(``NK105: highest stage: phase 3 -> phase 2``):

* ``changed``: a fact whose one value was replaced by another, for a property declared
  ``owl:FunctionalProperty`` in either version's ontology, or one that had a single value
  before and after (a relabelled entity, a replaced payload);
* ``added`` / ``removed``: any other fact that appears or disappears; an entity that
  appears or disappears as a whole is one line, not one per fact;
* parts of a product (its trials, outcomes, approvals, release profiles, findings and
  combination therapies, linked by :data:`PART_LINKS`) are reported under the product:
  a part added or removed as a whole is the one line of its link
  (``removed  trial: NK105 phase 3 trial``), a change inside a part is prefixed with the
  part's label;
* a part added or removed on the same evidence as a changed fact of its product is told
  with that change: the build mints a trial for each clinical stage, so a stage edit reads
  ``highest stage: phase 1 -> phase 1/2, with added trial: LiPlaCis phase 1/2 trial``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace

import pyoxigraph as ox

from nanokg.identifiers import compact_iri
from nanokg.query.provenance import evidence_query
from nanokg.store.transaction import graph_triples
from nanokg.vocabulary import GRAPHS, PREFIXES

__all__ = ["PART_LINKS", "PREDICATE_NAMES", "Change", "EntityChanges", "GraphDiff", "diff_graphs"]

_NKG = PREFIXES["nkg"]
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"

#: properties that link a product to a node minted for it, reported as part of the product
PART_LINKS = frozenset(
    _NKG + name
    for name in ("hasTrial", "hasOutcome", "hasApproval", "hasReleaseProfile", "hasFinding", "hasCombination")
)
#: names for predicates the ontology does not label
PREDICATE_NAMES = {
    _RDF + "type": "type",
    _RDFS + "label": "label",
    _RDFS + "comment": "comment",
    _SKOS + "altLabel": "synonym",
    _SKOS + "definition": "definition",
}
_KIND_ORDER = {"removed": 0, "changed": 1, "added": 2, "evidence": 3}

_LABELS = f"""
SELECT ?s ?label WHERE {{
  {{ GRAPH <{GRAPHS["asserted"]}> {{ ?s <{_RDFS}label> ?label }} }}
  UNION {{ GRAPH <{GRAPHS["ontology"]}> {{ ?s <{_RDFS}label> ?label }} }}
}}
"""
_FUNCTIONAL = f"SELECT ?p WHERE {{ GRAPH <{GRAPHS['ontology']}> {{ ?p a <{_OWL}FunctionalProperty> }} }}"
_EVIDENCE = evidence_query(
    ["source", "quote", "locator", "note", "correction"], fact=("s", "p", "o"), graph=GRAPHS["provenance"]
)


@dataclass(frozen=True)
class Change:
    """One change of one fact (or of one whole entity).

    Attributes
    ----------
    kind
        ``added``, ``removed``, ``changed`` or ``evidence``.
    graph
        ``asserted`` or ``inferred``.
    subject, predicate
        The fact's subject and predicate IRIs (``predicate`` is empty for a whole entity).
    old, new
        The value before and after (IRI or literal text; ``None`` where there is none); for
        ``evidence``, the evidence descriptions joined with ``"; "``.
    text
        The change in words, without the entity's name.
    part, part_label
        The product part (trial, outcome...) the fact is about, if any.
    implied
        For ``changed``: the parts added or removed with it, on the same evidence
        (``added trial: LiPlaCis phase 1/2 trial``), also told at the end of ``text``.
    """

    kind: str
    graph: str
    subject: str
    predicate: str
    old: str | None
    new: str | None
    text: str
    part: str | None = None
    part_label: str | None = None
    implied: tuple[str, ...] = ()


@dataclass
class EntityChanges:
    """The changes of one entity (with those of its parts)."""

    iri: str
    label: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class GraphDiff:
    """The changes between two versions, grouped by entity, sorted by label."""

    old: str
    new: str
    entities: list[EntityChanges]

    def __bool__(self) -> bool:
        return bool(self.entities)

    def counts(self) -> dict[str, int]:
        """Number of changes of each kind, and of entities changed."""
        counts = dict.fromkeys(("added", "removed", "changed", "evidence"), 0)
        for entity in self.entities:
            for change in entity.changes:
                counts[change.kind] += 1
        return {**counts, "entities": len(self.entities)}

    def summary(self) -> str:
        """One sentence: how many facts were added, removed and changed, in how many entities."""
        c = self.counts()
        if not self.entities:
            return f"No changes from {self.old} to {self.new}."
        parts = [f"{c[k]} {k}" for k in ("added", "removed", "changed") if c[k]]
        if c["evidence"]:
            parts.append(f"{c['evidence']} with changed evidence")
        plural = "entity" if c["entities"] == 1 else "entities"
        return f"{', '.join(parts)} in {c['entities']} {plural} from {self.old} to {self.new}."

    def to_json(self) -> str:
        """The changes as JSON: ``old``, ``new``, ``counts`` and ``entities`` with their ``changes``."""
        document = {
            "old": self.old,
            "new": self.new,
            "counts": self.counts(),
            "entities": [
                {"iri": e.iri, "label": e.label, "changes": [asdict(c) for c in e.changes]} for e in self.entities
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False)

    def to_markdown(self) -> str:
        """The changes as Markdown: a summary line, then a bullet list per entity."""
        lines = [self.summary()]
        for entity in self.entities:
            lines += ["", f"**{_markdown(entity.label)}** (`{compact_iri(entity.iri)}`)", ""]
            lines += [f"- {c.kind}: {_markdown(c.text)}" for c in entity.changes]
        return "\n".join(lines) + "\n"

    def to_table(self) -> str:
        """The changes as plain text: the entity, then one indented line per change."""
        lines = []
        for entity in self.entities:
            lines.append(f"{entity.label}  ({compact_iri(entity.iri)})")
            lines += [f"  {c.kind:<9}{c.text}" for c in entity.changes]
        lines.append(self.summary())
        return "\n".join(lines) + "\n"


def _markdown(text: str) -> str:
    # keep labels such as "5-FU*" or "[Lipo]" from turning into emphasis or links
    return "".join("\\" + ch if ch in "\\`*_[]<|" else ch for ch in text)


class _Side:
    """One version's facts, labels, functional properties and evidence."""

    def __init__(self, store: ox.Store, graphs: Iterable[str]):
        self.facts: dict[str, set[ox.Triple]] = {}
        for name in graphs:
            self.facts[name] = set(graph_triples(store, GRAPHS[name]))
        self.labels: dict[str, str] = {}
        for row in store.query(_LABELS):
            # several labels (languages): keep the smallest, for the same name on every run
            key, label = row["s"].value, row["label"].value
            if key not in self.labels or label < self.labels[key]:
                self.labels[key] = label
        self.functional = {row["p"].value for row in store.query(_FUNCTIONAL)}
        self.evidence: dict[ox.Triple, set[str]] = defaultdict(set)
        for row in store.query(_EVIDENCE):
            self.evidence[ox.Triple(row["s"], row["p"], row["o"])].add(_evidence_text(row))
        self.subjects = {name: {t.subject for t in facts} for name, facts in self.facts.items()}
        self.owner: dict[ox.NamedNode | ox.BlankNode, ox.NamedNode | ox.BlankNode] = {
            t.object: t.subject for t in self.facts.get("asserted", ()) if t.predicate.value in PART_LINKS
        }


def _evidence_text(row) -> str:
    def value(name: str) -> str | None:
        term = row[name]
        return None if term is None else term.value

    source = value("source")
    text = source.rsplit("/", 1)[-1] if source else "no source"
    if value("quote"):
        text += f': "{value("quote")}"'
    if value("locator"):
        text += f" ({value('locator')})"
    if value("note"):
        text += f"; note: {value('note')}"
    if value("seedSays"):
        text += f"; correction: the seed says {value('seedSays')!r}, read {value('corrected')!r}: {value('reason')}"
    return text


def diff_graphs(
    old: ox.Store, new: ox.Store, *, inferred: bool = False, old_name: str = "old", new_name: str = "new"
) -> GraphDiff:
    """Compare two versions of the graph (see the module docstring for what is compared and how).

    Parameters
    ----------
    old, new
        Stores holding the named graphs of :data:`~nanokg.vocabulary.GRAPHS` (a release's
        N-Quads loaded into memory, or a built store).
    inferred
        Also compare the ``inferred`` graph.
    old_name, new_name
        How the two versions are called in the summary (a version, a path).

    Examples
    --------
    >>> from nanokg.store.transaction import open_store
    >>> store = open_store(STORE)
    >>> diff_graphs(store, store).summary()
    'No changes from old to new.'
    """
    graphs = ["asserted", "inferred"] if inferred else ["asserted"]
    before, after = _Side(old, graphs), _Side(new, graphs)
    functional = before.functional | after.functional

    def label(term) -> str:
        if isinstance(term, ox.Literal):
            return term.value if _numeric(term) else json.dumps(term.value, ensure_ascii=False)
        key = term.value if isinstance(term, ox.NamedNode) else str(term)
        return after.labels.get(key) or before.labels.get(key) or compact_iri(key)

    def predicate_label(iri: str) -> str:
        if iri in PREDICATE_NAMES:
            return PREDICATE_NAMES[iri]
        name = after.labels.get(iri) or before.labels.get(iri)
        return name.removeprefix("has ") if name else compact_iri(iri)

    def owner_of(node):
        seen = set()
        while node not in seen and (node in after.owner or node in before.owner):
            seen.add(node)
            node = after.owner.get(node, before.owner.get(node))
        return node

    # a subject whose asserted facts all appear or vanish is an entity added or removed as a whole:
    # one line for it (or none for a product's part: the line of its link says it), not one per fact
    gone = before.subjects["asserted"] - after.subjects["asserted"]
    born = after.subjects["asserted"] - before.subjects["asserted"]
    grouped: dict[object, list[Change]] = defaultdict(list)
    for graph in graphs:
        old_facts, new_facts = before.facts[graph], after.facts[graph]
        old_counts = Counter((t.subject, t.predicate) for t in old_facts)
        new_counts = Counter((t.subject, t.predicate) for t in new_facts)
        by_key: dict[tuple, tuple[set, set]] = defaultdict(lambda: (set(), set()))
        for t in old_facts - new_facts:
            by_key[(t.subject, t.predicate)][0].add(t.object)
        for t in new_facts - old_facts:
            by_key[(t.subject, t.predicate)][1].add(t.object)
        for (subject, predicate), (removed, added) in by_key.items():
            if subject in gone or subject in born:
                continue
            p = predicate.value
            owner = owner_of(subject)
            part = subject if owner != subject else None
            prefix = f"{label(subject)}: " if part is not None else ""
            suffix = " (inferred)" if graph == "inferred" else ""
            name = predicate_label(p)
            single = old_counts[(subject, predicate)] == 1 and new_counts[(subject, predicate)] == 1
            where = (_iri(part), _lbl(part, label))
            if len(removed) == 1 and len(added) == 1 and (p in functional or single):
                (o,), (n,) = removed, added
                text = f"{prefix}{name}: {label(o)} -> {label(n)}{suffix}"
                grouped[owner].append(Change("changed", graph, subject.value, p, o.value, n.value, text, *where))
                continue
            for o in sorted(removed, key=str):
                text = f"{prefix}{name}: {label(o)}{suffix}"
                grouped[owner].append(Change("removed", graph, subject.value, p, o.value, None, text, *where))
            for n in sorted(added, key=str):
                text = f"{prefix}{name}: {label(n)}{suffix}"
                grouped[owner].append(Change("added", graph, subject.value, p, None, n.value, text, *where))

    for kind, subjects, side in (("removed", gone, before), ("added", born, after)):
        for subject in subjects:
            if subject in before.owner or subject in after.owner:
                continue
            types = sorted(
                label(t.object)
                for t in side.facts["asserted"]
                if t.subject == subject and t.predicate.value == _RDF + "type"
            )
            text = f"entity ({', '.join(types)})" if types else "entity"
            grouped[subject].append(Change(kind, "asserted", subject.value, "", None, None, text))

    # the evidence of each asserted fact kept in both versions
    for fact in before.facts["asserted"] & after.facts["asserted"]:
        was, now = before.evidence.get(fact, set()), after.evidence.get(fact, set())
        if was == now:
            continue
        owner = owner_of(fact.subject)
        part = fact.subject if owner != fact.subject else None
        prefix = f"{label(fact.subject)}: " if part is not None else ""
        what = f"{prefix}{predicate_label(fact.predicate.value)}: {label(fact.object)}"
        removed, added = sorted(was - now), sorted(now - was)
        if len(removed) == 1 and len(added) == 1:
            text = f"{what}: evidence {removed[0]} -> {added[0]}"
        else:
            text = f"{what}: evidence " + "; ".join([*(f"- {e}" for e in removed), *(f"+ {e}" for e in added)])
        change = Change(
            "evidence",
            "asserted",
            fact.subject.value,
            fact.predicate.value,
            "; ".join(removed) or None,
            "; ".join(added) or None,
            text,
            _iri(part),
            _lbl(part, label),
        )
        grouped[owner].append(change)

    # the build mints some parts from a fact (a trial for each clinical stage): a part added or
    # removed on the very evidence of a changed fact of its product is told with that change
    for owner, changes in grouped.items():
        for change in list(changes):
            if change.kind != "changed" or change.graph != "asserted" or change.part is not None:
                continue
            old_fact = ox.Triple(owner, ox.NamedNode(change.predicate), _term(before, owner, change))
            new_fact = ox.Triple(owner, ox.NamedNode(change.predicate), _term(after, owner, change, new=True))
            implied = []
            for other in list(changes):
                if other.kind not in ("added", "removed") or other.graph != "asserted" or other.part is not None:
                    continue
                if other.predicate not in PART_LINKS:
                    continue
                side, fact, value = (
                    (after, new_fact, other.new) if other.kind == "added" else (before, old_fact, other.old)
                )
                node = ox.NamedNode(value)
                link = ox.Triple(owner, ox.NamedNode(other.predicate), node)
                wholly = node in (born if other.kind == "added" else gone)
                if wholly and side.evidence.get(link) and side.evidence.get(link) == side.evidence.get(fact):
                    implied.append(f"{other.kind} {other.text}")
                    changes.remove(other)
            if implied:
                changes[changes.index(change)] = replace(
                    change, text=f"{change.text}, with {'; '.join(implied)}", implied=tuple(implied)
                )

    entities = []
    for subject, changes in grouped.items():
        changes.sort(key=lambda c: (c.part_label or "", _KIND_ORDER[c.kind], c.text))
        entities.append(
            EntityChanges(subject.value if isinstance(subject, ox.NamedNode) else str(subject), label(subject), changes)
        )
    entities.sort(key=lambda e: (e.label.casefold(), e.iri))
    return GraphDiff(old_name, new_name, entities)


def _term(side: _Side, subject, change: Change, new: bool = False):
    # the value of a changed fact as a term of that side's graph (a literal keeps its datatype)
    wanted = change.new if new else change.old
    for t in side.facts["asserted"]:
        if t.subject == subject and t.predicate.value == change.predicate and t.object.value == wanted:
            return t.object
    return ox.NamedNode(wanted)


def _iri(term) -> str | None:
    return None if term is None else term.value if isinstance(term, ox.NamedNode) else str(term)


def _lbl(term, label) -> str | None:
    return None if term is None else label(term)


def _numeric(term: ox.Literal) -> bool:
    return term.datatype.value.removeprefix("http://www.w3.org/2001/XMLSchema#") in {
        "integer", "decimal", "double", "float", "int", "long", "gYear", "boolean", "date",
    }  # fmt: skip
