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


# -- nanokg serve (this project's own read-only endpoint) ----------------------------


class NanokgServer:
    """The real ``nanokg serve`` command on a free loopback port, in its own process group.

    ``options`` are extra command-line options (``--max-rows 5``, ``--timeout 1`` ...).
    :attr:`announced` is the line the command printed when ready; :meth:`stop` ends the
    whole group (server, fork server, workers) by its id.
    """

    def __init__(self, store: Path, log_dir: Path, *options: str, ready_timeout: float = 60) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/sparql"
        self.log_path = Path(log_dir) / f"nanokg-serve-{self.port}.log"
        self.out_path = Path(log_dir) / f"nanokg-serve-{self.port}.out"
        self.log, self.out = self.log_path.open("wb"), self.out_path.open("wb")
        args = [sys.executable, "-m", "nanokg", "serve", "--port", str(self.port), "--store", str(store), *options]
        self.process = subprocess.Popen(args, stdout=self.out, stderr=self.log, start_new_session=True)
        self._wait_ready(ready_timeout)

    @property
    def announced(self) -> str:
        """What the command printed on stdout."""
        return self.out_path.read_text()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"{self.url}?{urllib.parse.urlencode({'query': 'ASK {}'})}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"nanokg serve exited with {self.process.returncode}: {self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nanokg serve did not answer within {timeout} s: {self.log_path.read_text()}")

    def group(self) -> list[int]:
        """Process ids of the server's process group (the server, its fork server, its workers ...)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended while we looked
            # after the command name: state, ppid, pgrp; zombies are already dead
            if fields[0] != "Z" and int(fields[2]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        self.out.close()
