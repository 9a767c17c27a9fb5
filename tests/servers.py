"""Real SPARQL servers for the tests, started on 127.0.0.1 and stopped by PID.

The Oxigraph server comes from the PyPI package ``oxigraph`` (a dev dependency in
pyproject.toml), so `pip install -e '.[dev]'` is all the set-up it needs. Virtuoso 7
comes from the Debian package ``virtuoso-opensource`` and grlc from its own virtualenv;
scripts/setup-test-env.sh installs both before the tests run (no test installs anything).
"""

from __future__ import annotations

import json
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

from nanokg.store.transaction import graph_triples


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_group(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM a server started in its own session, and SIGKILL its group if it outlives ``grace`` seconds."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_answering(
    process: subprocess.Popen, probe, timeout: float, *, exited, timed_out, pause: float, probe_timeout: float = 2
) -> None:
    """Poll ``probe`` (a URL or a urllib Request) until it answers 200.

    If the process dies first, ``exited(returncode)`` cleans up and gives the error; if the
    time runs out, ``timed_out()`` does (stopping the server).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(exited(process.returncode))
        try:
            with urllib.request.urlopen(probe, timeout=probe_timeout) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(pause)
    raise RuntimeError(timed_out())


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
        def timed_out() -> str:
            self.stop()
            return f"oxigraph serve did not answer within {timeout} s"

        wait_answering(
            self.process, f"{self.query_url}?{urllib.parse.urlencode({'query': 'ASK {}'})}", timeout,
            exited=lambda code: f"oxigraph serve exited with {code}; see {self.log.name}",
            timed_out=timed_out, pause=0.1,
        )  # fmt: skip

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
            triples = list(graph_triples(store, graph))
            self.put_graph(graph.value, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
            total += len(triples)
        return total

    def stop(self) -> None:
        stop_group(self.process, grace=10)
        self.log.close()


# -- Virtuoso Open Source 7 (Debian package virtuoso-opensource) -----------------------

ROOT = Path(__file__).resolve().parents[1]
SETUP = "bash scripts/setup-test-env.sh"


def missing(what: str) -> str:
    """The one line a test fails with when a tool the suite runs for real is not installed."""
    return f"{what} is not installed: run `{SETUP}` first (as root for the Debian packages)"


VIRTUOSO_GRAPH_STORE = "sparql-graph-crud-auth"

_VIRTUOSO_INI = """\
; written by tests/servers.py: a private test instance, every file in {dir}
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
DisableTcpSocket   = 0
MaxClientConnections = 10
; no automatic checkpoints: load_store checkpoints once the data is in
CheckpointInterval = 0
O_DIRECT           = 0
CaseMode           = 2
MaxStaticCursorRows = 5000
AllowOSCalls       = 0
DirsAllowed        = ., {dir}
; 8 KB pages: the buffer pool is most of the resident memory
NumberOfBuffers    = {buffers}
MaxDirtyBuffers    = {dirty_buffers}
MaxQueryMem        = 256M
; the defaults (256 tree maps, 1000-row vectors) cost ~130 MB resident before any data
IndexTreeMaps      = 16
VectorSize         = 500
MaxVectorSize      = 100000

[HTTPServer]
ServerPort         = 127.0.0.1:{http_port}
ServerRoot         = {dir}/www
MaxClientConnections = 10
ServerThreads      = 10
DavRoot            = DAV
EnabledDavVSP      = 0
HTTPProxyEnabled   = 0
MaxKeepAlives      = 10
KeepAliveTimeout   = 10
Charset            = UTF-8

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[SPARQL]
; results beyond this many rows are cut silently (HTTP 200, header X-SPARQL-MaxRows)
ResultSetMaxRows           = {max_rows}
MaxQueryCostEstimationTime = 400
; past this, Virtuoso returns what it has so far (header X-SQL-State: S1TAT)
MaxQueryExecutionTime      = {timeout}
DefaultQuery               = SELECT * WHERE {{ ?s ?p ?o }} LIMIT 10
"""


def virtuoso_executables() -> tuple[str, str]:
    """Paths of ``virtuoso-t`` and ``isql-vt`` (Debian's virtuoso-opensource).

    Raises
    ------
    RuntimeError
        If they are not installed (scripts/setup-test-env.sh installs them).
    """
    found = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if not all(found):
        raise RuntimeError(missing("Virtuoso (virtuoso-t, isql-vt; Debian package virtuoso-opensource)"))
    return found  # type: ignore[return-value]


class VirtuosoServer:
    """``virtuoso-t`` on two free loopback ports (SQL, HTTP) with a private database directory.

    The server runs in the foreground as a child in its own session, so :meth:`stop` ends
    it (and only it) by process group. Queries go to :attr:`query_url`; writes need the
    dba account's digest auth on :attr:`update_url` and :attr:`graph_store_url`.

    Parameters
    ----------
    directory
        Created if missing; holds the ini, the database, the logs and the HTTP root.
    max_rows
        ``[SPARQL] ResultSetMaxRows``: Virtuoso cuts longer results silently.
    timeout
        ``[SPARQL] MaxQueryExecutionTime`` in seconds.
    buffers
        ``NumberOfBuffers`` (8 KB pages each); ``MaxDirtyBuffers`` is three quarters of it.
    """

    user = "dba"
    password = "dba"  # the Debian package's default; the instance listens on 127.0.0.1 only

    def __init__(self, directory: Path, *, max_rows: int = 100_000, timeout: int = 120, buffers: int = 4000) -> None:
        self.virtuoso, self.isql_program = virtuoso_executables()
        self.directory = Path(directory).resolve()
        (self.directory / "www").mkdir(parents=True, exist_ok=True)
        self.sql_port, self.http_port = free_port(), free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.query_url = f"{self.base}/sparql"
        self.update_url = f"{self.base}/sparql-auth"
        self.graph_store_url = f"{self.base}/{VIRTUOSO_GRAPH_STORE}"
        self.ini = self.directory / "virtuoso.ini"
        self.ini.write_text(
            _VIRTUOSO_INI.format(
                dir=self.directory, sql_port=self.sql_port, http_port=self.http_port, max_rows=max_rows,
                timeout=timeout, buffers=buffers, dirty_buffers=buffers * 3 // 4,
            )
        )  # fmt: skip
        self.log_path = self.directory / "virtuoso-stdout.log"
        self.log = self.log_path.open("wb")
        started = time.monotonic()
        self.process = subprocess.Popen(
            [self.virtuoso, "+configfile", str(self.ini), "+foreground"],
            cwd=self.directory,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()
        self.start_seconds = time.monotonic() - started
        #: graphs Virtuoso keeps for itself (virtrdf#, ...): part of its union default graph
        self.system_graphs = frozenset(self.graphs())

    @property
    def credentials(self) -> tuple[str, str]:
        """The dba user name and password (digest auth on the write services, and isql)."""
        return self.user, self.password

    def auth(self):
        """A :class:`requests.auth.HTTPDigestAuth` for the dba account."""
        from requests.auth import HTTPDigestAuth

        return HTTPDigestAuth(self.user, self.password)

    def _wait_ready(self, timeout: float = 90) -> None:
        def exited(code: int) -> str:
            self.log.close()
            return f"virtuoso-t exited with {code}; see {self.log_path} and {self.directory / 'virtuoso.log'}"

        def timed_out() -> str:
            self.stop()
            return f"virtuoso-t did not answer on {self.query_url} within {timeout} s; see {self.log_path}"

        query = urllib.parse.urlencode({"query": "ASK {}"})
        probe = urllib.request.Request(
            f"{self.query_url}?{query}", headers={"Accept": "application/sparql-results+json"}
        )
        wait_answering(self.process, probe, timeout, exited=exited, timed_out=timed_out, pause=0.2)

    def isql(self, sql: str, timeout: float = 300) -> str:
        """Run SQL statements (``;``-separated) as dba through ``isql-vt``; its output.

        Raises
        ------
        RuntimeError
            If isql fails or Virtuoso reports an error.
        """
        run = subprocess.run(
            [self.isql_program, f"127.0.0.1:{self.sql_port}", self.user, self.password, f"exec={sql}"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = run.stdout + run.stderr
        if run.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql-vt failed (exit {run.returncode}) on {sql[:200]!r}: {output.strip()[-500:]}")
        return output

    def put_graph(self, graph: str, ntriples: bytes, *, replace: bool = True) -> None:
        """Write N-Triples into one named graph through the Graph Store Protocol (PUT replaces, POST adds)."""
        import requests

        response = requests.request(
            "PUT" if replace else "POST",
            self.graph_store_url,
            params={"graph-uri": graph},
            data=ntriples,
            # Virtuoso answers a POST that asks for SPARQL results JSON with 406
            headers={"Content-Type": "application/n-triples", "Accept": "*/*"},
            auth=self.auth(),
            timeout=300,
        )
        if response.status_code not in (200, 201, 204):
            raise RuntimeError(f"Virtuoso refused graph {graph}: HTTP {response.status_code} {response.text[:300]}")

    def load_store(self, store: ox.Store, *, chunk_size: int = 20_000) -> int:
        """Copy every named graph of ``store`` into the server under the same graph IRI.

        Each graph goes through the Graph Store Protocol: a PUT with its first chunk, then
        POSTs, ``chunk_size`` triples each (one big request costs Virtuoso about 30 bytes
        of memory per byte: 1.1 GB resident for 33 MB). Triples joined by a blank node
        stay in one chunk, since each request has its own blank-node scope. A checkpoint
        makes the data durable (SIGTERM does not checkpoint). Returns the triple count.
        """
        from nanokg.publish.push import chunk_triples

        total = 0
        for graph in sorted(store.named_graphs(), key=lambda g: g.value):
            triples = list(graph_triples(store, graph))
            for number, chunk in enumerate(chunk_triples(triples, chunk_size)):
                self.put_graph(graph.value, ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES), replace=number == 0)
            total += len(triples)
        self.isql("checkpoint;")
        return total

    def graphs(self) -> set[str]:
        """IRIs of the named graphs the server holds (its system graphs included)."""
        query = urllib.parse.urlencode({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"})
        request = urllib.request.Request(
            f"{self.query_url}?{query}", headers={"Accept": "application/sparql-results+json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            document = json.load(response)
        return {b["g"]["value"] for b in document["results"]["bindings"]}

    def clear(self) -> None:
        """Drop every graph but Virtuoso's own, leaving the server as it started."""
        self.drop_graphs(self.graphs() - self.system_graphs)

    def drop_graphs(self, graphs) -> None:
        """Remove named graphs (missing ones are fine) through the Graph Store Protocol."""
        import requests

        for graph in graphs:
            response = requests.delete(
                self.graph_store_url, params={"graph-uri": str(graph)}, auth=self.auth(), timeout=120
            )
            if response.status_code not in (200, 204, 404):
                raise RuntimeError(f"Virtuoso did not drop {graph}: HTTP {response.status_code} {response.text[:300]}")

    def resident_memory(self) -> int:
        """Resident set size of the server process, in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> None:
        """SIGTERM the server's process group, SIGKILL it if it lingers."""
        stop_group(self.process, grace=20)
        self.log.close()


# -- nanokg serve (this project's own read-only endpoint) ----------------------------


class NanokgServer:
    """The real ``nanokg serve`` command on a free loopback port, in its own process group.

    ``options`` are extra command-line options (``--max-rows 5``, ``--timeout 1`` ...);
    ``python`` and ``env`` run it from another environment (a fresh install's).
    :attr:`announced` is the line the command printed when ready; :meth:`stop` ends the
    whole group (server, fork server, workers) by its id.
    """

    def __init__(
        self,
        store: Path,
        log_dir: Path,
        *options: str,
        ready_timeout: float = 60,
        python: str = sys.executable,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/sparql"
        self.log_path = Path(log_dir) / f"nanokg-serve-{self.port}.log"
        self.out_path = Path(log_dir) / f"nanokg-serve-{self.port}.out"
        self.log, self.out = self.log_path.open("wb"), self.out_path.open("wb")
        args = [python, "-m", "nanokg", "serve", "--port", str(self.port), "--store", str(store), *options]
        self.process = subprocess.Popen(args, stdout=self.out, stderr=self.log, start_new_session=True, env=env)
        self._wait_ready(ready_timeout)

    @property
    def announced(self) -> str:
        """What the command printed on stdout."""
        return self.out_path.read_text()

    def _wait_ready(self, timeout: float) -> None:
        def exited(code: int) -> str:
            self.stop()
            return f"nanokg serve exited with {code}: {self.log_path.read_text()}"

        def timed_out() -> str:
            self.stop()
            return f"nanokg serve did not answer within {timeout} s: {self.log_path.read_text()}"

        url = f"{self.url}?{urllib.parse.urlencode({'query': 'ASK {}'})}"
        wait_answering(self.process, url, timeout, exited=exited, timed_out=timed_out, pause=0.05)

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
        stop_group(self.process, grace=10)
        self.log.close()
        self.out.close()


# -- grlc (the queries/ folder as a web API, from PyPI in its own virtualenv) ------------------

GRLC_VENV = ROOT / "build" / "grlc-venv"


def grlc_environment(venv: Path = GRLC_VENV) -> Path:
    """The virtualenv holding grlc 1.3 (scripts/setup-test-env.sh makes it with scripts/install-grlc.sh).

    grlc pins its own rdflib, Flask and PyYAML, so it never shares nanokg's environment.

    Raises
    ------
    RuntimeError
        If it is not there.
    """
    if not (venv / "bin" / "gunicorn").exists():
        raise RuntimeError(missing(f"grlc (its virtualenv {venv})"))
    return venv


class GrlcServer:
    """grlc's Flask application, unchanged, serving ``queries/`` against a SPARQL endpoint.

    Its ``config.ini`` (read from the working directory) names the endpoint
    (``[defaults] sparql_endpoint``) and the query folder (``[local] local_sparql_dir``);
    the queries answer at ``/api-local/NAME``. It runs under gunicorn (a grlc dependency,
    what its own ``grlc-server`` uses) bound to 127.0.0.1 with two workers, in its own
    process group, which :meth:`stop` ends.
    """

    def __init__(self, endpoint: str, queries: Path, directory: Path, *, ready_timeout: float = 60) -> None:
        self.venv = grlc_environment()
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.api = f"{self.base}/api-local"
        (self.directory / "config.ini").write_text(
            f"[defaults]\nsparql_endpoint = {endpoint}\nserver_name = 127.0.0.1:{self.port}\n\n"
            f"[local]\nlocal_sparql_dir = {Path(queries).resolve()}\n",
            encoding="utf-8",
        )
        self.log_path = self.directory / f"grlc-{self.port}.log"
        self.log = self.log_path.open("wb")
        args = [str(self.venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
                "--timeout", "120", "grlc.server:app"]  # fmt: skip
        self.process = subprocess.Popen(
            args, cwd=self.directory, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_ready(ready_timeout)

    def _wait_ready(self, timeout: float) -> None:
        def exited(code: int) -> str:
            self.log.close()
            return f"grlc exited with {code}: {self.log_path.read_text()[-2000:]}"

        def timed_out() -> str:
            self.stop()
            return f"grlc did not answer within {timeout} s: {self.log_path.read_text()[-2000:]}"

        # its landing page: /api-local/swagger parses every query (seconds), the probe should not
        wait_answering(self.process, f"{self.base}/", timeout, exited=exited, timed_out=timed_out, pause=0.2,
                       probe_timeout=5)  # fmt: skip

    def stop(self) -> None:
        stop_group(self.process, grace=10)
        self.log.close()
