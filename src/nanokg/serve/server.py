"""The listening side of ``nanokg serve``: the socket it binds and the HTTP protocol uvicorn runs on it.

The port is taken (:func:`listen`) before any worker starts, so a busy port fails at
once with a :class:`~nanokg.serve.workers.ServeError`. A client has ``client_timeout``
seconds, from the moment it connects or its last answer was sent, to send a request's
line and headers (:func:`timed_protocol`); uvicorn alone times out only idle kept-alive
connections, not a request head that never ends.
"""

from __future__ import annotations

import errno
import socket

from nanokg.serve.workers import ServeError

__all__ = ["listen", "timed_protocol"]


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (port 0: any free one).

    Raises
    ------
    ServeError
        If the host does not resolve, the port is in use or cannot be bound.

    Examples
    --------
    >>> sock = listen("127.0.0.1", 0)
    >>> sock.getsockname()[1] > 0
    True
    >>> listen("127.0.0.1", sock.getsockname()[1])
    Traceback (most recent call last):
    ...
    nanokg.serve.workers.ServeError: 127.0.0.1:... is already in use (choose another --port)
    >>> sock.close()
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ServeError(f"--host {host!r}: {exc.strerror}", parameter="--host") from None
    # proto must say TCP: asyncio sets TCP_NODELAY on accepted connections only then, and without
    # it a keep-alive client waits ~40 ms per answer (Nagle's algorithm against delayed ACKs)
    sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"{host}:{port} is already in use (choose another --port)", parameter="--port") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def timed_protocol(seconds: float) -> type:
    """The HTTP/1.1 protocol of uvicorn (h11), closing a connection whose request head is late.

    uvicorn times out only a kept-alive connection that stays silent; its first byte stops
    that clock, and a new connection has none. Here the clock runs from the connection's
    opening, and again from each answer, until a whole request line and headers have
    arrived: bytes that trickle in do not stop it.
    """
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class TimedH11Protocol(H11Protocol):
        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self.timeout_keep_alive_task = self.loop.call_later(seconds, self.timeout_keep_alive_handler)

        def data_received(self, data: bytes) -> None:
            # unlike uvicorn's own, the clock keeps running: handle_events stops it at a whole request head
            self.conn.receive_data(data)
            self.handle_events()

    return TimedH11Protocol
