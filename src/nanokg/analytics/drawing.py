"""What the pictures draw: the product–target–indication network, its colours and its layout.

Shared by the figures (:mod:`nanokg.analytics.figures`) and the interactive view
(:mod:`nanokg.analytics.interactive`), so both pictures read the same way: the network of
:func:`product_network`, one colour per carrier class (:func:`carrier_colours`) and three
columns (:func:`layout`). The errors of ``nanokg plot`` live here too, with the check every
writer makes of its output path (:func:`output_path`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from nanokg.analytics.network import UNCLASSIFIED, carrier_class, projection
from nanokg.errors import InputError, NanokgError

if TYPE_CHECKING:  # networkx is imported where a graph is made, so the CLI can import the error types cheaply
    import networkx as nx

__all__ = [
    "INDICATION_COLOUR",
    "TARGET_COLOUR",
    "PlotError",
    "PlotUsageError",
    "carrier_colours",
    "layout",
    "output_path",
    "product_network",
]

# colour-blind-safe (Okabe-Ito) colours, given to carrier classes in sorted order
_PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000"]
#: the colour of molecular targets, and of the edges to them
TARGET_COLOUR = "#B22222"
#: the colour of indications
INDICATION_COLOUR = "#7F7F7F"


class PlotUsageError(InputError, ValueError):
    """The user asked for a picture that cannot be made (unknown kind, wrong extension)."""


class PlotError(NanokgError, RuntimeError):
    """A picture could not be drawn: a library it needs is missing, or the graph has nothing to draw."""


def output_path(path: str | os.PathLike[str], suffixes: Sequence[str], what: str) -> Path:
    """``path``, once its extension is one of ``suffixes`` and its folder exists.

    Raises
    ------
    PlotUsageError
        Naming the path and what ``what`` (``a figure``, ``the network picture``) is written as.

    Examples
    --------
    >>> output_path("view.svg", (".html",), "the interactive view")
    Traceback (most recent call last):
    ...
    nanokg.analytics.drawing.PlotUsageError: view.svg: the interactive view is written as .html, not '.svg'
    """
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        allowed = " or ".join(suffixes)
        raise PlotUsageError(f"{path}: {what} is written as {allowed}, not {path.suffix or 'no extension'!r}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise PlotUsageError(f"{path}: folder {folder} does not exist")
    return path


# -- the graph that is drawn --------------------------------------------------------


def product_network(graph: nx.MultiDiGraph) -> nx.Graph:
    """The product–target–indication network of an entity graph.

    The union of the ``product-target`` and ``product-indication`` projections of
    :func:`nanokg.analytics.network.projection`: a product's targets are those it actively targets
    or its targeting ligands bind.

    Parameters
    ----------
    graph
        The entity graph of :func:`nanokg.analytics.network.entity_graph`.

    Returns
    -------
    networkx.Graph
        Undirected; nodes are entity IRIs with ``label``, ``kind`` (``product``,
        ``target`` or ``indication``) and, for products, ``carrier`` (the label of the
        product's top carrier class, :func:`nanokg.analytics.network.carrier_class`), ``stage`` and
        ``stage_rank`` (its highest development stage's label and ``nkg:stageRank``; None
        and 0 when not stated); an edge joins a product
        to each target and each indication, with its ``relation`` (``targets`` or
        ``indication``).

    Examples
    --------
    >>> from nanokg import KnowledgeGraph
    >>> from nanokg.analytics.network import entity_graph
    >>> H = product_network(entity_graph(KnowledgeGraph.open(STORE)))
    >>> sorted(H.nodes[n]["label"] for n in H["https://w3id.org/nanokg/target/transferrin-receptor"])
    ['CALAA-01', 'SGT-53']
    >>> H.nodes["https://w3id.org/nanokg/product/doxil"]["carrier"]
    'liposome'
    """
    import networkx as nx

    network = nx.Graph(name="nanokg product-target-indication")
    for name, kind, relation in (
        ("product-target", "target", "targets"),
        ("product-indication", "indication", "indication"),
    ):
        part = projection(graph, name)
        for node, attrs in part.nodes(data=True):
            if attrs.get("kind") == "product":
                stage, rank = _stage(graph, node)
                network.add_node(
                    node,
                    label=attrs.get("label") or node,
                    kind="product",
                    carrier=carrier_class(part, node),
                    stage=stage,
                    stage_rank=rank,
                )
            elif node not in network:
                network.add_node(node, label=attrs.get("label") or node, kind=kind)
        network.add_edges_from(part.edges(), relation=relation)
    return network


def _stage(graph: nx.MultiDiGraph, product: str) -> tuple[str | None, int]:
    """The label and rank (``nkg:stageRank``) of a product's highest development stage; (None, 0) if unknown."""
    stages = sorted(
        (-int(graph.nodes[v].get("nkg:stageRank") or 0), str(graph.nodes[v].get("label") or v))
        for _, v, k in graph.out_edges(product, keys=True)
        if k == "nkg:hasHighestStage"
    )
    return (stages[0][1], -stages[0][0]) if stages else (None, 0)


def carrier_colours(classes: Iterable[str]) -> dict[str, str]:
    """One colour per carrier class, given in sorted order (grey for a missing class).

    Examples
    --------
    >>> carrier_colours(["polymeric micelle", "liposome", "unclassified"])
    {'liposome': '#0072B2', 'polymeric micelle': '#E69F00', 'unclassified': '#BBBBBB'}
    """
    classes = set(classes)
    named = sorted(classes - {UNCLASSIFIED})
    colours = {c: _PALETTE[i % len(_PALETTE)] for i, c in enumerate(named)}
    if UNCLASSIFIED in classes:
        colours[UNCLASSIFIED] = "#BBBBBB"
    return colours


def layout(network: nx.Graph) -> dict[str, tuple[float, float]]:
    """Three columns: targets (x=0), products grouped by carrier class (x=1), indications (x=2).

    Within a carrier class, products are ordered by the mean height of their
    indications, and indications by the mean height of their products (a few barycentre
    sweeps), which keeps most edges short; targets sit at the mean height of their
    products. Ties break on labels, so the same graph always gives the same picture.
    """
    label = {n: str(network.nodes[n]["label"]).lower() for n in network}
    kinds: dict[str, list[str]] = {"product": [], "target": [], "indication": []}
    for node, kind in network.nodes(data="kind"):
        kinds.setdefault(kind, []).append(node)
    products = sorted(kinds["product"], key=lambda n: (network.nodes[n]["carrier"], label[n]))
    indications = sorted(kinds["indication"], key=label.get)
    classes = sorted({network.nodes[n]["carrier"] for n in products}, key=lambda c: (c == UNCLASSIFIED, c))

    def spread(nodes: Sequence[str], gaps: Mapping[str, float] | None = None) -> dict[str, float]:
        if not nodes:
            return {}
        steps = [0.0]
        for node in nodes[1:]:
            steps.append(steps[-1] + 1.0 + (gaps or {}).get(node, 0.0))
        height = max(steps[-1], 1.0)
        return {n: 1.0 - 2.0 * s / height for n, s in zip(nodes, steps, strict=True)}

    def mean(values: list[float], default: float) -> float:
        return sum(values) / len(values) if values else default

    y: dict[str, float] = {}
    ind_y = spread(indications)
    for _ in range(4):
        ordered = []
        for carrier in classes:
            group = [n for n in products if network.nodes[n]["carrier"] == carrier]
            key = {n: mean([ind_y[m] for m in network[n] if m in ind_y], -2.0) for n in group}
            ordered += sorted(group, key=lambda n: (-key[n], label[n]))
        # a blank row between carrier classes
        starts = {
            g[0]: 1.0 for g in ([n for n in ordered if network.nodes[n]["carrier"] == c] for c in classes[1:]) if g
        }
        y.update(spread(ordered, starts))
        key = {n: mean([y[m] for m in network[n]], 0.0) for n in indications}
        indications = sorted(indications, key=lambda n: (-key[n], label[n]))
        ind_y = spread(indications)
    y.update(ind_y)
    targets = sorted(kinds["target"], key=lambda n: (-mean([y[m] for m in network[n]], 0.0), label[n]))
    wanted = [mean([y[m] for m in network[n]], 0.0) for n in targets]
    gap = 0.12
    for i in range(1, len(wanted)):  # keep targets apart, top to bottom
        wanted[i] = min(wanted[i], wanted[i - 1] - gap)
    y.update(zip(targets, wanted, strict=True))
    x = {"target": 0.0, "product": 1.0, "indication": 2.0}
    return {n: (x.get(network.nodes[n]["kind"], 1.0), y.get(n, 0.0)) for n in network}
