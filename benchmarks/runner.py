"""The benchmark run: every system side by side, per size, in one process tree.

For each size the runner generates (or reuses) the synthetic graph, then for each system
loads it (timed, peak RSS of the loading process, disk used after the load) and runs every
query of ``queries/`` with its default parameters, and name resolution, a warm-up and up to
``reps`` timed executions each (fewer when they pass ``budget`` seconds), each execution
under a time limit (``timeout``: overruns are killed and recorded as timeouts). The warm-up
is also kept apart as the query's first execution after the store was opened. Once per run
it also times the curated build (data, reasoning, validation, derivation apart; the default
build and ``full`` when the build has it) and a cold ``nanokg query``.

The systems hold the same quads: the curated store's graphs plus the synthetic import
graph, its lookup keys and its derived triples. nanokg gets the import through ``nanokg load``
into a copy of the curated store (computing keys and derived triples itself) and answers
through :class:`nanokg.KnowledgeGraph` (named queries, ``find``), on disk (``nanokg``) and
copied into memory when opened (``nanokg-memory``, the same loaded store); the others load
the three generated files and get the final text nanokg runs (defaults bound as ``VALUES``
by :func:`nanokg.query.backends.with_values`). No answer is kept between executions: each
one is a new query to the engine (a new HTTP request for Virtuoso, which has no result cache
in its default configuration, and urllib keeps none).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
import platform
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from nanokg.atomic import write_text
from nanokg.curation.catalogue import Catalogue
from nanokg.query.backends import EmbeddedBackend, with_values
from nanokg.query.engine import bind_parameters
from nanokg.query.names import _FIND
from nanokg.store.index import name_key
from nanokg.store.load import lookup_graph_of
from nanokg.store.transaction import open_store, reading

from . import generate as generate_module
from .generate import IMPORT_GRAPH, derived_graph_of, generate, templates_from_store

SYSTEMS = ("nanokg", "nanokg-memory", "oxigraph-disk", "oxigraph-memory", "virtuoso", "rdflib")
#: the systems that answer from a store ``nanokg load`` wrote (one load serves both)
NANOKG_SYSTEMS = ("nanokg", "nanokg-memory")
#: rdflib's in-memory store is run up to this size (issue #19: rdflib to 1 M)
RDFLIB_MAX_QUADS = 1_500_000
RDFLIB_TOO_BIG = (
    "rdflib's in-memory store is run up to 1 M quads only: at 1 M it loaded about 28 k triples/s with a "
    "1.8 GB peak, and a 10 M load reached 10 GB in its first 3 minutes on this 23 GB machine (2026-11-24)"
)
#: names resolved in the name-resolution measurement: curated ones and synthetic clones of them
NAMES = ("doxorubicin", "TfR", "Doxil", "breast cancer", "Abraxane", "doxorubicin U1", "Doxil S3", "transferrin S2")
COLD_QUERY = "products-by-payload"
_FEDERATED = re.compile(r"(?im)^[^#\n]*\bSERVICE\s+<")


# -- small helpers -----------------------------------------------------------------


def percentile(times: list[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100) of ``times``, None when empty."""
    if not times:
        return None
    ordered = sorted(times)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _summary(
    times: list[float], rows: int | None, status: str, error: str | None = None, first: float | None = None
) -> dict:
    return {
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "runs": len(times),
        "rows": rows,
        "status": status,
        "first": first,
        **({"error": error} if error else {}),
    }


def _lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def stored_quads(store: Path) -> int:
    """Quads of a nanokg store in the synthetic import's graphs: its data, lookup keys and derived triples.

    What ``nanokg load`` wrote, to hold against what the raw systems were given (the generated files).
    """
    graphs = " ".join(f"<{g}>" for g in (IMPORT_GRAPH, lookup_graph_of(IMPORT_GRAPH), derived_graph_of(IMPORT_GRAPH)))
    with reading(store) as opened:
        rows = opened.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }} }}")
        return int(next(iter(rows))["n"].value)


def disk_bytes(path: Path) -> int:
    """Bytes ``path`` (a file, or a folder and everything under it) takes on disk, as ``du`` counts them."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_blocks * 512
    return sum(p.lstat().st_blocks * 512 for p in path.rglob("*") if not p.is_symlink())


def machine() -> dict:
    """CPU, cores, RAM, OS and the versions of what is measured."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next(
        int(line.split()[1]) * 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    os_name = platform.platform()
    if Path("/etc/os-release").exists():
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    import importlib.metadata as md

    versions = {p: md.version(p) for p in ("nanokg", "pyoxigraph", "rdflib", "networkx")}
    versions["python"] = platform.python_version()
    try:
        out = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True, timeout=10, check=False)
        text = out.stdout + out.stderr
        versions["virtuoso"] = next((w for w in text.split() if w[:1].isdigit() and "." in w), "unknown")
    except (OSError, subprocess.TimeoutExpired):
        versions["virtuoso"] = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_bytes": mem,
        "os": os_name,
        "kernel": platform.release(),
        "versions": versions,
        "load_average_at_start": os.getloadavg(),
    }


def _timed_child(args: list[str], timeout: float, **kwargs) -> tuple[float, int, int, str]:
    """Run ``args``; (seconds, exit status, peak RSS bytes from wait4, output)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
    deadline = start + timeout
    chunks = []
    fd = proc.stdout.fileno()
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            os.killpg(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            raise TimeoutError(f"{args[0]} took more than {timeout:.0f} s")
        ready, _, _ = select.select([fd], [], [], min(left, 1.0))
        if ready:
            data = os.read(fd, 65536)
            if not data:
                break
            chunks.append(data)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    return seconds, proc.returncode, usage.ru_maxrss * 1024, b"".join(chunks).decode(errors="replace")


class _Worker:
    """A ``benchmarks.worker serve`` process and the line protocol to it."""

    def __init__(self, args: list[str], log: Path, ready_timeout: float) -> None:
        self.args, self.log, self.ready_timeout = args, log, ready_timeout
        self.ready = self._start()

    def _start(self) -> dict:
        self.buffer = b""
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, start_new_session=True
            )
        message = self._read(self.ready_timeout)
        if message is None or not message.get("ready"):
            self.stop()
            raise RuntimeError(f"worker {self.args[4]} did not start: {self._last_log_line()} (see {self.log})")
        return message

    def _read(self, timeout: float) -> dict | None:
        deadline = time.perf_counter() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                data = os.read(fd, 65536)
                if not data:
                    raise RuntimeError(f"worker {self.args[4]} exited: {self._last_log_line()} (see {self.log})")
                self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def _last_log_line(self) -> str:
        """The worker's last words (an exception's message) from its log."""
        try:
            self.proc.wait(10)  # its log is complete once it has exited
        except subprocess.TimeoutExpired:
            pass
        lines = [line for line in self.log.read_text(errors="replace").splitlines() if line.strip()]
        return lines[-1].strip()[:300] if lines else "no output"

    def ask(self, request: dict, timeout: float) -> dict:
        """Send a request; the summary of its timed executions (or the timeout/error)."""
        self.proc.stdin.write((json.dumps(request) + "\n").encode())
        self.proc.stdin.flush()
        times: list[float] = []
        rows = first = None
        child = None
        while True:
            message = self._read(timeout)
            if message is None:  # over the limit: kill the execution, keep what was measured
                if child is not None:
                    os.kill(child, signal.SIGKILL)
                    while (m := self._read(60)) is not None and not m.get("end"):
                        pass
                else:
                    self.stop()
                    self.ready = self._start()
                return _summary(times, rows, "timeout", first=first)
            if "pid" in message:
                child = message["pid"]
            elif "error" in message:
                error = message["error"]
                while (m := self._read(60)) is not None and not m.get("end"):
                    pass
                return _summary(times, rows, "error", error, first=first)
            elif "t" in message:
                rows = message["rows"]
                if message.get("first"):
                    first = message["t"]
                if not message["warmup"]:
                    times.append(message["t"])
            elif message.get("end"):
                return _summary(times, rows, "ok", first=first)

    def stop(self) -> None:
        """End the worker and its children by process group."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


# -- the run -----------------------------------------------------------------------


class Run:
    """One benchmark run over ``sizes`` and ``systems``; :meth:`execute` returns the results as a dict."""

    def __init__(
        self,
        sizes: list[int],
        systems: list[str],
        workdir: Path,
        *,
        seed: int = 0,
        timeout: float = 30.0,
        reps: int = 5,
        budget: float = 2.0,
        rdflib_limit: float = 600.0,
        network_from: int = 0,
        curated: Path | None = None,
        system_budget: float = 600.0,
        save=None,
        command: str = "python -m benchmarks",
        log=print,
    ) -> None:
        self.sizes, self.systems, self.workdir = sizes, systems, Path(workdir).resolve()
        self.seed, self.timeout, self.reps, self.budget = seed, timeout, reps, budget
        self.rdflib_limit, self.network_from, self.log = rdflib_limit, network_from, log
        #: seconds one system may spend on all queries of one size (the rest are recorded as not run)
        self.system_budget = system_budget
        #: called with the results so far after each system (a long run keeps what it measured)
        self.save = save or (lambda result: None)
        self.command = command
        self.workdir.mkdir(parents=True, exist_ok=True)
        #: an existing curated store to use (its build is then not timed), else one built in the work directory
        self.given_store = curated is not None
        self.curated_store = Path(curated).resolve() if curated is not None else self.workdir / "curated-store"
        self.python = sys.executable
        self.nanokg = shutil.which("nanokg") or str(Path(sys.executable).with_name("nanokg"))
        #: the load of the nanokg store of each size, once both nanokg systems share it
        self._loaded: dict[int, dict] = {}

    # curated graph: build, cold start, final query texts

    def build_curated(self) -> dict:
        """Build the curated store in the work directory (fresh process); the pipeline's step timings.

        When :func:`nanokg.store.build.build_graph` has a ``full`` mode (reason and validate the
        whole graph, not only what the records touch) it is timed too, in a scratch store,
        under ``"full"``.
        """
        out = self._build(self.curated_store, full=None)
        from nanokg.store.build import build_graph

        if "full" in inspect.signature(build_graph).parameters:
            scratch = self.workdir / "curated-store-full"
            shutil.rmtree(scratch, ignore_errors=True)
            try:
                out["full"] = self._build(scratch, full=True)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        return out

    def _build(self, store: Path, *, full: bool | None) -> dict:
        argument = "" if full is None else f",full={full}"
        code = (
            "import json,sys,time;from nanokg.store.build import build_graph;t=time.perf_counter();"
            f"r=build_graph(store_path=sys.argv[1]{argument});"
            "print(json.dumps({'timings':r.timings,'triples':r.triples,'total':time.perf_counter()-t,"
            "'overlapped':getattr(r,'overlapped',{})}))"
        )
        seconds, status, rss, out = _timed_child([self.python, "-c", code, str(store)], 600)
        if status != 0:
            raise RuntimeError(f"curated build failed: {out[-1000:]}")
        report = json.loads(out.strip().splitlines()[-1])
        t = report["timings"]
        known = {"load", "build", "reason", "shacl", "qc", "validate", "derive", "store"}
        return {
            "process_seconds": seconds,
            "pipeline_seconds": report["total"],
            "data_seconds": t.get("load", 0) + t.get("build", 0),
            "reasoning_seconds": t.get("reason", 0),
            "validation_seconds": t.get("shacl", 0) + t.get("qc", 0) + t.get("validate", 0),
            "derive_seconds": t.get("derive"),
            "store_seconds": t.get("store", 0),
            # steps a newer build may add: counted in the build's time, named in the report
            "other_seconds": sum(v for k, v in t.items() if k not in known),
            "steps": t,
            # work beside the main thread (HermiT in its JVM while SHACL runs): not in the steps' sum
            "overlapped": report.get("overlapped") or {},
            "triples": report["triples"],
            "peak_rss": rss,
        }

    def cold_start(self, runs: int = 5) -> dict:
        """``nanokg query COLD_QUERY`` on the curated store, as a whole new process each time."""
        store = self.curated_store
        times = []
        for _ in range(runs):
            seconds, status, _, out = _timed_child([self.nanokg, "query", COLD_QUERY, "--store", str(store)], 60)
            if status != 0:
                return {"status": "error", "error": out[-300:]}
            times.append(seconds)
        return {"query": COLD_QUERY, "p50": percentile(times, 50), "min": min(times), "max": max(times), "runs": runs}

    def final_texts(self) -> dict[str, str]:
        """Each named query's text with its default parameters bound, as nanokg sends it."""
        backend = EmbeddedBackend(open_store(self.curated_store))
        return {spec.name: with_values(spec.text, bind_parameters(backend, spec, {})) for spec in Catalogue()}

    # data

    def curated_dump(self) -> Path:
        """Every quad of the curated store as N-Quads (what the other systems load first)."""
        path = self.workdir / "curated.nq"
        store = open_store(self.curated_store)
        store.dump(output=str(path), format=ox.RdfFormat.N_QUADS)
        return path

    def synthetic(self, size: int) -> tuple[tuple[Path, Path, Path], int, float]:
        """The synthetic graph of ``size``, its lookup keys and its derived triples.

        Reused when templates, size, seed and generator code match. Returns the three files
        (data, keys, derived), the quads of all three, and the seconds generating took.
        """
        templates = templates_from_store(open_store(self.curated_store))
        # the cached file is reused only for the same curated templates and the same generator code
        code = hashlib.sha256(Path(generate_module.__file__).read_bytes()).hexdigest()[:8]
        stem = f"synthetic-{size}-seed{self.seed}-{templates.digest[:8]}-{code}"
        files = (self.workdir / f"{stem}.nq", self.workdir / f"{stem}-keys.nq", self.workdir / f"{stem}-derived.nq")
        sidecar = self.workdir / f"{stem}.count"
        if all(f.exists() for f in files) and sidecar.exists():
            return files, int(sidecar.read_text()), 0.0
        start = time.perf_counter()
        count = generate(files[0], size, self.seed, templates=templates, keys=files[1], derived=files[2])
        write_text(sidecar, str(count))
        return files, count, time.perf_counter() - start

    def _worker(self, system: str, size: int, *, store: Path | None = None, base=(), data=()) -> _Worker:
        args = [self.python, "-m", "benchmarks.worker", "serve", system]
        if store is not None:
            args += ["--store", str(store)]
        for path in base:
            args += ["--base", str(path)]
        for path in data:
            args += ["--data", str(path)]
        limit = self.rdflib_limit if system == "rdflib" else 3600
        return _Worker(args, self.workdir / f"worker-{system}-{size}.log", limit)

    def _load_nanokg(self, size: int, data: Path, quads: int) -> tuple[dict, Path]:
        """``nanokg load`` of the data file into a copy of the curated store (reused by both nanokg systems)."""
        store = self.workdir / f"nanokg-{size}"
        if self._loaded.get(size):
            return self._loaded[size], store
        if store.exists():
            shutil.rmtree(store)
        shutil.copytree(self.curated_store, store)
        # no --graph: the quads name their import graph, so Oxigraph bulk-loads the file by path
        args = [self.nanokg, "load", str(data), "--store", str(store)]
        seconds, status, rss, out = _timed_child(args, 3600)
        if status != 0:
            raise RuntimeError(f"nanokg load failed (exit {status}): {out[-500:]}")
        load = {"status": "ok", "seconds": seconds, "quads": quads, "peak_rss": rss, "disk_bytes": disk_bytes(store),
                "stored_quads": stored_quads(store), "output": out[-300:]}  # fmt: skip
        self._loaded[size] = load
        return load, store

    def _queries(self, ask, texts: dict[str, str]) -> tuple[dict, dict]:
        results = {}
        deadline = time.perf_counter() + self.system_budget
        for name, text in texts.items():
            if time.perf_counter() > deadline:
                reason = f"not run: the system's {self.system_budget:.0f} s for all queries at this size was spent"
                results[name] = _summary([], None, "skipped", reason)
                continue
            if _FEDERATED.search(text):
                reason = "federated (SERVICE to a public endpoint): needs the internet"
                results[name] = _summary([], None, "skipped", reason)
                continue
            results[name] = ask({"kind": "named", "name": name, "text": text, "reps": self.reps, "budget": self.budget})
        names = {}
        for name in NAMES:
            text = with_values(_FIND, {"key": ox.Literal(name_key(name))})
            names[name] = ask({"kind": "resolve", "name": name, "text": text, "reps": self.reps, "budget": 0.5})
        return results, names

    def _virtuoso_ask(self, server):
        def ask(request: dict) -> dict:
            times: list[float] = []
            rows = first = None
            spent = 0.0
            for number in range(request["reps"] + 1):
                start = time.perf_counter()
                try:
                    rows = len(server.select(request["text"], self.timeout))
                except TimeoutError:
                    return _summary(times, rows, "timeout", first=first)
                except Exception as exc:
                    return _summary(times, rows, "error", " ".join(str(exc).split())[:300], first=first)
                seconds = time.perf_counter() - start
                if number == 0:
                    first = seconds
                if number or seconds > request["budget"]:  # as in benchmarks.worker: a slow warm-up counts
                    times.append(seconds)
                    spent += seconds
                    if spent > request["budget"]:
                        break
            return _summary(times, rows, "ok", first=first)

        return ask

    def system(
        self, system: str, size: int, curated: Path, files: tuple[Path, ...], quads: int, texts: dict[str, str]
    ) -> dict:
        """Load the synthetic ``files`` (data, lookup keys, derived) into ``system`` and run every query on it.

        nanokg loads the data file and computes keys and derived triples itself; the others load
        all the files, timed together.
        """
        data = files[0]
        self.log(f"  {system}: loading")
        out: dict = {}
        worker = None
        server = None
        try:
            if system in NANOKG_SYSTEMS:
                load, store = self._load_nanokg(size, data, quads)
                worker = self._worker(system, size, store=store)
                out["load"] = dict(load)
                if system == "nanokg-memory":  # the load is nanokg's; the copy into memory is this system's own
                    out["load"]["shared_with"] = "nanokg"
                    out["load"]["open_seconds"] = worker.ready.get("open_seconds")
                    out["load"]["peak_rss"] = worker.ready.get("peak_rss") or load["peak_rss"]
                    out["load"].pop("disk_bytes", None)
            elif system == "oxigraph-disk":
                store = self.workdir / f"oxigraph-{size}"
                if store.exists():
                    shutil.rmtree(store)
                args = [self.python, "-m", "benchmarks.worker", "load", system, "--store", str(store),
                        "--base", str(curated)]  # fmt: skip
                for path in files:
                    args += ["--data", str(path)]
                seconds, status, rss, text = _timed_child(args, 3600, cwd=Path(__file__).resolve().parent.parent)
                if status != 0:
                    raise RuntimeError(text[-500:])
                loaded = json.loads(text.strip().splitlines()[-1])
                out["load"] = {"status": "ok", **loaded, "peak_rss": rss, "disk_bytes": disk_bytes(store)}
                worker = self._worker(system, size, store=store)
            elif system in ("oxigraph-memory", "rdflib"):
                worker = self._worker(system, size, base=[curated], data=list(files))
                ready = worker.ready
                out["load"] = {"status": "ok", "seconds": ready["load_seconds"], "quads": ready["quads"],
                               "peak_rss": ready["peak_rss"]}  # fmt: skip
            else:
                from .virtuoso import Virtuoso

                server = Virtuoso(self.workdir / f"virtuoso-{size}", quads + 20_000, self.timeout)
                server.bulk_load([curated], "urn:nanokg:unused")
                before = server.count()
                seconds = server.bulk_load(list(files), IMPORT_GRAPH)
                out["load"] = {"status": "ok", "seconds": seconds, "quads": server.count() - before,
                               "peak_rss": server.peak_rss(), "start_seconds": server.start_seconds,
                               "disk_bytes": server.disk_bytes()}  # fmt: skip
            load = out["load"]
            if load.get("seconds") and "shared_with" not in load:
                load["triples_per_second"] = quads / load["seconds"]
                if load.get("optimize_seconds") is not None:
                    load["triples_per_second_with_optimize"] = quads / (load["seconds"] + load["optimize_seconds"])
            self.log(f"  {system}: loaded in {load.get('seconds', 0):.1f} s; querying")
            if server is not None:
                out["queries"], out["names"] = self._queries(self._virtuoso_ask(server), texts)
            else:
                out["queries"], out["names"] = self._queries(lambda request: worker.ask(request, self.timeout), texts)
        except Exception as exc:  # one system failing must not lose the others' figures
            out["status"] = "error"
            out["error"] = " ".join(str(exc).split())[:500]
            self.log(f"  {system}: failed: {out['error']}")
        finally:
            if worker is not None:
                worker.stop()
            if server is not None:
                server.stop()
        return out

    def network(self, size: int) -> dict:
        """``entity_graph`` over the nanokg store of ``size`` and one analysis (degree centrality of payloads)."""
        store = self.workdir / f"nanokg-{size}"
        code = (
            "import json,sys,time;from nanokg import KnowledgeGraph;from nanokg.analytics.network import entity_graph;"
            "from nanokg.analytics.analysis import centrality;kg=KnowledgeGraph.open(sys.argv[1]);"
            "t=time.perf_counter();"
            "G=entity_graph(kg);c=time.perf_counter()-t;t=time.perf_counter();r=centrality(G,'payload','degree');"
            "a=time.perf_counter()-t;print(json.dumps({'conversion_seconds':c,'analysis_seconds':a,"
            "'nodes':G.number_of_nodes(),'edges':G.number_of_edges(),'analysis':'centrality payload degree',"
            "'analysis_rows':len(r)}))"
        )
        try:
            _, status, rss, out = _timed_child([self.python, "-c", code, str(store)], 900)
        except TimeoutError as exc:
            return {"status": "timeout", "error": str(exc)}
        if status != 0:
            return {"status": "error", "error": out[-500:]}
        return {"status": "ok", **json.loads(out.strip().splitlines()[-1]), "peak_rss": rss}

    def execute(self) -> dict:
        """Run everything; the results (also what :mod:`benchmarks.report` renders)."""
        started = time.perf_counter()
        result: dict = {"machine": machine(), "seed": self.seed, "timeout": self.timeout, "reps": self.reps,
                        "budget": self.budget, "systems": self.systems, "sizes": {}, "command": self.command,
                        "system_budget": self.system_budget}  # fmt: skip
        if self.given_store:
            result["curated_build"] = {"status": "skipped", "error": f"used the built store {self.curated_store}"}
        else:
            self.log("curated build")
            result["curated_build"] = self.build_curated()
        self.log("cold start")
        result["cold_start"] = self.cold_start()
        texts = self.final_texts()
        curated = self.curated_dump()
        rdflib_rate = None
        for size in self.sizes:
            self.log(f"size {size}")
            files, quads, gen_seconds = self.synthetic(size)
            entry: dict = {"quads": quads, "file": files[0].name, "file_bytes": sum(f.stat().st_size for f in files),
                           "derived_quads": _lines(files[2]), "keys_quads": _lines(files[1]),
                           "generate_seconds": gen_seconds, "systems": {}}  # fmt: skip
            for system in self.systems:
                if system == "rdflib" and quads > RDFLIB_MAX_QUADS:
                    entry["systems"][system] = {"status": "skipped", "error": RDFLIB_TOO_BIG}
                    continue
                if system == "rdflib" and rdflib_rate and quads / rdflib_rate > self.rdflib_limit:
                    entry["systems"][system] = {
                        "status": "skipped",
                        "error": f"rdflib loaded {rdflib_rate:,.0f} triples/s at the previous size: {quads:,} "
                        f"triples would take about {quads / rdflib_rate:,.0f} s, over the "
                        f"{self.rdflib_limit:.0f} s limit",
                    }
                    continue
                entry["systems"][system] = self.system(system, size, curated, files, quads, texts)
                result["sizes"][str(size)] = entry
                result["seconds"] = time.perf_counter() - started
                self.save(result)
                if system == "rdflib":
                    rate = entry["systems"][system].get("load", {}).get("triples_per_second")
                    rdflib_rate = rate or rdflib_rate
                if system == "nanokg" and size >= self.network_from:
                    self.log("  networkx")
                    entry["network"] = self.network(size)
                later = set(self.systems[self.systems.index(system) + 1 :])
                if system == "oxigraph-disk":
                    shutil.rmtree(self.workdir / f"oxigraph-{size}", True)
                elif system in NANOKG_SYSTEMS and not later & set(NANOKG_SYSTEMS):
                    # the store both nanokg systems read: dropped after the last of them
                    shutil.rmtree(self.workdir / f"nanokg-{size}", True)
                    self._loaded.pop(size, None)
            result["sizes"][str(size)] = entry
        result["seconds"] = time.perf_counter() - started
        return result
