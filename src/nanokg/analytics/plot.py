"""Pictures of the graph: PNG and SVG figures (matplotlib) and an interactive HTML view.

Four pictures (:data:`KINDS`), each drawn from the entity graph of
:func:`nanokg.analytics.network.entity_graph`, so they work on the embedded store and on any
endpoint that holds the graph:

``network``
    The product–target–indication network (:func:`product_network`): every nanomedicine,
    the molecular targets it actively targets and the indications it is developed for;
    products are coloured by carrier class, with a legend.
``attrition``
    Clinical attrition by carrier class and stage: how many products of each carrier
    class stopped at each highest development stage, and the shares approved and
    terminated (:func:`nanokg.analytics.analysis.attrition`).
``similarity``
    The product similarity heat map (:func:`nanokg.analytics.analysis.similarity`), products
    grouped by carrier class.
``html``
    The network of ``network`` as an interactive page (vis-network: drag, zoom, hover
    for details). The page is self-contained: the vis-network build (shipped inside the
    ``pyvis`` wheel) and the data are inlined, so it opens offline and asks no other host.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through
``pyplot``: nothing opens a window or changes the global backend (PNG is rendered by
Agg, SVG by matplotlib's SVG backend), so the module is safe on a headless machine and
inside a notebook. The format follows the file's extension (``.png`` or ``.svg``).
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nanokg.errors import InputError, NanokgError

if TYPE_CHECKING:  # networkx is imported where a graph is made, so the CLI can import the error types cheaply
    import networkx as nx

__all__ = [
    "FIGURE_FORMATS",
    "KINDS",
    "PlotError",
    "PlotUsageError",
    "attrition_figure",
    "carrier_colours",
    "check_output",
    "network_data",
    "network_figure",
    "network_html",
    "plot",
    "product_network",
    "save_figure",
    "similarity_figure",
    "vis_network_assets",
]

#: the pictures ``nanokg plot`` draws, and the file types each may be written as
KINDS: dict[str, tuple[str, ...]] = {
    "network": (".png", ".svg"),
    "attrition": (".png", ".svg"),
    "similarity": (".png", ".svg"),
    "html": (".html", ".htm"),
}
#: figure formats by file extension
FIGURE_FORMATS = {".png": "png", ".svg": "svg"}

# colour-blind-safe (Okabe-Ito) colours, given to carrier classes in sorted order
_PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000"]
_TARGET_COLOUR = "#B22222"
_INDICATION_COLOUR = "#7F7F7F"
_UNKNOWN_CARRIER = "unclassified"  # nanokg.analytics.network.carrier_class for a product of no top class


class PlotUsageError(InputError, ValueError):
    """The user asked for a picture that cannot be made (unknown kind, wrong extension)."""


class PlotError(NanokgError, RuntimeError):
    """A picture could not be drawn: a library it needs is missing, or the graph has nothing to draw."""


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

    from nanokg.analytics.network import carrier_class, projection

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
    named = sorted(classes - {_UNKNOWN_CARRIER})
    colours = {c: _PALETTE[i % len(_PALETTE)] for i, c in enumerate(named)}
    if _UNKNOWN_CARRIER in classes:
        colours[_UNKNOWN_CARRIER] = "#BBBBBB"
    return colours


def _layout(network: nx.Graph) -> dict[str, tuple[float, float]]:
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
    classes = sorted({network.nodes[n]["carrier"] for n in products}, key=lambda c: (c == _UNKNOWN_CARRIER, c))

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
    figure_cls, _ = _matplotlib()
    from matplotlib.lines import Line2D

    positions = _layout(network)
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
            color=_TARGET_COLOUR if targeted else colours.get(carrier, "#C8C8C8"),
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
        ("target", "D", _TARGET_COLOUR, 150),
        ("indication", "s", _INDICATION_COLOUR, 90),
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
            color={"target": _TARGET_COLOUR, "indication": "#333333"}.get(kind, "#111111"),
            fontweight="bold" if kind == "target" else "normal",
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
            if kind == "product"
            else None,
        )
    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=9, color=c, label=name) for name, c in colours.items()
    ]
    handles += [
        Line2D([], [], marker="D", linestyle="", markersize=8, color=_TARGET_COLOUR, label="molecular target"),
        Line2D([], [], marker="s", linestyle="", markersize=8, color=_INDICATION_COLOUR, label="indication"),
    ]
    ax.legend(
        handles=handles,
        title="carrier class of the product",
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=9,
        title_fontsize=9,
        frameon=False,
    )
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

    figure_cls, _ = _matplotlib()
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
        The entity graph of :func:`nanokg.analytics.network.entity_graph`.
    title
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from nanokg.analytics.analysis import communities, similarity

    figure_cls, _ = _matplotlib()
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
    ax.legend(
        handles=handles,
        title="carrier class (names)",
        loc="upper left",
        bbox_to_anchor=(1.02, 0.2),
        fontsize=8,
        title_fontsize=8,
        frameon=False,
    )
    ax.set_title(title or f"Product similarity ({len(order)} nanomedicines, grouped by community)", fontsize=12)
    return figure


def _matplotlib():
    """The Figure class and version of matplotlib, or a one-line PlotError saying how to install it."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise PlotError("pictures need matplotlib: pip install 'nanokg[plot]'") from None
    return Figure, matplotlib.__version__


def save_figure(figure, path: str | os.PathLike[str]) -> Path:
    """Write a figure as PNG or SVG, chosen by the file's extension, all or nothing.

    The picture goes to a temporary file beside ``path`` and is renamed over it when
    complete, so a failure leaves no half-written file. SVG text stays text (fonts are
    not turned into paths) and carries no date, so the same figure gives the same bytes.
    """
    path = Path(path)
    fmt = FIGURE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise PlotUsageError(f"{path}: a figure is written as .png or .svg, not {path.suffix or 'no extension'!r}")
    import matplotlib

    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    # a fixed salt makes the SVG's element ids the same on every run (matplotlib draws a random one otherwise)
    with matplotlib.rc_context({"svg.hashsalt": "nanokg", "svg.fonttype": "none"}):
        _write_atomically(path, lambda handle: figure.savefig(handle, format=fmt, dpi=150, metadata=metadata))
    return path


def _write_atomically(path: Path, write) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise PlotUsageError(f"{path}: folder {folder} does not exist")
    handle = tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".part", delete=False)
    try:
        with handle:
            write(handle)
        os.chmod(handle.name, 0o666 & ~_umask())  # as an ordinary new file, not the temporary file's 0600
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


# -- the interactive view ----------------------------------------------------------


def vis_network_assets() -> tuple[str, str]:
    """The JavaScript and CSS of the vis-network build shipped inside the ``pyvis`` wheel.

    Read from the installed package's files (pyvis itself is not imported). The
    source-map comment is dropped: the map is not shipped, and a browser's developer
    tools would otherwise ask for it.

    Raises
    ------
    PlotError
        If pyvis is not installed or no longer ships a vis-network build.
    """
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise PlotError("the interactive view needs pyvis (for its vis-network build): pip install 'nanokg[plot]'")
    root = Path(next(iter(spec.submodule_search_locations)))
    builds = sorted(root.glob("lib/vis-*/vis-network.min.js"), key=lambda p: _version_key(p.parent.name))
    if not builds:
        raise PlotError(f"no vis-network build in {root / 'lib'} (pyvis {root}): reinstall 'nanokg[plot]'")
    script = builds[-1].read_text(encoding="utf-8")
    # (a regular expression, not splitlines(): the minified code holds line-separator characters in strings)
    script = re.sub(r"^//# sourceMappingURL=\S*\s*\Z", "", script, flags=re.MULTILINE)
    return script, (builds[-1].parent / "vis-network.css").read_text(encoding="utf-8")


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.removeprefix("vis-").split(".") if part.isdigit())


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element (no "</script>", no HTML-significant characters)."""
    text = json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def network_data(network: nx.Graph) -> dict[str, Any]:
    """The nodes, edges and legend of the interactive view, as vis-network takes them.

    Positions are those of the PNG/SVG figure (three columns), so both pictures read the same way.
    """
    positions = _layout(network)
    colours = carrier_colours(c for _, c in network.nodes(data="carrier") if c)
    nodes = []
    for node in sorted(network):
        attrs = network.nodes[node]
        kind = attrs["kind"]
        x, y = positions[node]
        facts = [f"{attrs['label']} ({kind})", node]
        if kind == "product":
            facts.append(f"carrier class: {attrs['carrier']}")
            if attrs.get("stage"):
                facts.append(f"highest stage: {attrs['stage']}")
        facts.append(f"{network.degree(node)} link(s)")
        colour = {"target": _TARGET_COLOUR, "indication": _INDICATION_COLOUR}.get(kind) or colours[attrs["carrier"]]
        nodes.append(
            {
                "id": node,
                "label": attrs["label"],
                "title": "\n".join(facts),
                "group": kind,
                "shape": {"target": "diamond", "indication": "square"}.get(kind, "dot"),
                "size": {"target": 18, "indication": 12}.get(kind, 13),
                "color": {
                    "background": colour,
                    "border": "#ffffff",
                    "highlight": {"background": colour, "border": "#000000"},
                },
                "font": {"size": 22, "color": _TARGET_COLOUR if kind == "target" else "#222222"},
                "x": round(x * 800, 1),
                "y": round(-y * 1300, 1),
            }
        )
    edges = []
    for a, b, attrs in sorted(network.edges(data=True), key=lambda e: (min(e[0], e[1]), max(e[0], e[1]))):
        targeted = "target" in (network.nodes[a]["kind"], network.nodes[b]["kind"])
        carrier = network.nodes[a].get("carrier") or network.nodes[b].get("carrier")
        edges.append(
            {
                "from": a,
                "to": b,
                "title": {"targets": "actively targets", "indication": "has indication"}.get(attrs.get("relation"), ""),
                "color": {
                    "color": _TARGET_COLOUR if targeted else colours.get(carrier, "#C8C8C8"),
                    "opacity": 0.8 if targeted else 0.45,
                },
                "width": 2 if targeted else 1,
            }
        )
    legend = [{"name": name, "colour": colour, "shape": "dot"} for name, colour in colours.items()]
    legend += [
        {"name": "molecular target", "colour": _TARGET_COLOUR, "shape": "diamond"},
        {"name": "indication", "colour": _INDICATION_COLOUR, "shape": "square"},
    ]
    return {"nodes": nodes, "edges": edges, "legend": legend}


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="nanokg">
<title>{title}</title>
<style>{vis_css}</style>
<style>
  html, body {{ margin: 0; height: 100%; font-family: system-ui, sans-serif; color: #222; }}
  body {{ display: flex; flex-direction: column; }}
  header {{ padding: 0.6em 1em; border-bottom: 1px solid #ddd; }}
  header h1 {{ font-size: 1.15em; margin: 0 0 0.3em; }}
  header p {{ margin: 0 0 0.4em; font-size: 0.9em; color: #555; }}
  #legend {{ display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; list-style: none; margin: 0; padding: 0;
             font-size: 0.9em; }}
  #legend span {{ display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.35em; vertical-align: -0.1em; }}
  #legend .dot span {{ border-radius: 50%; }}
  #legend .diamond span {{ transform: rotate(45deg) scale(0.8); }}
  #network {{ flex: 1; min-height: 480px; }}
  div.vis-tooltip {{ white-space: pre-line; font-size: 0.85em; }}
</style>
<script>{vis_js}</script>
</head>
<body>
<header>
  <h1>{title}</h1>
  <p>{summary} Drag to move, scroll to zoom, hover a node or edge for details.</p>
  <ul id="legend">{legend}</ul>
</header>
<div id="network"></div>
<script>
(function () {{
  "use strict";
  var data = {data};
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var network = new vis.Network(document.getElementById("network"), {{ nodes: nodes, edges: edges }}, {{
    physics: false,
    interaction: {{ hover: true, tooltipDelay: 120 }},
    edges: {{ smooth: false }},
    nodes: {{ borderWidth: 1 }}
  }});
  // the page is ready for a reader (or a test) once the network has been drawn
  network.once("afterDrawing", function () {{ document.body.setAttribute("data-ready", "true"); }});
  window.nanokg = {{ network: network, nodes: nodes, edges: edges }};
}})();
</script>
</body>
</html>
"""


def network_html(network: nx.Graph, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Write the network as a self-contained interactive HTML page.

    The vis-network script and stylesheet and the graph's data are inlined: the page
    opens from disk, offline, and requests nothing from any host. In the page,
    ``window.nanokg.nodes`` and ``window.nanokg.edges`` are the vis-network DataSets
    and ``body[data-ready]`` is set once the network is drawn.

    Parameters
    ----------
    network
        A graph of :func:`product_network`.
    path
        The ``.html`` file to write (all or nothing).
    title
        The page's heading (default: a description of the network).
    """
    path = Path(path)
    if path.suffix.lower() not in KINDS["html"]:
        raise PlotUsageError(f"{path}: the interactive view is written as .html, not {path.suffix or 'no extension'!r}")
    script, css = vis_network_assets()
    data = network_data(network)
    counts = {
        kind: sum(1 for _, k in network.nodes(data="kind") if k == kind) for kind in ("product", "target", "indication")
    }
    title = title or "Nanomedicines, their molecular targets and indications"
    summary = (
        f"{counts['product']} nanomedicines coloured by carrier class, {counts['target']} molecular targets they "
        f"actively target and {counts['indication']} indications they are developed for."
    )
    legend = "".join(
        f'<li class="{item["shape"]}"><span style="background:{item["colour"]}"></span>{html.escape(item["name"])}</li>'
        for item in data["legend"]
    )
    page = _PAGE.format(
        title=html.escape(title),
        summary=html.escape(summary),
        legend=legend,
        data=_script_json({"nodes": data["nodes"], "edges": data["edges"]}),
        vis_js=script.replace("</script", "<\\/script"),
        vis_css=css,
    )
    _write_atomically(path, lambda handle: handle.write(page.encode("utf-8")))
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- one entry point ------------------------------------------------------------------


def check_output(kind: str, out: str | os.PathLike[str]) -> Path:
    """Check that picture ``kind`` exists and can be written to ``out`` (extension, folder); return the path.

    Raises
    ------
    PlotUsageError
        An unknown kind, an extension the kind cannot be written as, or a folder that
        does not exist.

    Examples
    --------
    >>> check_output("network", "network.pdf")
    Traceback (most recent call last):
    ...
    nanokg.analytics.plot.PlotUsageError: network.pdf: the network picture is written as .png or .svg, not '.pdf'
    """
    out = Path(out)
    if kind not in KINDS:
        raise PlotUsageError(f"unknown picture {kind!r} (pictures: {', '.join(KINDS)})")
    if out.suffix.lower() not in KINDS[kind]:
        allowed = " or ".join(KINDS[kind])
        raise PlotUsageError(f"{out}: the {kind} picture is written as {allowed}, not {out.suffix or 'no extension'!r}")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise PlotUsageError(f"{out}: folder {folder} does not exist")
    return out


def plot(kind: str, graph: nx.MultiDiGraph, out: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Draw one of the pictures of :data:`KINDS` from an entity graph and write it to ``out``.

    Parameters
    ----------
    kind
        ``network``, ``attrition``, ``similarity`` (PNG or SVG by ``out``'s extension)
        or ``html`` (the interactive view).
    graph
        The entity graph of :func:`nanokg.analytics.network.entity_graph`.
    out
        The file to write, replaced all or nothing.
    title
        A title instead of the picture's own.

    Raises
    ------
    PlotUsageError
        An unknown kind, an extension the kind cannot be written as, or a missing
        folder (checked before anything is drawn).
    PlotError
        matplotlib or pyvis is missing, or the graph holds no nanomedicine.

    Examples
    --------
    >>> import tempfile
    >>> from nanokg import KnowledgeGraph
    >>> from nanokg.analytics.network import entity_graph
    >>> G = entity_graph(KnowledgeGraph.open(STORE))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     written = plot("attrition", G, Path(folder) / "attrition.svg")
    ...     written.read_bytes().startswith(b"<?xml")
    True
    """
    out = check_output(kind, out)
    if not any(k == "product" for _, k in graph.nodes(data="kind")):
        raise PlotError("the graph holds no nanomedicines (nkg:Nanomedicine): nothing to draw")
    if kind == "html":
        return network_html(product_network(graph), out, title=title)
    if kind == "network":
        figure = network_figure(product_network(graph), title=title)
    elif kind == "attrition":
        figure = attrition_figure(graph, title=title)
    else:
        figure = similarity_figure(graph, title=title)
    return save_figure(figure, out)
