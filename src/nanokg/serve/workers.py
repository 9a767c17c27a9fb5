"""The query workers of ``nanokg serve``: processes that each hold a read-only handle on the store.

pyoxigraph cannot interrupt a running query, so a query runs in a worker process
(:func:`nanokg.serve.answers.answer`) and the :class:`QueryPool` waits for it at most
``timeout`` seconds: a worker that takes longer is killed and replaced, and the client
gets 503 "query timed out after N s". Each worker's data memory (heap and anonymous
mappings, ``RLIMIT_DATA``) is capped: a query that needs more makes its worker fail an
allocation and die, the worker is replaced, and the client gets 503.

With ``in_memory`` (``nanokg serve --memory``) each worker copies the store's active
generation into its own in-memory store when it starts (:func:`nanokg.store.memory.memory_copy`)
and answers from that copy: one copy per worker, about 470 bytes per quad each (475 MB
per worker at 1 M quads), and seconds to start a worker (8 s of CPU at 1 M), a replaced
one too. The memory cap then counts from the copy: a worker may use ``memory`` MiB on
top of it. The disk generation is held only while it is copied, so a writer committing
a new generation is never blocked; as on disk, a worker keeps the store it copied, and a
replacement (after a timeout or a crash) copies the generation active at that moment.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import resource
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nanokg.errors import InputError, NanokgError
from nanokg.serve.answers import answer, answer_graphs, answer_named
from nanokg.serve.protocol import GraphsJob, NamedJob, QueryJob, Reply

__all__ = ["DEFAULT_WORKER_MEMORY", "MIN_WORKER_MEMORY", "QueryPool", "ServeError", "ServeUsageError", "check_memory"]

#: MiB of data memory a query worker may use unless told otherwise; an idle worker uses about 100
DEFAULT_WORKER_MEMORY = 1024
#: The smallest cap (MiB) a worker can start under.
MIN_WORKER_MEMORY = 256


class ServeError(NanokgError, RuntimeError):
    """The server cannot start (the port is taken, the address is wrong, a worker cannot open the store...)."""


class ServeUsageError(InputError, ValueError):
    """An option of the server is unusable as given (exit 2)."""


def check_memory(memory: int) -> None:
    """Refuse a worker memory cap (MiB; 0: none) too small for a worker to start.

    Raises
    ------
    ServeUsageError
        If ``memory`` is below :data:`MIN_WORKER_MEMORY` and not 0.

    Examples
    --------
    >>> check_memory(0), check_memory(MIN_WORKER_MEMORY)
    (None, None)
    >>> check_memory(100)
    Traceback (most recent call last):
    ...
    nanokg.serve.workers.ServeUsageError: --worker-memory 100: a worker needs about 100 MiB before any query; ...
    """
    if memory and memory < MIN_WORKER_MEMORY:
        raise ServeUsageError(
            f"--worker-memory {memory}: a worker needs about 100 MiB before any query; "
            f"give at least {MIN_WORKER_MEMORY} (MiB), or 0 for no cap",
            parameter="--worker-memory",
        )


def _memory_message(memory: int) -> str:
    return (
        f"query needed more memory than the {memory} MiB a query worker may use (nanokg serve --worker-memory); "
        "narrow it"
    )


def _data_size() -> int:
    """Bytes of this process's data segment and anonymous mappings now (what ``RLIMIT_DATA`` counts)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) << 10
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10  # elsewhere: the peak, an upper bound


def _cap_memory(memory: int, base: int = 0) -> None:
    """Cap the data segment at ``base`` bytes plus ``memory`` MiB (within the hard limit)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = base + (memory << 20)
    resource.setrlimit(resource.RLIMIT_DATA, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))


def _worker_main(conn, store_path: str, max_rows: int, memory: int = 0, in_memory: bool = False) -> None:
    """A worker's life: cap its memory, open (or copy) the store, then answer jobs until the pipe closes.

    ``memory`` (MiB, 0: no cap) caps the data segment and anonymous mappings, where the
    engine's allocations go: past it an allocation fails and the engine aborts the process.
    With ``in_memory`` the store is copied into memory first and the cap counts from there.
    """
    # Ctrl-C reaches the whole process group; the server decides when workers stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory and not in_memory:
        _cap_memory(memory)
    try:
        if in_memory:
            from nanokg.store.memory import memory_copy  # the active generation, held only while copied

            store = memory_copy(store_path)
            if memory:
                _cap_memory(memory, _data_size())
        else:
            from nanokg.store.transaction import open_store  # the active generation, kept while this worker lives

            store = open_store(store_path)
    except (OSError, NanokgError) as exc:
        conn.send(("failed", f"cannot open the store {store_path}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if isinstance(job, GraphsJob):
                reply = answer_graphs(store, job)
            elif isinstance(job, NamedJob):
                reply = answer_named(store, job, max_rows)
            else:
                reply = answer(store, job, max_rows)
        except MemoryError:  # Python's allocations failed under the cap (Oxigraph's abort the worker)
            reply = Reply.error(503, _memory_message(memory))
        except Exception as exc:  # a failed query must not take the worker down
            reply = Reply.error(500, f"query failed: {' '.join(str(exc).split())[:500]}")
        conn.send(reply)


@dataclass(eq=False)  # hashed by identity: the pool keeps a set of them
class _Worker:
    process: Any
    conn: Any


class QueryPool:
    """A few worker processes, each holding a read-only handle on the store.

    :meth:`run` gives a job to an idle worker and waits for its answer at most
    ``timeout`` seconds; a worker that takes longer is killed and a new one started in
    its place, as is one that dies (over its ``memory`` cap, in MiB; 0: none). Workers
    come from a ``forkserver`` (the server has threads, so plain ``fork`` is unsafe),
    preloaded with this module so a replacement starts in milliseconds.
    """

    def __init__(
        self,
        store_path: Path,
        *,
        size: int = 2,
        timeout: float = 30.0,
        max_rows: int = 10000,
        memory: int = 0,
        in_memory: bool = False,
    ) -> None:
        self.store_path, self.size, self.timeout, self.max_rows = Path(store_path), size, timeout, max_rows
        self.memory = memory
        #: whether each worker answers from its own in-memory copy of the store (``nanokg serve --memory``)
        self.in_memory = in_memory
        # a copy takes seconds per million quads (10 M: minutes on a loaded machine), an open milliseconds
        self._boot_timeout = 1800.0 if in_memory else 60.0
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._started = self._closed = False
        self._context = multiprocessing.get_context("forkserver")

    def start(self) -> None:
        """Start the workers and wait until each has opened the store (idempotent)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        self._context.set_forkserver_preload([__name__])
        launched = [self._launch() for _ in range(self.size)]
        for worker in launched:
            self._await_ready(worker)
            self._idle.put(worker)

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        with self._lock:
            return sorted(w.process.pid for w in self._workers)

    def _launch(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main,
            args=(child, str(self.store_path), self.max_rows, self.memory, self.in_memory),
            name="nanokg-query",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _await_ready(self, worker: _Worker, boot_timeout: float | None = None) -> None:
        message = "did not start"
        if worker.conn.poll(self._boot_timeout if boot_timeout is None else boot_timeout):
            try:
                status, detail = worker.conn.recv()
            except (EOFError, OSError):
                status, detail = "failed", "exited while starting"
            if status == "ready":
                return
            message = detail
        self._retire(worker)
        raise ServeError(f"a query worker failed: {message}")

    def _retire(self, worker: _Worker) -> int | None:
        """Stop ``worker`` if it runs; its exit code (-N: killed by signal N), None if it would not end."""
        with self._lock:
            self._workers.discard(worker)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        return worker.process.exitcode

    def _replace(self) -> None:
        def replace() -> None:
            if self._closed:
                return
            try:
                worker = self._launch()
                self._await_ready(worker)
            except (ServeError, OSError) as exc:
                print(f"nanokg serve: {exc}", file=sys.stderr, flush=True)
                return
            if self._closed:
                self._retire(worker)
            else:
                self._idle.put(worker)

        threading.Thread(target=replace, name="nanokg-replace-worker", daemon=True).start()

    def run(self, job: QueryJob | NamedJob | GraphsJob) -> Reply:
        """Answer ``job`` in a worker; blocks, so call it from a thread."""
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            return Reply.error(503, f"all {self.size} query workers stayed busy for {self.timeout:g} s; try again")
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                self._retire(worker)
                self._replace()
                return Reply.error(503, f"query timed out after {self.timeout:g} s")
            reply = worker.conn.recv()
        except (EOFError, OSError):
            code = self._retire(worker)
            self._replace()
            # an allocation over the cap aborts the engine (SIGABRT); the kernel's OOM killer sends SIGKILL
            if self.memory and code in (-signal.SIGABRT, -signal.SIGKILL):
                return Reply.error(503, _memory_message(self.memory))
            return Reply.error(500, "the query worker died while answering; try again")
        self._idle.put(worker)
        return reply

    def stop(self) -> None:
        """Kill every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            self._retire(worker)
