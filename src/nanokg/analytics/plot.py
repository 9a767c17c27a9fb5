"""``nanokg plot``: one entry point for the four pictures of the graph.

Four pictures (:data:`KINDS`), each drawn from the entity graph of
:func:`nanokg.analytics.network.entity_graph`, so they work on the embedded store and on any
endpoint that holds the graph:

``network``
    The product–target–indication network (:func:`nanokg.analytics.figures.network_figure`):
    every nanomedicine, the molecular targets it actively targets and the indications it is
    developed for; products are coloured by carrier class, with a legend.
``attrition``
    Clinical attrition by carrier class and stage: how many products of each carrier
    class stopped at each highest development stage, and the shares approved and
    terminated (:func:`nanokg.analytics.figures.attrition_figure`).
``similarity``
    The product similarity heat map (:func:`nanokg.analytics.figures.similarity_figure`),
    products grouped by community.
``html``
    The network of ``network`` as an interactive, self-contained page
    (:func:`nanokg.analytics.interactive.network_html`): vis-network, drag, zoom, hover for
    details. The vis-network build is the one pinned by npm in ``web/package-lock.json``
    (``npm ci --prefix web``); an install without it (a wheel, no npm) reads the copy that
    the ``pyvis`` wheel of the ``plot`` extra ships (see :mod:`nanokg.analytics.interactive`).

What the pictures draw and their colours are in :mod:`nanokg.analytics.drawing`; figures
(matplotlib, PNG or SVG by the file's extension, never through ``pyplot``) in
:mod:`nanokg.analytics.figures`. Every file is replaced whole (:mod:`nanokg.atomic`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from nanokg.analytics.drawing import PlotError, PlotUsageError, output_path, product_network
from nanokg.analytics.figures import FIGURE_FORMATS, attrition_figure, network_figure, save_figure, similarity_figure
from nanokg.analytics.interactive import PAGE_SUFFIXES, network_html

if TYPE_CHECKING:  # networkx is imported where a graph is made, so the CLI can import this module cheaply
    import networkx as nx

__all__ = ["KINDS", "check_output", "plot"]

#: the pictures ``nanokg plot`` draws, and the file types each may be written as
KINDS: dict[str, tuple[str, ...]] = {
    "network": tuple(FIGURE_FORMATS),
    "attrition": tuple(FIGURE_FORMATS),
    "similarity": tuple(FIGURE_FORMATS),
    "html": PAGE_SUFFIXES,
}


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
    nanokg.analytics.drawing.PlotUsageError: network.pdf: the network picture is written as .png or .svg, not '.pdf'
    """
    if kind not in KINDS:
        raise PlotUsageError(f"unknown picture {kind!r} (pictures: {', '.join(KINDS)})")
    return output_path(out, KINDS[kind], f"the {kind} picture")


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
        matplotlib is missing (figures), no vis-network build is installed (``html``), or the
        graph holds no nanomedicine.

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
