"""A push leaves nothing behind: killed or interrupted at each of its steps, against real servers.

The real `nanokg push` runs in a subprocess against a real `oxigraph serve` with
``$NANOKG_FAULT`` naming one of its steps (nanokg.faults): SIGKILL there, or SIGINT/SIGTERM
with ``STEP@INT``/``STEP@TERM``. Afterwards every target graph must hold exactly its
previous triples or its new ones (blank nodes compared canonically), all of them the same
(Oxigraph applies the swap request as one transaction), and no staging graph may be left
once the push itself, the next push or `nanokg push --cleanup` has run. On Virtuoso,
whose default graph is the union of all graphs, a killed push must not leave the data
counted twice once the next push has run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner

from nanokg import faults
from nanokg.publish.push import PushError, PushUsageError, Target, push, store_targets
from nanokg.vocabulary import GRAPHS
from proxy import FaultyProxy
from servers import OxigraphServer

# every test here talks to a real server started on loopback (tiers: tests/conftest.py)
pytestmark = pytest.mark.server

#: blank nodes (the ontology's axioms) and several graphs, yet small enough for a push per step
NAMES = ["ontology", "asserted", "inferred"]
IRIS = [str(GRAPHS[name]) for name in NAMES]
CHUNK = "400"  # several chunks per graph, so a kill can land between two of them
# the steps of a push (nanokg.publish.push declares them; test_push_declares_its_steps pins the list)
STALE_DROPPED, CHUNK_WRITTEN, GRAPH_STAGED, BEFORE_SWAP, AFTER_SWAP, BEFORE_STAGING_DROPPED = (
    f"push:{name}"
    for name in (
        "stale-dropped",
        "chunk-written",
        "graph-staged",
        "before-swap",
        "after-swap",
        "before-staging-dropped",
    )
)
NANOMEDICINES = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/nanokg/ontology#Nanomedicine> }"


def nanokg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != faults.ENVIRONMENT_VARIABLE}
    return subprocess.run(
        [sys.executable, "-m", "nanokg", *args],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        timeout=300,
        # a shell starts background jobs with SIGINT ignored, and Python keeps it so: the
        # @INT faults would then do nothing (seen with `.ci/run &`)
        preexec_fn=_sigint_default,
    )


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def canonical(triples) -> frozenset[str]:
    """The triples with blank nodes relabelled canonically: equal sets mean isomorphic graphs."""
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return frozenset(str(quad) for quad in dataset)


def server_graph(server: OxigraphServer, graph: str) -> frozenset[str]:
    """One named graph of the server, through the Graph Store Protocol (empty if missing)."""
    response = requests.get(
        server.store_url, params={"graph": graph}, headers={"Accept": "application/n-triples"}, timeout=60
    )
    if response.status_code == 404:
        return frozenset()
    response.raise_for_status()
    return canonical(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))


def select(query_url: str, query: str) -> list[dict]:
    response = requests.get(
        query_url, params={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=60
    )
    response.raise_for_status()
    return response.json()["results"]["bindings"]


def graph_names(query_url: str) -> set[str]:
    return {row["g"]["value"] for row in select(query_url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}


def staging_left(query_url: str) -> set[str]:
    return {g for g in graph_names(query_url) if "-nanokg-staging" in g}


def reset(server: OxigraphServer) -> None:
    requests.post(f"{server.base}/update", data={"update": "DROP ALL"}, timeout=60).raise_for_status()


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    """This module's own Oxigraph server (union default graph, as Virtuoso's); reset per test."""
    server = OxigraphServer(tmp_path_factory.mktemp("push-safety") / "data")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def new(store) -> list[Target]:
    """What the push under test writes."""
    return store_targets(store, NAMES)


@pytest.fixture(scope="module")
def old(new) -> list[Target]:
    """A 'previous release' in the target: each graph less its first 20 triples."""
    return [Target(t.graph, list(t.triples)[20:]) for t in new]


@pytest.fixture(scope="module")
def versions(old, new) -> dict[str, dict[str, frozenset[str]]]:
    return {
        "old": {t.graph: canonical(t.triples) for t in old},
        "new": {t.graph: canonical(t.triples) for t in new},
    }


def state(server: OxigraphServer, versions) -> dict[str, str]:
    """Per target graph: 'old' or 'new' when it holds exactly that version, else 'mixed'."""
    found = {}
    for graph in IRIS:
        held = server_graph(server, graph)
        found[graph] = next((name for name, graphs in versions.items() if graphs[graph] == held), "mixed")
    return found


def with_old(server: OxigraphServer, old: list[Target]) -> None:
    reset(server)
    push(old, server.query_url, profile="oxigraph")
    assert not staging_left(server.query_url)


def push_args(server_url: str, built_store) -> list[str]:
    return ["push", "--endpoint", server_url, "--store", str(built_store), "--graphs", ",".join(NAMES),
            "--chunk-size", CHUNK, "--profile", "oxigraph"]  # fmt: skip


def staging_graphs(count: int) -> str:
    return f"{count} staging graph{'' if count == 1 else 's'}"


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("nanokg:")]


# -- the steps ---------------------------------------------------------------------------


def test_push_declares_its_steps():
    assert faults.registered("push") == (
        STALE_DROPPED,
        CHUNK_WRITTEN,
        GRAPH_STAGED,
        BEFORE_SWAP,
        AFTER_SWAP,
        BEFORE_STAGING_DROPPED,
    )


#: where a kill leaves staging graphs (before these, none is written; after the swap, none is left)
LEAVES_STAGING = {CHUNK_WRITTEN, GRAPH_STAGED, BEFORE_SWAP, BEFORE_STAGING_DROPPED}


@pytest.mark.slow
@pytest.mark.parametrize("step", faults.registered("push"))
def test_push_killed_at_each_step_leaves_old_or_new_and_cleanup_drops_staging(
    step, oxigraph, built_store, old, versions
):
    with_old(oxigraph, old)
    proxy = None
    url = oxigraph.query_url
    if step == BEFORE_STAGING_DROPPED:
        # the failure path: the store rejects the third chunk (requests: look for stale
        # staging graphs, drop them, chunk, chunk, chunk); None lets a request through
        proxy = FaultyProxy(oxigraph.base)
        proxy.failures.extend([None, None, None, None, 400])
        url = f"{proxy.base}/query"
    try:
        killed = nanokg(*push_args(url, built_store), env={faults.ENVIRONMENT_VARIABLE: step})
    finally:
        if proxy is not None:
            proxy.stop()
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    expected = "new" if step == AFTER_SWAP else "old"
    assert state(oxigraph, versions) == dict.fromkeys(IRIS, expected)
    left = staging_left(oxigraph.query_url)
    assert bool(left) == (step in LEAVES_STAGING), left

    cleaned = nanokg("push", "--cleanup", "--endpoint", oxigraph.query_url, "--graphs", ",".join(NAMES))
    assert cleaned.returncode == 0, cleaned.stderr
    assert f"dropped {staging_graphs(len(left))} from " in cleaned.stderr
    assert set(cleaned.stdout.split()) - {"dropped"} == left
    assert not staging_left(oxigraph.query_url)
    assert state(oxigraph, versions) == dict.fromkeys(IRIS, expected)  # --cleanup writes nothing else


@pytest.mark.slow
@pytest.mark.parametrize("step", [CHUNK_WRITTEN, BEFORE_SWAP])
def test_the_next_push_drops_what_a_killed_push_left(step, oxigraph, built_store, old, versions):
    with_old(oxigraph, old)
    killed = nanokg(*push_args(oxigraph.query_url, built_store), env={faults.ENVIRONMENT_VARIABLE: step})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    left = staging_left(oxigraph.query_url)
    assert left

    done = nanokg(*push_args(oxigraph.query_url, built_store))
    assert done.returncode == 0, done.stderr
    assert f"nanokg: note: dropped {staging_graphs(len(left))} a killed push had left" in done.stderr
    assert not staging_left(oxigraph.query_url)
    assert state(oxigraph, versions) == dict.fromkeys(IRIS, "new")


@pytest.mark.slow
def test_staging_graphs_of_earlier_versions_are_found_and_nothing_else_is_dropped(oxigraph, built_store, old, versions):
    """Earlier pushes named staging graphs with a random token: --cleanup finds those too, and only those."""
    with_old(oxigraph, old)
    triple = b"<https://example.org/a> <https://example.org/b> <https://example.org/c> ."
    asserted = str(GRAPHS["asserted"])
    legacy = [f"{asserted}-nanokg-staging-87953fbf7d90", f"{GRAPHS['ontology']}-nanokg-staging-5d56a0fa5fb6"]
    theirs = [
        "https://example.org/their-own-graph",
        f"{asserted}-nanokg-staging-not-a-token",  # not a name nanokg ever gave
        f"{GRAPHS['provenance']}-nanokg-staging",  # a staging graph, but of a graph this push does not write
    ]
    for graph in [*legacy, *theirs]:
        oxigraph.put_graph(graph, triple)

    cleaned = nanokg("push", "--cleanup", "--endpoint", oxigraph.query_url, "--graphs", ",".join(NAMES))
    assert cleaned.returncode == 0, cleaned.stderr
    assert "dropped 2 staging graphs from " in cleaned.stderr
    assert sorted(cleaned.stdout.split()[::2]) == sorted(legacy)
    assert graph_names(oxigraph.query_url) == {*IRIS, *theirs}
    assert state(oxigraph, versions) == dict.fromkeys(IRIS, "old")


# -- SIGINT and SIGTERM: the push drops its own staging graphs -----------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("step", "how", "code", "expected"),
    [
        (CHUNK_WRITTEN, "INT", 130, "old"),
        (GRAPH_STAGED, "TERM", 143, "old"),
        (BEFORE_SWAP, "INT", 130, "old"),
        (BEFORE_SWAP, "TERM", 143, "old"),
        (AFTER_SWAP, "INT", 130, "new"),
    ],
)
def test_interrupted_push_drops_its_staging_graphs(step, how, code, expected, oxigraph, built_store, old, versions):
    with_old(oxigraph, old)
    done = nanokg(*push_args(oxigraph.query_url, built_store), env={faults.ENVIRONMENT_VARIABLE: f"{step}@{how}"})
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and "Aborted!" not in done.stderr
    [line] = error_lines(done.stderr)
    when = "after the swap: the new graphs are in place" if expected == "new" else "before the swap: dropped its"
    assert line.startswith(f"nanokg: error: interrupted by SIG{how} {when}"), line
    assert not staging_left(oxigraph.query_url)
    assert state(oxigraph, versions) == dict.fromkeys(IRIS, expected)


@pytest.mark.parametrize("signals", [1, 2])
def test_a_signal_acts_between_requests_a_second_at_once(oxigraph, old, new, versions, signals):
    """In process: the first SIGINT waits for the chunk under way, a second cuts it short; both clean up."""
    from nanokg.publish.push import PushInterrupted

    with_old(oxigraph, old)
    sent = []

    def interrupt(_triples: int) -> None:  # called once a chunk is answered
        if not sent:
            sent.append(True)
            for _ in range(signals):
                os.kill(os.getpid(), signal.SIGINT)

    # Python's own handler, as in a foreground process (a shell starts background jobs with SIGINT
    # ignored, and push rightly leaves an ignored signal ignored: the next test)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(PushInterrupted) as caught:
            push(new, oxigraph.query_url, profile="oxigraph", chunk_size=400, progress=interrupt, handle_signals=True)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers restored
    finally:
        signal.signal(signal.SIGINT, previous)
    assert caught.value.exit_code == 130
    message = str(caught.value)
    assert message.startswith("interrupted by SIGINT before the swap: dropped its staging graphs; nothing was replaced")
    assert ("did not answer" in message) == (signals == 2)  # the request cut short might still land
    assert not staging_left(oxigraph.query_url)
    assert state(oxigraph, versions) == dict.fromkeys(IRIS, "old")


def test_an_ignored_signal_stays_ignored(oxigraph, old, new, versions):
    """A push started with SIGINT ignored (nohup, a script's background job) is not stopped by it."""
    with_old(oxigraph, old)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        report = push(new, oxigraph.query_url, profile="oxigraph", chunk_size=400, handle_signals=True,
                      progress=lambda _n: os.kill(os.getpid(), signal.SIGINT))  # fmt: skip
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert report.graphs == {t.graph: len(t.triples) for t in new}
    assert state(oxigraph, versions) == dict.fromkeys(IRIS, "new")


# -- the swap ------------------------------------------------------------------------------


def test_a_rejected_swap_changes_no_target_and_drops_the_staging_graphs(oxigraph, old, new, versions):
    """Oxigraph applies the swap request as one transaction: rejected, it changed nothing."""
    with_old(oxigraph, old)
    proxy = FaultyProxy(oxigraph.base)  # in front of the update service only
    proxy.failures.extend([None, 400])  # the first update drops stale staging graphs; the second is the swap
    try:
        with pytest.raises(PushError, match=r"swapping .*HTTP 400.*the swap did not happen: the previous graphs are"):
            push(new, oxigraph.query_url, profile="oxigraph", update_endpoint=f"{proxy.base}/update", chunk_size=400)
    finally:
        proxy.stop()
    assert state(oxigraph, versions) == dict.fromkeys(IRIS, "old")
    assert not staging_left(oxigraph.query_url)


@pytest.mark.slow
def test_an_unanswered_swap_is_neither_retried_nor_followed_by_drops(oxigraph, old, new, versions):
    """A 503 may come from a proxy while the store swaps: a retry or a drop could race it."""
    with_old(oxigraph, old)
    proxy = FaultyProxy(oxigraph.base)
    proxy.failures.extend([None, 503])
    try:
        with pytest.raises(PushError, match=r"HTTP 503.*did not answer the swap: each target holds its previous graph"):
            push(new, oxigraph.query_url, profile="oxigraph", update_endpoint=f"{proxy.base}/update", chunk_size=400)
        assert len(proxy.seen) == 2  # the drop of stale staging graphs, the swap: not retried
    finally:
        proxy.stop()
    assert state(oxigraph, versions) == dict.fromkeys(IRIS, "old")
    stale = staging_left(oxigraph.query_url)
    assert stale == {f"{g}-nanokg-staging" for g in IRIS}
    report = push(new, oxigraph.query_url, profile="oxigraph")  # the next push takes it from there
    assert set(report.stale) == stale
    assert not staging_left(oxigraph.query_url)
    assert state(oxigraph, versions) == dict.fromkeys(IRIS, "new")


# -- --graph onto one of nanokg's own graphs -----------------------------------------------


@pytest.mark.slow
def test_mapping_a_graph_onto_another_curated_graph_is_refused(oxigraph, built_store, old, versions):
    with_old(oxigraph, old)
    asserted = str(GRAPHS["asserted"])
    args = ["push", "--endpoint", oxigraph.query_url, "--store", str(built_store), "--graph", asserted]
    refused = nanokg(*args, "--graphs", "ontology")
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.splitlines() == [
        f"nanokg: error: --graph {asserted} is nanokg's own asserted graph: pushing ontology there would replace "
        "the store's asserted graph; add --allow-graph-overwrite to do that on purpose"
    ]
    assert state(oxigraph, versions)[asserted] == "old"

    allowed = nanokg(*args, "--graphs", "ontology", "--allow-graph-overwrite")
    assert allowed.returncode == 0, allowed.stderr
    assert server_graph(oxigraph, asserted) == versions["new"][str(GRAPHS["ontology"])]
    assert "--allow-graph-overwrite" in nanokg("push", "--help").stdout


def test_graph_option_checks(store):
    asserted = str(GRAPHS["asserted"])
    assert [t.graph for t in store_targets(store, ["asserted"], into=asserted)] == [asserted]  # onto itself: fine
    with pytest.raises(PushUsageError, match="--allow-graph-overwrite"):
        store_targets(store, ["asserted", "inferred"], into=asserted)
    with pytest.raises(PushUsageError, match="not a valid absolute IRI"):
        store_targets(store, ["asserted"], into="")  # a relative IRI lands in a graph named after the service
    with pytest.raises(PushUsageError, match="the name of a staging graph"):
        store_targets(store, ["asserted"], into=f"{asserted}-nanokg-staging")


@pytest.mark.parametrize("endpoint", ["http://[::1/query", "http://127.0.0.1:99999/query"])
def test_malformed_endpoints_are_usage_errors(new, endpoint):
    with pytest.raises(PushUsageError, match="--endpoint: not a valid URL"):
        push(new, endpoint)


# -- one prefix per error line -------------------------------------------------------------


@pytest.mark.parametrize("message", ["nanokg: error: the store said no", "nanokg: nanokg: error: the store said no"])
def test_an_error_line_never_carries_the_prefix_twice(built_store, monkeypatch, message):
    from nanokg import cli
    from nanokg.publish import push as push_module

    def refuse(*_args, **_kwargs):
        raise PushError(message)  # as a wrapped nanokg error, already formatted, would read

    monkeypatch.setattr(push_module, "push", refuse)
    result = CliRunner().invoke(
        cli.main, ["push", "--endpoint", "http://127.0.0.1:9/query", "--store", str(built_store), "--graphs", "lookup"]
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["nanokg: error: the store said no"]


# -- Virtuoso: its default graph is the union, staging graphs included ---------------------


def virtuoso_count(server) -> int:
    """Nanomedicines as a plain query counts them: over Virtuoso's union of every graph."""
    return int(select(server.query_url, NANOMEDICINES)[0]["n"]["value"])


@pytest.mark.slow
def test_virtuoso_counts_42_nanomedicines_after_a_killed_push_and_the_next(virtuoso_server, built_store):
    user, password = virtuoso_server.credentials
    env = {"NANOKG_PUSH_USER": user, "NANOKG_PUSH_PASSWORD": password}
    args = ["push", "--endpoint", virtuoso_server.query_url, "--store", str(built_store), "--graphs", "asserted"]
    virtuoso_server.clear()
    try:
        first = nanokg(*args, env=env)
        assert first.returncode == 0, first.stderr
        assert virtuoso_count(virtuoso_server) == 42

        killed = nanokg(*args, env={**env, faults.ENVIRONMENT_VARIABLE: BEFORE_SWAP})
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert virtuoso_count(virtuoso_server) == 84  # the staging graph is part of the union

        after = nanokg(*args, env=env)
        assert after.returncode == 0, after.stderr
        assert "nanokg: note: dropped 1 staging graph a killed push had left" in after.stderr
        assert virtuoso_count(virtuoso_server) == 42
        assert not {g for g in virtuoso_server.graphs() if "-nanokg-staging" in g}

        killed = nanokg(*args, env={**env, faults.ENVIRONMENT_VARIABLE: BEFORE_SWAP})
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        cleaned = nanokg("push", "--cleanup", "--endpoint", virtuoso_server.query_url, "--graphs", "asserted", env=env)
        assert cleaned.returncode == 0, cleaned.stderr
        assert "dropped 1 staging graph from " in cleaned.stderr
        assert virtuoso_count(virtuoso_server) == 42
    finally:
        virtuoso_server.clear()
