"""The query page of `nanokg serve`, driven in Debian's headless chromium through playwright.

A real `nanokg serve` on 127.0.0.1 serves the page, YASGUI (from web/node_modules, same
origin) and the endpoint; the browser runs a named query and autocompletes from our
ontology, and every request it makes must go to that server. The screenshot is kept in
build/test-artifacts/ (or $NANOKG_TEST_ARTIFACTS).
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from nanokg import settings
from nanokg.serve import page
from servers import NanokgServer

# every test here talks to a real server started on loopback (tiers: tests/conftest.py)
pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[1]
READY = "body[data-ready]"
TABLE_ROWS = ".yasr table.dataTable tbody tr"


@pytest.fixture(scope="session")
def yasgui_build() -> Path:
    """The YASGUI build the page loads, installed from web/package.json when missing."""
    if not page.yasgui_installed():
        npm = shutil.which("npm")
        if npm:
            subprocess.run([npm, "install", "--prefix", "web", "--no-audit", "--no-fund"], cwd=ROOT, check=False)
    if not page.yasgui_installed():
        pytest.fail(
            f"the YASGUI build is missing from {settings.web_dir() / page.YASGUI_BUILD}: run `{page.INSTALL_COMMAND}`"
        )
    return settings.web_dir() / page.YASGUI_BUILD


@pytest.fixture(scope="module")
def server(built_store, yasgui_build, tmp_path_factory):
    served = NanokgServer(built_store, tmp_path_factory.mktemp("serve"))
    try:
        yield served
    finally:
        served.stop()


def open_page(browser, server):
    tab = browser.new_page()
    tab.on("console", lambda message: message.type == "error" and browser.errors.append(message.text))
    started = time.monotonic()
    tab.goto(f"{server.base}/")
    tab.wait_for_selector(READY, state="attached", timeout=30_000)
    assert tab.get_attribute("body", "data-ready") == "true", tab.inner_text("#queries-status")
    return tab, time.monotonic() - started


def foreign(requests, server) -> list[str]:
    """Requests that went anywhere but the test server (inline data: URLs stay in the page)."""
    return [url for _, url in requests if not (url.startswith(f"{server.base}/") or url.startswith("data:"))]


def table(tab) -> tuple[list[str], list[list[str]]]:
    """The YASR table's column names and cell texts (the first column is YASR's row number)."""
    return tab.evaluate(
        """() => {
            const table = document.querySelector('.yasr table.dataTable');
            const header = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
            const rows = [...table.querySelectorAll('tbody tr')].map((tr) =>
                [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()));
            return [header, rows];
        }"""
    )


def test_named_query_runs_and_fills_the_table(browser, server, kg, artifacts, capsys):
    tab, load_time = open_page(browser, server)
    assert tab.locator("#query-list button").count() == len(kg.catalogue)

    tab.click("button[data-query='products-by-target']")
    tab.wait_for_selector(TABLE_ROWS, timeout=30_000)
    header, rows = table(tab)
    columns = header[1:]
    assert columns[:2] == ["product", "name"]
    names = sorted(row[1 + columns.index("name")] for row in rows)
    # seed 000: SGT-53 (TfRscFv) and CALAA-01 (human transferrin) target the transferrin receptor
    assert set(names) == {"SGT-53", "CALAA-01"}
    # the same rows the embedded store gives for the query with its defaults
    assert names == sorted(row["name"] for row in kg.query("products-by-target").as_dicts())
    assert "product:sgt-53" in [row[1] for row in rows]  # IRIs compacted with our prefixes
    assert "products-by-target" in tab.inner_text(".tabsList")

    # one POST lists the catalogue from the graph (SHACL executables), one runs the chosen query
    queries = [(method, url) for method, url in browser.requests if url.endswith("/sparql")]
    assert queries == [("POST", f"{server.base}/sparql")] * 2
    assert not [url for _, url in browser.requests if url.endswith("/api/queries")]
    assert foreign(browser.requests, server) == []
    assert browser.errors == []

    shot = artifacts / "query-page.png"
    tab.screenshot(path=str(shot))
    with capsys.disabled():
        print(f"\nquery page: ready in {load_time:.2f} s in headless chromium; screenshot {shot}")


def test_autocompletion_offers_our_prefixes_and_terms(browser, server):
    tab, _ = open_page(browser, server)
    loaded = len(browser.requests)  # the page's own start, the catalogue's SPARQL listing among them
    editor = "nanokg.yasgui.getTab().getYasqe()"

    def start(text: str) -> None:
        tab.evaluate(
            f"""(text) => {{ const yasqe = {editor}; yasqe.setValue(text); yasqe.focus();
                yasqe.getDoc().setCursor(yasqe.getDoc().posFromIndex(text.length)); }}""",
            text,
        )

    def hints(typed: str) -> str:
        tab.keyboard.type(typed, delay=30)
        tab.wait_for_selector(".CodeMirror-hints", timeout=5_000)
        return tab.inner_text(".CodeMirror-hints")

    # a property: nkg: is not declared yet; the prefix completer declares it from our list
    start("SELECT * WHERE {\n  ?product ")
    offered = hints("nkg:hasPay")
    assert "nkg:hasPayload" in offered and "has payload" in offered  # the label beside the name
    tab.keyboard.press("Enter")
    text = tab.evaluate(f"{editor}.getValue()")
    assert "PREFIX nkg: <https://w3id.org/nanokg/ontology#>" in text
    assert "?product nkg:hasPayload" in text

    # a class, after `a`
    tab.keyboard.type(" ?drug .\n  ?drug a ", delay=30)
    assert "nkg:SmallMoleculeDrug" in hints("nkg:SmallMol")
    tab.keyboard.press("Escape")

    # a prefix declaration: ours, not the bundled prefix.cc list (where product: is another vocabulary)
    start("PREFIX ")
    assert "product: <https://w3id.org/nanokg/product/>" in hints("produ")

    assert foreign(browser.requests, server) == []
    assert not [url for _, url in browser.requests[loaded:] if url.endswith("/sparql")]  # completion asks no endpoint
    assert browser.errors == []


def test_page_without_yasgui_says_how_to_install_it(built_store, tmp_path, monkeypatch):
    web = tmp_path / "web"  # the project's page without node_modules
    web.mkdir()
    for name in ("index.html", "page.js", "page.css"):
        shutil.copy(settings.web_dir() / name, web / name)
    monkeypatch.setenv("NANOKG_WEB", str(web))  # the server inherits it
    served = NanokgServer(built_store, tmp_path)
    try:
        with urllib.request.urlopen(f"{served.base}/", timeout=10) as response:
            text = response.read().decode()
        assert response.status == 200
        assert "npm ci --prefix web" in text and str(web / page.YASGUI_BUILD) in text
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{served.base}/assets/yasgui/yasgui.min.js", timeout=10)
        assert missing.value.code == 404
        # the endpoint does not need the page
        form = urllib.parse.urlencode({"query": "ASK { ?p nkg:hasPayload ?d }"}).encode()
        request = urllib.request.Request(
            f"{served.base}/sparql", data=form, headers={"Accept": "application/sparql-results+json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert b'"boolean":true' in response.read().replace(b" ", b"")
    finally:
        served.stop()


def test_page_serves_only_its_own_files(server):
    for path in (
        "/assets/page.js",
        "/assets/page.css",
        "/assets/yasgui/yasgui.min.js",
        "/assets/yasgui/yasgui.min.css",
    ):
        with urllib.request.urlopen(f"{server.base}{path}", timeout=10) as response:
            assert response.status == 200, path
    for path in (
        "/assets/package.json",
        "/assets/node_modules/@zazuko/yasgui/package.json",
        "/assets/yasgui/../package.json",
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{server.base}{path}", timeout=10)
        assert refused.value.code == 404, path


def test_the_yasgui_bundle_travels_compressed(server):
    request = urllib.request.Request(f"{server.base}/assets/yasgui/yasgui.min.js", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        compressed = response.read()
    plain = settings.web_dir() / "node_modules/@zazuko/yasgui/build/yasgui.min.js"
    assert len(compressed) < plain.stat().st_size / 2


def test_the_list_comes_from_the_graph(browser, server, kg):
    tab, _ = open_page(browser, server)
    listed = tab.evaluate("() => window.nanokg.queries")
    assert [q["name"] for q in listed] == kg.catalogue.names()
    spec = kg.catalogue["products-by-size"]
    entry = next(q for q in listed if q["name"] == "products-by-size")
    assert (entry["summary"], entry["description"], entry["tags"]) == (spec.summary, spec.description, spec.tags)
    assert [(p["name"], p["default"]) for p in entry["parameters"]] == [("minsize", "10"), ("maxsize", "100")]
    # the text published in sh:select: the defaults bound as RDF terms, the header left out
    assert 'VALUES ?_minsize_number { "10"^^<http://www.w3.org/2001/XMLSchema#integer> }' in entry["query"]
    assert "#+" not in entry["query"]
    # the panel shows the graph's title and the parameters' defaults
    tab.click("button[data-query='products-by-target']")
    assert tab.inner_text("#query-title") == kg.catalogue["products-by-target"].summary
    assert "target:transferrin-receptor" in tab.inner_text("#query-parameters")
    assert tab.evaluate("() => window.nanokg.yasgui.getTab().getQuery()").startswith("PREFIX nkg:")
    assert browser.errors == []
