"""One system in its own process: load it, or hold it open and answer timed queries.

``python -m benchmarks.worker load SYSTEM ...`` bulk-loads an on-disk store and prints one
JSON line (seconds, optimize seconds, quads, peak RSS). ``python -m benchmarks.worker
serve SYSTEM ...`` opens (or, for in-memory systems, loads) the system, prints a JSON
line when ready, then reads one JSON request a line on stdin and answers with a line per
execution (``{"t": seconds, "rows": n, "first": bool, "warmup": bool}``: ``first`` marks the
query's first execution in this process, its warm-up) and ``{"end": true}``. The runner
(:mod:`benchmarks.runner`) enforces the time limit by reading those lines with a
deadline: a query that overruns is killed, not waited for.

In-memory systems run each request in a forked child (copy-on-write of the loaded
store), so a runaway query is killed without losing a load that took a minute; the
child announces itself with ``{"pid": n}``. On-disk systems answer in the worker itself,
which the runner restarts (reopening a store is cheap) after a kill.

Every execution runs the query anew and counts its rows from a result object of its own:
nothing here (nor in nanokg, which keeps no answers) keeps an answer between executions.

``nanokg-memory`` is :meth:`nanokg.KnowledgeGraph.open` with ``memory=True`` (the store copied into
memory when opened); its ready line gives the seconds that copy took and the peak memory after it.

Peak memory is the process's high-water mark (``VmHWM`` in ``/proc/self/status``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pyoxigraph as ox

SYSTEMS = ("nanokg", "nanokg-memory", "oxigraph-disk", "oxigraph-memory", "rdflib")


def peak_rss(pid: int | str = "self") -> int:
    """The high-water resident set size of a process, in bytes (0 if unknown)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _say(message: dict) -> None:
    # os.write, not print: a forked child must not flush the parent's buffer a second time
    os.write(1, (json.dumps(message) + "\n").encode())


def _count(result) -> int:
    # every value is turned into a Python term, as nanokg (Results rows) and an HTTP client (JSON) must
    return sum(1 for solution in result if tuple(solution) is not None)


def load_disk(store_dir: Path, base: list[Path], data: list[Path]) -> dict:
    """Bulk-load ``base`` (untimed) then ``data`` (timed) into a new on-disk store, then optimize."""
    store = ox.Store(str(store_dir))
    for path in base:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    before = len(store)
    start = time.perf_counter()
    for path in data:
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    store.optimize()
    optimize = time.perf_counter() - start
    quads = len(store) - before
    del store
    return {"seconds": seconds, "optimize_seconds": optimize, "quads": quads, "peak_rss": peak_rss()}


class _Memory:
    """An in-memory system: pyoxigraph's memory store or rdflib's Dataset."""

    def __init__(self, system: str, base: list[Path], data: list[Path]) -> None:
        self.system = system
        if system == "oxigraph-memory":
            self.store = ox.Store()
            for path in base:
                self.store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
            before = len(self.store)
            start = time.perf_counter()
            for path in data:
                self.store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
            self.load_seconds = time.perf_counter() - start
            self.quads = len(self.store) - before
        else:
            from rdflib import Dataset

            self.dataset = Dataset(default_union=True)
            for path in base:
                self.dataset.parse(str(path), format="nquads")
            before = len(self.dataset)
            start = time.perf_counter()
            for path in data:
                self.dataset.parse(str(path), format="nquads")
            self.load_seconds = time.perf_counter() - start
            self.quads = len(self.dataset) - before

    def run(self, request: dict) -> int:
        if self.system == "oxigraph-memory":
            return _count(self.store.query(request["text"], use_default_graph_as_union=True))
        return _count(self.dataset.query(request["text"]))


class _Disk:
    """A store opened from disk: raw pyoxigraph read-only, or nanokg through its own API (on disk or in memory)."""

    def __init__(self, system: str, store_dir: Path) -> None:
        self.system = system
        self.previous = None
        start = time.perf_counter()
        if system == "nanokg":
            from nanokg import KnowledgeGraph

            self.kg = KnowledgeGraph.open(store_dir)
        elif system == "nanokg-memory":
            from nanokg import KnowledgeGraph

            self.kg = KnowledgeGraph.open(store_dir, memory=True)
        else:
            self.store = ox.Store.read_only(str(store_dir))
        self.open_seconds = time.perf_counter() - start

    def run(self, request: dict) -> int:
        if self.system in ("nanokg", "nanokg-memory"):
            if request["kind"] == "resolve":
                return len(self.kg.find(request["name"]))
            result = self.kg.query(request["name"])
            # the previous answer is held until the next one arrives: the same object again would be a cache
            if result is self.previous:
                raise RuntimeError(f"{request['name']}: nanokg returned the previous execution's result object")
            self.previous = result
            # every value reaches Python as the engine's term, as in _count for the raw engines: the same
            # work, one pass over the engine's solutions as they come (iter_terms: no list of tuples).
            # Results.rows would type each value besides (int, Decimal, date...): a cost of its own,
            # measured apart (benchmarks/NOTES.md), that a user pays only when asking for Python values
            return sum(1 for row in result.iter_terms() if row is not None)
        return _count(self.store.query(request["text"], use_default_graph_as_union=True))


def _answer(system, request: dict) -> None:
    """Warm-up plus up to ``reps`` timed executions while their sum stays under ``budget`` seconds."""
    spent = 0.0
    for number in range(request["reps"] + 1):
        start = time.perf_counter()
        try:
            rows = system.run(request)
        except Exception as exc:  # the engine's own error is the result: recorded, not raised
            _say({"error": f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"})
            return
        seconds = time.perf_counter() - start
        # a warm-up slower than the whole budget is the measurement: repeating it would only cost time
        warmup = number == 0 and seconds <= request["budget"]
        _say({"t": seconds, "rows": rows, "warmup": warmup, "first": number == 0})
        if not warmup:
            spent += seconds
            if spent > request["budget"]:
                return


def serve(system: str, store_dir: Path | None, base: list[Path], data: list[Path]) -> None:
    """Open or load ``system``, announce it, then answer requests from stdin until EOF."""
    if system in ("oxigraph-memory", "rdflib"):
        held = _Memory(system, base, data)
        _say({"ready": True, "load_seconds": held.load_seconds, "quads": held.quads, "peak_rss": peak_rss()})
    else:
        held = _Disk(system, store_dir)
        _say({"ready": True, "open_seconds": held.open_seconds, "peak_rss": peak_rss()})
    for line in sys.stdin:
        request = json.loads(line)
        if isinstance(held, _Memory):
            pid = os.fork()
            if pid == 0:
                try:
                    _say({"pid": os.getpid()})
                    _answer(held, request)
                finally:
                    os._exit(0)
            os.waitpid(pid, 0)
        else:
            _answer(held, request)
        _say({"end": True})


def main(argv: list[str] | None = None) -> None:
    """Command line of the worker (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker")
    parser.add_argument("mode", choices=["load", "serve"])
    parser.add_argument("system", choices=SYSTEMS)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--base", type=Path, action="append", default=[], help="loaded first, untimed")
    parser.add_argument("--data", type=Path, action="append", default=[], help="loaded timed")
    args = parser.parse_args(argv)
    if args.mode == "load":
        _say(load_disk(args.store, args.base, args.data))
    else:
        serve(args.system, args.store, args.base, args.data)


if __name__ == "__main__":
    main()
