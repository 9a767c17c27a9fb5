"""The interactive view of ``nanokg plot html``: the network as one self-contained HTML page.

The product–target–indication network (:func:`nanokg.analytics.drawing.product_network`)
is drawn by vis-network in the browser: drag, zoom, hover for details. The page inlines
the vis-network build and the data, so it opens from disk, offline, and asks no host.

Where the vis-network build comes from (:func:`vis_network_assets`):

1. ``web/node_modules/vis-network`` (:data:`VIS_NETWORK_BUILD`), pinned with YASGUI in
   ``web/package-lock.json`` (integrity hash included) and installed by
   ``npm ci --prefix web`` (``scripts/setup-test-env.sh`` runs it). This is the source in
   a checkout: the version is ours to choose and to review.
2. Otherwise, the vis-network build that the ``pyvis`` wheel ships, read from its files
   (pyvis is never imported). This is the fallback for a user who installed the wheel
   with the ``plot`` extra and has no npm: a wheel carries ``web/package.json`` and the
   lock but no ``node_modules``. pyvis 0.3.2 ships the same vis-network version (9.1.2)
   as the lock pins, so both give the same view; pyvis is a file source only.

Neither found: :class:`~nanokg.analytics.drawing.PlotError` says how to get one.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import string
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nanokg import settings
from nanokg.analytics.drawing import INDICATION_COLOUR, TARGET_COLOUR, PlotError, carrier_colours, layout, output_path
from nanokg.atomic import write_text

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["PAGE_SUFFIXES", "VIS_NETWORK_BUILD", "network_data", "network_html", "vis_network_assets"]

#: the file types the page may be written as
PAGE_SUFFIXES = (".html", ".htm")
#: Where ``npm ci --prefix web`` puts the vis-network build the page inlines, relative to the web
#: folder: the standalone UMD build, which carries vis-data and injects its own stylesheet.
VIS_NETWORK_BUILD = Path("node_modules/vis-network/standalone/umd/vis-network.min.js")
_TEMPLATE = "network_view.html"
# (a regular expression, not splitlines(): the minified code holds line-separator characters in strings)
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=\S*\s*\Z", flags=re.MULTILINE)


def vis_network_assets(web: str | os.PathLike[str] | None = None) -> tuple[str, str]:
    """The JavaScript and CSS of vis-network that the page inlines (see the module docstring).

    The npm build under ``web`` comes first; it injects its stylesheet itself, so its CSS
    is empty. Without it, pyvis's copy is read: script and stylesheet. The source-map
    comment is dropped: the map is not inlined, and a browser's developer tools would
    otherwise ask for it.

    Parameters
    ----------
    web
        The folder holding ``node_modules``; by default :func:`nanokg.settings.web_dir`.

    Raises
    ------
    PlotError
        If neither the npm build nor pyvis's copy is installed.
    """
    build = Path(web or settings.web_dir()) / VIS_NETWORK_BUILD
    if build.is_file():
        return _SOURCE_MAP.sub("", build.read_text(encoding="utf-8")), ""
    fallback = _pyvis_build()
    if fallback is None:
        raise PlotError(
            f"the interactive view needs vis-network: none in {build} (run npm ci --prefix web in the project "
            "folder) nor in pyvis (pip install 'nanokg[plot]')"
        )
    script = _SOURCE_MAP.sub("", fallback.read_text(encoding="utf-8"))
    return script, (fallback.parent / "vis-network.css").read_text(encoding="utf-8")


def _pyvis_build() -> Path | None:
    """The newest ``vis-network.min.js`` among the builds the pyvis wheel ships, found without importing pyvis."""
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    builds = sorted(root.glob("lib/vis-*/vis-network.min.js"), key=lambda p: _version_key(p.parent.name))
    return builds[-1] if builds else None


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
    positions = layout(network)
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
        colour = {"target": TARGET_COLOUR, "indication": INDICATION_COLOUR}.get(kind) or colours[attrs["carrier"]]
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
                "font": {"size": 22, "color": TARGET_COLOUR if kind == "target" else "#222222"},
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
                    "color": TARGET_COLOUR if targeted else colours.get(carrier, "#C8C8C8"),
                    "opacity": 0.8 if targeted else 0.45,
                },
                "width": 2 if targeted else 1,
            }
        )
    legend = [{"name": name, "colour": colour, "shape": "dot"} for name, colour in colours.items()]
    legend += [
        {"name": "molecular target", "colour": TARGET_COLOUR, "shape": "diamond"},
        {"name": "indication", "colour": INDICATION_COLOUR, "shape": "square"},
    ]
    return {"nodes": nodes, "edges": edges, "legend": legend}


def network_html(network: nx.Graph, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Write the network as a self-contained interactive HTML page.

    The vis-network build (:func:`vis_network_assets`) and the graph's data are inlined
    into the page template (``network_view.html`` beside this module): the page opens
    from disk, offline, and requests nothing from any host. In the page,
    ``window.nanokg.nodes`` and ``window.nanokg.edges`` are the vis-network DataSets
    and ``body[data-ready]`` is set once the network is drawn.

    Parameters
    ----------
    network
        A graph of :func:`nanokg.analytics.drawing.product_network`.
    path
        The ``.html`` (or ``.htm``) file to write (all or nothing).
    title
        The page's heading (default: a description of the network).
    """
    path = output_path(path, PAGE_SUFFIXES, "the interactive view")
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
    template = string.Template(resources.files(__package__).joinpath(_TEMPLATE).read_text(encoding="utf-8"))
    page = template.substitute(
        title=html.escape(title),
        summary=html.escape(summary),
        legend=legend,
        data=_script_json({"nodes": data["nodes"], "edges": data["edges"]}),
        vis_js=script.replace("</script", "<\\/script"),
        vis_css=css,
    )
    write_text(path, page)
    return path
