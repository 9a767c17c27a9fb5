"""A reverse proxy in front of a real SPARQL server, for faults a healthy server never shows.

It forwards every request unchanged, except that it can answer the next N requests with an
error status (transient failures), refuse requests without the right HTTP basic
credentials (Oxigraph itself has no auth), and it records what passed through.
"""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from servers import free_port

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


class FaultyProxy:
    """Forward ``127.0.0.1:port`` to ``upstream`` (a base URL such as ``http://127.0.0.1:7878``)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.failures: list[int] = []
        self.credentials: str | None = None
        self.seen: list[tuple[str, str, int]] = []
        self.authorization_headers: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` requests with ``status`` without forwarding them."""
        with self._lock:
            self.failures.extend([status] * count)

    def require_basic(self, user: str, password: str) -> None:
        """Refuse requests that lack these basic credentials with 401."""
        self.credentials = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep the test output clean
                pass

            def _relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.authorization_headers.append(self.headers.get("Authorization", ""))
                with proxy._lock:
                    status = proxy.failures.pop(0) if proxy.failures else None
                if status is None and proxy.credentials and self.headers.get("Authorization") != proxy.credentials:
                    status = 401
                if status is not None:
                    proxy.seen.append((self.command, self.path, status))
                    payload = f"injected failure {status}".encode()
                    self.send_response(status)
                    if status == 401:
                        self.send_header("WWW-Authenticate", 'Basic realm="test"')
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"authorization"}}
                response = requests.request(
                    self.command, proxy.upstream + self.path, data=body, headers=headers, timeout=60
                )
                proxy.seen.append((self.command, self.path, response.status_code))
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() not in _HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)

            do_GET = do_POST = do_PUT = do_DELETE = _relay

        return Handler

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
