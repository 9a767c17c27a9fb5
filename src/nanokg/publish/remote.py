"""The remote store a push writes to: its profile, the credentials, and HTTP with retries.

Stores differ in small ways, kept in a :class:`StoreProfile` per store rather than in
branches: where the Graph Store lives, whether it takes ``graph=`` or ``graph-uri=``, which
auth it wants, and whether ``INSERT DATA`` accepts blank nodes (Virtuoso refuses them; a
``INSERT {…} WHERE {}`` template is equivalent there). The profile is detected from the
server's ``Server`` header unless given (:func:`detect_profile`).

Credentials come from ``$NANOKG_PUSH_USER`` / ``$NANOKG_PUSH_PASSWORD`` or from netrc for
the endpoint's host (:meth:`Credentials.lookup`); they are never printed, and URLs with
credentials in them are refused (:func:`check_url`) so that none land in shell history or
logs.

:class:`Client` sends the requests: a failure the server may recover from (no connection, a
timeout, HTTP 408, 429, 502, 503, 504) is retried by urllib3's :class:`~urllib3.util.Retry`
with exponential backoff, and every other failure becomes one :class:`PushError` line.
"""

from __future__ import annotations

import netrc
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util import Retry

from nanokg import settings
from nanokg.errors import InputError, NanokgError

__all__ = [
    "PROFILES",
    "TRANSIENT",
    "Client",
    "Credentials",
    "PushError",
    "PushUsageError",
    "StoreProfile",
    "check_url",
    "detect_profile",
    "safe_url",
]

USER_VARIABLE = "NANOKG_PUSH_USER"
PASSWORD_VARIABLE = "NANOKG_PUSH_PASSWORD"  # noqa: S105 (a variable name, not a secret)

#: HTTP statuses worth another try: the server is busy or restarting, not refusing the data
TRANSIENT = frozenset({408, 429, 502, 503, 504})


class PushError(NanokgError, RuntimeError):
    """A push failed; the message says what state the store was left in.

    Attributes
    ----------
    answered
        False when the store gave no final answer to the request that failed (no
        connection, a timeout, a transient status from it or a proxy): it may still be
        working on it.
    """

    def __init__(self, message: str, *, answered: bool = True) -> None:
        super().__init__(message)
        self.answered = answered


class PushUsageError(InputError, PushError):
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
        """The URL of a service that sits beside the query endpoint.

        >>> PROFILES["oxigraph"].service_url("http://127.0.0.1:7878/query", "update")
        'http://127.0.0.1:7878/update'
        """
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
        user = settings.env(USER_VARIABLE)
        if user:
            return cls(user, settings.env(PASSWORD_VARIABLE) or "")
        host = urlsplit(url).hostname or ""
        try:
            entry = netrc.netrc(settings.env("NETRC")).authenticators(host)
        except (FileNotFoundError, netrc.NetrcParseError):
            return None
        if entry is None:
            return None
        login, _account, password = entry
        return cls(login or "", password or "")


def safe_url(url: str) -> str:
    """``url`` as it may be shown: no user info, no query string.

    >>> safe_url("http://user:secret@example.org:8890/sparql?graph=x")
    'http://example.org:8890/sparql'
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def check_url(url: str, option: str) -> None:
    """Refuse a ``url`` (given as ``option``) that is not http(s), or that carries credentials.

    Raises
    ------
    PushUsageError
        Naming ``option``, never the credentials.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError as exc:
        # not echoed: it may carry credentials
        raise PushUsageError(f"{option}: not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PushUsageError(f"{option} {safe_url(url) or url!r}: not an http(s) URL")
    if parts.username or parts.password:
        raise PushUsageError(
            f"{option}: credentials in the URL are refused (they end up in logs); "
            f"set ${USER_VARIABLE} and ${PASSWORD_VARIABLE} or use ~/.netrc"
        )


def detect_profile(endpoint: str, *, timeout: float = 10) -> StoreProfile:
    """Guess the store from its ``Server`` header; ``generic`` when it says nothing known."""
    try:
        response = requests.get(endpoint, params={"query": "ASK {}"}, timeout=timeout)
    except requests.RequestException:
        raise PushError(f"--endpoint {safe_url(endpoint)}: cannot reach the endpoint") from None
    server = response.headers.get("Server", "").lower()
    for name in ("oxigraph", "virtuoso"):
        if name in server:
            return PROFILES[name]
    return PROFILES["generic"]


class _Backoff(Retry):
    """urllib3's retries with nanokg's schedule: ``backoff * 2**n`` seconds before retry ``n`` (from 0).

    urllib3's own waits nothing before the first retry; a store that answered 503 is given
    ``backoff`` seconds first.
    """

    def get_backoff_time(self) -> float:
        return self.backoff_factor * 2 ** (len(self.history) - 1) if self.history else 0.0


def _retry(retries: int, backoff: float) -> Retry:
    """At most ``retries`` more attempts after any transient failure, whatever it was."""
    return _Backoff(
        total=retries,
        # every method, POST included: data go into staging graphs, counted before the swap, and
        # the swap itself (and the clean-up drops) are sent with no retries (Client.send(retries=0))
        allowed_methods=None,
        status_forcelist=TRANSIENT,
        backoff_factor=backoff,
        # the last transient answer comes back, to be worded with its status and body
        raise_on_status=False,
        respect_retry_after_header=False,
    )


class Client:
    """HTTP with auth, retries with exponential backoff, and one-line errors.

    Parameters
    ----------
    credentials
        Sent with every request (``None``: none).
    auth
        ``basic`` or ``digest``.
    retries, backoff
        Attempts after a transient failure, waiting ``backoff * 2**n`` seconds before the
        n-th (from 0).
    timeout
        Seconds allowed per request.
    """

    def __init__(
        self,
        credentials: Credentials | None,
        auth: str,
        *,
        retries: int,
        backoff: float,
        timeout: float,
    ) -> None:
        self.auth: requests.auth.AuthBase | None = None
        if credentials is not None:
            kind = requests.auth.HTTPDigestAuth if auth == "digest" else requests.auth.HTTPBasicAuth
            self.auth = kind(credentials.user, credentials.password)
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        #: retries made so far, over every request
        self.retried = 0
        self._sessions: dict[int, requests.Session] = {}

    def _session(self, retries: int) -> requests.Session:
        """The session whose adapter retries ``retries`` times (one per count, sharing the auth)."""
        session = self._sessions.get(retries)
        if session is None:
            session = requests.Session()
            # credentials are ours to choose: requests would otherwise read ~/.netrc by itself
            session.trust_env = False
            session.auth = self.auth
            adapter = HTTPAdapter(max_retries=_retry(retries, self.backoff))
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._sessions[retries] = session
        return session

    def send(
        self, method: str, url: str, what: str, *, retries: int | None = None, timeout: float | None = None, **kwargs
    ) -> requests.Response:
        """Send one request, retrying transient failures; raise PushError on the rest.

        ``retries`` and ``timeout`` override the client's for this request.
        """
        retries = self.retries if retries is None else retries
        timeout = self.timeout if timeout is None else timeout
        gave_up = f" (gave up after {retries + 1} attempts)" if retries else ""
        try:
            response = self._session(retries).request(method, url, timeout=timeout, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            # urllib3 wraps the last failure in MaxRetryError once the retries are spent
            reason = getattr(exc.args[0], "reason", None) if exc.args else None
            spent = reason is not None
            self.retried += retries if spent else 0
            if isinstance(exc, requests.ReadTimeout) or isinstance(reason, ReadTimeoutError):
                problem = f"{safe_url(url)} did not answer within {timeout:g} s"
            else:
                problem = f"cannot reach {safe_url(url)}"
            raise PushError(f"{what}: {problem}{gave_up if spent else ''}", answered=False) from None
        except requests.RequestException as exc:  # a malformed answer, a redirect loop ...
            raise PushError(f"{what}: {safe_url(url)}: {_first_line(str(exc))}", answered=False) from None
        made = getattr(response.raw, "retries", None)  # urllib3's Retry as the last attempt left it
        self.retried += len(made.history) if made is not None else 0
        if response.ok:
            return response
        if response.status_code in (401, 403):
            refused = "refused the credentials" if self.auth else "asks for credentials"
            raise PushError(
                f"{what}: {safe_url(url)} {refused} (HTTP {response.status_code}); "
                f"set ${USER_VARIABLE} and ${PASSWORD_VARIABLE} or use ~/.netrc"
            )
        problem = f"{safe_url(url)} answered HTTP {response.status_code}: {_first_line(response.text)}"
        if response.status_code in TRANSIENT:  # still transient after every retry
            raise PushError(f"{what}: {problem}{gave_up}", answered=False)
        raise PushError(f"{what}: the store rejected it ({problem})")


def _first_line(text: str) -> str:
    line = " ".join(text.split())
    return line[:200] or "(empty body)"
