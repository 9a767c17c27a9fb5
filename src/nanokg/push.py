"""Push the built graph into a SPARQL 1.1 store, replacing its named graphs safely.

Each graph travels in bounded chunks, through the Graph Store HTTP Protocol (``gsp``,
N-Triples POSTs) or SPARQL 1.1 Update (``update``, ``INSERT DATA``), into a *staging*
graph beside its target. Only when every staging graph holds exactly the triples sent are
they swapped in with ``MOVE`` (one Update request for all of them), and the targets are
counted again afterwards. A failure before the swap leaves the store's previous graphs as
they were: the staging graphs are dropped and the error says so.

Blank nodes are scoped to one request in both protocols, so the chunker keeps every set of
triples joined by a blank node (an OWL restriction, an RDF list) in one chunk.

Stores differ in small ways, kept in a :class:`StoreProfile` per store rather than in
branches: where the Graph Store lives, whether it takes ``graph=`` or ``graph-uri=``, which
auth it wants, and whether ``INSERT DATA`` accepts blank nodes (Virtuoso refuses them; a
``INSERT {…} WHERE {}`` template is equivalent there). The profile is detected from the
server's ``Server`` header unless given.

Credentials come from ``$NANOKG_PUSH_USER`` / ``$NANOKG_PUSH_PASSWORD`` or from netrc for
the endpoint's host; they are never printed, and URLs with credentials in them are refused
so that none land in shell history or logs.
"""

from __future__ import annotations

import netrc
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox
import requests

from .store import graph_triples
from .vocabulary import GRAPHS

__all__ = [
    "PROFILES",
    "Credentials",
    "PushError",
    "PushReport",
    "PushUsageError",
    "StoreProfile",
    "Target",
    "chunk_triples",
    "push",
]

USER_VARIABLE = "NANOKG_PUSH_USER"
PASSWORD_VARIABLE = "NANOKG_PUSH_PASSWORD"  # noqa: S105 (a variable name, not a secret)

#: HTTP statuses worth another try: the server is busy or restarting, not refusing the data
_TRANSIENT = {408, 429, 502, 503, 504}


class PushError(RuntimeError):
    """A push failed; the message says what state the store was left in."""


class PushUsageError(PushError):
    """An option of the push is wrong (a URL, a graph name, the protocol): nothing was sent."""


@dataclass(frozen=True)
class StoreProfile:
    """How one kind of store speaks the two protocols.

    Attributes
    ----------
    name
        The profile's name, as given to ``--profile``.
    update_path, store_path
        Paths of the Update and Graph Store services, relative to the query endpoint's
        (``None``: the same URL as the query endpoint).
    graph_parameter
        The Graph Store Protocol's query parameter naming the graph.
    auth
        ``basic`` or ``digest``.
    bnodes_in_insert_data
        Whether ``INSERT DATA`` accepts blank nodes; if not, chunks holding blank nodes go
        as ``INSERT { … } WHERE {}`` templates, which mint the same fresh nodes.
    update_chunk_limit
        The most triples one Update request may carry (``None``: no limit), whatever
        ``--chunk-size`` says.
    """

    name: str
    update_path: str | None
    store_path: str | None
    graph_parameter: str = "graph"
    auth: str = "basic"
    bnodes_in_insert_data: bool = True
    update_chunk_limit: int | None = None

    def service_url(self, endpoint: str, path: str | None) -> str:
        """The URL of a service that sits beside the query endpoint."""
        if path is None:
            return endpoint
        parts = urlsplit(endpoint)
        base = parts.path.rsplit("/", 1)[0]
        return urlunsplit((parts.scheme, parts.netloc, f"{base}/{path}", "", ""))


PROFILES = {
    # `oxigraph serve`: /query, /update, /store
    "oxigraph": StoreProfile("oxigraph", update_path="update", store_path="store"),
    # Virtuoso 7: updates and Graph Store writes only on the digest-authenticated services
    "virtuoso": StoreProfile(
        "virtuoso",
        update_path="sparql-auth",
        store_path="sparql-graph-crud-auth",
        graph_parameter="graph-uri",
        auth="digest",
        bnodes_in_insert_data=False,
        # Virtuoso compiles an update to SQL and refuses more than 10000 lines of it
        # ("SP031"): about 2000 triples; stay well below
        update_chunk_limit=1000,
    ),
    # Fuseki and most others: one dataset URL serves query, update and the Graph Store
    "generic": StoreProfile("generic", update_path=None, store_path=None),
}


@dataclass(frozen=True)
class Credentials:
    """A user name and password for the store; the password never appears in ``repr``."""

    user: str
    password: str = field(repr=False)

    @classmethod
    def lookup(cls, url: str) -> Credentials | None:
        """Credentials from the environment, else from netrc for ``url``'s host, else None."""
        user = os.environ.get(USER_VARIABLE)
        if user:
            return cls(user, os.environ.get(PASSWORD_VARIABLE, ""))
        host = urlsplit(url).hostname or ""
        try:
            entry = netrc.netrc(os.environ.get("NETRC")).authenticators(host)
        except (FileNotFoundError, netrc.NetrcParseError):
            return None
        if entry is None:
            return None
        login, _account, password = entry
        return cls(login or "", password or "")


@dataclass(frozen=True)
class Target:
    """One graph to push: the triples and the named graph they replace."""

    graph: str
    triples: Sequence[ox.Triple]


@dataclass
class PushReport:
    """What a push did: triples per target graph, chunks and retries."""

    endpoint: str
    profile: str
    protocol: str
    graphs: dict[str, int]
    chunks: int = 0
    retries: int = 0
    seconds: float = 0.0


def chunk_triples(triples: Iterable[ox.Triple], size: int) -> list[list[ox.Triple]]:
    """Cut ``triples`` into chunks of at most ``size``, never splitting a blank-node group.

    Triples that share a blank node (transitively) form one group and travel together:
    both protocols scope blank-node labels to a single request, so a group cut in two
    would arrive as two unconnected structures. A group larger than ``size`` is a chunk
    of its own.

    >>> b = ox.BlankNode("b")
    >>> s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    >>> chunks = chunk_triples([ox.Triple(s, p, b), ox.Triple(s, p, s), ox.Triple(b, p, s)], 2)
    >>> [len(chunk) for chunk in chunks]
    [2, 1]
    """
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        parent.setdefault(label, label)
        while parent[label] != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    plain: list[ox.Triple] = []
    linked: list[tuple[str, ox.Triple]] = []
    for triple in triples:
        labels = [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        if not labels:
            plain.append(triple)
            continue
        root = find(labels[0])
        for other in labels[1:]:
            parent[find(other)] = root
        linked.append((labels[0], triple))

    groups: dict[str, list[ox.Triple]] = {}
    for label, triple in linked:
        groups.setdefault(find(label), []).append(triple)

    chunks: list[list[ox.Triple]] = []
    current: list[ox.Triple] = []
    for group in groups.values():
        if current and len(current) + len(group) > size:
            chunks.append(current)
            current = []
        current.extend(group)
    for triple in plain:
        if len(current) >= size:
            chunks.append(current)
            current = []
        current.append(triple)
    if current:
        chunks.append(current)
    return chunks


def _safe_url(url: str) -> str:
    """``url`` as it may be shown: no user info, no query string."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _check_url(url: str, option: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PushUsageError(f"{option} {_safe_url(url) or url!r}: not an http(s) URL")
    if parts.username or parts.password:
        raise PushUsageError(
            f"{option}: credentials in the URL are refused (they end up in logs); "
            f"set ${USER_VARIABLE} and ${PASSWORD_VARIABLE} or use ~/.netrc"
        )


def _ntriples(triples: Sequence[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


class _Client:
    """HTTP with auth, retries with exponential backoff, and one-line errors."""

    def __init__(
        self,
        credentials: Credentials | None,
        auth: str,
        *,
        retries: int,
        backoff: float,
        timeout: float,
    ) -> None:
        self.session = requests.Session()
        # credentials are ours to choose: requests would otherwise read ~/.netrc by itself
        self.session.trust_env = False
        if credentials is not None:
            if auth == "digest":
                self.session.auth = requests.auth.HTTPDigestAuth(credentials.user, credentials.password)
            else:
                self.session.auth = requests.auth.HTTPBasicAuth(credentials.user, credentials.password)
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.retried = 0

    def send(self, method: str, url: str, what: str, **kwargs) -> requests.Response:
        """Send one request, retrying transient failures; raise PushError on the rest."""
        for attempt in range(self.retries + 1):
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.ConnectionError:
                problem = f"cannot reach {_safe_url(url)}"
            except requests.Timeout:
                problem = f"{_safe_url(url)} did not answer within {self.timeout:g} s"
            else:
                if response.ok:
                    return response
                if response.status_code in (401, 403):
                    refused = "refused the credentials" if self.session.auth else "asks for credentials"
                    raise PushError(
                        f"{what}: {_safe_url(url)} {refused} (HTTP {response.status_code}); "
                        f"set ${USER_VARIABLE} and ${PASSWORD_VARIABLE} or use ~/.netrc"
                    )
                problem = f"{_safe_url(url)} answered HTTP {response.status_code}: {_first_line(response.text)}"
                if response.status_code not in _TRANSIENT:
                    raise PushError(f"{what}: the store rejected it ({problem})")
            if attempt < self.retries:
                self.retried += 1
                time.sleep(self.backoff * 2**attempt)
        raise PushError(f"{what}: {problem} (gave up after {self.retries + 1} attempts)")


def _first_line(text: str) -> str:
    line = " ".join(text.split())
    return line[:200] or "(empty body)"


def _sparql_iri(iri: str) -> str:
    if re.search(r'[\x00-\x20<>"{}|^`\\]', iri):
        raise PushUsageError(f"--graph {iri!r}: not a valid IRI")
    return f"<{iri}>"


def detect_profile(endpoint: str, *, timeout: float = 10) -> StoreProfile:
    """Guess the store from its ``Server`` header; ``generic`` when it says nothing known."""
    try:
        response = requests.get(endpoint, params={"query": "ASK {}"}, timeout=timeout)
    except requests.RequestException:
        raise PushError(f"--endpoint {_safe_url(endpoint)}: cannot reach the endpoint") from None
    server = response.headers.get("Server", "").lower()
    for name in ("oxigraph", "virtuoso"):
        if name in server:
            return PROFILES[name]
    return PROFILES["generic"]


class _Pusher:
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
        self.client = _Client(credentials, profile.auth, retries=retries, backoff=backoff, timeout=timeout)
        limit = profile.update_chunk_limit if protocol == "update" else None
        self.chunk_size = min(chunk_size, limit) if limit else chunk_size
        self.progress = progress or (lambda _n: None)
        self.chunks = 0

    def update(self, text: str, what: str) -> None:
        self.client.send(
            "POST",
            self.update_url,
            what,
            data={"update": text},
            headers={"Accept": "*/*"},
        )

    def count(self, graph: str) -> int:
        # with the push's own credentials: a store behind auth may guard its queries too
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_sparql_iri(graph)} {{ ?s ?p ?o }} }}"
        response = self.client.send(
            "GET",
            self.endpoint,
            f"counting <{graph}>",
            params={"query": text},
            headers={"Accept": "application/sparql-results+json"},
        )
        try:
            return int(response.json()["results"]["bindings"][0]["n"]["value"])
        except (ValueError, KeyError, IndexError):
            raise PushError(
                f"counting <{graph}>: {_safe_url(self.endpoint)} did not answer with SPARQL JSON results"
            ) from None

    def write_chunk(self, graph: str, chunk: list[ox.Triple], what: str) -> None:
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
                text = f"INSERT {{ GRAPH {_sparql_iri(graph)} {{\n{body}}} }} WHERE {{}}"
            else:
                text = f"INSERT DATA {{ GRAPH {_sparql_iri(graph)} {{\n{body}}} }}"
            self.update(text, what)
        self.chunks += 1
        self.progress(len(chunk))

    def drop(self, graphs: Iterable[str]) -> bool:
        """Drop ``graphs`` (best effort, one try); whether that worked."""
        text = " ;\n".join(f"DROP SILENT GRAPH {_sparql_iri(g)}" for g in graphs)
        retries, self.client.retries = self.client.retries, 0
        try:
            self.update(text, "dropping the staging graphs")
            return True
        except PushError:
            return False
        finally:
            self.client.retries = retries

    def run(self, targets: Sequence[Target]) -> dict[str, int]:
        token = uuid.uuid4().hex[:12]
        staging = {t.graph: f"{t.graph}-nanokg-staging-{token}" for t in targets}
        expected = {t.graph: len(set(t.triples)) for t in targets}
        for target in targets:
            _sparql_iri(target.graph)
        try:
            for target in targets:
                stage = staging[target.graph]
                chunks = chunk_triples(target.triples, self.chunk_size)
                for number, chunk in enumerate(chunks, 1):
                    self.write_chunk(stage, chunk, f"writing chunk {number}/{len(chunks)} of <{target.graph}>")
                found = self.count(stage)
                if found != expected[target.graph]:
                    raise PushError(
                        f"staging graph for <{target.graph}> holds {found} triples, {expected[target.graph]} were sent"
                    )
        except PushError as exc:
            # nothing written, nothing to clean (and a store that refused us would refuse the drop)
            cleaned = self.chunks == 0 or self.drop(staging.values())
            left = "" if cleaned else f"; the staging graphs (…-nanokg-staging-{token}) could not be dropped"
            raise PushError(f"{exc}; nothing was replaced: the previous graphs are left in place{left}") from None

        # one request: a store that runs an Update request as one transaction swaps all or none
        moves = " ;\n".join(
            f"MOVE SILENT {_sparql_iri(staging[t.graph])} TO {_sparql_iri(t.graph)}"
            if expected[t.graph]
            else f"DROP SILENT GRAPH {_sparql_iri(t.graph)}"
            for t in targets
        )
        try:
            self.update(moves, "swapping the staging graphs in")
        except PushError as exc:
            self.drop(staging.values())
            raise PushError(f"{exc}; the swap did not happen: the previous graphs are left in place") from None

        counts = {}
        for target in targets:
            counts[target.graph] = self.count(target.graph)
            if counts[target.graph] != expected[target.graph]:
                raise PushError(
                    f"after the swap <{target.graph}> holds {counts[target.graph]} triples, "
                    f"{expected[target.graph]} expected"
                )
        return counts


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

    Raises
    ------
    PushError
        With one line saying what failed and that the previous graphs are intact (before
        the swap) or what the count is (after it).
    """
    if protocol not in ("gsp", "update"):
        raise PushUsageError(f"--protocol {protocol!r}: use gsp or update")
    _check_url(endpoint, "--endpoint")
    for url, option in ((update_endpoint, "--update-endpoint"), (store_endpoint, "--store-endpoint")):
        if url is not None:
            _check_url(url, option)
    if isinstance(profile, str):
        if profile not in PROFILES:
            raise PushUsageError(f"--profile {profile!r}: use one of {', '.join(PROFILES)}")
        profile = PROFILES[profile]
    elif profile is None:
        profile = detect_profile(endpoint, timeout=min(timeout, 10))
    if credentials is None:
        credentials = Credentials.lookup(update_endpoint or store_endpoint or endpoint)
    started = time.perf_counter()
    pusher = _Pusher(
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
    counts = pusher.run(targets)
    return PushReport(
        endpoint=_safe_url(endpoint),
        profile=profile.name,
        protocol=protocol,
        graphs=counts,
        chunks=pusher.chunks,
        retries=pusher.client.retried,
        seconds=time.perf_counter() - started,
    )


def store_targets(store: ox.Store, graphs: Sequence[str] | None = None, into: str | None = None) -> list[Target]:
    """The built store's named graphs as push targets.

    Parameters
    ----------
    graphs
        Names from :data:`nanokg.vocabulary.GRAPHS`; all of them by default (the ``lookup``
        graph too, so that remote queries resolve names as the embedded store does).
    into
        Push the union of the chosen graphs into this one named graph instead of one
        target per graph (queries naming our graphs with ``GRAPH`` then find nothing).
    """
    names = list(graphs) if graphs else list(GRAPHS)
    unknown = [n for n in names if n not in GRAPHS]
    if unknown:
        raise PushUsageError(f"--graphs {','.join(unknown)}: unknown graph; use {', '.join(GRAPHS)}")
    selected = {name: list(graph_triples(store, GRAPHS[name])) for name in names}
    if into is not None:
        union = list(dict.fromkeys(t for triples in selected.values() for t in triples))
        return [Target(into, union)]
    return [Target(str(GRAPHS[name]), triples) for name, triples in selected.items()]
