"""Virtuoso 7 (Debian) as the server a user would pick: a private instance, its bulk loader, its endpoint.

The instance is the tests' :class:`VirtuosoServer` (tests/servers.py: private ini, loopback
ports, stopped by process group), given a buffer pool sized for the data, a row limit
above any answer (``ResultSetMaxRows``) and the benchmark's per-query time limit
(``MaxQueryExecutionTime``). Data files are hard-linked into its directory, the one its
``DirsAllowed`` lets the bulk loader (``ld_dir`` + ``rdf_loader_run``) read.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

__all__ = ["Virtuoso", "buffers_for"]

_ROOT = Path(__file__).resolve().parent.parent


def _server_class():
    # the tests' server class is the one the project maintains; tests/ is not an installed package
    if str(_ROOT) not in sys.path:
        sys.path.insert(0, str(_ROOT))
    from tests.servers import VirtuosoServer

    return VirtuosoServer


def buffers_for(quads: int) -> int:
    """8 KB pages for ``quads``: about 250 bytes a quad, between 160 MB and 3.2 GB."""
    return max(20_000, min(400_000, quads * 250 // 8192))


class Virtuoso:
    """A private Virtuoso instance loaded through its bulk loader."""

    def __init__(self, directory: Path, quads: int, timeout: float) -> None:
        if directory.exists():
            shutil.rmtree(directory)
        started = time.perf_counter()
        self.server = _server_class()(
            directory, max_rows=50_000_000, timeout=max(1, int(timeout)), buffers=buffers_for(quads)
        )
        self.start_seconds = time.perf_counter() - started
        self.directory = self.server.directory
        self.url = self.server.query_url

    def bulk_load(self, files: list[Path], graph: str) -> float:
        """Load ``files`` (N-Quads) with ``ld_dir``/``rdf_loader_run`` and checkpoint; the seconds taken."""
        inbox = self.directory / "load"
        inbox.mkdir(exist_ok=True)
        for old in inbox.iterdir():
            old.unlink()
        for path in files:
            target = inbox / path.name
            try:
                os.link(path, target)
            except OSError:
                shutil.copyfile(path, target)
        start = time.perf_counter()
        self.server.isql(f"ld_dir('{inbox}', '*.nq', '{graph}'); rdf_loader_run(); checkpoint;", timeout=7200)
        seconds = time.perf_counter() - start
        errors = self.server.isql("SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;")
        if "ll_error" in errors and any(p.name in errors for p in files):
            raise RuntimeError(f"Virtuoso's bulk loader reported errors: {errors[-500:]}")
        for path in files:
            (inbox / path.name).unlink()
        return seconds

    def peak_rss(self) -> int:
        """The server process's high-water resident set size, in bytes."""
        from .worker import peak_rss

        return peak_rss(self.server.process.pid)

    def disk_bytes(self) -> int:
        """Bytes the database file (``virtuoso.db``, checkpointed by :meth:`bulk_load`) takes on disk."""
        from .runner import disk_bytes

        return disk_bytes(self.directory / "virtuoso.db")

    def count(self) -> int:
        """Quads in the server (its system graphs included)."""
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", 600)
        return int(rows[0]["n"]["value"])

    def select(self, text: str, timeout: float) -> list[dict]:
        """Bindings of a SELECT over the endpoint (form POST, JSON).

        Raises
        ------
        TimeoutError
            The answer did not come in ``timeout`` seconds, or Virtuoso stopped the query at its
            own limit and sent partial results (``X-SQL-State: S1TAT``).
        """
        body = urllib.parse.urlencode({"query": text}).encode()
        request = urllib.request.Request(  # noqa: S310 - our own loopback server
            self.url,
            data=body,
            headers={"Accept": "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - our loopback server
                if response.headers.get("X-SQL-State") == "S1TAT":
                    raise TimeoutError("Virtuoso stopped the query at MaxQueryExecutionTime (partial answer)")
                document = json.load(response)
        except TimeoutError as exc:
            raise TimeoutError(str(exc)) from None
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"HTTP {exc.code}: {exc.read()[:300].decode(errors='replace')}") from None
        return document["results"]["bindings"]

    def stop(self) -> None:
        """Stop the server (by its process group) and drop its directory."""
        self.server.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
