"""Where queries run: the embedded store, an in-memory rdflib graph, or any SPARQL 1.1 endpoint.

Each backend takes SPARQL text and parameter values as RDF terms and returns
:class:`nanokg.query.results.Results`. Every backend binds values the same way, so the same
query gives the same answer everywhere: a ``VALUES`` block of RDF terms becomes the
first pattern of the outermost WHERE group (:func:`nanokg.sparql_text.with_values`). The terms are written
by Oxigraph's N-Triples serialiser, so a value cannot close the string or IRI it sits
in: ``x" } ; DROP ALL #`` stays one string literal. (pyoxigraph's ``substitutions``
only bind projected variables, and grlc's convention keeps placeholders out of the
projection; a remote endpoint only takes text anyway.)

Placeholders therefore belong in the top-level group of the WHERE clause (its triple
patterns, OPTIONALs, UNIONs and FILTERs); a sub-SELECT or a nested group's FILTER does
not see them. The catalogue test enforces nothing here: the per-query answer tests do.

Dataset semantics are the same everywhere: the default graph is the union of the named
graphs (``use_default_graph_as_union`` on Oxigraph, ``default_union`` on rdflib,
``--union-default-graph`` on an Oxigraph server; Virtuoso does it without FROM), and
``GRAPH <...>`` narrows to one graph.

Virtuoso 7 (7.2.5, checked against a real server in tests/test_backends.py) differs, and
:class:`RemoteBackend` copes:

* it cuts a result at ``ResultSetMaxRows`` with HTTP 200 and an ``X-SPARQL-MaxRows``
  header, and with a ``timeout`` request parameter returns a partial answer marked
  ``X-SQL-State: S1TAT``; both raise :class:`TruncatedResultsError` (so does an answer of
  exactly the limit, which carries the header too). ``nanokg serve`` sends the same header;
* its JSON says ``typed-literal``, writes booleans as ``1``/``0`` (read as ``true``/``false``)
  and blank nodes as ``nodeID://b1001`` (read as ``_:b1001``);
* a ``application/sparql-query`` POST hangs, hence form-encoded POST;
* it cannot compile a multi-variable ``VALUES`` block whose variables reach into a
  ``FILTER EXISTS``, hence one block per variable (:func:`nanokg.sparql_text.with_values`);
* its refusals echo the whole query; :class:`EndpointError` keeps Virtuoso's message;
* the union default graph includes its system graphs (``virtrdf#`` ...), which only a
  query over every graph sees; narrowing the dataset with ``default-graph-uri`` makes it
  lose rows from path queries, so nothing is sent.

Credentials for an endpoint come from netrc (``$NETRC``, else ``~/.netrc``) for its host, as
``nanokg push`` finds them, or from ``user``/``password`` in Python; a URL with credentials
in it (``http://user:password@host/...``) is refused (:class:`EndpointUsageError`), and
error messages show an endpoint as scheme, host, port and path only (:func:`shown_url`), so
neither a password nor a token in the query string reaches a terminal or a log.

Its compiler also answers some standard constructs wrongly (computed booleans as
integers, ``COALESCE`` over boolean expressions, ``+`` and zero-length ``*`` paths in
``OPTIONAL``/``EXISTS`` or beside other paths). That cannot be mended in the answer; the
query files must use portable forms (README.md, "Virtuoso").
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import netrc
import re
import urllib.error
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pyoxigraph as ox

from nanokg.errors import InputError, NanokgError
from nanokg.query.results import Results, Term
from nanokg.settings import env
from nanokg.sparql_text import QuerySyntaxError, check_query_text, with_values

__all__ = [
    "Backend",
    "EmbeddedBackend",
    "EndpointError",
    "EndpointUsageError",
    "EngineFailure",
    "NotSelectError",
    "RdflibBackend",
    "RemoteBackend",
    "TruncatedResultsError",
    "check_endpoint_url",
    "check_syntax",
    "shown_url",
]

Bindings = Mapping[str, Term | Sequence[Term]]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
#: sent by Virtuoso (and ``nanokg serve``) when a result reached the server's row limit
MAX_ROWS_HEADER = "X-SPARQL-MaxRows"
#: Virtuoso's "anytime query" state: the time limit hit, the rows so far are returned
_PARTIAL_STATE = "S1TAT"
_LOCATION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)


class NotSelectError(InputError, ValueError):
    """A SELECT was expected (the catalogue and ``nanokg sparql`` answer SELECT queries)."""


class EndpointError(NanokgError, RuntimeError):
    """A remote endpoint could not be reached or refused the query."""


class EngineFailure(NanokgError, OSError):
    """The embedded engine could not finish a query: a ``SERVICE`` endpoint unreachable, a store unreadable (exit 1).

    An :class:`OSError` still (what pyoxigraph raised), with the engine's message.
    """


class TruncatedResultsError(EndpointError):
    """The endpoint answered HTTP 200 with part of the result, and said so only in a header."""


class EndpointUsageError(InputError, ValueError):
    """The endpoint URL is unusable as given: not http(s), or with credentials in it (exit 2)."""


#: where the credentials of an endpoint go (the URL may not hold them)
CREDENTIALS_HINT = "put them in ~/.netrc (or $NETRC) for the endpoint's host, as for nanokg push"


def shown_url(url: str) -> str:
    """``url`` as messages may show it: scheme, host, port and path; no credentials, no query string.

    Examples
    --------
    >>> shown_url("http://reader:secret@localhost:7878/query?token=secret#top")
    'http://localhost:7878/query'
    >>> shown_url("ftp://reader:secret@host/data")
    'ftp://host/data'
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed IPv6 host: keep nothing after the scheme that may be a secret
        return url.split("://", 1)[0] + "://..."
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def check_endpoint_url(url: str, option: str = "--endpoint") -> None:
    """Refuse ``url`` unless it is an http(s) URL with a host and without credentials.

    Raises
    ------
    EndpointUsageError
        The message shows the URL without credentials (:func:`shown_url`).
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise EndpointUsageError(f"{option} {shown_url(url)!r}: not an http(s) URL")
    if "@" in parts.netloc:
        raise EndpointUsageError(
            f"{option} {shown_url(url)}: credentials in the URL are refused (they end up in shell history "
            f"and logs); {CREDENTIALS_HINT}"
        )


def _netrc_credentials(url: str) -> tuple[str, str] | None:
    """The login and password netrc holds for ``url``'s host, as ``nanokg push`` reads them.

    Only netrc, which names a host, and not push's environment variables: those would be
    sent to whatever endpoint a query goes to.
    """
    try:
        entry = netrc.netrc(env("NETRC")).authenticators(urlsplit(url).hostname or "")
    except (OSError, netrc.NetrcParseError):
        return None
    if entry is None:
        return None
    login, _account, password = entry
    return login or "", password or ""


def check_syntax(text: str, source: str = "query", prefixes: Mapping[str, str] | None = None) -> None:
    r"""Parse ``text`` with Oxigraph's SPARQL parser (nothing is evaluated).

    ``prefixes`` are predeclared, so positions refer to ``text`` as given.

    Raises
    ------
    nanokg.sparql_text.QuerySyntaxError
        With the line and column the parser reports.
    nanokg.sparql_text.QueryTooComplexError
        Before parsing, if the text is nested too deep for the parser's stack.

    Examples
    --------
    >>> check_syntax("SELECT ?x WHERE {\n  ?x ?p \n}", source="ad-hoc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nanokg.sparql_text.QuerySyntaxError: ad-hoc:3:...: SPARQL syntax error: expected ...
    """
    _check_syntax(text, source, tuple(sorted(prefixes.items())) if prefixes else ())


# A text that parsed once parses again: the catalogue's queries and the name index's lookups are
# checked once per process, not at every call (tokenising and parsing cost 2 ms a query, more than
# small answers take). Only successes are kept (lru_cache keeps no exception); no answer is cached.
@functools.lru_cache(maxsize=1024)
def _check_syntax(text: str, source: str, prefixes: tuple[tuple[str, str], ...]) -> None:
    check_query_text(text, source)  # deep nesting would crash the parser below, not raise
    try:
        # parsing happens at the call; evaluation only when the iterator is consumed
        ox.Store().query(text, prefixes=dict(prefixes) if prefixes else None)
    except SyntaxError as exc:
        match = _LOCATION.match(str(exc))
        if match:
            message = " ".join(match.group(3).split())
            raise QuerySyntaxError(message, int(match.group(1)), int(match.group(2)), source) from None
        raise QuerySyntaxError(" ".join(str(exc).split()), source=source) from None


class Backend(ABC):
    """A place where the graph can be queried.

    ``bindings`` map a variable name (without ``?``) to a term, or to a list of terms
    (one VALUES row each).
    """

    def select(self, text: str, bindings: Bindings | None = None) -> Results:
        """Run a SELECT query with ``bindings``."""
        check_syntax(text)
        return self._select(with_values(text, bindings or {}))

    def ask(self, text: str, bindings: Bindings | None = None) -> bool:
        """Run an ASK query with ``bindings``."""
        check_syntax(text)
        return self._ask(with_values(text, bindings or {}))

    @abstractmethod
    def _select(self, text: str) -> Results: ...

    @abstractmethod
    def _ask(self, text: str) -> bool: ...

    def close(self) -> None:  # noqa: B027 - most backends hold nothing to release
        """Release what the backend holds (files, connections)."""


class EmbeddedBackend(Backend):
    """A pyoxigraph :class:`~pyoxigraph.Store` (on disk or in memory)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def _select(self, text: str) -> Results:
        solutions = self.store.query(text, use_default_graph_as_union=True)
        if not isinstance(solutions, ox.QuerySolutions):
            raise NotSelectError("expected a SELECT query")
        columns = [v.value for v in solutions.variables]
        # the engine's solutions unread: a reader that reads once reads them as they come, unkept, and
        # Results converts them only when asked (query/results.py); a failure before the first one is
        # raised here. A second pass runs the query again on the same store (same generation: same answer)
        store = self.store
        return Results.from_solutions(
            columns,
            _engine_failures(solutions, text),
            again=lambda: _engine_failures(store.query(text, use_default_graph_as_union=True), text),
        )

    def _ask(self, text: str) -> bool:
        return bool(self.store.query(text, use_default_graph_as_union=True))


def _engine_failures(solutions: Iterable[ox.QuerySolution], text: str) -> Iterator[ox.QuerySolution]:
    """``solutions`` as they come; pyoxigraph's OSError (met on the first row or later) as :class:`EngineFailure`."""
    try:
        yield from solutions
    except OSError as exc:
        if "SERVICE" in text.upper():  # the likely cause, said in the same line
            raise EngineFailure(f"the query failed (a SERVICE endpoint it calls?): {exc}") from None
        raise EngineFailure(f"the query failed: {exc}") from None


def _to_ox(term) -> Term | None:
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or _XSD_STRING)))
    raise TypeError(f"unexpected term {term!r}")


class RdflibBackend(Backend):
    """An rdflib :class:`~rdflib.Dataset` queried with rdflib's own SPARQL engine."""

    def __init__(self, dataset) -> None:
        self.dataset = dataset
        self.dataset.default_union = True

    @classmethod
    def from_store(cls, store: ox.Store) -> RdflibBackend:
        """Copy every quad of an Oxigraph store into an rdflib Dataset."""
        from rdflib import Dataset

        data = store.dump(format=ox.RdfFormat.N_QUADS)
        dataset = Dataset()
        dataset.parse(data=data, format="nquads")
        return cls(dataset)

    def _select(self, text: str) -> Results:
        result = self.dataset.query(text)
        if result.type != "SELECT":
            raise NotSelectError("expected a SELECT query")
        columns = [str(v) for v in result.vars]
        return Results(columns, [tuple(_to_ox(row[i]) for i in range(len(columns))) for row in result])

    def _ask(self, text: str) -> bool:
        return bool(self.dataset.query(text).askAnswer)


def _from_json(binding: dict[str, str]) -> Term:
    kind = binding["type"]
    if kind == "uri":
        return ox.NamedNode(binding["value"])
    if kind == "bnode":
        return _blank_node(binding["value"])
    if "xml:lang" in binding:
        return ox.Literal(binding["value"], language=binding["xml:lang"])
    # Virtuoso says "typed-literal" (SPARQL 1.0 JSON); the datatype is there either way
    datatype, value = binding.get("datatype", _XSD_STRING), binding["value"]
    if datatype == _XSD_BOOLEAN:
        # Virtuoso writes xsd:boolean values as 1 and 0: the canonical forms are the words
        value = {"1": "true", "0": "false"}.get(value, value)
    return ox.Literal(value, datatype=ox.NamedNode(datatype))


def _blank_node(label: str) -> ox.BlankNode:
    """A blank node for an endpoint's label; Virtuoso's ``nodeID://b10001`` is no N-Triples id.

    Examples
    --------
    >>> _blank_node("nodeID://b10001")
    <BlankNode value=b10001>
    """
    label = label.removeprefix("nodeID://")
    try:
        return ox.BlankNode(label)
    except ValueError:
        # same label, same node within one answer, and a valid id whatever the endpoint wrote
        return ox.BlankNode("x" + hashlib.sha256(label.encode("utf-8")).hexdigest()[:24])


def _refusal(exc: Exception) -> str:
    r"""What the endpoint said when it refused a query, rather than SPARQLWrapper's preamble.

    Examples
    --------
    >>> from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
    >>> _refusal(QueryBadFormed(b"Virtuoso 37000 Error SP030: bad syntax\n\nSPARQL query:\nSELECT"))
    'QueryBadFormed: Virtuoso 37000 Error SP030: bad syntax'
    """
    from SPARQLWrapper.SPARQLExceptions import Unauthorized

    kind, _, response = str(exc).partition("Response:\n")
    try:
        said = ast.literal_eval(response).decode("utf-8", "replace") if response else ""
    except (ValueError, SyntaxError, AttributeError):
        said = response
    # Virtuoso echoes the whole query after its message: keep the message
    said = said.split("\n\nSPARQL query:", 1)[0]
    message = f"{type(exc).__name__}: {' '.join((said or kind).split())[:300]}"
    if isinstance(exc, Unauthorized):
        message += f" (the endpoint wants credentials: {CREDENTIALS_HINT})"
    return message


class RemoteBackend(Backend):
    """A SPARQL 1.1 endpoint reached through SPARQLWrapper.

    Queries go as form-encoded POST (Virtuoso hangs on ``application/sparql-query``
    bodies); answers come back as SPARQL JSON. Bindings travel as ``VALUES`` blocks.

    Parameters
    ----------
    url
        The query endpoint.
    timeout
        Seconds to wait for an answer.
    user, password
        HTTP credentials (Basic), if the endpoint wants them; by default those netrc
        holds for the endpoint's host, if any. Never in ``url``.

    Raises
    ------
    EndpointUsageError
        From the constructor: ``url`` is not http(s), or holds credentials.
    TruncatedResultsError
        From :meth:`select` and :meth:`ask`, when the endpoint says it cut the answer
        (``X-SPARQL-MaxRows`` and as many rows, or Virtuoso's ``X-SQL-State: S1TAT``).
    """

    def __init__(self, url: str, *, timeout: float = 60, user: str | None = None, password: str | None = None):
        from SPARQLWrapper import SPARQLWrapper

        check_endpoint_url(url)
        self.url = url
        #: how messages name the endpoint (no query string: it may hold a token)
        self.shown = shown_url(url)
        self._wrapper = SPARQLWrapper(url)
        self._wrapper.setTimeout(int(timeout))
        credentials = (user, password or "") if user is not None else _netrc_credentials(url)
        if credentials is not None:
            self._wrapper.setCredentials(*credentials)

    def _run(self, text: str, form: str) -> tuple[dict, Mapping[str, str]]:
        from SPARQLWrapper import JSON, POST, URLENCODED
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        wrapper = self._wrapper
        wrapper.setQuery(text)
        # SPARQLWrapper guesses the query form with a regex that also reads comments
        wrapper.queryType = form
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setReturnFormat(JSON)
        try:
            response = wrapper.query().response
            # an http.client message: get() is case-insensitive (QueryResult.info() is not)
            headers = response.headers
            document = json.loads(response.read().decode("utf-8"))
        except SPARQLWrapperException as exc:
            raise EndpointError(f"{self.shown}: {_refusal(exc)}") from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise EndpointError(f"{self.shown}: cannot reach the endpoint ({reason})") from None
        except json.JSONDecodeError:
            raise EndpointError(f"{self.shown}: the answer is not SPARQL JSON results") from None
        if headers.get("X-SQL-State") == _PARTIAL_STATE:
            raise TruncatedResultsError(
                f"{self.shown}: the endpoint stopped the query at its time limit and returned incomplete "
                f"results (X-SQL-State: {_PARTIAL_STATE}); narrow the query or raise the endpoint's timeout"
            )
        return document, headers

    def _select(self, text: str) -> Results:
        document, headers = self._run(text, "SELECT")
        if "results" not in document:
            raise NotSelectError("expected a SELECT query")
        columns = list(document["head"]["vars"])
        rows = [tuple(_from_json(b[c]) if c in b else None for c in columns) for b in document["results"]["bindings"]]
        limit = headers.get(MAX_ROWS_HEADER)
        if limit is not None and limit.strip().isdigit() and len(rows) >= int(limit):
            raise TruncatedResultsError(
                f"{self.shown}: the endpoint returned {len(rows)} rows, its row limit ({MAX_ROWS_HEADER}: "
                f"{limit.strip()}), so the result may be cut; raise the limit (Virtuoso: [SPARQL] "
                "ResultSetMaxRows in virtuoso.ini) or narrow the query"
            )
        return Results(columns, rows)

    def _ask(self, text: str) -> bool:
        return bool(self._run(text, "ASK")[0]["boolean"])


def open_embedded(path: Path | None = None) -> EmbeddedBackend:
    """The built on-disk store, read-only (see :func:`nanokg.store.transaction.open_store`)."""
    from nanokg.store.transaction import open_store

    return EmbeddedBackend(open_store(path))
