"""Real SPARQL servers for the tests, started on 127.0.0.1 and stopped by PID.

The Oxigraph server comes from the PyPI package ``oxigraph`` (a dev dependency in
pyproject.toml), so `pip install -e '.[dev]'` is all the set-up it needs.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_executable() -> str:
    # the console script sits beside the interpreter when installed into this environment
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the `oxigraph` server is not installed: pip install -e '.[dev]'")
    return found


class OxigraphServer:
    """``oxigraph serve`` on a free loopback port with a private data directory."""

    def __init__(self, location: Path, *, union_default_graph: bool = True) -> None:
        self.location = Path(location)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.query_url = f"{self.base}/query"
        self.store_url = f"{self.base}/store"
        args = [oxigraph_executable(), "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"]
        if union_default_graph:
            args.append("--union-default-graph")
        self.log = (self.location.parent / f"oxigraph-{self.port}.log").open("wb")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited with {self.process.returncode}; see {self.log.name}")
            try:
                query = urllib.parse.urlencode({"query": "ASK {}"})
                with urllib.request.urlopen(f"{self.query_url}?{query}", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"oxigraph serve did not answer within {timeout} s")

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        """Replace one named graph through the SPARQL 1.1 Graph Store HTTP Protocol."""
        url = f"{self.store_url}?{urllib.parse.urlencode({'graph': graph})}"
        request = urllib.request.Request(
            url, data=ntriples, method="PUT", headers={"Content-Type": "application/n-triples"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status in (200, 201, 204), response.status

    def load_store(self, store: ox.Store) -> int:
        """Copy every named graph of ``store`` into the server, one GSP PUT each."""
        total = 0
        for graph in store.named_graphs():
            triples = [
                ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph)
            ]
            self.put_graph(graph.value, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
            total += len(triples)
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
