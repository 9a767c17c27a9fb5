"""The documentation site: it builds with no warning, and its generated pages cover the tree.

The site (mkdocs.yml, docs/) is built for real with `mkdocs build --strict` into a temporary
directory, once for the module; each test then reads the HTML for what the project holds now:
every command of the click group, every module under src/nanokg, every queries/*.rq, every
subpackage, and the ontology's IRI. The README checks need no build.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "nanokg"
FIRST_COMMAND = "python -m pip install -e . && nanokg build && nanokg products --format table"
TEST_COMMAND = "bash scripts/setup-test-env.sh && python -m pytest -n 2 --dist loadfile"


# -- the README: the front door ------------------------------------------------------------------


def _code_blocks(markdown: str) -> list[str]:
    return [block.strip() for block in re.findall(r"^```[a-z]*\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL)]


def test_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 200, f"README.md has {len(lines)} lines; the manual lives in docs/"


def test_readme_starts_with_the_two_commands():
    blocks = _code_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert blocks[:2] == [FIRST_COMMAND, TEST_COMMAND]


def test_ci_runs_the_readme_test_command():
    assert TEST_COMMAND in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


# -- the site --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("pylode") is None:
        pytest.fail("the docs tools are missing: pip install -e '.[docs]' (scripts/setup-test-env.sh installs them)")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - started
    log = run.stdout + run.stderr
    assert run.returncode == 0, f"mkdocs build --strict failed after {seconds:.1f} s:\n{log}"
    assert "WARNING" not in log, log
    print(f"mkdocs build --strict: {seconds:.1f} s")
    return out


def _page(site: Path, *parts: str) -> str:
    path = site.joinpath(*parts, "index.html")
    assert path.is_file(), f"no page {path.relative_to(site)}"
    return path.read_text(encoding="utf-8")


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


@pytest.mark.slow
def test_cli_reference_lists_every_command(site):
    from nanokg.cli import main

    html = _page(site, "reference", "cli")
    commands = list(_commands(main))
    assert len(commands) > 10
    missing = [" ".join(path) for path in commands if f'id="nanokg-{"-".join(path)}"' not in html]
    assert not missing, f"commands without an entry in the CLI reference: {missing}"


def _modules() -> list[str]:
    names = []
    for path in PACKAGE.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(names)


@pytest.mark.slow
def test_api_reference_has_a_page_for_every_module(site):
    modules = _modules()
    assert "nanokg.knowledge_graph" in modules
    for name in modules:
        html = _page(site, "reference", "api", name)
        assert f'id="{name}"' in html, f"{name}: its page does not render the module"
    index = _page(site, "reference", "api")
    assert all(f"<code>{name}</code>" in index for name in modules)


@pytest.mark.slow
def test_query_catalogue_lists_every_query(site):
    html = _page(site, "reference", "queries")
    queries = sorted(path.stem for path in (ROOT / "queries").glob("*.rq"))
    assert len(queries) > 10
    missing = [name for name in queries if f'id="{name}"' not in html]
    assert not missing, f"queries without an entry in the catalogue: {missing}"
    # the header's parameters, with type and default, and the command line
    entry = html.split('id="products-by-target"', 1)[1].split("<h2", 1)[0]
    entry = unescape(re.sub(r"<[^>]+>", "", entry))
    assert "target" in entry and "nkg:MolecularTarget" in entry
    assert "https://w3id.org/nanokg/target/transferrin-receptor" in entry
    assert "nanokg query products-by-target --param target=CD71" in entry


@pytest.mark.slow
def test_ontology_page_names_the_ontology_iri(site):
    ttl = (ROOT / "ontology" / "nanokg.ttl").read_text(encoding="utf-8")
    iri = re.search(r"^<([^>]+)>\s+a\s+owl:Ontology", ttl, re.MULTILINE).group(1)
    pylode = _page(site, "ontology")
    assert iri in pylode
    assert "nkg:hasPayload" in pylode or "hasPayload" in pylode
    assert iri in _page(site, "reference", "ontology")
    assert (site / "ontology" / "nanokg.ttl").read_bytes() == (ROOT / "ontology" / "nanokg.ttl").read_bytes()


@pytest.mark.slow
def test_layout_names_every_subpackage(site):
    html = _page(site, "reference", "layout")
    subpackages = sorted(path.parent.name for path in PACKAGE.glob("*/__init__.py"))
    assert {"curation", "store", "query", "publish", "serve", "analytics", "cli"} <= set(subpackages)
    missing = [name for name in subpackages if f"nanokg.{name}" not in html]
    assert not missing, f"subpackages the layout page does not name: {missing}"
    # one sentence each, from the subpackage's __init__ docstring
    assert "(no docstring yet)" not in html, "a subpackage's __init__ has no docstring that says what it is for"
    # in data-flow order
    positions = [html.index(f"<code>nanokg.{name}</code>") for name in ("curation", "store", "query", "cli")]
    assert positions == sorted(positions)


@pytest.mark.slow
def test_guide_and_data_schema_pages(site):
    for page in ("guide/install", "guide/querying", "guide/evidence", "guide/serve", "guide/safety", "benchmarks"):
        _page(site, *page.split("/"))
    assert "What a data file may hold" in _page(site, "reference", "data")
