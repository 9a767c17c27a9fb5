"""Compare proposals with the graph: ``new``, ``known`` (with the graph's evidence) or ``conflict``.

A curator reviews only what matters: a fact the graph holds already comes back ``known``
with the source, quote and locator that support it in the graph; a fact that contradicts
the graph (the document says phase III, the graph phase II; another approval year by the
same agency; a carrier of another top-level class) comes back ``conflict`` with the graph's
competing fact; anything else is ``new``.

Products are found through the graph's name index (:meth:`nanokg.KnowledgeGraph.find`:
labels, synonyms, CURIEs; case- and punctuation-insensitive) and their facts read from the
asserted graph with their evidence (:meth:`nanokg.KnowledgeGraph.describe`), once per product.

Examples
--------
>>> from nanokg import KnowledgeGraph
>>> from nanokg.drafting.proposals import Locator, Proposal
>>> p = Proposal("stage", "NK105", None, "approved", "val:approved", "...", Locator(1, 1, 0, 3), "t", 0.9)
>>> compare([p], KnowledgeGraph.open(STORE))[0].status
'conflict'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nanokg import vocabulary as voc

if TYPE_CHECKING:
    from nanokg.drafting.proposals import Proposal
    from nanokg.knowledge_graph import KnowledgeGraph

__all__ = ["GraphFacts", "compare", "expand", "summary"]

_NKG = voc.PREFIXES["nkg"]
_RDF_TYPE = voc.PREFIXES["rdf"] + "type"
_ALT_LABEL = voc.PREFIXES["skos"] + "altLabel"
_LABEL = voc.PREFIXES["rdfs"] + "label"
_PRODUCT_CLASS = _NKG + "Nanomedicine"
#: fact kind -> the product's predicates (asserted graph) whose values answer it directly
_DIRECT = {
    "material": (_NKG + "hasCarrierMaterial",),
    "payload": (_NKG + "hasPayload",),
    "ligand": (_NKG + "hasTargetingLigand",),
    "target": (_NKG + "activelyTargets",),
    "indication": (_NKG + "hasIndication",),
    "adverse_effect": tuple(
        _NKG + p
        for p in ("causesAdverseEffect", "hasDoseLimitingToxicity", "reducesAdverseEffect", "lacksAdverseEffect")
    ),
    "alias": (_ALT_LABEL, _LABEL),
}
#: the product's links to nodes whose own statements hold the fact (an approval's year...)
_NODE_LINKS = ("hasApproval", "hasTrial", "hasOutcome", "hasReleaseProfile", "hasCombination")
_CARRIER_BY_IRI = {str(c.iri): c for c in voc.CARRIER_CLASSES.values()}
_NODES = """
SELECT ?link ?node ?p ?o WHERE {{
  GRAPH <{graph}> {{ <{product}> ?link ?node . ?node ?p ?o }}
  VALUES ?link {{ {links} }}
}}
"""


def expand(term: Any) -> str | None:
    """An IRI from an IRI, a CURIE of :data:`nanokg.vocabulary.PREFIXES` or a stage/carrier/value id.

    Examples
    --------
    >>> expand("val:phase-3")
    'https://w3id.org/nanokg/value/phase-3'
    >>> expand("phase-2")
    'https://w3id.org/nanokg/value/phase-2'
    """
    if term is None or term == "":
        return None
    text = str(term)
    if text.startswith(("http://", "https://")):
        return text
    prefix, colon, local = text.partition(":")
    if colon and prefix in voc.PREFIXES:
        return voc.PREFIXES[prefix] + local
    if text in voc.CARRIER_CLASSES:
        return str(voc.CARRIER_CLASSES[text].iri)
    return str(voc.VAL[text])


def _local(iri: Any) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _key(text: Any) -> str:
    from nanokg.store.index import name_key

    return name_key(str(text))


@dataclass
class GraphFacts:
    """What the asserted graph says of one product: statements with their evidence, and its nodes."""

    iri: str
    #: (predicate, value) -> evidence dicts (source, quote, locator, note)
    statements: dict[tuple[str, Any], list[dict[str, Any]]] = field(default_factory=dict)
    #: node IRI -> {predicate: [values]} for approvals, trials, outcomes, releases, combinations
    nodes: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    #: node IRI -> the link from the product (nkg:hasApproval...)
    links: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, kg: KnowledgeGraph, iri: str) -> GraphFacts:
        """Read a product's asserted statements and their evidence (two queries)."""
        facts = cls(iri)
        results = kg.describe(iri)
        for row, evidence in zip(results.as_dicts(), results.evidence, strict=False):
            if row.get("direction") != "out" or row.get("graph") != "asserted":
                continue
            key = (str(row["predicate"]), row["value"])
            bucket = facts.statements.setdefault(key, [])
            for fact in evidence:
                shown = {"source": _local(fact.source) if fact.source else None, "quote": fact.quote,
                         "locator": fact.locator, "note": fact.note, "curated_from": fact.curated_from}  # fmt: skip
                if shown not in bucket:
                    bucket.append(shown)
        links = " ".join(f"<{_NKG}{name}>" for name in _NODE_LINKS)
        query = _NODES.format(graph=voc.GRAPHS["asserted"], product=iri, links=links)
        for row in kg.sparql(query).as_dicts():
            node = str(row["node"])
            facts.links[node] = str(row["link"])
            facts.nodes.setdefault(node, {}).setdefault(str(row["p"]), []).append(row["o"])
        return facts

    def values(self, *predicates: str) -> list[Any]:
        """The values of the product's statements with one of ``predicates``."""
        return [v for (p, v) in self.statements if p in predicates]

    def evidence(self, predicate: str, value: Any) -> tuple[dict[str, Any], ...]:
        """The evidence of one statement (``()`` when the graph holds none)."""
        return tuple(self.statements.get((predicate, value), ()))

    def nodes_of(self, link: str) -> list[tuple[str, dict[str, list[Any]]]]:
        """The nodes the product links to by ``nkg:<link>``, with their statements."""
        return [(n, props) for n, props in self.nodes.items() if self.links.get(n) == _NKG + link]


class _Comparer:
    """Compares proposals with the graph, reading each product's facts once."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self._products: dict[str, str | None] = {}
        self._facts: dict[str, GraphFacts] = {}

    def product(self, p: Proposal) -> str | None:
        """The graph's IRI of the proposal's product, through the name index (None: not in the graph)."""
        if p.product_iri:
            return expand(p.product_iri)
        if p.product not in self._products:
            found = self.kg.find(p.product, _PRODUCT_CLASS) if p.product.strip() else []
            self._products[p.product] = found[0] if len(found) == 1 else None
        return self._products[p.product]

    def facts(self, iri: str) -> GraphFacts:
        if iri not in self._facts:
            self._facts[iri] = GraphFacts.read(self.kg, iri)
        return self._facts[iri]

    def compare(self, p: Proposal) -> Proposal:
        iri = self.product(p)
        if iri is None:  # a product the graph does not know: every fact of it is new
            return dataclasses.replace(p, status="new", evidence=())
        p = dataclasses.replace(p, product_iri=p.product_iri or iri)
        if p.kind == "product":
            facts = self.facts(iri)
            return dataclasses.replace(p, status="known", evidence=facts.evidence(_LABEL, self._label(facts)))
        rule = getattr(self, f"_{p.kind}", self._direct)
        status, evidence = rule(p, self.facts(iri))
        return dataclasses.replace(p, status=status, evidence=tuple(evidence))

    # -- one method per kind that needs more than "is this statement there" -------------------
    @staticmethod
    def _label(facts: GraphFacts) -> Any:
        labels = facts.values(_LABEL)
        return labels[0] if labels else None

    def _direct(self, p: Proposal, facts: GraphFacts) -> tuple[str, list[dict[str, Any]]]:
        predicates = _DIRECT.get(p.kind)
        wanted = expand(p.value_iri) if p.value_iri else None
        if predicates is None:  # immune concepts and relations: any asserted statement to the value
            predicates = tuple({pred for pred, _ in facts.statements})
        for pred in predicates:
            for value in facts.values(pred):
                same = (wanted is not None and str(value) == wanted) or (
                    wanted is None and not str(value).startswith("http") and _key(value) == _key(p.value)
                )
                if same:
                    return "known", list(facts.evidence(pred, value))
        return "new", []

    def _alias(self, p: Proposal, facts: GraphFacts) -> tuple[str, list[dict[str, Any]]]:
        for pred in _DIRECT["alias"]:
            for value in facts.values(pred):
                if _key(value) == _key(p.value):
                    return "known", list(facts.evidence(pred, value))
        return "new", []

    def _stage(self, p: Proposal, facts: GraphFacts) -> tuple[str, list[dict[str, Any]]]:
        wanted = expand(p.value_iri or p.details.get("phase") or p.value)
        pred = _NKG + "hasHighestStage"
        held = facts.values(pred)
        if not held:
            return "new", []
        if wanted in (str(v) for v in held):
            return "known", list(facts.evidence(pred, wanted))
        # a stage below the graph's highest one is history, not a contradiction
        rank = voc.STAGE_RANKS.get(wanted or "")
        best = max(held, key=lambda v: voc.STAGE_RANKS.get(str(v), -1))
        if rank is not None and rank < voc.STAGE_RANKS.get(str(best), -1):
            return "known", list(facts.evidence(pred, best))
        return "conflict", list(facts.evidence(pred, best))

    def _carrier(self, p: Proposal, facts: GraphFacts) -> tuple[str, list[dict[str, Any]]]:
        wanted = _CARRIER_BY_IRI.get(expand(p.value_iri or p.value) or "")
        held = [(v, _CARRIER_BY_IRI[str(v)]) for v in facts.values(_RDF_TYPE) if str(v) in _CARRIER_BY_IRI]
        if wanted is None or not held:
            return "new", []
        for value, cls in held:
            if cls.id == wanted.id:
                return "known", list(facts.evidence(_RDF_TYPE, value))
        same_top = [(v, c) for v, c in held if c.top == wanted.top]
        if same_top and wanted.id == wanted.top:  # the family the graph's class falls under
            return "known", list(facts.evidence(_RDF_TYPE, same_top[0][0]))
        if same_top:  # a broader or narrower class of the same family: more detail, not a contradiction
            return "new", list(facts.evidence(_RDF_TYPE, same_top[0][0]))
        return "conflict", list(facts.evidence(_RDF_TYPE, held[0][0]))

    def _node_evidence(self, facts: GraphFacts, link: str, node: str) -> list[dict[str, Any]]:
        return list(facts.evidence(_NKG + link, node))

    def _approval(self, p: Proposal, facts: GraphFacts) -> tuple[str, list[dict[str, Any]]]:
        agency, region = expand(p.details.get("agency")), expand(p.details.get("region"))
        year = p.details.get("year")
        nodes = facts.nodes_of("hasApproval")
        if not nodes:
            return "new", []
        for node, props in nodes:
            same_body = (agency and agency in map(str, props.get(_NKG + "approvedBy", []))) or (
                region and region in map(str, props.get(_NKG + "approvalRegion", []))
            )
            years = [int(y) for y in props.get(_NKG + "year", [])]
            if same_body or (not agency and not region):
                if year is None or not years or int(year) in years:
                    return "known", self._node_evidence(facts, "hasApproval", node)
                if same_body:
                    return "conflict", self._node_evidence(facts, "hasApproval", node)
        return "new", []

    def _termination(self, p: Proposal, facts: GraphFacts) -> tuple[str, list[dict[str, Any]]]:
        wanted = expand(p.value_iri) if p.value_iri else None
        for node, props in facts.nodes_of("hasTrial"):
            reasons = [str(r) for r in props.get(_NKG + "terminationReason", [])]
            statuses = [str(s) for s in props.get(_NKG + "trialStatus", [])]
            if (wanted and wanted in reasons) or (not wanted and str(voc.VAL["terminated"]) in statuses):
                return "known", self._node_evidence(facts, "hasTrial", node)
        return "new", []

    def _outcome(self, p: Proposal, facts: GraphFacts) -> tuple[str, list[dict[str, Any]]]:
        measure = expand(p.details.get("measure") or p.value_iri)
        value = p.details.get("value")
        for node, props in facts.nodes_of("hasOutcome"):
            if measure not in map(str, props.get(_NKG + "outcomeMeasure", [])):
                continue
            held = [float(v) for key in ("numericValue", "minValue", "maxValue") for v in
                    props.get((voc.PREFIXES["qudt"] if key == "numericValue" else _NKG) + key, [])]  # fmt: skip
            if value is None or any(abs(float(value) - h) < 1e-9 for h in held):
                return "known", self._node_evidence(facts, "hasOutcome", node)
        return "new", []

    def _stimulus(self, p: Proposal, facts: GraphFacts) -> tuple[str, list[dict[str, Any]]]:
        wanted = expand(p.value_iri or p.value)
        for node, props in facts.nodes_of("hasReleaseProfile"):
            if wanted in map(str, props.get(_NKG + "releaseStimulus", [])):
                return "known", self._node_evidence(facts, "hasReleaseProfile", node)
        return "new", []

    def _combination(self, p: Proposal, facts: GraphFacts) -> tuple[str, list[dict[str, Any]]]:
        wanted = expand(p.value_iri) if p.value_iri else None
        for node, props in facts.nodes_of("hasCombination"):
            if wanted and wanted in map(str, props.get(_NKG + "combinationPartner", [])):
                return "known", self._node_evidence(facts, "hasCombination", node)
        return "new", []


def compare(proposals: Iterable[Proposal], kg: KnowledgeGraph) -> list[Proposal]:
    """Each proposal with its ``status`` (``new``, ``known``, ``conflict``) and the graph's ``evidence``.

    Parameters
    ----------
    proposals
        Proposals of :func:`nanokg.drafting.propose.propose_facts` (or built by hand).
    kg
        The graph to compare with (the store the user built).

    Returns
    -------
    list of Proposal
        Copies of the proposals, in order; ``product_iri`` filled in where the name index
        finds the product; ``evidence`` holds the graph's supporting (``known``) or competing
        (``conflict``) facts as dicts of ``source``, ``quote``, ``locator``, ``note``, ``curated_from``.
    """
    comparer = _Comparer(kg)
    return [comparer.compare(p) for p in proposals]


def summary(proposals: Sequence[Proposal]) -> str:
    """``N proposals: a new, b known, c conflict``."""
    counts = {status: sum(1 for p in proposals if p.status == status) for status in ("new", "known", "conflict")}
    noun = "proposal" if len(proposals) == 1 else "proposals"
    return f"{len(proposals)} {noun}: " + ", ".join(f"{n} {status}" for status, n in counts.items())
