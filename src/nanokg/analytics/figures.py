"""The figures of ``nanokg plot``: PNG and SVG pictures drawn with matplotlib.

Three figures, each drawn from the entity graph of :func:`nanokg.analytics.network.entity_graph`:
the product–target–indication network (:func:`network_figure`, over
:func:`nanokg.analytics.drawing.product_network`), clinical attrition by carrier class and
stage (:func:`attrition_figure`) and the product similarity heat map
(:func:`similarity_figure`). :func:`save_figure` writes one as PNG or SVG, by extension.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through
``pyplot``: nothing opens a window or changes the global backend (PNG is rendered by
Agg, SVG by matplotlib's SVG backend), so the module is safe on a headless machine and
inside a notebook. matplotlib is imported when a figure is drawn, never at import.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from nanokg.analytics.drawing import INDICATION_COLOUR, TARGET_COLOUR, PlotError, carrier_colours, layout, output_path
from nanokg.atomic import atomic_write

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "FIGURE_FORMATS",
    "attrition_figure",
    "network_figure",
    "save_figure",
    "similarity_figure",
]

#: figure formats by file extension
FIGURE_FORMATS = {".png": "png", ".svg": "svg"}


def network_figure(network: nx.Graph, *, title: str | None = None):
    """Draw the product–target–indication network, products coloured by carrier class.

    Parameters
    ----------
    network
        A graph of :func:`product_network` (nodes with ``label``, ``kind``, ``carrier``).
    title
        The figure's title (default: a description with the counts).

    Returns
    -------
    matplotlib.figure.Figure
    """
    figure_cls = _matplotlib()
    from matplotlib.lines import Line2D

    positions = layout(network)
    kinds = {
        kind: sorted(n for n, k in network.nodes(data="kind") if k == kind)
        for kind in ("product", "target", "indication")
    }
    colours = carrier_colours(network.nodes[n]["carrier"] for n in kinds["product"])
    rows = max(len(kinds["product"]) + 5, len(kinds["indication"]), 12)
    figure = figure_cls(figsize=(13, 0.24 * rows + 1.5), layout="constrained")
    ax = figure.add_subplot()
    for a, b in sorted(tuple(sorted(e)) for e in network.edges()):
        (xa, ya), (xb, yb) = positions[a], positions[b]
        targeted = "target" in (network.nodes[a]["kind"], network.nodes[b]["kind"])
        carrier = network.nodes[a].get("carrier") or network.nodes[b].get("carrier")
        # an indication edge takes its product's carrier colour, so a class's indications can be followed
        ax.plot(
            [xa, xb],
            [ya, yb],
            color=TARGET_COLOUR if targeted else colours.get(carrier, "#C8C8C8"),
            linewidth=1.4 if targeted else 0.8,
            alpha=0.75 if targeted else 0.45,
            zorder=1,
        )
    products = kinds["product"]
    ax.scatter(
        [positions[n][0] for n in products],
        [positions[n][1] for n in products],
        s=110,
        c=[colours[network.nodes[n]["carrier"]] for n in products],
        edgecolors="white",
        linewidths=0.8,
        zorder=3,
    )
    for kind, marker, colour, size in (
        ("target", "D", TARGET_COLOUR, 150),
        ("indication", "s", INDICATION_COLOUR, 90),
    ):
        nodes = kinds[kind]
        ax.scatter(
            [positions[n][0] for n in nodes],
            [positions[n][1] for n in nodes],
            s=size,
            marker=marker,
            c=colour,
            edgecolors="white",
            linewidths=0.8,
            zorder=2,
        )
    for node in network:
        kind = network.nodes[node]["kind"]
        x, y = positions[node]
        # targets labelled to the left, products and indications to the right of their marker
        ax.annotate(
            network.nodes[node]["label"],
            (x, y),
            xytext=(-9 if kind == "target" else 8, 0),
            textcoords="offset points",
            ha="right" if kind == "target" else "left",
            va="center",
            fontsize=8,
            zorder=4,
            color={"target": TARGET_COLOUR, "indication": "#333333"}.get(kind, "#111111"),
            fontweight="bold" if kind == "target" else "normal",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
            if kind == "product"
            else None,
        )
    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=9, color=c, label=name) for name, c in colours.items()
    ]
    handles += [
        Line2D([], [], marker="D", linestyle="", markersize=8, color=TARGET_COLOUR, label="molecular target"),
        Line2D([], [], marker="s", linestyle="", markersize=8, color=INDICATION_COLOUR, label="indication"),
    ]
    _side_legend(ax, handles, "carrier class of the product", (1.0, 1.0), 9)
    ax.set_title(
        title
        or (
            f"Nanomedicines, their molecular targets and indications ({len(products)} products, "
            f"{len(kinds['target'])} targets, {len(kinds['indication'])} indications)"
        ),
        fontsize=12,
    )
    for x, heading in ((0.0, "molecular target"), (1.0, "nanomedicine"), (2.0, "indication")):
        ax.text(x, 1.04, heading, ha="center", va="bottom", fontsize=10, fontweight="bold", color="#333333")
    ax.set_xlim(-0.75, 2.75)
    ax.set_ylim(-1.05, 1.1)
    ax.set_axis_off()
    return figure


def attrition_figure(graph: nx.MultiDiGraph, *, title: str | None = None):
    """Draw clinical attrition by carrier class and stage, from :func:`nanokg.analytics.analysis.attrition`.

    Left: each carrier class's products stacked by highest development stage, earliest
    stage left and approval right, with the count in each segment. Right: the share of
    each class approved and the share with a terminated trial.

    Parameters
    ----------
    graph
        The entity graph of :func:`nanokg.analytics.network.entity_graph`.
    title
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from nanokg.analytics.analysis import attrition

    figure_cls = _matplotlib()
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.patches import Patch

    rows = [r for r in attrition(graph, stage_counts=True) if r["carrier_class"] != "all classes"]
    # attrition() lists stages furthest first; draw the earliest on the left
    stages = [key.removeprefix("stage: ") for key in reversed(rows[0]) if key.startswith("stage: ")] if rows else []
    ramp = LinearSegmentedColormap.from_list("stages", ["#DCE9F5", "#2B6CA3", "#0B2F55"])
    colour = {s: ramp(i / max(1, len(stages) - 1)) for i, s in enumerate(stages)}
    if "approved" in colour:
        colour["approved"] = (0.106, 0.620, 0.353, 1.0)  # approval stands out from the trial phases
    figure = figure_cls(figsize=(13, 2.6 + 0.75 * len(rows)), layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=[3, 1.2], sharey=True)
    y = {r["carrier_class"]: len(rows) - 1 - i for i, r in enumerate(rows)}
    for row in rows:
        at, total = y[row["carrier_class"]], row["products"]
        start = 0
        for stage in stages:
            count = row[f"stage: {stage}"]
            if not count:
                continue
            left.barh(at, count, left=start, color=colour[stage], edgecolor="white", height=0.62)
            dark = sum(colour[stage][:3]) < 1.9
            left.text(
                start + count / 2,
                at,
                str(count),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if dark else "#111111",
            )
            start += count
        left.text(start + 0.2, at, f"{total} products", va="center", fontsize=9, color="#444444")
    left.set_yticks(list(y.values()), list(y))
    left.set_xlabel("nanomedicines in the graph, by highest development stage")
    left.set_xlim(0, max((r["products"] for r in rows), default=1) * 1.2 + 1)
    left.legend(
        handles=[Patch(facecolor=colour[s], label=s) for s in stages],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncols=min(len(stages), 4),
        fontsize=9,
        frameon=False,
    )
    for offset, key, shade, name in (
        (0.17, "approved", "#1B9E5A", "approved"),
        (-0.17, "terminated", "#B22222", "trial terminated"),
    ):
        shares = [100 * r[f"{key}_share"] for r in rows]
        right.barh([y[r["carrier_class"]] + offset for r in rows], shares, height=0.3, color=shade, label=name)
        for row, share in zip(rows, shares, strict=True):
            right.text(
                share + 1.5,
                y[row["carrier_class"]] + offset,
                f"{share:.0f}% ({row[key]}/{row['products']})",
                va="center",
                fontsize=8,
            )
    right.set_xlim(0, 100)
    right.set_xlabel("share of the class's products (%)")
    right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=2, fontsize=9, frameon=False)
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
    figure.suptitle(title or "Clinical attrition by carrier class and stage", fontsize=12)
    return figure


def similarity_figure(graph: nx.MultiDiGraph, *, title: str | None = None):
    """Draw the product similarity heat map, from :func:`nanokg.analytics.analysis.similarity`.

    Cell (a, b) is the Jaccard similarity of the two products' features (payloads,
    targets, indications, carrier class); the diagonal is 1. Products are ordered by
    their community (:func:`nanokg.analytics.analysis.communities`, Louvain with a fixed seed),
    then by label, so similar products form blocks along the diagonal; each product's
    name is coloured by its carrier class.

    Parameters
    ----------
    graph
        The entity graph of :func:`nanokg.analytics.network.entity_graph`; its ``product`` nodes are compared.
    title
        The figure's title (default: a description with the number of products).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from nanokg.analytics.analysis import communities, similarity

    figure_cls = _matplotlib()
    import numpy as np
    from matplotlib.lines import Line2D

    members = communities(graph)
    order = [r["product"] for r in sorted(members, key=lambda r: (r["community"], r["label"].casefold(), r["product"]))]
    label = {r["product"]: r["label"] for r in members}
    carrier = {r["product"]: r["carrier_class"] for r in members}
    community = {r["product"]: r["community"] for r in members}
    index = {p: i for i, p in enumerate(order)}
    matrix = np.eye(len(order))
    for row in similarity(graph):
        i, j = index[row["product_a"]], index[row["product_b"]]
        matrix[i, j] = matrix[j, i] = row["jaccard"]
    colours = carrier_colours(carrier.values())
    size = 4 + 0.2 * len(order)
    figure = figure_cls(figsize=(size + 2.5, size), layout="constrained")
    ax = figure.add_subplot()
    image = ax.imshow(matrix, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    ticks = list(range(len(order)))
    ax.set_xticks(ticks, [label[p] for p in order], rotation=90, fontsize=7)
    ax.set_yticks(ticks, [label[p] for p in order], fontsize=7)
    for tick_labels in (ax.get_xticklabels(), ax.get_yticklabels()):
        for text, product in zip(tick_labels, order, strict=True):
            text.set_color(colours[carrier[product]])
    # thin white lines between communities
    for i in range(1, len(order)):
        if community[order[i]] != community[order[i - 1]]:
            ax.axhline(i - 0.5, color="white", linewidth=0.8)
            ax.axvline(i - 0.5, color="white", linewidth=0.8)
    figure.colorbar(image, ax=ax, shrink=0.6, label="Jaccard similarity (payloads, targets, indications, carrier)")
    handles = [Line2D([], [], marker="s", linestyle="", markersize=8, color=c, label=n) for n, c in colours.items()]
    _side_legend(ax, handles, "carrier class (names)", (1.02, 0.2), 8)
    ax.set_title(title or f"Product similarity ({len(order)} nanomedicines, grouped by community)", fontsize=12)
    return figure


def _side_legend(ax, handles: list, title: str, anchor: tuple[float, float], size: int) -> None:
    """A frameless legend to the right of the axes, its upper left corner at ``anchor``."""
    ax.legend(
        handles=handles, title=title, loc="upper left", bbox_to_anchor=anchor, fontsize=size, title_fontsize=size,
        frameon=False,
    )  # fmt: skip


def _matplotlib() -> type:
    """Matplotlib's Figure class, or a one-line PlotError saying how to install it."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotError("pictures need matplotlib: pip install 'nanokg[plot]'") from None
    return Figure


def save_figure(figure, path: str | os.PathLike[str]) -> Path:
    """Write a figure as PNG or SVG, chosen by the file's extension, all or nothing.

    The picture is written through :func:`nanokg.atomic.atomic_write`, so a failure leaves
    the earlier file as it was and no half-written one. SVG text stays text (fonts are
    not turned into paths) and carries no date, so the same figure gives the same bytes.

    Raises
    ------
    PlotUsageError
        An extension other than ``.png`` or ``.svg``, or a folder that does not exist.
    """
    path = output_path(path, tuple(FIGURE_FORMATS), "a figure")
    fmt = FIGURE_FORMATS[path.suffix.lower()]
    import matplotlib

    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    # a fixed salt makes the SVG's element ids the same on every run (matplotlib draws a random one otherwise)
    with matplotlib.rc_context({"svg.hashsalt": "nanokg", "svg.fonttype": "none"}), atomic_write(path) as handle:
        figure.savefig(handle, format=fmt, dpi=150, metadata=metadata)
    return path
