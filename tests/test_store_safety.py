"""Nothing lost: what may never happen to a store, a release or the files beside them.

* A destructive command (``build``, ``release --force``) first proves that its target is a
  nanokg store (a release) or an empty or missing directory, and otherwise refuses in one
  line, touching nothing.
* One writer at a time: a second ``build``/``load``/``unload`` on a store that is being
  written fails at once, in one line; readers meanwhile see the last complete state.
* Killed anywhere (``$NANOKG_FAULT``, :mod:`nanokg.faults`: SIGKILL at a named step), a
  command leaves the store (the release) exactly as it was before or as it is after, the
  next command works and cleans what the crash left, and nothing stays inside or beside
  the store that should not be there. One test per registered step of each operation.

Every command runs for real in a subprocess. Builds are slow (~15 s), so the build's kill
tests start in parallel from one module fixture and share one prepared store.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pyoxigraph as ox
import pytest

import nanokg.publish.release  # declares the steps of release
import nanokg.store.load  # declares the steps of load and unload
from nanokg import faults, settings
from nanokg.store.load import IMPORTS_GRAPH, default_graph, list_imports, load
from nanokg.vocabulary import GRAPHS

SRC = Path(__file__).resolve().parents[1] / "src" / "nanokg"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
#: what a store directory holds: nothing else may be left in it
STORE_ENTRIES = ["NANOKG_STORE", "active", "generations", "writer.lock"]
OLD_DATE, NEW_DATE = "2026-11-24", "2026-12-01"
TAMPERED = ox.Quad(
    ox.NamedNode("https://w3id.org/nanokg/product/doxil"),
    ox.NamedNode(RDFS + "comment"),
    ox.Literal("a fact the next build does not make"),
    ox.NamedNode(GRAPHS["asserted"]),
)


# -- helpers ---------------------------------------------------------------------------------------


def nanokg(*args: str | Path, fault: str | None = None) -> subprocess.CompletedProcess:
    """Run ``nanokg ARGS`` in a subprocess, killed at ``fault`` (a :mod:`nanokg.faults` step) if given."""
    return subprocess.run(
        _command(args), capture_output=True, text=True, env=_env(fault), timeout=600, preexec_fn=_sigint_default
    )


def _sigint_default() -> None:
    # a shell starts background jobs with SIGINT ignored, and Python keeps it so: the @INT
    # faults would then do nothing (seen with `.ci/run &`)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _command(args) -> list[str]:
    return [sys.executable, "-m", "nanokg", *map(str, args)]


def _env(fault: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != faults.ENVIRONMENT_VARIABLE}
    if fault:
        env[faults.ENVIRONMENT_VARIABLE] = fault
    return env


def one_error_line(result: subprocess.CompletedProcess, code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nanokg: error: "), result.stderr
    return lines[0]


def killed(result: subprocess.CompletedProcess) -> None:
    """The command reached its fault step and was SIGKILLed there (not finished, not failed)."""
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stderr)


def counts(path: Path) -> dict[str, int]:
    """Quads per named graph of the store at ``path``, read with a handle released right after."""
    from nanokg.store.transaction import reading

    with reading(path) as store:
        rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {row[0].value: int(row[1].value) for row in rows}


def has_quad(path: Path, quad: ox.Quad) -> bool:
    from nanokg.store.transaction import reading

    with reading(path) as store:
        return quad in store


def assert_clean(path: Path) -> None:
    """The store directory holds its own entries and one generation; nothing is beside it."""
    assert sorted(os.listdir(path.parent)) == [path.name], "something was left beside the store"
    assert sorted(os.listdir(path)) == STORE_ENTRIES
    active = (path / "active").read_text(encoding="utf-8").strip()
    assert os.listdir(path / "generations") == [active], "an old or unfinished generation was left"


def store_copy(source: Path, target: Path) -> Path:
    """A copy of a built store in a folder of its own (``target/store``)."""
    target.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copytree(source, target / "store"))


def triples_file(path: Path, lines: int = 5, name: str = "thing") -> Path:
    text = "".join(f'<https://example.org/{name}/{i}> <{RDFS}label> "{name} {i}" .\n' for i in range(lines))
    path.write_text(text, encoding="utf-8")
    return path


def flatten(container: Path, target: Path) -> Path:
    """The store at ``container`` in the layout nanokg used before generations: one RocksDB directory."""
    active = (container / "active").read_text(encoding="utf-8").strip()
    target.mkdir(parents=True, exist_ok=True)
    flat = Path(shutil.copytree(container / "generations" / active, target / "store"))
    for extra in ("readers.lock", "LOCK"):
        (flat / extra).unlink(missing_ok=True)
    (flat / "NANOKG_STORE").write_text("nanokg embedded store\n", encoding="utf-8")
    return flat


# -- 1, 13: destructive commands prove their target first ----------------------------------------------


def test_build_refuses_a_directory_that_is_not_a_store(tmp_path):
    thesis = tmp_path / "d" / "thesis.txt"
    thesis.parent.mkdir()
    thesis.write_text("x", encoding="utf-8")
    (tmp_path / "d" / "chapters").mkdir()  # a home directory, say
    line = one_error_line(nanokg("build", "--store", thesis.parent), 2)
    assert str(thesis.parent) in line and "not a nanokg store" in line
    assert thesis.read_text(encoding="utf-8") == "x"
    assert sorted(os.listdir(thesis.parent)) == ["chapters", "thesis.txt"]


def test_build_under_a_regular_file_is_one_line(tmp_path):
    (tmp_path / "FILE").write_text("mine", encoding="utf-8")
    line = one_error_line(nanokg("build", "--store", tmp_path / "FILE" / "store"), 2)
    assert str(tmp_path / "FILE") in line
    assert nanokg("build", "--store", tmp_path / "FILE").returncode == 2  # click's own check (file_okay=False)
    assert sorted(os.listdir(tmp_path)) == ["FILE"] and (tmp_path / "FILE").read_text() == "mine"


@pytest.mark.slow
def test_release_force_refuses_a_directory_that_is_not_a_release(built_store, tmp_path):
    out = tmp_path / "out"
    (out / "chapters").mkdir(parents=True)
    (out / "thesis.txt").write_text("x", encoding="utf-8")
    line = one_error_line(nanokg("release", "--store", built_store, "--date", OLD_DATE, "--out", out, "--force"), 2)
    assert str(out) in line and "not a nanokg release" in line
    assert sorted(os.listdir(out)) == ["chapters", "thesis.txt"]
    # a store is not a release either
    store = store_copy(built_store, tmp_path / "stores")
    line = one_error_line(nanokg("release", "--store", built_store, "--date", OLD_DATE, "--out", store, "--force"), 2)
    assert "not a nanokg release" in line and sorted(os.listdir(store)) == STORE_ENTRIES
    assert sorted(os.listdir(tmp_path)) == ["out", "stores"]


# -- 2: one writer at a time --------------------------------------------------------------------------


@pytest.mark.slow
def test_a_second_writer_fails_at_once_and_readers_see_the_last_complete_state(built_store, tmp_path):
    from nanokg.store.transaction import writing

    store = store_copy(built_store, tmp_path / "stores")
    data = triples_file(tmp_path / "x.nt")
    before = counts(store)
    with writing(store, operation="load") as writer:
        with writer.new_generation(copy=True) as generation:
            generation.store.add(TAMPERED)
            for args in (["load", data], ["unload", "--graph", default_graph(data)], ["build"]):
                line = one_error_line(nanokg(*args, "--store", store), 1)
                assert line.startswith(f"nanokg: error: another nanokg command is writing to {store} ("), line
                assert "nanokg load" in line
            # readers see the last complete state, never the generation being written
            stats = nanokg("stats", "--store", store, "--format", "json")
            assert stats.returncode == 0, stats.stderr
            assert counts(store) == before and not has_quad(store, TAMPERED)
        assert has_quad(store, TAMPERED)  # visible once committed
    assert_clean(store)
    nanokg("load", data, "--store", store).check_returncode()  # the lock is free again


@pytest.mark.slow
def test_a_reader_keeps_its_generation_across_writes(built_store, tmp_path):
    """A long-lived reader (``nanokg serve``) keeps answering while loads replace the store."""
    store = store_copy(built_store, tmp_path / "stores")
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import sys
            from nanokg.store.transaction import open_store
            store = open_store(sys.argv[1])
            print("open", flush=True)
            sys.stdin.readline()
            print(len(store), flush=True)
        """), str(store)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert reader.stdout.readline() == "open\n"
        size = sum(counts(store).values())
        for name in ("one", "two"):
            nanokg("load", triples_file(tmp_path / f"{name}.nt", name=name), "--store", store).check_returncode()
        assert len(os.listdir(store / "generations")) == 2, "the reader's generation is kept while it reads"
        out, _ = reader.communicate("go\n", timeout=60)
        assert reader.returncode == 0 and out == f"{size}\n"
    finally:
        if reader.poll() is None:
            reader.kill()
    nanokg("load", triples_file(tmp_path / "three.nt", name="three"), "--store", store).check_returncode()
    assert_clean(store)


# -- 16: bad input is one line, and nothing is loaded ----------------------------------------------------


def test_truncated_gzip_is_one_line_naming_the_file(built_store, tmp_path):
    store = store_copy(built_store, tmp_path / "stores")
    before = counts(store)
    path = tmp_path / "cut.nt.gz"
    whole = gzip.compress(triples_file(tmp_path / "cut.nt", lines=2000).read_bytes())
    path.write_bytes(whole[: len(whole) // 2])
    line = one_error_line(nanokg("load", path, "--store", store), 2)
    assert line.startswith(f"nanokg: error: {path}: ") and "nothing of this file was loaded" in line
    assert counts(store) == before
    assert_clean(store)


@pytest.mark.slow
def test_turtle_syntax_error_in_the_ontology_is_one_clean_line(tmp_path):
    ontology = Path(shutil.copytree(settings.ontology_dir(), tmp_path / "ontology"))
    text = (ontology / "nanokg.ttl").read_text(encoding="utf-8")
    (ontology / "nanokg.ttl").write_text(text + '\nnkg:Broken a "unterminated .\n', encoding="utf-8")
    line = one_error_line(nanokg("build", "--ontology", ontology, "--store", tmp_path / "store"), 2)
    number = text.count("\n") + 2
    assert re.match(rf"nanokg: error: {re.escape(str(ontology / 'nanokg.ttl'))}:{number}:\d+: does not parse", line)
    assert "b'" not in line and 'b"' not in line
    assert not (tmp_path / "store" / "active").exists()


# -- every store access goes through nanokg.store.transaction --------------------------------------------------------


def test_only_the_store_module_opens_stores_on_disk():
    opening = re.compile(r"\bStore\.read_only\(|\bStore\(\s*[^)\s]")
    offenders = [
        f"{path.name}:{number}"
        for path in sorted(SRC.glob("*.py"))
        if path.name != "store.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if opening.search(line)
    ]
    assert offenders == []


# -- 3, 4: killed anywhere, the old or the new state -------------------------------------------------------


@pytest.fixture(scope="module")
def loaded_template(built_store, tmp_path_factory) -> dict:
    """A store, a file to load into it, and the counts before and after loading it."""
    root = tmp_path_factory.mktemp("load-template")
    data = triples_file(root / "x.nt")
    store = store_copy(built_store, root / "before")
    after = store_copy(built_store, root / "after")
    nanokg("load", data, "--store", after).check_returncode()
    return {"store": store, "data": data, "old": counts(store), "new": counts(after)}


@pytest.mark.slow
@pytest.mark.parametrize("step", faults.registered("load"))
def test_killed_load_leaves_the_old_or_the_new_state(loaded_template, tmp_path, step):
    store = store_copy(loaded_template["store"], tmp_path / "stores")
    data = loaded_template["data"]
    killed(nanokg("load", data, "--store", store, fault=step))
    state = counts(store)
    assert state in (loaded_template["old"], loaded_template["new"])
    if state == loaded_template["old"]:
        # no orphan: the data of a load and its record appear together
        assert default_graph(data) not in state and IMPORTS_GRAPH not in state
    else:
        assert [r.file for r in _imports(store)] == [data.name]
    # the next command works, recovers and cleans
    nanokg("load", data, "--store", store).check_returncode()
    assert counts(store) == loaded_template["new"]
    assert_clean(store)


def test_interrupted_load_cleans_up_after_itself(loaded_template, tmp_path):
    store = store_copy(loaded_template["store"], tmp_path / "stores")
    result = nanokg("load", loaded_template["data"], "--store", store, fault="load:data-written@INT")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert counts(store) == loaded_template["old"]
    assert_clean(store)


def _imports(store: Path):
    from nanokg.store.transaction import reading

    with reading(store) as handle:
        return list_imports(handle)


@pytest.fixture(scope="module", params=["delete", pytest.param("copy", marks=pytest.mark.slow)])
def unload_template(request, built_store, tmp_path_factory) -> dict:
    """A store with an import, and the counts before and after unloading it.

    ``delete``: a small import, dropped in place; ``copy``: one larger than 5 % of the rest,
    removed by copying what stays into a new generation.
    """
    root = tmp_path_factory.mktemp(f"unload-{request.param}")
    data = triples_file(root / "gone.nt", lines=5 if request.param == "delete" else 5000)
    store = store_copy(built_store, root / "before")
    load([data], store)
    after = store_copy(store, root / "after")
    nanokg("unload", "--graph", default_graph(data), "--store", after).check_returncode()
    return {"store": store, "graph": default_graph(data), "old": counts(store), "new": counts(after)}


@pytest.mark.slow
@pytest.mark.parametrize("step", faults.registered("unload"))
def test_killed_unload_leaves_the_old_or_the_new_state(unload_template, tmp_path, step):
    store = store_copy(unload_template["store"], tmp_path / "stores")
    killed(nanokg("unload", "--graph", unload_template["graph"], "--store", store, fault=step))
    state = counts(store)
    assert state in (unload_template["old"], unload_template["new"])
    if state == unload_template["new"]:
        assert not _imports(store)
    result = nanokg("unload", "--graph", unload_template["graph"], "--store", store)
    assert result.returncode == (0 if state == unload_template["old"] else 2), result.stderr
    assert counts(store) == unload_template["new"]
    assert_clean(store)


@pytest.fixture(scope="module")
def build_template(built_store, tmp_path_factory) -> dict:
    """A store with an import and a curated fact the build does not make; the counts a rebuild gives."""
    from nanokg.store.transaction import writing

    root = tmp_path_factory.mktemp("build-template")
    store = store_copy(built_store, root / "before")
    load([triples_file(root / "kept.nt", name="kept")], store)
    new = counts(store)
    with writing(store, operation="load") as writer, writer.new_generation(copy=True) as generation:
        generation.store.add(TAMPERED)
    return {"store": store, "root": root, "old": counts(store), "new": new}


@pytest.fixture(scope="module")
def killed_builds(build_template, tmp_path_factory) -> dict:
    """``nanokg build`` killed at each of its steps, all started at once (a build takes ~15 s).

    Each on a copy of the build template; ``"first"``: the first build of a new store.
    """
    runs = {}
    first = tmp_path_factory.mktemp("killed-first-build") / "store"
    for number, step in enumerate(faults.registered("build")):
        store = store_copy(build_template["store"], tmp_path_factory.mktemp(f"killed-build-{number}"))
        runs[step] = (store, _start(["build", "--store", store], step))
    runs["first"] = (first, _start(["build", "--store", first], "build:pointer-written"))
    return {
        key: (store, process.communicate(timeout=900)[1], process.returncode) for key, (store, process) in runs.items()
    }


def _start(args: list, fault: str) -> subprocess.Popen:
    return subprocess.Popen(
        _command(args),
        env=_env(fault),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_sigint_default,
    )


@pytest.mark.slow
@pytest.mark.parametrize("step", faults.registered("build"))
def test_killed_build_leaves_the_old_or_the_new_state(build_template, killed_builds, tmp_path, step):
    store, stderr, returncode = killed_builds[step]
    assert returncode == -signal.SIGKILL, stderr
    state = counts(store)
    assert state in (build_template["old"], build_template["new"])
    assert has_quad(store, TAMPERED) == (state == build_template["old"])
    # the imports are kept either way; the next writer recovers and cleans
    nanokg("load", triples_file(tmp_path / "next.nt", name="next"), "--store", store).check_returncode()
    assert {r.file for r in _imports(store)} == {"kept.nt", "next.nt"}
    assert_clean(store)


@pytest.mark.slow
def test_killed_first_build_leaves_no_store_and_the_next_build_cleans(killed_builds, tmp_path):
    store, stderr, returncode = killed_builds["first"]
    assert returncode == -signal.SIGKILL, stderr
    result = nanokg("stats", "--store", store)
    assert result.returncode == 1 and "no nanokg store" in result.stderr
    assert "generations" in os.listdir(store)
    # the next build recovers first; failing (bad data, at once), it leaves nothing of nanokg's
    data = tmp_path / "data"
    data.mkdir()
    (data / "products.yaml").write_text("products:\n  - id: [unclosed\n", encoding="utf-8")
    one_error_line(nanokg("build", "--data", data, "--store", store), 2)
    assert os.listdir(store) == []


# -- stores written before generations -------------------------------------------------------------------


@pytest.fixture(scope="module")
def flat_template(built_store, tmp_path_factory) -> dict:
    """A store in the old layout (one RocksDB directory with the marker) holding an import."""
    root = tmp_path_factory.mktemp("flat")
    container = store_copy(built_store, root / "container")
    load([triples_file(root / "old.nt", name="old")], container)
    flat = flatten(container, root / "flat")
    return {"store": flat, "old": counts(container), "data": triples_file(root / "new.nt", name="new")}


def test_an_old_store_is_read_and_converted_keeping_its_imports(flat_template, tmp_path):
    store = store_copy(flat_template["store"], tmp_path / "stores")
    assert counts(store) == flat_template["old"]
    stats = nanokg("stats", "--store", store, "--format", "json")
    assert stats.returncode == 0 and [i["file"] for i in json.loads(stats.stdout)["imports"]] == ["old.nt"]
    nanokg("load", flat_template["data"], "--store", store).check_returncode()
    assert {r.file for r in _imports(store)} == {"old.nt", "new.nt"}
    assert_clean(store)


@pytest.mark.slow
@pytest.mark.parametrize("step", faults.registered("convert"))
def test_killed_conversion_of_an_old_store_keeps_it(flat_template, tmp_path, step):
    store = store_copy(flat_template["store"], tmp_path / "stores")
    killed(nanokg("load", flat_template["data"], "--store", store, fault=step))
    assert counts(store) == flat_template["old"]
    nanokg("load", flat_template["data"], "--store", store).check_returncode()
    assert {r.file for r in _imports(store)} == {"old.nt", "new.nt"}
    assert_clean(store)


# -- releases ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def old_release(built_store, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("old-release") / "out"
    nanokg("release", "--store", built_store, "--date", OLD_DATE, "--out", out).check_returncode()
    return out


@pytest.mark.slow
@pytest.mark.parametrize("step", faults.registered("release"))
def test_killed_release_leaves_the_old_or_the_new_release(old_release, built_store, tmp_path, step):
    from nanokg.publish.release import verify_release

    out = Path(shutil.copytree(old_release, tmp_path / "out"))
    args = ["release", "--store", built_store, "--date", NEW_DATE, "--out", out, "--force"]
    killed(nanokg(*args, fault=step))
    verify_release(out)  # complete, whichever it is
    assert json.loads((out / "release.json").read_text(encoding="utf-8"))["date"] in (OLD_DATE, NEW_DATE)
    nanokg(*args).check_returncode()
    assert json.loads((out / "release.json").read_text(encoding="utf-8"))["date"] == NEW_DATE
    assert sorted(os.listdir(tmp_path)) == ["out"], "the next release cleans what the killed one left beside it"
