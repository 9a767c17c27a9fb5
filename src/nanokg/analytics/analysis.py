"""Network analyses of the nanomedicine field: centrality, communities, similarity, paths, gaps, attrition.

Every function takes the entity graph of :func:`nanokg.analytics.network.entity_graph` and returns
plain rows (a list of dicts with the same keys, best first) that ``nanokg analyze``
prints as a table, CSV or JSON. They share one description of a product, its
*features* (:func:`nanokg.analytics.network.product_features`): the payloads it delivers
(``nkg:hasPayload``), the molecular targets it reaches (``nkg:activelyTargets``, or
``nkg:hasTargetingLigand``/``nkg:bindsTarget`` on a graph without entailments), the
diseases it is indicated, trialled or approved for (``nkg:hasIndication``), and its top
carrier class (one of the five of :data:`nanokg.vocabulary.TOP_CARRIER_CLASSES`).

Examples
--------
>>> from nanokg import KnowledgeGraph
>>> from nanokg.analytics.network import entity_graph
>>> G = entity_graph(KnowledgeGraph.open(STORE))
>>> [(r["label"], r["products"]) for r in centrality(G, "payload")[:2]]
[('paclitaxel', 13), ('doxorubicin', 9)]
>>> [(r["label"], r["jaccard"]) for r in nearest(G, "Genexol-PM", k=1)]
[('Paclical', 0.5)]
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import networkx as nx

from nanokg.analytics.network import UNCLASSIFIED, NetworkUsageError, find_node, product_features, products
from nanokg.identifiers import compact_iri
from nanokg.vocabulary import NKG, TOP_CARRIER_CLASSES, VAL

if TYPE_CHECKING:
    from nanokg.analytics.network import HasBackend
    from nanokg.query.backends import Backend

__all__ = [
    "CENTRALITY_KINDS",
    "CENTRALITY_MEASURES",
    "COMMUNITY_FACETS",
    "FACETS",
    "GAP_KINDS",
    "VALUE_KINDS",
    "AnalysisUsageError",
    "attrition",
    "centrality",
    "communities",
    "explain_paths",
    "feature_network",
    "gaps",
    "nearest",
    "similarity",
]


class AnalysisUsageError(NetworkUsageError):
    """An analysis asked for something that does not exist (an unknown kind or measure)."""


#: What :func:`centrality` ranks, and the product feature each one is.
CENTRALITY_KINDS = {"payload": "payload", "target": "target", "indication": "indication"}
CENTRALITY_MEASURES = ("degree", "betweenness", "pagerank")
#: What :func:`gaps` looks for.
GAP_KINDS = ("payload-indication", "carrier-target")
#: Node kinds of closed value sets (stages, statuses, measures, qualifiers, units, classes,
#: surface modifications):
#: links through them say "both are in phase 1", not how two things relate, so
#: :func:`explain_paths` does not pass through them.
VALUE_KINDS = frozenset({"stage", "status", "measure", "qualifier", "unit", "class", "modification"})

_ROUND = 4


def _choose(value: str, allowed: Iterable[str], what: str) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise AnalysisUsageError(f"unknown {what} {value!r} ({what}s: {', '.join(allowed)})")
    return value


def _features(G: nx.MultiDiGraph) -> dict[str, dict[str, set[str]]]:
    return {p: product_features(G, p) for p in products(G)}


def _label(G: nx.Graph, node: str) -> str:
    return G.nodes[node].get("label", node) if node in G else node


def feature_network(G: nx.MultiDiGraph) -> nx.Graph:
    """Products linked to their payloads, targets and indications: one undirected simple graph.

    The union of the ``product-payload``, ``product-target`` and ``product-indication``
    projections. Feature nodes carry ``facets`` (the set of roles they play: a drug can
    be a payload and, elsewhere, nothing else). :func:`centrality` ranks its nodes.
    """
    F = nx.Graph()
    for product, found in _features(G).items():
        F.add_node(product, label=_label(G, product), facets={"product"})
        for facet in ("payload", "target", "indication"):
            for node in found[facet]:
                if node not in F:
                    F.add_node(node, label=_label(G, node), facets=set())
                F.nodes[node]["facets"].add(facet)
                F.add_edge(product, node)
    return F


def centrality(G: nx.MultiDiGraph, kind: str = "payload", measure: str = "degree", *, k: int | None = None,
               seed: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    """Payloads, targets or indications ranked by a centrality of the product-feature network.

    The network is :func:`feature_network`: every product linked to its payloads,
    targets and indications (undirected, unweighted). For the nodes playing role
    ``kind`` there:

    * ``degree`` — the share of all products linked to the node (``products`` / number
      of products); networkx's own degree centrality would divide by every other node.
    * ``betweenness`` — :func:`networkx.betweenness_centrality` (normalised): how often
      the node lies on shortest paths between others, e.g. a payload that bridges
      otherwise separate indications. ``k`` samples that many sources (with ``seed``)
      for large graphs.
    * ``pagerank`` — :func:`networkx.pagerank` (damping 0.85).

    Returns
    -------
    list of dict
        ``rank, entity, label, products, score``; by score, then product count, then label.

    Examples
    --------
    >>> from nanokg import KnowledgeGraph
    >>> from nanokg.analytics.network import entity_graph
    >>> rows = centrality(entity_graph(KnowledgeGraph.open(STORE)), "target")
    >>> rows[0]["label"], rows[0]["products"]
    ('transferrin receptor', 2)
    """
    facet = CENTRALITY_KINDS[_choose(kind, CENTRALITY_KINDS, "centrality kind")]
    _choose(measure, CENTRALITY_MEASURES, "centrality measure")
    F = feature_network(G)
    nodes = [n for n, facets in F.nodes(data="facets") if facet in facets]
    product_count = sum(1 for _, facets in F.nodes(data="facets") if "product" in facets)
    linked = {n: sum(1 for p in F[n] if "product" in F.nodes[p]["facets"]) for n in nodes}
    if measure == "degree":
        scores = {n: linked[n] / product_count if product_count else 0.0 for n in nodes}
    elif measure == "betweenness":
        scores = nx.betweenness_centrality(F, k=min(k, len(F)) if k else None, seed=seed)
    else:
        scores = nx.pagerank(F)
    ordered = sorted(nodes, key=lambda n: (-scores[n], -linked[n], F.nodes[n]["label"].casefold(), n))
    return [
        {"rank": i, "entity": n, "label": F.nodes[n]["label"], "products": linked[n], "score": round(scores[n], 6)}
        for i, n in enumerate(ordered, 1)
    ]


# -- similarity ---------------------------------------------------------------------


#: The product features :func:`similarity` compares (see the module docstring).
FACETS = ("payload", "target", "indication", "carrier")


def _feature_sets(G: nx.MultiDiGraph, facets: Iterable[str] = FACETS) -> dict[str, frozenset[tuple[str, str]]]:
    """Each product's features as (facet, node IRI or carrier label) pairs."""
    facets = [_choose(f, FACETS, "facet") for f in facets]
    return {
        product: frozenset((facet, value) for facet in facets for value in found[facet])
        for product, found in _features(G).items()
    }


def _jaccard(a: frozenset, b: frozenset) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _describe(G: nx.Graph, features: Iterable[tuple[str, str]]) -> list[str]:
    return sorted(f"{facet}: {value if facet == 'carrier' else _label(G, value)}" for facet, value in features)


def _sharing_pairs(features: dict[str, frozenset]) -> set[tuple[str, str]]:
    """Pairs of products with at least one feature in common, through an index of who has what."""
    holders: dict[tuple[str, str], list[str]] = defaultdict(list)
    for product, found in features.items():
        for feature in found:
            holders[feature].append(product)
    pairs = set()
    for members in holders.values():
        members.sort()
        for i, a in enumerate(members):
            pairs.update((a, b) for b in members[i + 1 :])
    return pairs


def similarity(G: nx.MultiDiGraph, *, facets: Iterable[str] = FACETS) -> list[dict[str, Any]]:
    """Every pair of products that share a feature, with their Jaccard similarity.

    A product's features are its payloads, targets, indications and top carrier class
    (``facets`` chooses among them); the similarity of two products is
    |shared features| / |features of either|. Pairs sharing nothing (similarity 0) are
    not listed. Pairs are found through an index of features, so the work grows with
    the pairs that share something, not with every pair.

    Returns
    -------
    list of dict
        ``product_a, label_a, product_b, label_b, jaccard, shared`` (``label_a`` sorts
        before ``label_b``); by similarity, then labels.
    """
    features = _feature_sets(G, facets)
    rows = []
    for a, b in _sharing_pairs(features):
        if (_label(G, b).casefold(), b) < (_label(G, a).casefold(), a):
            a, b = b, a
        rows.append(
            {"product_a": a, "label_a": _label(G, a), "product_b": b, "label_b": _label(G, b),
             "jaccard": round(_jaccard(features[a], features[b]), _ROUND),
             "shared": _describe(G, features[a] & features[b])}
        )  # fmt: skip
    rows.sort(key=lambda r: (-r["jaccard"], r["label_a"].casefold(), r["label_b"].casefold(), r["product_a"]))
    return rows


def nearest(G: nx.MultiDiGraph, product: str, k: int = 5, *, kg: HasBackend | Backend | None = None,
            facets: Iterable[str] = FACETS) -> list[dict[str, Any]]:  # fmt: skip
    """The ``k`` products most similar to ``product`` (Jaccard over features, as in :func:`similarity`).

    ``product`` is a label, synonym, CURIE or IRI, resolved by
    :func:`nanokg.analytics.network.find_node` (through the lookup graph of ``kg``, a handle or
    a backend, when given). Ties are broken by label, so compare the ``jaccard`` column
    before reading much into the order within a tie.

    Returns
    -------
    list of dict
        ``rank, product, label, carrier_class, jaccard, shared``.
    """
    start = find_node(G, product, kind="product", kg=kg)
    features = _feature_sets(G, facets)
    mine = features[start]
    scored = [(_jaccard(mine, theirs), other) for other, theirs in features.items() if other != start]
    best = heapq.nsmallest(k, scored, key=lambda s: (-s[0], _label(G, s[1]).casefold(), s[1]))
    return [
        {"rank": i, "product": other, "label": _label(G, other),
         "carrier_class": G.nodes[other].get("carrier_class") or UNCLASSIFIED,
         "jaccard": round(score, _ROUND), "shared": _describe(G, mine & features[other])}
        for i, (score, other) in enumerate(best, 1)
    ]  # fmt: skip


#: Features :func:`communities` groups products by: what they deliver, reach and treat.
COMMUNITY_FACETS = ("payload", "target", "indication")


def communities(G: nx.MultiDiGraph, *, seed: int = 42, resolution: float = 1.0,
                facets: Iterable[str] = COMMUNITY_FACETS) -> list[dict[str, Any]]:  # fmt: skip
    """Communities of products: Louvain on the product–product similarity graph.

    Products are nodes; two products are linked, with weight their Jaccard similarity
    (:func:`similarity` over ``facets``), when they share a payload, target or
    indication. The carrier class is left out by default so that communities are made
    of what products deliver, reach and treat and can cut across carrier classes (the
    ``carrier_class`` column shows where they do); pass ``facets=FACETS`` to include it.
    :func:`networkx.community.louvain_communities` splits the weighted graph; the same
    ``seed`` and ``resolution`` give the same split every run. Communities are numbered
    by size, largest first (ties: by first label); a product sharing nothing with any
    other is a community of one.

    Returns
    -------
    list of dict
        One row per product: ``community, size, product, label, carrier_class, theme``,
        where ``theme`` lists the features held by at least half of the community's
        products (most common first).
    """
    facets = tuple(facets)
    features = _feature_sets(G, facets)
    S = nx.Graph()
    S.add_nodes_from(sorted(features))
    for row in sorted(similarity(G, facets=facets), key=lambda r: (r["product_a"], r["product_b"])):
        S.add_edge(row["product_a"], row["product_b"], weight=row["jaccard"])
    found = nx.community.louvain_communities(S, weight="weight", resolution=resolution, seed=seed)
    groups = [sorted(c, key=lambda p: (_label(G, p).casefold(), p)) for c in found]
    groups.sort(key=lambda c: (-len(c), _label(G, c[0]).casefold()))
    rows = []
    for number, members in enumerate(groups, 1):
        counts = Counter(f for p in members for f in features[p])
        common = [f for f, n in sorted(counts.items(), key=lambda fn: (-fn[1], fn[0])) if 2 * n >= len(members)]
        theme = [_describe(G, [f])[0] for f in common]
        for product in members:
            rows.append(
                {"community": number, "size": len(members), "product": product, "label": _label(G, product),
                 "carrier_class": G.nodes[product].get("carrier_class") or UNCLASSIFIED, "theme": theme}
            )  # fmt: skip
    return rows


# -- paths ------------------------------------------------------------------------------


def explain_paths(G: nx.MultiDiGraph, source: str, target: str, max_length: int = 4, *, limit: int = 10,
                  kg: HasBackend | Backend | None = None,
                  exclude_kinds: Iterable[str] = VALUE_KINDS) -> list[dict[str, Any]]:  # fmt: skip
    """Paths that explain how two entities are related, each step with its predicate and direction.

    Steps follow edges of the entity graph either way; a node of ``exclude_kinds``
    (default :data:`VALUE_KINDS`: stages, statuses, measures, units ...) is never an
    intermediate step. Paths are simple, at most ``max_length`` steps, enumerated
    shortest first (:func:`networkx.shortest_simple_paths`), and ranked by length,
    then by specificity — the sum of ln(degree) over the intermediate nodes, so a path
    through a ligand used by one product beats one through a disease half the products
    share — then by labels. The first ``limit`` are returned.

    Compared with :meth:`nanokg.KnowledgeGraph.paths`: that one walks the store with one
    SPARQL query per frontier node, over the asserted graph by default, and returns only
    the shortest paths. This one works in memory on the converted graph (entailed edges
    included when it was built with ``inferred=True``), and also returns the longer
    alternatives that explain a shortcut: ``SGT-53 --actively targets--> transferrin
    receptor`` comes with ``SGT-53 --has targeting ligand--> anti-transferrin receptor
    single-chain antibody fragment --binds target--> transferrin receptor``.

    Returns
    -------
    list of dict
        ``rank, length, path, steps``: ``path`` is readable text, ``steps`` a list of
        ``{subject, predicate, object, subject_label, predicate_label, object_label}``
        (one per edge; several predicates between the same pair give several steps).
    """
    start = find_node(G, source, kg=kg)
    goal = find_node(G, target, kg=kg)
    if start == goal:
        raise AnalysisUsageError(f"{source!r} and {target!r} name the same entity")
    excluded = set(exclude_kinds)
    U = nx.Graph()
    for u, v in G.edges():
        if u == v:
            continue
        if any(n not in (start, goal) and G.nodes[n].get("kind") in excluded for n in (u, v)):
            continue
        U.add_edge(u, v)
    if start not in U or goal not in U:
        return []
    found: list[list[str]] = []
    cap = max(50, 20 * limit)  # stop enumerating once enough paths of the needed lengths are in hand
    try:
        for path in nx.shortest_simple_paths(U, start, goal):
            if len(path) - 1 > max_length or (len(found) >= limit and len(path) > len(found[limit - 1])):
                break
            found.append(path)
            if len(found) >= cap:
                break
    except nx.NetworkXNoPath:
        return []

    def specificity(path: list[str]) -> float:
        return sum(math.log(G.degree(n)) for n in path[1:-1])

    def steps(path: list[str]) -> list[dict[str, str]]:
        out = []
        for a, b in itertools.pairwise(path):
            for subject, obj in ((a, b), (b, a)):
                for key, data in sorted((G.get_edge_data(subject, obj) or {}).items()):
                    out.append(
                        {"subject": subject, "predicate": key, "object": obj, "subject_label": _label(G, subject),
                         "predicate_label": data.get("label", key), "object_label": _label(G, obj)}
                    )  # fmt: skip
        return out

    def text(path: list[str]) -> str:
        parts = [_label(G, path[0])]
        for a, b in itertools.pairwise(path):
            forward = sorted(d.get("label", k) for k, d in (G.get_edge_data(a, b) or {}).items())
            backward = sorted(d.get("label", k) for k, d in (G.get_edge_data(b, a) or {}).items())
            arrows = [f"--{p}-->" for p in forward] + [f"<--{p}--" for p in backward]
            parts.append(f"{' / '.join(arrows)} {_label(G, b)}")
        return " ".join(parts)

    ranked = sorted(found, key=lambda p: (len(p), specificity(p), [_label(G, n).casefold() for n in p]))[:limit]
    return [{"rank": i, "length": len(p) - 1, "path": text(p), "steps": steps(p)} for i, p in enumerate(ranked, 1)]


# -- gaps ---------------------------------------------------------------------------------


def _tried(G: nx.MultiDiGraph, kind: str) -> tuple[nx.Graph, dict[str, str]]:
    """The bipartite graph of pairs tried in the clinic (a product combines them), and labels."""
    B = nx.Graph()
    labels: dict[str, str] = {}
    left, right = ("payload", "indication") if kind == "payload-indication" else ("carrier", "target")
    for found in _features(G).values():
        # every payload and indication (carrier, target) of some product is a candidate, tried with anything or not
        for b in found[right]:
            labels[b] = _label(G, b)
            B.add_node(b, bipartite=1)
        for a in found[left]:
            labels[a] = a if left == "carrier" else _label(G, a)
            B.add_node(a, bipartite=0)
            B.add_edges_from((a, b) for b in found[right])
    return B, labels


def gaps(G: nx.MultiDiGraph, kind: str = "payload-indication", limit: int | None = 20, *,
         include_zero: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """Pairs never tried in the clinic, ranked by an Adamic–Adar link-prediction score.

    ``payload-indication``: payloads and indications; ``carrier-target``: the five
    carrier classes and molecular targets. A pair is *tried* when some product in the
    graph combines them (delivers the payload and is indicated for the disease; is of
    the carrier class and reaches the target), which makes the bipartite graph ``B`` of
    tried pairs. An untried pair (a, b) scores

        score(a, b) = Σ_{a' ∈ N(b)} AA(a, a'),   AA(a, a') = Σ_{z ∈ N(a) ∩ N(a')} 1 / ln |N(z)|

    where N is the neighbourhood in ``B``: ``AA`` is the Adamic–Adar index of
    :func:`networkx.adamic_adar_index` between two payloads (or carriers), which share
    only indications (targets) in ``B``, and the score adds it up over the payloads
    already tried against ``b``. In words: a payload whose indications overlap — on
    rarely shared indications most — with those of payloads used against a disease is
    a candidate for that disease. (Adamic–Adar between ``a`` and ``b`` themselves is
    always 0 in a bipartite graph: they have no common neighbours.) Pairs with no such
    path (score 0) are left out unless ``include_zero``.

    Returns
    -------
    list of dict
        ``rank, a, a_label, b, b_label, score, via`` (the already tried partners of
        ``b`` that share neighbours with ``a``), best first; ties by labels.

    Examples
    --------
    >>> from nanokg import KnowledgeGraph
    >>> from nanokg.analytics.network import entity_graph
    >>> rows = gaps(entity_graph(KnowledgeGraph.open(STORE)), "carrier-target")
    >>> [(r["a_label"], r["b_label"], r["score"]) for r in rows]
    [('liposome', 'prostate-specific membrane antigen', 1.4427), ('nanoparticle', 'GAH antigen', 1.4427)]
    """
    _choose(kind, GAP_KINDS, "gap kind")
    B, labels = _tried(G, kind)
    left = sorted(n for n, side in B.nodes(data="bipartite") if side == 0)
    right = sorted(n for n, side in B.nodes(data="bipartite") if side == 1)
    aa: dict[tuple[str, str], float] = defaultdict(float)
    for z in right:  # Adamic–Adar between left nodes through their shared right neighbours
        neighbours = sorted(B[z])
        if len(neighbours) > 1:
            weight = 1 / math.log(len(neighbours))
            for i, a in enumerate(neighbours):
                for a2 in neighbours[i + 1 :]:
                    aa[a, a2] += weight
                    aa[a2, a] += weight
    rows = []
    for a in left:
        for b in right:
            if B.has_edge(a, b):
                continue
            via = {a2: aa[a, a2] for a2 in B[b] if aa.get((a, a2))}
            score = sum(via.values())
            if score > 0 or include_zero:
                rows.append(
                    {"a": a, "a_label": labels[a], "b": b, "b_label": labels[b], "score": round(score, _ROUND),
                     "via": sorted(labels[a2] for a2 in via)}
                )  # fmt: skip
    rows.sort(key=lambda r: (-r["score"], r["a_label"].casefold(), r["b_label"].casefold()))
    rows = rows[:limit] if limit else rows
    return [{"rank": i, **row} for i, row in enumerate(rows, 1)]


# -- attrition ------------------------------------------------------------------------------

_APPROVED = compact_iri(str(NKG.ApprovedNanomedicine))
_TERMINATED = compact_iri(str(NKG.TerminatedNanomedicine))
_TERMINATED_STATUS = str(VAL.terminated)
_STAGE_RANK = "nkg:stageRank"


def _out(G: nx.MultiDiGraph, node: str, key: str) -> list[str]:
    return sorted(v for _, v, k in G.out_edges(node, keys=True) if k == key)


def attrition(G: nx.MultiDiGraph, *, stage_counts: bool = False) -> list[dict[str, Any]]:
    """Clinical attrition per carrier class: products, share approved, share terminated, share by stage.

    *Approved* is HermiT's ``nkg:ApprovedNanomedicine`` (a product with a regulatory
    approval); *terminated* is ``nkg:TerminatedNanomedicine`` (a product with a trial
    whose status is terminated). On a graph without entailments the same definitions
    are applied to the edges (``nkg:hasApproval``; ``nkg:hasTrial``/``nkg:trialStatus``
    ``val:terminated``). The stage columns give the share of the class's products whose
    highest stage (``nkg:hasHighestStage``) is that stage, furthest stage (highest
    ``nkg:stageRank``) first. ``queries/clinical-attrition.rq`` counts the same products
    (its approved count reads the highest stage; the tests check both agree).

    Parameters
    ----------
    G
        The entity graph.
    stage_counts
        Give each stage column as a number of products instead of a share.

    Returns
    -------
    list of dict
        One row per carrier class (by label), then ``all classes``: ``carrier_class,
        products, approved, approved_share, terminated, terminated_share`` and
        ``stage: <label>`` shares.
    """
    stages: dict[str, tuple[int, str]] = {}
    per_class: dict[str, list[tuple[bool, bool, str | None]]] = defaultdict(list)
    for product in products(G):
        data = G.nodes[product]
        classes = set(data.get("classes", ()))
        approved = _APPROVED in classes or bool(_out(G, product, "nkg:hasApproval"))
        terminated = _TERMINATED in classes or any(
            _TERMINATED_STATUS in _out(G, trial, "nkg:trialStatus") for trial in _out(G, product, "nkg:hasTrial")
        )
        highest = _out(G, product, "nkg:hasHighestStage")
        stage = highest[0] if highest else None
        if stage is not None:
            stages[stage] = (int(G.nodes[stage].get(_STAGE_RANK, -1)), _label(G, stage))
        per_class[data.get("carrier_class") or UNCLASSIFIED].append((approved, terminated, stage))
    order = sorted(stages, key=lambda s: (-stages[s][0], stages[s][1]))

    def row(name: str, members: list[tuple[bool, bool, str | None]]) -> dict[str, Any]:
        n = len(members)
        approved = sum(1 for a, _, _ in members if a)
        terminated = sum(1 for _, t, _ in members if t)
        out = {"carrier_class": name, "products": n, "approved": approved,
               "approved_share": round(approved / n, _ROUND) if n else 0.0, "terminated": terminated,
               "terminated_share": round(terminated / n, _ROUND) if n else 0.0}  # fmt: skip
        at = Counter(s for _, _, s in members)
        for stage in order:
            if stage_counts:
                out[f"stage: {stages[stage][1]}"] = at[stage]
            else:
                out[f"stage: {stages[stage][1]}"] = round(at[stage] / n, _ROUND) if n else 0.0
        return out

    known = [label for label in sorted(TOP_CARRIER_CLASSES.values()) if label in per_class]
    others = sorted(set(per_class) - set(known))
    rows = [row(name, per_class[name]) for name in known + others]
    rows.append(row("all classes", [m for members in per_class.values() for m in members]))
    return rows
