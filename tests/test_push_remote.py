"""The push's HTTP client: urllib3's Retry with nanokg's schedule, counts and one-line errors.

A small HTTP server in a thread answers with the statuses a test scripts, so each retry
rule is checked without a triple store: which failures are retried, how many times, how
long it waits, what is counted, and how the last failure is worded.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from urllib3.exceptions import NewConnectionError

from nanokg.publish.remote import Client, Credentials, PushError, _retry
from servers import free_port


class ScriptedServer:
    """Answer request ``n`` with ``script[n]``: a status, or ``"hang"`` (no answer for a second)."""

    def __init__(self, *script: int | str) -> None:
        self.script = list(script)
        self.seen: list[str] = []
        self.authorization: list[str] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/update"
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.seen.append(self.command)
                server.authorization.append(self.headers.get("Authorization", ""))
                step = server.script.pop(0) if server.script else 200
                if step == "hang":
                    time.sleep(1.0)
                    step = 200
                body = f"answer {step}".encode()
                try:
                    self.send_response(step)
                    if step == 401:
                        self.send_header("WWW-Authenticate", 'Basic realm="test"')
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout tests)

            do_GET = do_POST = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture()
def scripted():
    servers = []

    def start(*script: int | str) -> ScriptedServer:
        servers.append(ScriptedServer(*script))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def client(retries: int = 4, timeout: float = 5, credentials: Credentials | None = None) -> Client:
    return Client(credentials, "basic", retries=retries, backoff=0.001, timeout=timeout)


def test_the_backoff_doubles_from_the_first_retry():
    retry = _retry(4, 0.5)
    waits = []
    for _ in range(3):
        retry = retry.increment("POST", "/update", error=NewConnectionError(None, "refused"))
        waits.append(retry.get_backoff_time())
    assert waits == [0.5, 1.0, 2.0]  # urllib3's own schedule would be 0, 1, 2


def test_transient_statuses_are_retried_and_counted(scripted):
    server = scripted(503, 502, 429, 200)
    http = client()
    response = http.send("POST", server.url, "writing chunk 1/1", data={"update": "INSERT DATA {}"})
    assert response.status_code == 200
    assert server.seen == ["POST"] * 4  # a POST is retried, as the chunks of a push always were
    assert http.retried == 3


def test_spent_retries_give_up_with_the_last_status(scripted):
    server = scripted(503, 503, 503, 200)
    http = client(retries=2)
    with pytest.raises(PushError) as caught:
        http.send("POST", server.url, "writing chunk 1/1")
    assert str(caught.value) == (
        f"writing chunk 1/1: {server.url} answered HTTP 503: answer 503 (gave up after 3 attempts)"
    )
    assert caught.value.answered is False
    assert http.retried == 2
    assert len(server.seen) == 3


def test_no_retries_means_one_request(scripted):
    """The swap is sent so: a 503 from a proxy may hide a swap under way."""
    server = scripted(503, 200)
    http = client()
    with pytest.raises(PushError, match=r"answered HTTP 503: answer 503$"):
        http.send("POST", server.url, "swapping the staging graphs in", retries=0)
    assert len(server.seen) == 1
    assert http.retried == 0


def test_a_refusal_is_not_retried(scripted):
    server = scripted(400, 200)
    http = client()
    with pytest.raises(PushError, match=r"^counting: the store rejected it \(.* answered HTTP 400: answer 400\)$"):
        http.send("GET", server.url, "counting")
    assert len(server.seen) == 1


def test_credentials_asked_for_and_refused(scripted):
    server = scripted(401, 401)
    with pytest.raises(PushError, match=r"asks for credentials \(HTTP 401\)"):
        client().send("GET", server.url, "counting")
    with pytest.raises(PushError, match=r"refused the credentials \(HTTP 401\)") as caught:
        client(credentials=Credentials("curator", "not-this")).send("GET", server.url, "counting")
    assert "not-this" not in str(caught.value)
    assert server.authorization[-1].startswith("Basic ")
    assert len(server.seen) == 2


def test_a_timeout_is_retried_and_worded(scripted):
    server = scripted("hang", "hang")
    http = client(retries=1, timeout=0.2)
    with pytest.raises(PushError) as caught:
        http.send("POST", server.url, "writing chunk 2/5")
    assert (
        str(caught.value) == f"writing chunk 2/5: {server.url} did not answer within 0.2 s (gave up after 2 attempts)"
    )
    assert caught.value.answered is False
    assert http.retried == 1


def test_an_unreachable_store_is_retried_and_worded():
    url = f"http://127.0.0.1:{free_port()}/update"
    http = client(retries=2)
    with pytest.raises(PushError) as caught:
        http.send("GET", url, "looking for staging graphs")
    assert str(caught.value) == f"looking for staging graphs: cannot reach {url} (gave up after 3 attempts)"
    assert http.retried == 2
    with pytest.raises(PushError) as caught:
        http.send("GET", url, "dropping the staging graphs", retries=0)
    assert str(caught.value) == f"dropping the staging graphs: cannot reach {url}"
