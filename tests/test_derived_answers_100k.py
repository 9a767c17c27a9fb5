"""The derived graph answers as the per-row queries did, on a generated 100 k import, on every backend (issue 19).

tests/test_derived_answers.py compares the old query texts (tests/fixtures/queries-before/)
with the new ones (queries/) on the curated graph; this module does the same on the curated
graph plus a generated 100 k import loaded with ``nanokg load`` (its lookup keys and derived
triples computed by the load): on the embedded store, on an Oxigraph server and on Virtuoso 7
after the product's own ``push`` (every named graph of the store, imports included): every
query with its defaults and with every parameter set the query tests use. On rdflib, whose
engine takes minutes over these texts at this size, each rewritten query with its defaults
(see :func:`test_same_answers_rdflib`).

The store is built once for the module; with ``--dist loadfile`` this file runs in one worker,
beside tests/test_derived_answers.py in the other.
"""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys

import pyoxigraph as ox
import pytest
from benchmarks.generate import generate

from nanokg import KnowledgeGraph
from nanokg.publish.push import Target, store_targets
from nanokg.store.derive import derived_graph_of, derived_graphs
from nanokg.store.load import IMPORTS_GRAPH, list_imports, lookup_graph_of
from nanokg.store.transaction import graph_triples, open_store
from nanokg.vocabulary import GRAPHS
from test_derived_answers import (
    AFTER,
    BEFORE,
    CASES,
    IDS,
    LOCAL,
    VIRTUOSO_UNANSWERED,
    answer,
    assert_same,
    assert_same_answers,
    code,
    pushed_to_oxigraph_server,
    pushed_to_virtuoso,
)

# -- the store: the curated graph and a generated 100 k import ------------------------------------


@pytest.fixture(scope="module")
def imported_store(built_store, tmp_path_factory):
    """Path of a copy of the built store with a generated 100 k import loaded by ``nanokg load``."""
    work = tmp_path_factory.mktemp("derived-100k")
    target = work / "store"
    shutil.copytree(built_store, target)
    data = work / "synthetic-100k.nq"
    # keys and derived triples apart: `nanokg load` computes its own
    generate(data, 100_000, store=open_store(built_store), keys=work / "keys.nq", derived=work / "derived.nq")
    env = {**os.environ, "NANOKG_STORE": str(target)}
    done = subprocess.run(
        [sys.executable, "-m", "nanokg", "load", str(data)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    # the import has a derived graph of its own, written by the load
    loaded = open_store(target)
    graphs = [g for g in derived_graphs(loaded) if g != str(GRAPHS["derived"])]
    assert len(graphs) == 1
    assert next(loaded.quads_for_pattern(None, None, None, ox.NamedNode(graphs[0])), None) is not None
    del loaded
    return target


@pytest.fixture(scope="module")
def imported_kg(imported_store) -> KnowledgeGraph:
    return KnowledgeGraph.open(imported_store)


def import_targets(store: ox.Store) -> list[Target]:
    """Push targets for every graph of a store with imports.

    The curated graphs (:func:`store_targets`), then per import its graph, its lookup keys
    and its derived triples, and the imports' records.
    """
    targets = store_targets(store)
    for graph in sorted({record.graph for record in list_imports(store)}):
        for iri in (graph, lookup_graph_of(graph), derived_graph_of(graph)):
            targets.append(Target(iri, list(graph_triples(store, iri))))
    targets.append(Target(IMPORTS_GRAPH, list(graph_triples(store, IMPORTS_GRAPH))))
    return targets


@pytest.fixture(scope="module")
def targets(imported_store) -> list[Target]:
    store = open_store(imported_store)
    found = import_targets(store)
    # every graph of the store travels, none twice, none empty: the remote store answers
    # from what the embedded one holds
    graphs = [t.graph for t in found]
    assert sorted(graphs) == sorted(g.value for g in store.named_graphs())
    assert all(t.triples for t in found)
    assert sum(len(t.triples) for t in found) == len(store) > 100_000
    return found


def test_the_import_travels_with_its_keys_derived_triples_and_record(imported_store, targets):
    (record,) = list_imports(open_store(imported_store))
    sizes = {t.graph: len(t.triples) for t in targets}
    assert sizes[record.graph] == record.triples > 70_000
    assert {lookup_graph_of(record.graph), derived_graph_of(record.graph), IMPORTS_GRAPH} < sizes.keys()


@pytest.mark.slow
@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_same_answers_embedded(imported_kg, name, params):
    assert_same(imported_kg, name, params)


# -- after push: an Oxigraph server and Virtuoso 7 ------------------------------------------------


@pytest.fixture(scope="module")
def pushed_oxigraph(targets, tmp_path_factory) -> KnowledgeGraph:
    with pushed_to_oxigraph_server(targets, tmp_path_factory.mktemp("derived-100k-oxigraph") / "data") as kg:
        yield kg


@pytest.fixture(scope="module")
def pushed_virtuoso(virtuoso_server, targets) -> KnowledgeGraph:
    with pushed_to_virtuoso(virtuoso_server, targets) as kg:
        yield kg


@pytest.mark.slow
@pytest.mark.server  # it starts its own `oxigraph serve` (tiers: tests/conftest.py)
@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
def test_same_answers_oxigraph_server_after_push(pushed_oxigraph, name, params):
    assert_same(pushed_oxigraph, name, params)


#: where Virtuoso 7.2.5 at 100 k answers wrongly in both forms (the embedded store and the
#: Oxigraph server agree with each other, and Virtuoso agrees over the curated graph alone):
#: Virtuoso's own bug, kept visible (a strict xfail passes the day Virtuoso gets it right)
VIRTUOSO_WRONG = {
    ("clinical-attrition", ()): "Virtuoso counts terminated products wrongly in both forms, and differently: "
    "liposome 1 (old) / 25 (new), nanoparticle 49 / 0, where the embedded store and the Oxigraph server say 49 and 49",
}
#: where Virtuoso at 100 k returns the same rows in both forms but not in the ORDER BY's order in
#: either (two inversions in `products`' LCASE(STR(?name)) order; `targeting-overview` in two
#: orders, neither the embedded store's): the rows are compared, the order is Virtuoso's own
VIRTUOSO_UNORDERED = {("products", ()), ("targeting-overview", ())}


def _virtuoso_cases() -> list:
    cases = []
    for (name, params), id_ in zip(CASES, IDS, strict=True):
        reason = VIRTUOSO_WRONG.get((name, params))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        cases.append(pytest.param(name, params, id=id_, marks=marks))
    return cases


@pytest.mark.slow
@pytest.mark.parametrize(("name", "params"), _virtuoso_cases())
def test_same_answers_virtuoso_after_push(pushed_virtuoso, name, params):
    if (name, params) == VIRTUOSO_UNANSWERED:  # as on the curated graph
        pytest.skip("Virtuoso 7 does not answer immunotherapy-approaches for this approach (old or new form)")
    if (name, params) in VIRTUOSO_UNORDERED:
        new, old = answer(pushed_virtuoso, AFTER, name, params), answer(pushed_virtuoso, BEFORE, name, params)
        assert new[0] == old[0] and new[0] != "error", name
        assert collections.Counter(new[1]) == collections.Counter(old[1]), f"{name}: rows differ"
        return
    assert_same(pushed_virtuoso, name, params)


# -- rdflib: every rewritten text, against the old text's answer ----------------------------------
# rdflib's engine at 100 k, measured (2026-12-02, this 2-core machine, loaded by other jobs): the
# first 69 of the 131 cases took 345 s in the new form and 413 s in the old, 4 of them past 60 s
# (the old nucleic-acid-nanomedicines; both forms of outcomes-vs-comparator with a comparator):
# all of them would take 15-20 minutes, past what CI can give one test file.

#: the queries whose text (comments aside) the rewrite changed; the others run the same text
#: before and after, so on one backend they answer alike by construction
REWRITTEN = [name for name in LOCAL if code(AFTER[name].text) != code(BEFORE[name].text)]


def test_the_rewritten_queries_are_found():
    # the type closure, nkg:directType, nkg:hasTerminatedTrial, nkg:activelyTargets (issue 19)
    assert {"products", "products-by-carrier", "clinical-attrition", "targeting-overview"} <= set(REWRITTEN)


@pytest.fixture(scope="module")
def rdflib_kg(imported_store) -> KnowledgeGraph:
    return KnowledgeGraph.in_memory(imported_store)


#: rewritten queries whose new text rdflib does not finish at 100 k, with what was measured
RDFLIB_UNFINISHED: dict[str, str] = {}


def _rdflib_cases() -> list:
    return [
        pytest.param(
            name, marks=[pytest.mark.skip(reason=RDFLIB_UNFINISHED[name])] if name in RDFLIB_UNFINISHED else []
        )
        for name in REWRITTEN
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", _rdflib_cases())
def test_same_answers_rdflib(rdflib_kg, imported_kg, name):
    """The new text on rdflib answers as the old text does: each rewritten query, with its defaults.

    The old answer is the embedded store's: the old texts take rdflib minutes at this size
    (see above), and they answer alike on every backend on the curated graph
    (tests/test_derived_answers.py, rdflib included). Every parameter set, and the queries
    whose text did not change, are compared at 100 k on the embedded store, the Oxigraph
    server and Virtuoso above, and on rdflib over the curated graph.
    """
    old = answer(imported_kg, BEFORE, name, ())
    assert old[0] != "error" and old[1], f"{name} answers nothing with its defaults on the 100 k import"
    assert_same_answers(answer(rdflib_kg, AFTER, name, ()), old, name, ())
