"""Push the built graph into a SPARQL 1.1 store, replacing its named graphs safely.

Each graph travels in bounded chunks, through the Graph Store HTTP Protocol (``gsp``,
N-Triples POSTs) or SPARQL 1.1 Update (``update``, ``INSERT DATA``), into a *staging*
graph beside its target, named ``<target>-nanokg-staging``. Only when every staging graph
holds exactly the triples sent are they swapped in with ``MOVE`` (one Update request for
all of them), and the targets are counted again afterwards.

What a push guarantees
----------------------
*While the data travels* (either protocol), chunks go into the staging graphs only, never
into a target. Whatever stops a push before the swap (an error, Ctrl-C, SIGTERM, SIGKILL,
the store going away) leaves every target graph exactly as it was. GSP has no
transactions and each chunk is a request of its own, so a staging graph may be half
written: that is why it is counted before the swap.

*The swap* is always one SPARQL Update request, whichever protocol carried the data:
``MOVE <staging> TO <target>`` per graph (``DROP`` for a graph with no triples). What that
request guarantees across graphs is the store's:

* a store that runs an Update request as one transaction (Oxigraph, measured) swaps all
  targets at once: a reader, and a push killed at any point, see the previous set of
  graphs or the new set, never a mix;
* a store that commits each operation of a request on its own (Virtuoso 7.2, measured: a
  request whose second operation fails keeps its first) swaps the targets one after the
  other. The client cannot cut that sequence (killing the push once the request is out
  does not stop the server), but an operation failing, or the store crashing, within it
  can leave some targets new and others old; the error then names those swapped.

The swap is never retried, and a swap the store did not answer is never followed by drops:
a ``MOVE`` whose staging graph is already gone makes Virtuoso empty the target.

*Nothing left behind.* Staging graphs are visible to every query over a union default
graph (Virtuoso's default graph, Oxigraph's ``--union-default-graph``) as long as they
exist: 42 nanomedicines would count as 84. So a push first drops the staging graphs of its
own targets that an earlier, killed push left (and says so), drops its own on any failure
before the swap, and, with ``handle_signals`` (the command line), on SIGINT and SIGTERM
too, ending with :class:`PushInterrupted`. A signal acts once the request under way is
answered (one cut short could still land after the drop, or, during the swap, race it); a
second one acts at once. Only SIGKILL, a second signal, or a store that cannot be reached
while dropping, leaves them: :func:`cleanup` (``nanokg push --cleanup``) removes them, and
those of earlier nanokg versions, which named them ``<target>-nanokg-staging-<random
token>``. Nothing else is ever dropped: only graphs named after a target of the push.

Run one push at a time into the same targets: a push drops its targets' staging graphs
when it starts, a running push's included. That push then fails; on a store like
Virtuoso its swap may first empty a target, which the second push's swap fills again.

The steps of a push are fault-injection checkpoints (:mod:`nanokg.faults`, operation
``push``): the tests kill a real push at each and check the store afterwards.

Blank nodes are scoped to one request in both protocols, so the chunker keeps every set of
triples joined by a blank node (an OWL restriction, an RDF list) in one chunk.

The store's dialect, the credentials and HTTP with retries are :mod:`nanokg.publish.remote`'s;
the target and staging graph names :mod:`nanokg.publish.targets`'s; the chunks
:mod:`nanokg.publish.chunks`'s. This module is the entry: it re-exports what a caller needs
(``from nanokg.publish.push import push, store_targets, PushError``).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from nanokg import faults
from nanokg.errors import NanokgError
from nanokg.publish.chunks import chunk_triples
from nanokg.publish.remote import (
    PROFILES,
    Client,
    Credentials,
    PushError,
    PushUsageError,
    StoreProfile,
    check_url,
    detect_profile,
    safe_url,
)
from nanokg.publish.targets import (
    STAGING_SUFFIX,
    Target,
    check_target,
    is_staging_of,
    sparql_iri,
    staging_graph,
    store_targets,
    target_graphs,
)

__all__ = [
    "PROFILES",
    "STAGING_SUFFIX",
    "CleanupReport",
    "Credentials",
    "PushError",
    "PushInterrupted",
    "PushReport",
    "PushUsageError",
    "StoreProfile",
    "Target",
    "chunk_triples",
    "cleanup",
    "push",
    "staging_graph",
    "store_targets",
    "target_graphs",
]

#: seconds a clean-up drop may take: it runs while the user waits for an interrupted push to end
_DROP_TIMEOUT = 30.0

#: the checkpoints of a push, in order (nanokg.faults); BEFORE_STAGING_DROPPED is on the failure path
(
    STALE_DROPPED,
    CHUNK_WRITTEN,
    GRAPH_STAGED,
    BEFORE_SWAP,
    AFTER_SWAP,
    BEFORE_STAGING_DROPPED,
) = faults.steps(
    "push", "stale-dropped", "chunk-written", "graph-staged", "before-swap", "after-swap", "before-staging-dropped"
)


class PushInterrupted(NanokgError):
    """SIGINT or SIGTERM stopped a push; the message says what the store holds now.

    The exit status is the shell's for a process ended by that signal: 130 after SIGINT
    (Ctrl-C), 143 after SIGTERM.
    """

    def __init__(self, signum: int, message: str) -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum


def _signal_name(signum: int) -> str:
    return signal.Signals(signum).name


@dataclass
class PushReport:
    """What a push did: triples per target graph, chunks and retries.

    ``stale`` lists the staging graphs an earlier, killed push had left, which this one
    dropped before writing.
    """

    endpoint: str
    profile: str
    protocol: str
    graphs: dict[str, int]
    chunks: int = 0
    retries: int = 0
    seconds: float = 0.0
    stale: list[str] = field(default_factory=list)


@dataclass
class CleanupReport:
    """What :func:`cleanup` dropped: the staging graphs that held triples."""

    endpoint: str
    profile: str
    dropped: list[str]


def _ntriples(triples: Sequence[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


class _Pusher:
    """One push's conversation with the store: the staging graphs, the swap, the clean-up."""

    def __init__(
        self,
        endpoint: str,
        profile: StoreProfile,
        *,
        protocol: str,
        update_endpoint: str | None,
        store_endpoint: str | None,
        credentials: Credentials | None,
        chunk_size: int,
        retries: int,
        backoff: float,
        timeout: float,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.endpoint = endpoint
        self.profile = profile
        self.protocol = protocol
        self.update_url = update_endpoint or profile.service_url(endpoint, profile.update_path)
        self.store_url = store_endpoint or profile.service_url(endpoint, profile.store_path)
        self.client = Client(credentials, profile.auth, retries=retries, backoff=backoff, timeout=timeout)
        limit = profile.update_chunk_limit if protocol == "update" else None
        self.chunk_size = min(chunk_size, limit) if limit else chunk_size
        self.progress = progress or (lambda _n: None)
        self.chunks = 0
        #: a write request went out: staging graphs of this push may exist
        self.wrote = False
        #: staging graphs a killed push had left, dropped before writing
        self.stale: list[str] = []
        #: the signal that interrupts the push once the request under way is answered
        #: (set by _signals_interrupt); ``forced``: a second one cut that request short
        self.signalled: int | None = None
        self.forced = False

    def update(self, text: str, what: str, **kwargs) -> None:
        self.client.send(
            "POST",
            self.update_url,
            what,
            data={"update": text},
            headers={"Accept": "*/*"},
            **kwargs,
        )

    def select(self, text: str, what: str) -> list[dict]:
        # with the push's own credentials: a store behind auth may guard its queries too
        response = self.client.send(
            "GET",
            self.endpoint,
            what,
            params={"query": text},
            headers={"Accept": "application/sparql-results+json"},
        )
        try:
            return list(response.json()["results"]["bindings"])
        except (ValueError, KeyError, TypeError):
            raise PushError(f"{what}: {safe_url(self.endpoint)} did not answer with SPARQL JSON results") from None

    def count(self, graph: str) -> int:
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {sparql_iri(graph)} {{ ?s ?p ?o }} }}"
        try:
            return int(self.select(text, f"counting <{graph}>")[0]["n"]["value"])
        except (ValueError, KeyError, IndexError):
            raise PushError(f"counting <{graph}>: {safe_url(self.endpoint)} answered without a count") from None

    def existing(self, graphs: Iterable[str]) -> list[str]:
        """Those of ``graphs`` that hold triples (one query, however many)."""
        graphs = list(graphs)
        if not graphs:
            return []
        values = " ".join(sparql_iri(g) for g in graphs)
        # GRAPH ?g {} would list empty graphs too, but Virtuoso answers it with nothing
        text = f"SELECT ?g WHERE {{ VALUES ?g {{ {values} }} FILTER EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"
        found = {row["g"]["value"] for row in self.select(text, "looking for staging graphs") if "g" in row}
        return [g for g in graphs if g in found]

    def leftovers(self, targets: Sequence[str]) -> list[str]:
        """Every staging graph of ``targets`` holding triples, however named (a scan of the store's graphs)."""
        for target in targets:
            sparql_iri(target)  # also keeps quotes and backslashes out of the string literals below
        tests = " || ".join(f'STRSTARTS(STR(?g), "{t}{STAGING_SUFFIX}")' for t in targets)
        text = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({tests}) }}"
        found = {row["g"]["value"] for row in self.select(text, "looking for staging graphs") if "g" in row}
        return sorted(g for g in found if any(is_staging_of(g, t) for t in targets))

    def drop(self, graphs: Iterable[str], what: str, **kwargs) -> None:
        graphs = list(graphs)
        if graphs:
            self.update(" ;\n".join(f"DROP SILENT GRAPH {sparql_iri(g)}" for g in graphs), what, **kwargs)

    def drop_quietly(self, graphs: Iterable[str]) -> bool:
        """Drop ``graphs`` with one try, briefly; whether that worked (a second signal stops it)."""
        try:
            timeout = min(self.client.timeout, _DROP_TIMEOUT)
            self.drop(graphs, "dropping the staging graphs", retries=0, timeout=timeout)
            return True
        except (PushError, KeyboardInterrupt):
            return False

    def check(self) -> None:
        """Between two requests: act on a signal that came during the last one."""
        if self.signalled is not None:
            raise KeyboardInterrupt

    def step(self, name: str) -> None:
        """A named step between two requests: the fault switch, then :meth:`check`."""
        faults.checkpoint(name)
        self.check()

    def write_chunk(self, graph: str, chunk: list[ox.Triple], what: str) -> None:
        self.wrote = True
        if self.protocol == "gsp":
            self.client.send(
                "POST",
                self.store_url,
                what,
                params={self.profile.graph_parameter: graph},
                data=_ntriples(chunk),
                # N-Triples is Turtle: every Graph Store takes text/turtle; some 406 on a
                # results Accept header, so accept anything
                headers={"Content-Type": "text/turtle", "Accept": "*/*"},
            )
        else:
            body = _ntriples(chunk).decode("utf-8")
            has_bnodes = any(isinstance(t, ox.BlankNode) for triple in chunk for t in (triple.subject, triple.object))
            if has_bnodes and not self.profile.bnodes_in_insert_data:
                text = f"INSERT {{ GRAPH {sparql_iri(graph)} {{\n{body}}} }} WHERE {{}}"
            else:
                text = f"INSERT DATA {{ GRAPH {sparql_iri(graph)} {{\n{body}}} }}"
            self.update(text, what)
        self.chunks += 1
        self.progress(len(chunk))

    def run(self, targets: Sequence[Target]) -> dict[str, int]:
        for target in targets:
            check_target(target.graph)
        staging = {t.graph: staging_graph(t.graph) for t in targets}
        expected = {t.graph: len(set(t.triples)) for t in targets}
        kept = "nothing was replaced: the previous graphs are left in place"
        try:
            # a killed push left these, and union-default-graph queries count them: drop
            # them first (the request also tries the update service before any data goes)
            self.stale = self.existing(staging.values())
            self.drop(staging.values(), "dropping the staging graphs an earlier push left")
            self.step(STALE_DROPPED)
            for target in targets:
                stage = staging[target.graph]
                chunks = chunk_triples(target.triples, self.chunk_size)
                for number, chunk in enumerate(chunks, 1):
                    self.write_chunk(stage, chunk, f"writing chunk {number}/{len(chunks)} of <{target.graph}>")
                    self.step(CHUNK_WRITTEN)
                found = self.count(stage)
                if found != expected[target.graph]:
                    raise PushError(
                        f"staging graph for <{target.graph}> holds {found} triples, {expected[target.graph]} were sent"
                    )
                self.step(GRAPH_STAGED)
            self.step(BEFORE_SWAP)
        except (PushError, KeyboardInterrupt) as exc:
            faults.checkpoint(BEFORE_STAGING_DROPPED)
            left = self.wrote and not self.drop_quietly(staging.values())
            if left:
                kept += f"; {_LEFT}"
            elif self.wrote and (self.forced or getattr(exc, "answered", True) is False):
                # a request without an answer may still be applied, after the drop
                kept += f"; {_LATE}"
            if isinstance(exc, PushError):
                raise PushError(f"{exc}; {kept}", answered=exc.answered) from None
            if self.signalled is None:
                raise  # a library caller's KeyboardInterrupt, after the clean-up
            dropped = "dropped its staging graphs; " if self.wrote and not left else ""
            raise PushInterrupted(
                self.signalled, f"interrupted by {_signal_name(self.signalled)} before the swap: {dropped}{kept}"
            ) from None

        # one request: a store that runs an Update request as one transaction swaps all or
        # none; never retried (see the module's docstring); a MOVE without SILENT fails
        # when its staging graph has gone instead of emptying the target (on Oxigraph)
        moves = " ;\n".join(
            f"MOVE {sparql_iri(staging[t.graph])} TO {sparql_iri(t.graph)}"
            if expected[t.graph]
            else f"DROP SILENT GRAPH {sparql_iri(t.graph)}"
            for t in targets
        )
        try:
            self.update(moves, "swapping the staging graphs in", retries=0)
        except PushError as exc:
            raise self.swap_failed(exc, targets, staging, expected) from None
        except KeyboardInterrupt as exc:  # cut short: the store may be swapping still
            if self.signalled is None:
                exc.add_note(f"interrupted during the swap: {_UNSURE}")
                raise
            raise PushInterrupted(
                self.signalled, f"interrupted by {_signal_name(self.signalled)} during the swap: {_UNSURE}"
            ) from None

        try:
            self.step(AFTER_SWAP)
            counts = {}
            for target in targets:
                counts[target.graph] = self.count(target.graph)
                self.check()
                if counts[target.graph] != expected[target.graph]:
                    raise PushError(
                        f"after the swap <{target.graph}> holds {counts[target.graph]} triples, "
                        f"{expected[target.graph]} expected"
                    )
        except KeyboardInterrupt:
            if self.signalled is None:
                raise
            raise PushInterrupted(
                self.signalled,
                f"interrupted by {_signal_name(self.signalled)} after the swap: "
                "the new graphs are in place (not counted again)",
            ) from None
        return counts

    def swap_failed(
        self, exc: PushError, targets: Sequence[Target], staging: dict[str, str], expected: dict[str, int]
    ) -> PushError:
        """The error for a failed swap, saying which targets it changed; drops what is left if it is safe to."""
        if not exc.answered:
            # the store may still be applying it: a drop now could race its MOVEs
            return PushError(f"{exc}; the store did not answer the swap: {_UNSURE}", answered=False)
        moved = [t.graph for t in targets if expected[t.graph]]
        try:
            left = self.existing(staging[g] for g in moved)
        except (PushError, KeyboardInterrupt):
            return PushError(f"{exc}; the store did not say which targets it swapped: {_UNSURE}")
        swapped = [g for g in moved if staging[g] not in left]
        dropped = self.drop_quietly(left)
        rest = "" if dropped else f"; {_LEFT}"
        if not swapped:
            return PushError(f"{exc}; the swap did not happen: the previous graphs are left in place{rest}")
        return PushError(
            f"{exc}; the store swapped {', '.join(f'<{g}>' for g in swapped)} before it failed (it does not apply "
            f"an update request as one transaction), the other targets keep their previous graphs{rest}"
        )


_LEFT = f"its staging graphs (…{STAGING_SUFFIX}) are left: `nanokg push --cleanup` drops them"
_LATE = "if the store still applies a request it did not answer, the next push or `nanokg push --cleanup` drops that"
_UNSURE = (
    "each target holds its previous graph or the new one, and staging graphs may be left; "
    "push again (that drops them), or drop them with `nanokg push --cleanup`"
)


@contextlib.contextmanager
def _signals_interrupt(pusher: _Pusher) -> Iterator[None]:
    """While pushing, SIGINT and SIGTERM interrupt the push between two requests.

    The first signal is noted and takes effect once the request under way is answered
    (:meth:`_Pusher.step`): a request cut short could still be applied by the store after
    the staging graphs are dropped, or, during the swap, race the drop. A second signal
    interrupts at once. A signal the process was started to ignore (``nohup``, a
    background job of a script) stays ignored. Only the main thread can set handlers;
    elsewhere nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, _frame) -> None:
        if pusher.signalled is None:
            pusher.signalled = signum
            return
        pusher.forced = True
        raise KeyboardInterrupt

    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(signum)
        if handler is signal.SIG_IGN:
            continue
        previous[signum] = signal.SIG_DFL if handler is None else handler
        signal.signal(signum, interrupt)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _connect(
    endpoint: str,
    *,
    protocol: str,
    update_endpoint: str | None,
    store_endpoint: str | None,
    profile: str | StoreProfile | None,
    credentials: Credentials | None,
    chunk_size: int,
    retries: int,
    backoff: float,
    timeout: float,
    progress: Callable[[int], None] | None,
) -> _Pusher:
    """Check the options, find the profile and the credentials: the pusher for ``endpoint``."""
    if protocol not in ("gsp", "update"):
        raise PushUsageError(f"--protocol {protocol!r}: use gsp or update")
    check_url(endpoint, "--endpoint")
    for url, option in ((update_endpoint, "--update-endpoint"), (store_endpoint, "--store-endpoint")):
        if url is not None:
            check_url(url, option)
    if isinstance(profile, str):
        if profile not in PROFILES:
            raise PushUsageError(f"--profile {profile!r}: use one of {', '.join(PROFILES)}")
        profile = PROFILES[profile]
    elif profile is None:
        profile = detect_profile(endpoint, timeout=min(timeout, 10))
    if credentials is None:
        credentials = Credentials.lookup(update_endpoint or store_endpoint or endpoint)
    return _Pusher(
        endpoint,
        profile,
        protocol=protocol,
        update_endpoint=update_endpoint,
        store_endpoint=store_endpoint,
        credentials=credentials,
        chunk_size=chunk_size,
        retries=retries,
        backoff=backoff,
        timeout=timeout,
        progress=progress,
    )


def push(
    targets: Sequence[Target],
    endpoint: str,
    *,
    protocol: str = "gsp",
    update_endpoint: str | None = None,
    store_endpoint: str | None = None,
    profile: str | StoreProfile | None = None,
    credentials: Credentials | None = None,
    chunk_size: int = 5000,
    retries: int = 4,
    backoff: float = 0.5,
    timeout: float = 300,
    progress: Callable[[int], None] | None = None,
    handle_signals: bool = False,
) -> PushReport:
    """Replace named graphs of the store behind ``endpoint`` with ``targets``.

    Parameters
    ----------
    targets
        The graphs to write, each with the IRI of the named graph it replaces.
    endpoint
        The store's SPARQL query endpoint (used to count, and to find the other services).
    protocol
        ``gsp`` (Graph Store HTTP Protocol) or ``update`` (SPARQL 1.1 Update) for the data;
        the swap is always an Update request.
    update_endpoint, store_endpoint
        Override the Update and Graph Store URLs the profile derives from ``endpoint``.
    profile
        A name in :data:`PROFILES`, a :class:`StoreProfile`, or None to detect it.
    credentials
        None looks them up (:meth:`Credentials.lookup`).
    chunk_size, retries, backoff, timeout
        Triples per request; attempts after a transient failure, waiting ``backoff * 2**n``
        seconds; seconds allowed per request.
    progress
        Called with the number of triples after each chunk is written.
    handle_signals
        Let SIGINT and SIGTERM end the push with :class:`PushInterrupted` once its staging
        graphs are dropped (main thread only; the command line does). Without it, Ctrl-C
        raises ``KeyboardInterrupt`` after the same clean-up, and SIGTERM does what the
        process's handler does.

    Raises
    ------
    PushError
        With one line saying what failed and that the previous graphs are intact (before
        the swap) or what the count is (after it).
    PushInterrupted
        With ``handle_signals``, on SIGINT or SIGTERM, once the request under way is
        answered: before the swap the staging graphs are dropped and the previous graphs
        left in place; from the swap on, the new graphs are in place.
    """
    pusher = _connect(
        endpoint,
        protocol=protocol,
        update_endpoint=update_endpoint,
        store_endpoint=store_endpoint,
        profile=profile,
        credentials=credentials,
        chunk_size=chunk_size,
        retries=retries,
        backoff=backoff,
        timeout=timeout,
        progress=progress,
    )
    started = time.perf_counter()
    with _signals_interrupt(pusher) if handle_signals else contextlib.nullcontext():
        counts = pusher.run(targets)
    return PushReport(
        endpoint=safe_url(endpoint),
        profile=pusher.profile.name,
        protocol=protocol,
        graphs=counts,
        chunks=pusher.chunks,
        retries=pusher.client.retried,
        seconds=time.perf_counter() - started,
        stale=pusher.stale,
    )


def cleanup(
    graphs: Sequence[str],
    endpoint: str,
    *,
    update_endpoint: str | None = None,
    profile: str | StoreProfile | None = None,
    credentials: Credentials | None = None,
    retries: int = 4,
    backoff: float = 0.5,
    timeout: float = 300,
) -> CleanupReport:
    """Drop the staging graphs that killed pushes left beside the target ``graphs``; nothing else.

    Finds them by name (``<target>-nanokg-staging``, and ``<target>-nanokg-staging-<token>``
    as earlier versions named them) with one scan of the store's graphs, drops them in one
    Update request and looks again.

    Parameters
    ----------
    graphs
        The target graph IRIs, as the push wrote them (:func:`target_graphs`).
    endpoint, update_endpoint, profile, credentials, retries, backoff, timeout
        As for :func:`push`.

    Raises
    ------
    PushError
        If the store cannot be reached, refuses the drop, or still holds one afterwards.
    """
    pusher = _connect(
        endpoint,
        protocol="update",
        update_endpoint=update_endpoint,
        store_endpoint=None,
        profile=profile,
        credentials=credentials,
        chunk_size=1,
        retries=retries,
        backoff=backoff,
        timeout=timeout,
        progress=None,
    )
    for graph in graphs:
        check_target(graph)
    found = pusher.leftovers(graphs)
    # the current names are dropped even when empty: an empty graph can stay registered
    named = [staging_graph(g) for g in graphs if staging_graph(g) not in found]
    pusher.drop([*found, *named], "dropping the staging graphs")
    still = pusher.leftovers(graphs)
    if still:
        raise PushError(f"{len(still)} staging graphs are still there after the drop: {', '.join(still)}")
    return CleanupReport(endpoint=safe_url(endpoint), profile=pusher.profile.name, dropped=found)
