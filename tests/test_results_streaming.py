"""Streamed results: an answer read as the engine gives it is the same answer, however often it is read.

The embedded backend hands :class:`~nanokg.query.results.Results` the engine's solutions
unread. These tests hold that every writer writes the same bytes streamed as from the whole
answer, that a second pass (or one after an abandoned pass) gives every row, and that an
engine error met while streaming is raised to that reader and every later one, never a
part of the answer as if it were all.
"""

from __future__ import annotations

import itertools

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from nanokg.query.backends import EmbeddedBackend, EngineFailure
from nanokg.query.results import Results
from nanokg.serve.answers import answer
from nanokg.serve.protocol import QueryJob

XSD = "http://www.w3.org/2001/XMLSchema#"
WRITERS = ("to_json", "to_csv", "to_tsv", "to_xml")
ROWS = 2500  # more than a writer's batch of 1000 lines
QUERY = (
    "SELECT ?s ?n ?l ?x WHERE { ?s <http://e/n> ?n OPTIONAL { ?s <http://e/l> ?l } OPTIONAL { ?s <http://e/x> ?x } }"
    " ORDER BY ?n"
)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """Rows with every kind of term, unbound cells and the characters the formats escape."""
    store = ox.Store()
    graph = ox.NamedNode("http://e/g")
    for i in range(ROWS):
        subject = ox.NamedNode(f"http://e/s{i}?a=1&b={i}") if i % 7 else ox.BlankNode(f"b{i}")
        number = ox.Literal(str(i), datatype=ox.NamedNode(f"{XSD}integer"))
        store.add(ox.Quad(subject, ox.NamedNode("http://e/n"), number, graph))
        if i % 3:
            label = ox.Literal(f'say "{i}" & <b>\n\t\\ é 𝄞', language="en-GB" if i % 2 else "fr")
            store.add(ox.Quad(subject, ox.NamedNode("http://e/l"), label, graph))
        if i % 5 == 0:
            odd = ox.Literal(f"{i}.50", datatype=ox.NamedNode("http://e/t?a&b")) if i % 10 else ox.Literal(f"{i}")
            store.add(ox.Quad(subject, ox.NamedNode("http://e/x"), odd, graph))
    return store


def streamed(store: ox.Store) -> Results:
    return EmbeddedBackend(store).select(QUERY)


def materialised(store: ox.Store) -> Results:
    solutions = store.query(QUERY, use_default_graph_as_union=True)
    return Results([v.value for v in solutions.variables], [tuple(row) for row in solutions])


def test_the_embedded_backend_hands_over_the_engine_stream_unread(store):
    results = streamed(store)
    assert results._source is None and len(results._stream.kept) == 1  # the first solution only
    assert results._stream.again is not None  # and how to run the query again
    assert len(results) == ROWS and results._stream is None  # len reads the rest, once


def counted_reruns(store, solutions=None):
    """Results over ``QUERY`` that can run again, and the list of those runs."""
    runs = []

    def again():
        runs.append(1)
        return store.query(QUERY, use_default_graph_as_union=True)

    columns = [v.value for v in store.query(QUERY, use_default_graph_as_union=True).variables]
    if solutions is None:
        solutions = store.query(QUERY, use_default_graph_as_union=True)
    return Results.from_solutions(columns, solutions, again=again), runs


def test_a_streamed_pass_keeps_nothing_and_the_next_pass_runs_the_query_again_once(store):
    reference = materialised(store)
    results, runs = counted_reruns(store)
    assert results.to_csv() == reference.to_csv()
    assert runs == [] and len(results._stream.kept) == 1  # read as the engine gave it, nothing kept
    assert results.to_csv() == reference.to_csv() and len(runs) == 1  # a second writer call: the whole answer
    assert list(results.iter_terms()) == reference.terms and len(results) == ROWS
    assert results.rows == reference.rows and results.to_json() == reference.to_json()
    assert len(runs) == 1  # that answer is held for every later need


def test_an_answer_held_first_is_not_run_again(store):
    results, runs = counted_reruns(store)
    assert results.column("n") == list(range(ROWS)) and results.column("s")[1] == "http://e/s1?a=1&b=1"
    assert len(results) == ROWS
    for writer in WRITERS:
        assert getattr(results, writer)() == getattr(materialised(store), writer)()
    assert runs == []


def test_an_engine_error_in_a_streamed_pass_is_raised_again_not_run_again(store):
    solutions = store.query(QUERY, use_default_graph_as_union=True)
    results, runs = counted_reruns(store, failing(solutions, 700))
    with pytest.raises(OSError, match="port 9"):
        results.to_json()
    for reader in (len, lambda r: r.to_csv(), lambda r: list(r.iter_terms()), lambda r: r.rows):
        with pytest.raises(OSError, match="port 9"):
            reader(results)
    assert runs == []


@pytest.mark.parametrize("writer", WRITERS)
def test_every_format_is_the_same_bytes_streamed_as_materialised(store, writer):
    expected = getattr(materialised(store), writer)()
    assert getattr(streamed(store), writer)() == expected
    pieces = getattr(streamed(store), "iter_" + writer.removeprefix("to_"))()
    assert "".join(pieces) == expected


def test_an_answer_read_twice_or_after_a_streamed_pass_is_whole(store):
    reference = materialised(store)
    results = streamed(store)
    assert list(results.iter_terms()) == reference.terms
    assert list(results.iter_terms()) == reference.terms  # a second pass: every row again
    for writer in WRITERS:  # a writer after a streamed pass, then once more
        assert getattr(results, writer)() == getattr(results, writer)() == getattr(reference, writer)()
    assert len(results) == ROWS and results == reference and results.rows == reference.rows


def test_an_abandoned_pass_loses_nothing(store):
    reference = materialised(store)
    results = streamed(store)
    half = list(itertools.islice(results.iter_csv(), 1))  # the first 1000 lines, then the reader stops
    assert reference.to_csv().startswith(half[0]) and half[0].count("\r\n") == 1001
    assert len(results) == ROWS  # read on from where the abandoned pass stopped, not from there only
    assert results.to_csv() == reference.to_csv()
    assert results.terms == reference.terms


def test_passes_open_at_once_each_give_every_row(store):
    reference = materialised(store).terms
    results = streamed(store)
    first, second = results.iter_terms(), results.iter_terms()
    rows_first, rows_second = [], []
    for _ in range(700):  # the second pass reads ahead of the first, then the first catches up
        rows_second += [next(second), next(second)]
        rows_first.append(next(first))
    rows_first += list(first)
    rows_second += list(second)
    assert rows_first == rows_second == reference


def test_column_and_python_values_of_a_streamed_answer(store):
    reference = materialised(store)
    assert streamed(store).column("n") == list(range(ROWS))
    assert streamed(store).as_dicts() == reference.as_dicts()
    assert [dict(r) for r in streamed(store)] == reference.as_dicts()


def failing(solutions, after: int):
    """The engine's solutions, then the error an engine raises mid-answer (a failed read, a SERVICE)."""
    yield from itertools.islice(solutions, after)
    raise OSError("The port 9 is not allowed for HTTP(S) because it is dedicated to an other use")


@pytest.mark.parametrize("after", [1, 5, 1500])
def test_an_engine_error_mid_stream_is_raised_to_every_reader(store, after):
    solutions = store.query(QUERY, use_default_graph_as_union=True)
    columns = [v.value for v in solutions.variables]
    results = Results.from_solutions(columns, failing(solutions, after))
    message = "The port 9 is not allowed for HTTP"
    with pytest.raises(OSError, match=message):
        results.to_csv()
    # the rows read before the error are never given as the answer, by any later reader
    readers = [len, lambda r: r.terms, lambda r: r.rows, lambda r: list(r.iter_terms()), lambda r: r.column("n")]
    readers += [lambda r, w=w: getattr(r, w)() for w in WRITERS]
    for reader in readers:
        with pytest.raises(OSError, match=message):
            reader(results)


def test_an_engine_error_before_the_first_solution_is_raised_by_the_query_call():
    store = ox.Store()
    text = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    with pytest.raises(OSError) as listing:
        list(store.query(text))  # what the backend did before: list the engine's answer in select()
    with pytest.raises(EngineFailure) as selecting:
        EmbeddedBackend(store).select(text)
    # still an OSError, the engine's message in a nanokg error (the CLI's one line, not "a bug")
    assert isinstance(selecting.value, OSError)
    assert str(selecting.value).endswith(f": {listing.value}") and "SERVICE endpoint" in str(selecting.value)


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "table"])
def test_the_cli_writes_a_streamed_answer_as_the_whole_one(store, fmt):
    import click

    from nanokg.cli.output import emit_results

    @click.command()
    def show(source=streamed):
        emit_results(source(store), fmt)

    written = CliRunner().invoke(show, [])
    expected = CliRunner().invoke(click.command()(lambda: emit_results(materialised(store), fmt)), [])
    assert written.exit_code == expected.exit_code == 0, written.output
    assert written.stdout_bytes == expected.stdout_bytes and written.stdout_bytes.count(b"\n") >= ROWS


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("max_rows", [1, 1000, ROWS - 1, ROWS, ROWS + 1])
def test_serve_writes_the_first_max_rows_as_before(store, fmt, max_rows):
    reply = answer(store, QueryJob(QUERY, results=fmt), max_rows=max_rows)
    whole = materialised(store)
    cut = Results(whole.columns, whole.terms[:max_rows])
    writer = {"json": cut.to_json, "xml": cut.to_xml, "csv": cut.to_csv, "tsv": cut.to_tsv}[fmt]
    assert reply.status == 200 and reply.body == writer().encode("utf-8")
    assert reply.truncated is (max_rows < ROWS)


class Hiccup:
    """An engine iterator that fails once after ``after`` solutions and would give more if read again."""

    def __init__(self, solutions, after: int) -> None:
        self.solutions, self.left = solutions, after

    def __iter__(self):
        return self

    def __next__(self):
        self.left -= 1
        if self.left == -1:
            raise OSError("The port 9 is not allowed for HTTP(S) because it is dedicated to an other use")
        return next(self.solutions)


def test_a_pass_open_when_another_meets_an_engine_error_raises_it_too(store):
    solutions = store.query(QUERY, use_default_graph_as_union=True)
    results = Results.from_solutions([v.value for v in solutions.variables], Hiccup(solutions, 10))
    first, second = results.iter_terms(), results.iter_terms()
    assert len([next(first) for _ in range(10)]) == 10  # every row before the error: waiting at the engine
    assert len([next(second) for _ in range(10)]) == 10
    with pytest.raises(OSError, match="port 9"):
        next(second)  # the engine's error, met by the second pass
    with pytest.raises(OSError, match="port 9"):
        next(first)  # and the first, which does not read the engine again (its next rows would follow a gap)
    assert len(results._stream.kept) == 10
