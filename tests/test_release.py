"""Releases and diffs: one version, byte-identical releases, checksums, diffs in the domain's words.

Every CLI test runs the real `nanokg` in a subprocess. Builds from data take seconds: the
module builds twice (the project's data through `nanokg release --data`, and a copy with
one product's stage changed) and otherwise releases the session's built store.
"""

from __future__ import annotations

import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import version as installed_version
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from nanokg import settings
from nanokg.publish.diff import diff_graphs
from nanokg.publish.release import MANIFEST, graph_version, open_release
from nanokg.store.build import build_graph
from nanokg.store.transaction import open_store

ROOT = Path(__file__).resolve().parents[1]
DATE = "2026-11-24"


def nanokg(*args: str | Path, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "nanokg", *map(str, args)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=300,
    )


def one_error_line(result: subprocess.CompletedProcess, code: int = 2) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nanokg: error: "), result.stderr
    return lines[0]


def same_tree(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert (mismatch, errors) == ([], []) and match == names


@pytest.fixture(scope="module")
def release_dir(built_store, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "nanokg-0.1.0"
    result = nanokg("release", "--store", built_store, "--date", DATE, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def stage_changed(release_dir, tmp_path_factory) -> Path:
    """A release built from a copy of the data where LiPlaCis's stage is phase 1/2 instead of phase 1."""
    import shutil

    data = tmp_path_factory.mktemp("stage") / "data"
    shutil.copytree(settings.data_dir(), data)
    path = data / "products" / "liposomes.yaml"
    text = path.read_text(encoding="utf-8")
    record = text[text.index("  - id: liplacis") :]
    stage = re.search(r"    stage:\n      value: phase-1\n", record)
    assert stage, "Liplacis's stage is no longer phase 1: pick another product for this test"
    start = text.index("  - id: liplacis") + stage.start()
    path.write_text(text[:start] + stage.group(0).replace("phase-1", "phase-1-2") + text[start + len(stage.group(0)) :])
    out = data.parent / "release"
    result = nanokg("release", "--data", data, "--date", DATE, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


# --- one version -----------------------------------------------------------------------------------------


def test_one_version_everywhere(store):
    """pyproject takes the version from the ontology; the graph, CHANGELOG and CITATION.cff agree with it."""
    ontology = (ROOT / "ontology" / "nanokg.ttl").read_text(encoding="utf-8")
    info = re.search(r'owl:versionInfo "([^"]+)"', ontology).group(1)
    iri = re.search(r"owl:versionIRI <([^>]+)>", ontology).group(1)
    assert iri == f"https://w3id.org/nanokg/ontology/{info}"

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["hatch"]["version"]["path"] == "ontology/nanokg.ttl"
    assert re.search(project["tool"]["hatch"]["version"]["pattern"], ontology).group("version") == info
    assert installed_version("nanokg") == info, "the installed metadata is stale: pip install -e . again"
    assert graph_version(store) == info

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = re.search(r"^## \[([^\]]+)\] - (\d{4}-\d{2}-\d{2})$", changelog, re.MULTILINE)
    assert newest.group(1) == info
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["version"] == info and citation["date-released"] == newest.group(2)


def test_citation_cff_is_valid_cff_1_2_0():
    """CITATION.cff against the CFF 1.2.0 JSON schema (kept in tests/fixtures, see its README)."""
    import jsonschema

    schema = json.loads((ROOT / "tests" / "fixtures" / "cff-1.2.0-schema.json").read_text(encoding="utf-8"))
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(citation)] == []
    # and the schema does catch a broken file
    assert list(validator.iter_errors({**citation, "authors": [{"orcid": "not an orcid"}]}))


# --- nanokg release --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_release_twice_gives_the_same_bytes(release_dir, built_store, tmp_path):
    again = tmp_path / "again"
    result = nanokg("release", "--store", built_store, "--date", DATE, "--out", again)
    assert result.returncode == 0, result.stderr
    same_tree(release_dir, again)
    checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=again, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    names = {line.split()[0] for line in checked.stdout.splitlines() if line.endswith(": OK")}
    assert {p.name for p in again.iterdir()} - {"SHA256SUMS"} == {n.rstrip(":") for n in names}


@pytest.mark.slow
def test_release_from_data_equals_release_of_the_built_store(release_dir, data_copy, tmp_path):
    """Building afresh (the default) and releasing the session's store give the same release."""
    out = tmp_path / "from-data"
    result = nanokg("release", "--data", data_copy, "--date", DATE, "--out", out)
    assert result.returncode == 0, result.stderr
    same_tree(release_dir, out)


@pytest.mark.slow
def test_release_contents(release_dir, store):
    files = {p.name for p in release_dir.iterdir()}
    exports = {f"nanokg.{f}" for f in ("ttl", "nt", "nq", "trig", "jsonld", "xml")}
    assert files == exports | {"description.ttl", "release.json", "SHA256SUMS"}
    manifest = json.loads((release_dir / "release.json").read_text())
    assert manifest["version"] == installed_version("nanokg") and manifest["date"] == DATE
    assert set(manifest["files"]) == exports
    for name, info in manifest["files"].items():
        assert info["bytes"] == (release_dir / name).stat().st_size
    graphs = {
        name: len(
            list(store.quads_for_pattern(None, None, None, ox.NamedNode(f"https://w3id.org/nanokg/graph/{name}")))
        )
        for name in manifest["graphs"]
    }
    assert manifest["graphs"] == graphs and {"asserted", "inferred", "ontology", "provenance"} <= set(graphs)

    description = ox.Store()
    description.load(path=str(release_dir / "description.ttl"), format=ox.RdfFormat.TURTLE)

    def values(query: str) -> list[str]:
        prefixes = (
            "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/> "
            "PREFIX void: <http://rdfs.org/ns/void#> PREFIX spdx: <http://spdx.org/rdf/terms#> "
            "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> "
        )
        return sorted(str(next(iter(row)).value) for row in description.query(prefixes + query))

    dataset = "<https://w3id.org/nanokg/dataset>"
    assert values(f"SELECT ?d WHERE {{ {dataset} dct:issued ?d }}") == [DATE]
    assert values(f"SELECT ?v WHERE {{ {dataset} dcat:version ?v }}") == [manifest["version"]]
    assert values(f"SELECT ?l WHERE {{ {dataset} dct:license ?l }}") == ["https://creativecommons.org/licenses/by/4.0/"]
    assert values(f"SELECT ?s WHERE {{ {dataset} dct:source ?s }}")  # the source documents
    counted = values(f"SELECT ?g WHERE {{ {dataset} void:subset [ sd:name ?g ; void:triples ?n ] }}")
    assert counted == sorted(f"https://w3id.org/nanokg/graph/{name}" for name in graphs)
    rows = description.query(
        "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/> "
        "PREFIX spdx: <http://spdx.org/rdf/terms#> "
        f"SELECT ?file ?sha WHERE {{ {dataset} dcat:distribution [ dct:identifier ?file ; "
        "spdx:checksum [ spdx:checksumValue ?sha ] ] }"
    )
    assert {r["file"].value: r["sha"].value for r in rows} == {n: i["sha256"] for n, i in manifest["files"].items()}


@pytest.mark.slow
def test_release_date_from_changelog_or_source_date_epoch(built_store, tmp_path):
    result = nanokg("release", "--store", built_store, "--out", tmp_path / "a")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "a" / "release.json").read_text())["date"] == DATE  # CHANGELOG.md's 0.1.0
    result = nanokg("release", "--store", built_store, "--out", tmp_path / "b", env={"SOURCE_DATE_EPOCH": "86400"})
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "b" / "release.json").read_text())["date"] == "1970-01-02"
    empty = tmp_path / "CHANGELOG.md"
    empty.write_text("# Changelog\n")
    line = one_error_line(nanokg("release", "--store", built_store, "--changelog", empty, "--out", tmp_path / "c"))
    assert "no release date for 0.1.0" in line and not (tmp_path / "c").exists()
    line = one_error_line(nanokg("release", "--store", built_store, "--date", "2026-13-01", "--out", tmp_path / "d"))
    assert "--date" in line and not (tmp_path / "d").exists()


@pytest.mark.slow
def test_release_replaces_a_release_only_when_forced_and_nothing_else_ever(release_dir, built_store, tmp_path):
    out = Path(shutil.copytree(release_dir, tmp_path / "out"))
    (out / "keep.txt").write_text("mine")
    line = one_error_line(nanokg("release", "--store", built_store, "--date", "2026-12-01", "--out", out))
    assert "not empty" in line and "holds a release" in line and "--force" in line
    assert (out / "keep.txt").is_file()
    result = nanokg("release", "--store", built_store, "--date", "2026-12-01", "--out", out, "--force")
    assert result.returncode == 0, result.stderr
    assert not (out / "keep.txt").exists() and json.loads((out / MANIFEST).read_text())["date"] == "2026-12-01"
    # nothing left beside it: the staging and old directories are gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    # a directory that is not a release is never replaced, --force or not
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    for force in ([], ["--force"]):
        line = one_error_line(nanokg("release", "--store", built_store, "--date", DATE, "--out", mine, *force))
        assert "is not a nanokg release" in line and [p.name for p in mine.iterdir()] == ["keep.txt"]


# --- nanokg diff -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_diff_of_a_release_with_itself_is_empty(release_dir, built_store):
    result = nanokg("diff", release_dir, release_dir, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["entities"] == [] and set(document["counts"].values()) == {0}
    # a release against the store it was made from (NEW defaults to --store), inferred facts too
    result = nanokg("diff", release_dir, "--store", built_store, "--inferred")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No changes from 0.1.0 (2026-11-24")
    result = nanokg("diff", release_dir, release_dir, "--format", "markdown")
    assert result.stdout.startswith("No changes") and result.stdout.count("\n") == 1


@pytest.mark.slow
def test_diff_reports_exactly_the_one_stage_change(release_dir, stage_changed):
    result = nanokg("diff", release_dir, stage_changed, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["counts"] == {"added": 0, "removed": 0, "changed": 1, "evidence": 0, "entities": 1}
    [entity] = document["entities"]
    assert (entity["iri"], entity["label"]) == ("https://w3id.org/nanokg/product/liplacis", "LiPlaCis")
    [change] = entity["changes"]
    assert change["kind"] == "changed" and change["graph"] == "asserted"
    assert change["predicate"] == "https://w3id.org/nanokg/ontology#hasHighestStage"
    assert (change["old"], change["new"]) == (
        "https://w3id.org/nanokg/value/phase-1",
        "https://w3id.org/nanokg/value/phase-1-2",
    )
    # the build mints a trial for each clinical stage: it is told with the change, on the same quote
    assert change["text"] == "highest stage: phase 1 -> phase 1/2, with added trial: LiPlaCis phase 1/2 trial"
    assert change["implied"] == ["added trial: LiPlaCis phase 1/2 trial"]

    table = nanokg("diff", release_dir, stage_changed)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines() == [
        "LiPlaCis  (product:liplacis)",
        "  changed  highest stage: phase 1 -> phase 1/2, with added trial: LiPlaCis phase 1/2 trial",
        f"1 changed in 1 entity from 0.1.0 (2026-11-24, {release_dir}) to 0.1.0 (2026-11-24, {stage_changed}).",
    ]
    markdown = nanokg("diff", release_dir, stage_changed, "--format", "markdown")
    assert markdown.stdout.splitlines()[1:] == [
        "",
        "**LiPlaCis** (`product:liplacis`)",
        "",
        "- changed: highest stage: phase 1 -> phase 1/2, with added trial: LiPlaCis phase 1/2 trial",
    ]
    # the entailments did not move: the same one change with --inferred
    inferred = json.loads(nanokg("diff", release_dir, stage_changed, "--format", "json", "--inferred").stdout)
    assert inferred["entities"] == document["entities"]


@pytest.mark.slow
def test_diff_folds_a_products_parts_and_reports_changed_evidence(built_store, tmp_path):
    """NK105 phase 3 -> phase 2: the build drops the phase-3 trial the stage implied (told with the
    change), and the phase-2 trial, minted from an outcome before, is now minted from the stage and
    cites the stage's quote: one evidence line per fact of that trial, under NK105."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(settings.data_dir(), data)
    path = data / "products" / "micelles.yaml"
    old = '    stage:\n      value: phase-3\n      quote: "NK105 (clinical phase III)"\n'
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, old.replace("phase-3", "phase-2")), encoding="utf-8")
    build_graph(data, store_path=tmp_path / "store")
    changes = diff_graphs(open_store(built_store), open_store(tmp_path / "store"))
    [entity] = changes.entities
    assert entity.label == "NK105"
    kinds = [(c.kind, c.text.split(": evidence ")[0]) for c in entity.changes]
    assert kinds == [
        ("changed", "highest stage: phase 3 -> phase 2, with removed trial: NK105 phase 3 trial"),
        ("evidence", "trial: NK105 phase 2 trial"),
        ("evidence", 'NK105 phase 2 trial: label: "NK105 phase 2 trial"'),
        ("evidence", "NK105 phase 2 trial: trial phase: phase 2"),
        ("evidence", "NK105 phase 2 trial: type: clinical trial"),
    ]
    assert all(c.text.endswith('-> seed-000: "NK105 (clinical phase III)"') for c in entity.changes[1:])


# --- bad input -------------------------------------------------------------------------------------------


@pytest.fixture()
def release_copy(release_dir, tmp_path) -> Path:
    import shutil

    return Path(shutil.copytree(release_dir, tmp_path / "copy"))


@pytest.mark.slow
def test_diff_refuses_what_is_not_a_release(release_dir, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("hello")
    line = one_error_line(nanokg("diff", plain, release_dir))
    assert str(plain) in line and "neither a nanokg release" in line
    line = one_error_line(nanokg("diff", release_dir, tmp_path / "nowhere"))
    assert "nowhere: no such release or store" in line


@pytest.mark.slow
def test_diff_refuses_a_release_with_a_missing_file(release_dir, release_copy):
    (release_copy / "nanokg.xml").unlink()
    line = one_error_line(nanokg("diff", release_dir, release_copy))
    assert line.endswith("copy/nanokg.xml: missing (listed in SHA256SUMS)")


@pytest.mark.slow
def test_diff_refuses_a_tampered_release(release_dir, release_copy):
    with (release_copy / "nanokg.nq").open("ab") as stream:
        stream.write(b"<https://e.org/s> <https://e.org/p> <https://e.org/o> .\n")
    line = one_error_line(nanokg("diff", release_copy, release_dir))
    assert line.endswith("copy/nanokg.nq: SHA-256 does not match SHA256SUMS (changed since the release)")
    assert subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=release_copy).returncode == 1


@pytest.mark.slow
def test_diff_refuses_a_malformed_checksum_file(release_dir, release_copy):
    (release_copy / "SHA256SUMS").write_text("not a checksum\n")
    line = one_error_line(nanokg("diff", release_copy, release_dir))
    assert line.endswith("copy/SHA256SUMS:1: not a '<sha256>  <file>' line")


@pytest.mark.slow
def test_open_release_reads_back_every_graph(release_dir, store):
    opened = open_release(release_dir)
    assert opened.version == graph_version(store) and opened.date == DATE
    for name in ("asserted", "inferred", "ontology", "provenance"):
        graph = ox.NamedNode(f"https://w3id.org/nanokg/graph/{name}")
        assert len(list(opened.store.quads_for_pattern(None, None, None, graph))) == len(
            list(store.quads_for_pattern(None, None, None, graph))
        )
