"""Where the interactive view's vis-network comes from: npm's pinned build first, pyvis's copy without npm.

The lock pins vis-network beside YASGUI (no download addresses, integrity hashes kept); the
installed build is that version; a web folder without ``node_modules`` (a wheel installed
with pip) falls back to the copy in the pyvis wheel, of the same version; with neither,
one error names both remedies. Both sources give a page that chromium draws offline, with
the page's own tooltip style winning over the one vis-network injects.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from nanokg import settings
from nanokg.analytics import drawing, interactive
from nanokg.analytics.network import entity_graph

ROOT = Path(__file__).resolve().parents[1]


def _version(script: str) -> str:
    return re.search(r"@version\s+(\S+)", script[:2000]).group(1)


def test_the_lock_pins_vis_network_without_download_addresses():
    package = json.loads((ROOT / "web" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))
    pinned = package["dependencies"]["vis-network"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), "an exact version, not a range"
    entry = lock["packages"]["node_modules/vis-network"]
    assert entry["version"] == pinned and entry["integrity"].startswith("sha512-")
    assert lock["packages"][""]["dependencies"]["vis-network"] == pinned
    assert not [name for name, p in lock["packages"].items() if "resolved" in p]


def test_the_installed_build_is_the_pinned_one():
    # scripts/setup-test-env.sh runs npm ci --prefix web
    package = json.loads((ROOT / "web" / "package.json").read_text(encoding="utf-8"))
    script, css = interactive.vis_network_assets(settings.web_dir())
    assert _version(script) == package["dependencies"]["vis-network"]
    assert css == ""  # the standalone build injects its own stylesheet
    assert "sourceMappingURL" not in script


def test_the_npm_build_comes_first(tmp_path):
    build = tmp_path / interactive.VIS_NETWORK_BUILD
    build.parent.mkdir(parents=True)
    build.write_text("/* vis-network @version 0.0.1 */ var vis = {};\n//# sourceMappingURL=vis-network.min.js.map\n")
    assert interactive.vis_network_assets(tmp_path) == ("/* vis-network @version 0.0.1 */ var vis = {};\n", "")


def test_without_npm_the_pyvis_copy_of_the_same_version(tmp_path):
    package = json.loads((ROOT / "web" / "package.json").read_text(encoding="utf-8"))
    script, css = interactive.vis_network_assets(tmp_path)  # a web folder with no node_modules
    assert _version(script) == package["dependencies"]["vis-network"]
    assert "DataSet" in script
    assert "div.vis-tooltip" in css and "sourceMappingURL" not in script


def test_with_neither_one_error_names_both_remedies(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pyvis" else real(name, *a))
    with pytest.raises(drawing.PlotError) as caught:
        interactive.vis_network_assets(tmp_path)
    assert "npm ci --prefix web" in str(caught.value) and "nanokg[plot]" in str(caught.value)


@pytest.fixture(scope="module")
def network(kg):
    return drawing.product_network(entity_graph(kg))


@pytest.mark.parametrize("source", ["npm", "pyvis"])
def test_each_source_gives_a_page_drawn_offline(browser, network, tmp_path, monkeypatch, source):
    if source == "pyvis":
        monkeypatch.setenv("NANOKG_WEB", str(tmp_path / "web-without-node-modules"))
    script, _ = interactive.vis_network_assets()
    assert (settings.web_dir() / interactive.VIS_NETWORK_BUILD).is_file() == (source == "npm")
    out = interactive.network_html(network, tmp_path / "view.html")
    assert script[-200:] in out.read_text(encoding="utf-8")
    tab = browser.new_page()
    tab.goto(out.as_uri())
    tab.wait_for_selector("body[data-ready]", state="attached", timeout=30_000)
    assert tab.evaluate("() => nanokg.nodes.length") == network.number_of_nodes()
    # a tooltip holds several lines: the page's rule beats the stylesheet vis-network brings (position)
    style = tab.evaluate(
        """() => {
            const probe = document.createElement('div');
            probe.className = 'vis-tooltip';
            document.body.appendChild(probe);
            const s = getComputedStyle(probe);
            return [s.whiteSpace, s.position];
        }"""
    )
    assert style == ["pre-line", "absolute"]
    assert [url for _, url in browser.requests if url != out.as_uri()] == []
    assert browser.errors == []
