"""Pictures: every figure is written and decoded, and the interactive view is drawn in headless chromium.

PNGs are checked by signature and decoded (matplotlib.image) to an image of the expected
size with more than one colour; SVGs parse as XML and hold drawn paths and the labels of
the graph's entities. The HTML view is opened from disk in Debian's chromium with every
request recorded: it must make none but its own file, its vis-network DataSets must hold
the network's nodes and edges, and each node's centre pixel on the canvas must be that
node's colour. Screenshots are kept in build/test-artifacts/ (or $NANOKG_TEST_ARTIFACTS).
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nanokg.analytics import drawing, figures, interactive, plot
from nanokg.analytics.network import entity_graph

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def graph(kg):
    return entity_graph(kg)


@pytest.fixture(scope="module")
def network(graph):
    return drawing.product_network(graph)


def check_png(path: Path, min_width: int = 600, min_height: int = 400):
    """The file is a PNG that decodes to a picture of at least that size, with something drawn on it."""
    from matplotlib import image

    assert path.read_bytes()[:8] == PNG_SIGNATURE
    pixels = image.imread(path)
    height, width = pixels.shape[:2]
    assert width >= min_width and height >= min_height, (width, height)
    colours = {tuple(row) for row in pixels.reshape(-1, pixels.shape[2])[::97].round(2).tolist()}
    assert len(colours) > 8, "the picture is (nearly) blank"
    return pixels


def svg_texts(path: Path) -> list[str]:
    """The SVG parses as XML, draws paths, and its texts (kept as text, not outlines) are returned."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f".//{SVG}path")) + len(root.findall(f".//{SVG}use")) > 20
    return [" ".join(t.itertext()) for t in root.iter(f"{SVG}text")]


# -- the network drawn ------------------------------------------------------------


def test_product_network_holds_products_targets_and_indications(network, kg):
    kinds = {
        kind: {n for n, k in network.nodes(data="kind") if k == kind} for kind in ("product", "target", "indication")
    }
    assert set(kinds) == {"product", "target", "indication"}
    assert len(kinds["product"]) == 42  # every curated product of seed 000, linked or not
    assert set().union(*kinds.values()) == set(network)
    labels = {network.nodes[n]["label"] for n in kinds["target"]}
    # seed 000's active-targeting section and the PK2 and Cornell Dots passages
    assert labels == {"transferrin receptor", "prostate-specific membrane antigen", "GAH antigen",
                      "asialoglycoprotein receptor", "integrin αvβ3"}  # fmt: skip
    tfr = "https://w3id.org/nanokg/target/transferrin-receptor"
    assert sorted(network.nodes[n]["label"] for n in network[tfr]) == ["CALAA-01", "SGT-53"]
    abraxane = "https://w3id.org/nanokg/product/abraxane"
    assert sorted(network.nodes[n]["label"] for n in network[abraxane]) == [
        "metastatic breast cancer",
        "pancreatic cancer",
    ]
    assert network.nodes[abraxane]["carrier"] == "nanoparticle" and network.nodes[abraxane]["stage"] == "approved"
    # the same carrier classes the products query gives
    by_query = {r["product"]: r["carrier_class"] for r in kg.query("products").as_dicts()}
    assert {n: network.nodes[n]["carrier"] for n in kinds["product"]} == by_query


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_network_picture(graph, tmp_path, suffix):
    out = plot.plot("network", graph, tmp_path / f"network{suffix}")
    if suffix == ".png":
        check_png(out, 1200, 1200)
    else:
        texts = svg_texts(out)
        for label in ("SGT-53", "transferrin receptor", "pancreatic cancer", "liposome", "polymer-drug conjugate"):
            assert label in texts, label  # node labels and the carrier-class legend


def test_layout_is_deterministic_and_columned(network):
    first, second = interactive.network_data(network), interactive.network_data(network)
    assert first == second
    xs = {node["group"]: set() for node in first["nodes"]}
    for node in first["nodes"]:
        xs[node["group"]].add(node["x"])
    assert xs["target"] == {0.0} and len(xs["product"]) == 1 and len(xs["indication"]) == 1
    assert max(xs["target"]) < min(xs["product"]) < min(xs["indication"])


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_attrition_picture(graph, kg, tmp_path, suffix):
    out = plot.plot("attrition", graph, tmp_path / f"attrition{suffix}")
    if suffix == ".png":
        check_png(out, 1200, 600)
        return
    texts = svg_texts(out)
    # per class, the totals and approved / terminated shares of the clinical-attrition query, as drawn
    rows = kg.query("clinical-attrition").as_dicts()
    assert len(rows) == 5
    for row in rows:
        n = row["productCount"]
        assert row["carrierClassLabel"] in texts
        assert f"{n} products" in texts
        assert f"{100 * row['approvedCount'] / n:.0f}% ({row['approvedCount']}/{n})" in texts
        assert f"{100 * row['terminatedCount'] / n:.0f}% ({row['terminatedCount']}/{n})" in texts
    # seed 000 by hand: 4 of the 12 liposomes approved; no polymer-drug conjugate approved
    assert "33% (4/12)" in texts and "0% (0/7)" in texts
    for stage in ("phase 1", "phase 2", "phase 3", "approved"):
        assert stage in texts  # the stage legend


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_similarity_picture(graph, tmp_path, suffix):
    out = plot.plot("similarity", graph, tmp_path / f"similarity{suffix}")
    names = sorted(graph.nodes[p]["label"] for p, kind in graph.nodes(data="kind") if kind == "product")
    if suffix == ".png":
        check_png(out, 1200, 1200)
        return
    texts = svg_texts(out)
    for name in names:
        assert texts.count(name) == 2, name  # a row and a column per product
    assert "Jaccard similarity (payloads, targets, indications, carrier)" in texts
    # products in community order: the five albumin-bound paclitaxel generics, which share every feature
    # (payload paclitaxel, carrier nanoparticle), sit side by side
    columns = [t for t in texts if t in names][: len(names)]
    generics = [i for i, name in enumerate(columns) if name.startswith("Albumin-bound paclitaxel")]
    assert len(generics) == 5 and generics == list(range(generics[0], generics[0] + 5))


def test_svg_output_is_deterministic(graph, tmp_path):
    first = plot.plot("attrition", graph, tmp_path / "a.svg").read_bytes()
    second = plot.plot("attrition", graph, tmp_path / "b.svg").read_bytes()
    assert first == second


# -- the interactive view -----------------------------------------------------------


def test_html_view_is_self_contained(network, tmp_path):
    out = interactive.network_html(network, tmp_path / "network.html")
    text = out.read_text(encoding="utf-8")
    # nothing loaded from anywhere: no src/href attribute at all, no @import, no url() but data: URIs
    assert not re.search(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=""", text, re.IGNORECASE)
    assert "@import" not in text
    assert not [u for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", text) if not u.startswith("data:")]
    assert "sourceMappingURL" not in text
    assert "vis.Network" in text and "</script" not in text.split("<script>", 2)[2].split("</script>", 1)[0]


def test_html_view_draws_every_node_offline(browser, network, tmp_path, artifacts, capsys):
    out = interactive.network_html(network, tmp_path / "network.html")
    tab = browser.new_page()
    tab.on("console", lambda message: message.type == "error" and browser.errors.append(message.text))
    tab.goto(out.as_uri())
    tab.wait_for_selector("body[data-ready]", state="attached", timeout=30_000)

    counts = tab.evaluate("() => [nanokg.nodes.length, nanokg.edges.length]")
    assert counts == [network.number_of_nodes(), network.number_of_edges()]
    assert sorted(tab.evaluate("() => nanokg.nodes.getIds()")) == sorted(network)

    # each node's centre pixel on the canvas is the node's own colour: the nodes are drawn
    drawn = tab.evaluate(
        """() => {
            const canvas = document.querySelector('#network canvas');
            const context = canvas.getContext('2d');
            const ratio = canvas.width / canvas.clientWidth;
            const positions = nanokg.network.getPositions();
            const hex = (v) => v.toString(16).padStart(2, '0');
            const out = {};
            for (const node of nanokg.nodes.get()) {
                const at = nanokg.network.canvasToDOM(positions[node.id]);
                const [r, g, b] = context.getImageData(Math.round(at.x * ratio), Math.round(at.y * ratio), 1, 1).data;
                out[node.id] = [node.color.background.toLowerCase(), '#' + hex(r) + hex(g) + hex(b)];
            }
            return out;
        }"""
    )
    assert set(drawn) == set(network)
    wrong = {node: colours for node, colours in drawn.items() if colours[0] != colours[1]}
    assert not wrong, f"{len(wrong)} nodes not drawn in their colour, e.g. {sorted(wrong.items())[:3]}"

    assert [url for _, url in browser.requests if url != out.as_uri()] == []  # no other file, no other host
    assert browser.errors == []
    shot = artifacts / "network-view.png"
    tab.screenshot(path=str(shot))
    with capsys.disabled():
        print(f"\nnetwork view: {counts[0]} nodes, {counts[1]} edges drawn in headless chromium; screenshot {shot}")


# -- bad input ----------------------------------------------------------------------


def test_wrong_extension_kind_or_folder_are_usage_errors(graph, network, tmp_path):
    with pytest.raises(drawing.PlotUsageError, match=r"network\.pdf: the network picture is written as \.png or \.svg"):
        plot.plot("network", graph, tmp_path / "network.pdf")
    with pytest.raises(drawing.PlotUsageError, match=r"the html picture is written as \.html or \.htm"):
        plot.plot("html", graph, tmp_path / "network.png")
    with pytest.raises(drawing.PlotUsageError, match=r"interactive view is written as \.html"):
        interactive.network_html(network, tmp_path / "network.png")
    with pytest.raises(drawing.PlotUsageError, match="unknown picture 'pie'"):
        plot.plot("pie", graph, tmp_path / "pie.png")
    with pytest.raises(drawing.PlotUsageError, match=r"folder .*missing does not exist"):
        plot.plot("network", graph, tmp_path / "missing" / "network.png")
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_graph_without_products_is_refused(tmp_path):
    import networkx as nx

    for kind, name in (("network", "n.png"), ("similarity", "s.svg"), ("html", "v.html")):
        with pytest.raises(drawing.PlotError, match="no nanomedicines"):
            plot.plot(kind, nx.MultiDiGraph(), tmp_path / name)
    assert interactive.network_data(nx.Graph()) == {"nodes": [], "edges": [], "legend": [
        {"name": "molecular target", "colour": "#B22222", "shape": "diamond"},
        {"name": "indication", "colour": "#7F7F7F", "shape": "square"}]}  # fmt: skip
    assert list(tmp_path.iterdir()) == []


def test_command_offers_every_picture():
    from nanokg.cli import main

    assert list(main.commands["plot"].params[0].type.choices) == list(plot.KINDS)


def test_a_failed_write_leaves_the_previous_file(network, tmp_path, monkeypatch):
    out = tmp_path / "network.png"
    out.write_bytes(b"previous")
    figure = figures.network_figure(network)
    monkeypatch.setattr(figure, "savefig", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        figures.save_figure(figure, out)
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["network.png"]  # no temporary file left behind


@pytest.mark.slow
def test_figures_are_drawn_without_pyplot(built_store, tmp_path):
    # no pyplot: no backend is chosen and no window can open, on a headless machine or in a notebook
    code = (
        "import sys; from nanokg import KnowledgeGraph; from nanokg.analytics.network import entity_graph; "
        "from nanokg.analytics.plot import plot; "
        f"plot('network', entity_graph(KnowledgeGraph.open({str(built_store)!r})), {str(tmp_path / 'n.png')!r}); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    check_png(tmp_path / "n.png")


# -- the command ----------------------------------------------------------------------


def nanokg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nanokg", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_command_writes_each_picture(built_store, tmp_path):
    for kind, name in (("network", "n.png"), ("similarity", "s.svg"), ("html", "view.html")):
        done = nanokg("plot", kind, "--out", str(tmp_path / name), "--store", str(built_store))
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip() == f"nanokg: wrote the {kind} picture to {tmp_path / name}"
    check_png(tmp_path / "n.png", 1200, 1200)
    assert "SGT-53" in svg_texts(tmp_path / "s.svg")
    assert "new vis.Network(" in (tmp_path / "view.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_command_on_an_endpoint_draws_the_same_picture(built_store, oxigraph_server, tmp_path):
    local = nanokg("plot", "attrition", "--out", str(tmp_path / "local.svg"), "--store", str(built_store))
    remote = nanokg("plot", "attrition", "--out", str(tmp_path / "remote.svg"), "--endpoint", oxigraph_server.query_url)
    assert local.returncode == 0 and remote.returncode == 0, (local.stderr, remote.stderr)
    assert (tmp_path / "remote.svg").read_bytes() == (tmp_path / "local.svg").read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["network", "--out", "network.pdf"],
            "network.pdf: the network picture is written as .png or .svg, not '.pdf'",
        ),
        (["html", "--out", "view.svg"], "view.svg: the html picture is written as .html or .htm, not '.svg'"),
        (["attrition", "--out", "missing/a.png"], "missing/a.png: folder missing does not exist"),
    ],
)
def test_command_refuses_bad_output_in_one_line(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    # no store is needed to refuse: the output is checked first
    done = nanokg("plot", *args, "--store", str(tmp_path / "no-store"))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"nanokg: error: {message}"]
    assert list(tmp_path.iterdir()) == []


def test_command_without_a_store_says_so(tmp_path):
    done = nanokg("plot", "network", "--out", str(tmp_path / "n.png"), "--store", str(tmp_path / "no-store"))
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1 and "nanokg build" in done.stderr
    assert not (tmp_path / "n.png").exists()
