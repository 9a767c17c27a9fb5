"""The query page of `nanokg serve`, driven in Debian's headless chromium through playwright.

A real `nanokg serve` on 127.0.0.1 serves the page, YASGUI (from web/node_modules, same
origin) and the endpoint; the browser shows the default query's results on a first visit,
runs a named query and autocompletes from our ontology, and every request it makes must go
to that server. At 1,100 x 800 the results fit the window (no horizontal scroll, long cells
wrapped whole), typed numbers read as numbers and the list's panel runs the full height.
The screenshots are kept in build/test-artifacts/ (or $NANOKG_TEST_ARTIFACTS).
"""

from __future__ import annotations

import json
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
# the named query a first visitor sees run (DEFAULT_QUERY in web/page.js)
DEFAULT_QUERY = "products-by-target"
# the window the issue (#20) was checked in
NARROW = {"width": 1100, "height": 800}
PANEL_BACKGROUND = "rgb(246, 248, 250)"  # --panel in web/page.css
XSD = "http://www.w3.org/2001/XMLSchema#"


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


def open_page(browser, server, viewport: dict[str, int] | None = None):
    tab = browser.new_page()
    if viewport:
        tab.set_viewport_size(viewport)
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
    """The YASR table's column names and cell texts, as shown (Simple view: no row-number column)."""
    return tab.evaluate(
        """() => {
            const table = document.querySelector('.yasr table.dataTable');
            const header = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
            const rows = [...table.querySelectorAll('tbody tr')].map((tr) =>
                [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()));
            return [header, rows];
        }"""
    )


def table_as_dicts(tab) -> list[dict[str, str]]:
    header, rows = table(tab)
    return [dict(zip(header, row, strict=True)) for row in rows]


def wait_for_column(tab, column: str) -> None:
    """Wait until the results table has this column (a new query's answer is drawn)."""
    tab.wait_for_function(
        """(column) => [...document.querySelectorAll('.yasr table.dataTable thead th')]
            .some((th) => th.textContent.trim() === column)""",
        arg=column,
        timeout=30_000,
    )


def sparql_posts(browser, server) -> list[tuple[str, str]]:
    return [(method, url) for method, url in browser.requests if url.endswith("/sparql")]


# what the page measures at 1,100 x 800: the document's width against the window's, every cell
# whose text does not fit its box (cut, or hidden by an ellipsis), and the list's panel against the
# bottom of the document, at the top of the page and scrolled to its end (the old panel was one
# window high, and only followed the scroll)
LAYOUT = """() => {
    const root = document.documentElement;
    const box = document.querySelector('.yasr .dt-container');  // scrolls a table too wide for it
    const cells = [...document.querySelectorAll('.yasr table.dataTable td')].filter((td) => td.textContent.trim());
    const clipped = cells.filter((td) => {
        const box = td.firstElementChild || td;
        const range = document.createRange();
        range.selectNodeContents(box);
        const text = range.getBoundingClientRect(), cell = td.getBoundingClientRect();
        return box.scrollWidth > box.clientWidth + 1 || text.right > cell.right + 1 || text.left < cell.left - 1;
    }).map((td) => td.textContent.trim());
    const panel = document.querySelector('.named-queries');
    window.scrollTo(0, 0);
    const bottom = panel.getBoundingClientRect().bottom;
    window.scrollTo(0, root.scrollHeight);
    const scrolledBottom = panel.getBoundingClientRect().bottom + window.scrollY;
    const corner = document.elementFromPoint(5, window.innerHeight - 5);
    const layout = {
        scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, innerWidth: window.innerWidth,
        scrollHeight: root.scrollHeight, innerHeight: window.innerHeight,
        tableRight: document.querySelector('.yasr table.dataTable').getBoundingClientRect().right,
        resultsRight: document.querySelector('.yasr .yasr_results').getBoundingClientRect().right,
        tableScroll: [box.scrollWidth, box.clientWidth],
        ellipsed: Boolean(document.querySelector('.yasr table.ellipseTable')),
        clipped, panelBottom: bottom, panelScrolledBottom: scrolledBottom,
        panelBackground: getComputedStyle(panel).backgroundColor,
        cornerInPanel: panel.contains(corner),
    };
    window.scrollTo(0, 0);
    return layout;
}"""


def check_layout(tab, *, table_fits: bool = True) -> dict:
    """The page at the narrow window: no horizontal scroll, nothing cut, the panel full height.

    With ``table_fits`` the results table fits the window too; otherwise (more column titles
    than the width holds) it may scroll inside its own box, but the page does not.
    """
    layout = tab.evaluate(LAYOUT)
    assert layout["innerWidth"] == NARROW["width"]
    assert layout["scrollWidth"] <= layout["clientWidth"], layout  # no horizontal scroll
    if table_fits:
        assert layout["tableRight"] <= layout["resultsRight"] + 0.5, layout  # no scroll of its own either
        assert layout["tableScroll"][0] <= layout["tableScroll"][1], layout
    assert not layout["ellipsed"] and layout["clipped"] == [], layout
    # the panel reaches the end of the document, scrolled or not
    assert min(layout["panelBottom"], layout["panelScrolledBottom"]) >= layout["scrollHeight"] - 1, layout
    assert layout["panelBackground"] == PANEL_BACKGROUND and layout["cornerInPanel"], layout
    return layout


def test_first_visit_shows_the_default_query_fitted_at_1100(browser, server, kg, artifacts, capsys):
    tab, load_time = open_page(browser, server, NARROW)
    assert tab.locator("#query-list button").count() == len(kg.catalogue)

    # run on load, no click: the tab, the panel and the list all say which query it is
    tab.wait_for_selector(TABLE_ROWS, timeout=30_000)
    assert tab.evaluate("() => window.nanokg.yasgui.getTab().getName()") == DEFAULT_QUERY
    assert tab.inner_text("#query-title") == kg.catalogue[DEFAULT_QUERY].summary
    assert tab.get_attribute(f"button[data-query='{DEFAULT_QUERY}']", "aria-current") == "true"
    # one POST lists the catalogue from the graph (SHACL executables), one runs the default query
    assert sparql_posts(browser, server) == [("POST", f"{server.base}/sparql")] * 2
    assert not [url for _, url in browser.requests if url.endswith("/api/queries")]

    shown = table_as_dicts(tab)
    expected = kg.query(DEFAULT_QUERY).as_dicts()
    # seed 000: SGT-53 (TfRscFv) and CALAA-01 (human transferrin) target the transferrin receptor
    assert sorted(row["name"] for row in shown) == sorted(row["name"] for row in expected)
    assert {row["name"] for row in shown} == {"CALAA-01", "SGT-53"}
    assert "product:sgt-53" in [row["product"] for row in shown]  # IRIs compacted with our prefixes
    # a typed number reads as a number: stageRank is "2"^^xsd:integer in the results, 2 on the page
    ranks = {row["name"]: row["stageRank"] for row in shown}
    assert ranks == {row["name"]: str(row["stageRank"]) for row in expected}
    assert set(ranks.values()) == {"2"}  # both stopped in phase 1
    assert not [cell for row in shown for cell in row.values() if "^^" in cell or "xsd:" in cell]
    # a long cell shows whole, wrapped rather than cut ("human tra..."): the longest ligand label
    # of the answer, read off the page, on more than one line (check_layout: no cell is cut)
    longest = max((row["ligandLabel"] for row in expected), key=len)
    assert "human transferrin" in [row["ligandLabel"] for row in shown]
    text, lines = tab.evaluate(
        """(longest) => {
            const td = [...document.querySelectorAll('.yasr table.dataTable td')]
                .find((cell) => cell.textContent.trim() === longest);
            const range = document.createRange();
            range.selectNodeContents(td.firstElementChild);
            return [td.innerText.trim(), new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size];
        }""",
        longest,
    )
    assert text.split() == longest.split() and lines > 1, (text, lines)

    layout = check_layout(tab)
    shot = artifacts / "query-page-1100.png"
    tab.screenshot(path=str(shot), full_page=True)
    # the panel's background also runs the full height when the filter leaves a short list
    tab.fill("#query-filter", DEFAULT_QUERY)
    assert tab.locator("#query-list li:not([hidden])").count() == 1
    check_layout(tab)
    assert foreign(browser.requests, server) == []
    assert browser.errors == []
    with capsys.disabled():
        print(
            f"\nquery page at 1100x800: ready with results in {load_time:.2f} s; document "
            f"{layout['scrollWidth']}/{layout['clientWidth']} px wide, {layout['scrollHeight']} px tall, "
            f"panel to {layout['panelBottom']:.0f} px; screenshot {shot}"
        )


def test_typed_literals_stay_readable(browser, server):
    tab, _ = open_page(browser, server, NARROW)
    tab.wait_for_selector(TABLE_ROWS, timeout=30_000)
    query = """PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT * WHERE {
  VALUES (?int ?integer ?decimal ?double ?boolean ?date ?year ?label ?plain ?iri) {
    ("2"^^xsd:int 42 1.50 2.5e3 true "2005-03-01"^^xsd:date "2005"^^xsd:gYear "liposome"@en "a plain string"
     <https://w3id.org/nanokg/product/sgt-53>)
  }
}"""
    tab.evaluate("(text) => { const tab = window.nanokg.yasgui.getTab(); tab.setQuery(text); tab.query(); }", query)
    wait_for_column(tab, "decimal")
    # each literal as the endpoint writes its lexical form, with no quotes, datatype or language tag
    request = urllib.request.Request(
        server.url,
        data=urllib.parse.urlencode({"query": query}).encode(),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        (binding,) = json.load(response)["results"]["bindings"]
    assert binding["int"]["value"] == "2" and binding["int"]["datatype"].startswith(XSD)
    assert binding["label"]["xml:lang"] == "en"
    lexical = {name: term["value"] for name, term in binding.items() if term["type"] == "literal"}
    assert table_as_dicts(tab) == [{**lexical, "iri": "product:sgt-53"}]
    check_layout(tab)
    # YASR's own switch still shows the full RDF terms, datatypes and all
    tab.click(".yasr .tableControls label.switch:has-text('Simple view')")
    tab.wait_for_function("() => document.querySelector('.yasr table.dataTable tbody').textContent.includes('^^')")
    full = tab.inner_text(".yasr table.dataTable tbody")
    assert '"2"^^xsd:' in full and '"liposome"@en' in full
    check_layout(tab, table_fits=False)  # eleven columns with the row numbers
    assert browser.errors == []


def test_named_query_runs_and_fills_the_table(browser, server, kg, artifacts, capsys):
    tab, load_time = open_page(browser, server)
    tab.wait_for_selector(TABLE_ROWS, timeout=30_000)  # the default query's answer

    tab.click("button[data-query='products-by-stage']")
    wait_for_column(tab, "carrierClassLabel")
    shown = table_as_dicts(tab)
    assert list(shown[0])[:2] == ["product", "name"]
    # the same rows the embedded store gives for the query with its defaults (phase 3 or later)
    expected = kg.query("products-by-stage").as_dicts()
    assert sorted(row["name"] for row in shown) == sorted(row["name"] for row in expected)
    assert len(shown) >= 3
    assert {row["stageRank"] for row in shown} == {str(row["stageRank"]) for row in expected}
    assert "products-by-stage" in tab.inner_text(".tabsList")
    assert tab.get_attribute("button[data-query='products-by-stage']", "aria-current") == "true"
    assert tab.get_attribute(f"button[data-query='{DEFAULT_QUERY}']", "aria-current") is None

    # the catalogue's listing, the default query on load, then the chosen query
    assert sparql_posts(browser, server) == [("POST", f"{server.base}/sparql")] * 3
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
