"""Where the built graph lives: an embedded on-disk Oxigraph store, written safely.

The store holds the named graphs of :data:`nanokg.vocabulary.GRAPHS` (and the imports of
:mod:`nanokg.store.load`). Queries run with the default graph as the union of the named graphs,
so a plain ``SELECT`` sees ontology, asserted, inferred and provenance triples (and the
name index and the query catalogue) together, and ``GRAPH <...>`` narrows to one of them.

Location: ``--store PATH`` on the command line, else ``$NANOKG_STORE``, else
``$XDG_DATA_HOME/nanokg/store`` (``~/.local/share/nanokg/store``).

Layout
    The store path ``DIR`` is a directory of nanokg's own::

        DIR/NANOKG_STORE          the marker: this directory is a nanokg store (written first)
        DIR/writer.lock           the writers' lock (flock), and who holds it
        DIR/active                the name of the generation readers open (one line)
        DIR/generations/<id>/     complete RocksDB stores, each with a readers.lock

    Every write (a build, a load, an unload) makes a new generation: a fresh store, or a
    copy of the active one by ``Store.backup`` (a RocksDB checkpoint: hard links, a few
    milliseconds whatever the size), changes it, flushes and closes it, and only then
    replaces ``active`` (a new file ``active.new``, fsync, ``os.replace``, fsync of
    ``DIR``). A generation is never written again once active, so a reader never sees a
    half-written store, and at every moment ``active`` names a complete one.

    ``active`` is a file, not a symlink: ``shutil.copytree`` and other copies that follow
    links then copy a store as it is (the tests copy stores so), and it works where
    symlinks do not. The names differ from RocksDB's own (``CURRENT``, ``LOCK``) even on a
    case-insensitive file system, where a store of the old layout holds those files
    directly in ``DIR``.

One writer at a time
    :func:`writing` takes ``fcntl.flock(LOCK_EX | LOCK_NB)`` on ``DIR/writer.lock`` for the
    whole command (a build holds it from its first step, so that a load started meanwhile
    fails at once instead of the build failing at its end): a second writer fails at once
    with :class:`StoreBusyError`, which names the holder. Not waiting is deliberate: a
    command that silently waits behind a 20 s build or a long load looks hung, and the
    user knows better whether to retry. The lock lives inside the store, so nothing is
    created beside it, and the kernel releases it when its holder dies.

Crashes and recovery
    Whatever a crash leaves is inside ``DIR``: an ``active.new``, a generation that never
    became active, an old one half removed (``generations/.trash-<id>``), RocksDB files of
    the old layout after a conversion. The next writer, under the lock and before anything
    else, removes them (:meth:`StoreWriter._recover`); readers ignore them. A SIGINT or an
    exception cleans up at once.

Readers and old generations
    :func:`open_store` reads ``active`` once and opens that generation read-only, holding a
    shared flock on its ``readers.lock`` for the life of the process (an ``ox.Store``
    cannot carry a finaliser). A writer removes a generation that is no longer active only
    when it gets that lock exclusively, right after its swap and again at the start of the
    next write: a running ``nanokg serve`` keeps its generation, however many writes
    follow, until it exits; disk space of a generation nobody reads is freed at once.
    :func:`reading` holds the lock only for a ``with`` block. A reader that finds its
    generation removed between reading ``active`` and locking reads ``active`` again.

The old layout
    Before generations, ``DIR`` was the RocksDB directory itself with the marker inside.
    Readers still open such a store as it is; the first writer converts it (a checkpoint
    into ``generations/``, the swap, then the RocksDB files in ``DIR`` are removed), every
    graph and import kept. A crash during the conversion leaves either the old store or
    the converted one.

Disk
    A store after a write holds one generation, its files counted once (``du`` counts hard
    links once too): what a raw Oxigraph store of the same quads holds, plus RocksDB's
    info ``LOG`` and ``OPTIONS`` (about 0.3 MB). A reader's pinned generation shares the
    SST files that did not change; it costs only the files the writes replaced, until the
    reader exits and the next writer removes it. :func:`disk_usage` gives the breakdown.
    An Oxigraph store is larger compacted than fresh from ``bulk_load`` (195 MB against
    298 MB for 1 M quads loaded into the curated store): Oxigraph's RocksDB levels are
    ``NoCompression`` for L0 and the *base* level and LZ4 below, and while a column family
    is under 512 MB (``max_bytes_for_level_base``) the base level is the last one, so every
    compaction, ``Store.optimize()`` or RocksDB's own while a read-write handle is open,
    writes a small store uncompressed. Only ``bulk_load`` files that land without overlap
    (into an empty store) keep their LZ4 compression. Raw pyoxigraph pays the same.

Every crash point is a named step of :mod:`nanokg.faults` (``build:swapped``,
``load:pointer-written``, ``convert:cleaning`` ...), and the tests kill each command at
each one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from nanokg import faults, settings
from nanokg.atomic import fsync_directory
from nanokg.errors import InputError, NanokgError

if TYPE_CHECKING:  # rdflib is not imported on the query path (cold start of `nanokg query`)
    pass

__all__ = [
    "MARKER",
    "DiskUsage",
    "Generation",
    "StoreBusyError",
    "StoreDamagedError",
    "StoreMissingError",
    "StoreTargetError",
    "StoreWriter",
    "disk_usage",
    "graph_triples",
    "is_store",
    "open_store",
    "reading",
    "write_curated",
    "write_store",
    "writing",
]

#: marks a directory as a nanokg store
MARKER = "NANOKG_STORE"
_ACTIVE = "active"
_GENERATIONS = "generations"
_WRITER_LOCK = "writer.lock"
_READERS_LOCK = "readers.lock"
_TRASH = ".trash-"
_GENERATION_NAME = re.compile(r"\d{6,}$")
#: files RocksDB keeps in its directory: what a store of the old layout holds beside the marker
_ROCKSDB_FILE = re.compile(
    r"(\d+\.(sst|log|blob|ldb|dbtmp)|CURRENT|IDENTITY|LOCK|LOG(\.old\.\d+)?|MANIFEST-\d+|OPTIONS-\d+(\.dbtmp)?)$"
)

#: the steps of every commit of a new generation (``OPERATION:STEP``), in order
COMMIT_STEPS = ("written", "closed", "pointer-written", "swapped", "cleaning")
for _operation in ("build", "load", "unload", "convert"):
    faults.steps(_operation, *COMMIT_STEPS)


class StoreMissingError(NanokgError, FileNotFoundError):
    """No built store at the given location."""


class StoreBusyError(NanokgError, OSError):
    """Another nanokg command is writing to the store (a build, a load or an unload)."""


class StoreTargetError(InputError):
    """A path given as a store is not one, and is not an empty or missing directory either (exit 2)."""


class StoreDamagedError(NanokgError, OSError):
    """The store's directory is not as nanokg leaves it (its active generation is missing)."""


def _path(path: str | os.PathLike | None) -> Path:
    return Path(path).expanduser() if path is not None else settings.store_path()


def _missing(path: Path) -> StoreMissingError:
    return StoreMissingError(f"no nanokg store at {path}: run `nanokg build` first (or pass --store)")


def graph_triples(store: ox.Store, graph: str | ox.NamedNode) -> Iterator[ox.Triple]:
    """The triples of the named graph ``graph`` (an IRI) of ``store``, streamed."""
    name = graph if isinstance(graph, ox.NamedNode) else ox.NamedNode(str(graph))
    return (ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, name))


# -- reading --------------------------------------------------------------------------------------------------


def is_store(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a nanokg store directory (built, being built, or of the old layout)."""
    return (Path(path) / MARKER).is_file()


def _is_flat(path: Path) -> bool:
    """A store of the old layout: the RocksDB directory itself, with the marker inside."""
    return not (path / _ACTIVE).exists() and (path / "CURRENT").is_file()


def _active_name(path: Path) -> str | None:
    try:
        name = (path / _ACTIVE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not _GENERATION_NAME.match(name):
        raise StoreDamagedError(f"{path / _ACTIVE}: does not name a generation ({name[:40]!r}); the store is damaged")
    return name


#: shared locks this process holds on the generations it opened (path -> fd), for its lifetime
_PINNED: dict[str, int] = {}


def _lock_generation(generation: Path) -> int | None:
    """A shared lock on ``generation``'s readers.lock; None when it vanished meanwhile (read ``active`` again)."""
    lock = generation / _READERS_LOCK
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:
        return None
    except PermissionError:  # a store someone else owns, readable but not lockable: read unlocked
        return -1
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # a writer holds it exclusively only to rename the generation away
        if _same_file(fd, lock):
            return fd
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return None


def _same_file(fd: int, path: Path) -> bool:
    """Whether the open ``fd`` is the file at ``path`` still (not removed, not replaced)."""
    try:
        return os.path.samestat(os.stat(path), os.fstat(fd))
    except FileNotFoundError:
        return False


def _open_read_only(path: Path, pin: bool) -> tuple[ox.Store, int | None]:
    """A read-only handle on the active generation (or the old-layout store) and the lock held for it."""
    for _ in range(100):  # each retry follows a write that replaced the generation just read
        if not is_store(path):
            raise _missing(path)
        name = _active_name(path)
        if name is None:
            if not _is_flat(path):
                raise _missing(path)  # marked, but the first build has not finished
            try:
                return ox.Store.read_only(str(path)), None
            except OSError:
                if (path / _ACTIVE).exists():
                    continue  # converted while it was opened
                raise
        generation = path / _GENERATIONS / name
        key = str(generation.absolute())
        fd = _PINNED.get(key) if pin else None
        if fd is not None and not _same_file(fd, generation / _READERS_LOCK):
            os.close(_PINNED.pop(key))  # another store now stands at that path
            fd = None
        if fd is None:
            fd = _lock_generation(generation)
            if fd is None:
                if _active_name(path) == name:
                    raise StoreDamagedError(f"{path}: its active generation {name} is missing; the store is damaged")
                continue
            if pin and fd >= 0:
                _PINNED[key] = fd
        try:
            return ox.Store.read_only(str(generation)), (None if pin or fd < 0 else fd)
        except BaseException:
            if not pin and fd >= 0:
                os.close(fd)
            raise
    raise StoreBusyError(f"{path}: the store was replaced again and again while it was opened; try again")


def open_store(path: str | os.PathLike | None = None) -> ox.Store:
    """Open a built store read-only: the generation active now, kept for this process.

    Raises
    ------
    StoreMissingError
        If nothing was built at ``path`` (run ``nanokg build``).
    """
    store, _ = _open_read_only(_path(path), pin=True)
    return store


@contextlib.contextmanager
def reading(path: str | os.PathLike | None = None) -> Iterator[ox.Store]:
    """A read-only handle on a built store whose generation is kept only for the ``with`` block.

    For short reads in a long-lived process (scripts, tests), which :func:`open_store`
    would keep from being removed until the process exits. Do not use the handle after
    the block.
    """
    store, fd = _open_read_only(_path(path), pin=False)
    try:
        yield store
    finally:
        del store
        if fd is not None:
            os.close(fd)


# -- disk -----------------------------------------------------------------------------------------------------

#: what each file of a RocksDB directory is, by its name (``kind`` of :class:`DiskUsage`)
_FILE_KINDS = (
    ("sst", re.compile(r"\d+\.(sst|ldb)$")),
    ("blob", re.compile(r"\d+\.blob$")),
    ("wal", re.compile(r"\d+\.log$")),
    ("info-log", re.compile(r"LOG(\.old\.\d+)?$")),
    ("manifest", re.compile(r"MANIFEST-\d+$")),
    ("options", re.compile(r"OPTIONS-\d+(\.dbtmp)?$")),
)


def _kind(name: str) -> str:
    return next((kind for kind, pattern in _FILE_KINDS if pattern.match(name)), "other")


@dataclass(frozen=True)
class DiskUsage:
    """The bytes of a store on disk, every file counted once however many generations link it.

    Bytes are file sizes (``du --bytes``), not allocated blocks.
    """

    #: every file of the store directory
    total: int
    #: the files of the generation readers open (the whole directory for a store of the old layout)
    active: int
    #: files no longer in the active generation, kept by a reader's pin or left by a crash until the next write
    retained: int
    #: generation directories, the active one included
    generations: int
    #: ``total`` by kind of file: ``sst``, ``blob``, ``wal``, ``info-log``, ``manifest``, ``options``, ``other``
    kinds: dict[str, int]


def disk_usage(path: str | os.PathLike | None = None) -> DiskUsage:
    """Where the bytes of the store at ``path`` go (a hard-linked file counted once).

    Raises
    ------
    StoreMissingError
        If nothing was built at ``path``.
    """
    path = _path(path)
    if not is_store(path):
        raise _missing(path)
    name = _active_name(path)
    active_dir = path / _GENERATIONS / name if name is not None else path
    seen: dict[tuple[int, int], tuple[int, str]] = {}  # (device, inode) -> (size, kind)
    in_active: set[tuple[int, int]] = set()
    in_others: set[tuple[int, int]] = set()
    generations = 0
    for root, _, files in os.walk(path):
        here = Path(root)
        if here.parent == path / _GENERATIONS and _GENERATION_NAME.match(here.name):
            generations += 1
        # nanokg's own files (marker, lock, pointer) sit in the store directory itself
        inside = here != path and (path / _GENERATIONS) in here.parents
        for file in files:
            try:
                stat = (here / file).stat(follow_symlinks=False)
            except FileNotFoundError:  # removed meanwhile by a writer
                continue
            key = (stat.st_dev, stat.st_ino)
            seen[key] = (stat.st_size, _kind(file))
            if here == active_dir or (name is not None and here.is_relative_to(active_dir)):
                in_active.add(key)
            elif inside:
                in_others.add(key)
    kinds: dict[str, int] = {}
    for size, kind in seen.values():
        kinds[kind] = kinds.get(kind, 0) + size
    return DiskUsage(
        total=sum(size for size, _ in seen.values()),
        active=sum(seen[key][0] for key in in_active),
        retained=sum(seen[key][0] for key in in_others - in_active),
        generations=generations,
        kinds=kinds,
    )


# -- writing --------------------------------------------------------------------------------------------------


def _claim(path: Path) -> bool:
    """Make ``path`` a store directory if it is missing or empty; refuse anything else that exists.

    Returns whether the directory itself was created here.
    """
    if path.is_symlink() and not path.exists():
        raise StoreTargetError(f"{path}: a broken symbolic link; give a new or empty directory, or a nanokg store")
    if path.exists() and not path.is_dir():
        raise StoreTargetError(f"{path}: exists and is not a directory; give a new or empty directory for the store")
    if path.is_dir() and not is_store(path):
        try:
            with os.scandir(path) as entries:
                empty = next(entries, None) is None
        except OSError as exc:
            raise StoreTargetError(f"{path}: cannot read it: {exc.strerror or exc}") from None
        if not empty:
            raise StoreTargetError(
                f"{path}: exists and is not a nanokg store (no {MARKER} in it); refusing to replace what it holds: "
                "give a new or empty directory, or a nanokg store"
            )
    created = not path.exists()
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not is_store(path):
            # in place, not nanokg.atomic: a temporary file a crash left here would make the
            # directory neither empty nor a store, and the next build would refuse it
            (path / MARKER).write_text("nanokg store: see nanokg.store.transaction for its layout\n", encoding="utf-8")
    except OSError as exc:
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            raise StoreTargetError(f"{path}: cannot create the store: {parent} is not a directory") from None
        raise StoreTargetError(f"{path}: cannot create the store: {exc.strerror or exc}") from None
    return created


def _unclaim(path: Path, created: bool) -> None:
    """Undo :func:`_claim` after a first build failed: nanokg's files go, and the directory if it made it."""
    shutil.rmtree(path / _GENERATIONS, ignore_errors=True)
    for name in (f"{_ACTIVE}.new", MARKER, _WRITER_LOCK):
        with contextlib.suppress(OSError):
            (path / name).unlink()
    if created:
        with contextlib.suppress(OSError):
            path.rmdir()


@dataclass(eq=False)
class Generation:
    """A new generation being written: its directory and its read-write handle (``None`` once closed).

    Use the handle only as ``generation.store``: the commit closes it by dropping the one
    reference, and a handle still open elsewhere would keep compacting a store readers read.
    """

    path: Path
    store: ox.Store | None
    #: set by :meth:`abandon`: the block ends without making it active
    abandoned: bool = False

    def abandon(self) -> None:
        """Drop this generation when the ``with`` block ends (nothing changed after all)."""
        self.abandoned = True


#: the highest generation number each store was given by this process (store path -> number)
_LAST_NUMBER: dict[str, int] = {}


class StoreWriter:
    """The one writer of a store, under its lock (see :func:`writing`)."""

    def __init__(self, path: Path, operation: str) -> None:
        self.path = path
        self.operation = operation
        self.generations = path / _GENERATIONS

    # the state
    def active(self) -> Path | None:
        """The directory of the active generation, or ``None`` before the first build."""
        name = _active_name(self.path)
        return self.generations / name if name is not None else None

    def current(self) -> ox.Store | None:
        """A read-only handle on the active generation (``None`` before the first build)."""
        active = self.active()
        return ox.Store.read_only(str(active)) if active is not None else None

    # changing it
    def _next(self) -> Path:
        numbers = [int(p.name) for p in self.generations.iterdir() if _GENERATION_NAME.match(p.name)]
        # never a name this process used before: a handle on a discarded generation may still be
        # open (held by a traceback), and RocksDB refuses a second handle on the same path
        key = str(self.path.absolute())
        _LAST_NUMBER[key] = max([_LAST_NUMBER.get(key, 0), *numbers]) + 1
        return self.generations / f"{_LAST_NUMBER[key]:06d}"

    @contextlib.contextmanager
    def new_generation(self, *, copy: bool = True) -> Iterator[Generation]:
        """A new generation, a copy of the active one (``copy``) or empty, made active when the block ends.

        An exception in the block, or :meth:`Generation.abandon`, discards it, and the
        active generation stays as it was.
        """
        target = self._next()
        try:
            active = self.active() if copy else None
            if active is not None:
                source = ox.Store.read_only(str(active))
                source.backup(str(target))
                del source
            generation = Generation(target, ox.Store(str(target)))
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        try:
            yield generation
        except BaseException:
            generation.store = None
            shutil.rmtree(target, ignore_errors=True)
            raise
        if generation.abandoned:
            generation.store = None
            shutil.rmtree(target, ignore_errors=True)
        else:
            self.commit(generation)

    def commit(self, generation: Generation) -> None:
        """Close ``generation`` and make it the active one; then remove the generations nobody reads."""
        step = self.operation
        faults.checkpoint(f"{step}:written")
        if generation.store is not None:
            generation.store.flush()
            generation.store = None  # the last reference: RocksDB closes here
        (generation.path / _READERS_LOCK).touch()
        fsync_directory(generation.path)
        fsync_directory(self.generations)
        faults.checkpoint(f"{step}:closed")
        # not nanokg.atomic: the fault step sits between the write and the rename, and a
        # crash leaves `active.new` by that name, for _recover to remove
        pointer = self.path / f"{_ACTIVE}.new"
        with open(pointer, "w", encoding="utf-8") as stream:
            stream.write(generation.path.name + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        faults.checkpoint(f"{step}:pointer-written")
        os.replace(pointer, self.path / _ACTIVE)
        fsync_directory(self.path)
        faults.checkpoint(f"{step}:swapped")
        self._remove_obsolete(step)

    # recovery
    def _recover(self) -> None:
        """Remove what a crash left inside the store (see the module's docstring)."""
        (self.path / f"{_ACTIVE}.new").unlink(missing_ok=True)
        self.generations.mkdir(exist_ok=True)
        if self.active() is None and _is_flat(self.path):
            self._convert()
        self._remove_obsolete(None)

    def _remove_obsolete(self, step: str | None) -> None:
        """Remove every generation but the active one that no reader holds, and old-layout files.

        Best effort: what cannot be removed now (a reader holds it, a permission) is tried
        again by the next writer. ``step`` names the operation whose ``cleaning`` fault
        step is passed after the first removal.
        """
        active = self.active()
        removed = 0

        def one_more() -> None:
            nonlocal removed
            removed += 1
            if removed == 1 and step is not None:
                faults.checkpoint(f"{step}:cleaning")

        if active is not None:
            for file in sorted(p for p in self.path.iterdir() if p.is_file() and _ROCKSDB_FILE.match(p.name)):
                with contextlib.suppress(OSError):
                    file.unlink()
                    one_more()
        for entry in sorted(self.generations.iterdir()):
            if active is not None and entry.name == active.name:
                continue
            with contextlib.suppress(OSError):
                if entry.name.startswith(_TRASH) or not _GENERATION_NAME.match(entry.name):
                    _remove(entry)
                elif self._retire(entry):
                    one_more()

    def _retire(self, generation: Path) -> bool:
        """Remove an inactive generation unless a reader holds it; False when kept."""
        try:
            fd = os.open(generation / _READERS_LOCK, os.O_RDONLY)
        except FileNotFoundError:  # never active: nobody reads it
            fd = None
        try:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return False
            trash = generation.with_name(_TRASH + generation.name)
            _remove(trash)
            os.rename(generation, trash)  # readers that lock it after this find it gone
        finally:
            if fd is not None:
                os.close(fd)
        _remove(trash)
        return True

    def _convert(self) -> None:
        """Turn a store of the old layout into the first generation; its RocksDB files go at the next cleaning."""
        target = self._next()
        try:
            # read-write, so that an older nanokg writing it meanwhile (holding RocksDB's lock) is refused
            old = ox.Store(str(self.path))
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreBusyError(f"another program is writing to {self.path} (an older nanokg?)") from None
            raise
        try:
            old.flush()
            old.backup(str(target))
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        finally:
            del old
        operation, self.operation = self.operation, "convert"
        try:
            self.commit(Generation(target, None))
        finally:
            self.operation = operation


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def writing(path: str | os.PathLike | None = None, *, operation: str, create: bool = False) -> Iterator[StoreWriter]:
    """Hold the store's writer lock for the block: the one way to change a store.

    Parameters
    ----------
    path
        The store (default: :func:`nanokg.settings.store_path`).
    operation
        What writes (``build``, ``load``, ``unload``): named to a second writer, and the
        prefix of the :mod:`nanokg.faults` steps of its commits.
    create
        Make a store at ``path`` if it is a missing or empty directory (a build); without
        it the store must have been built.

    Raises
    ------
    StoreTargetError
        ``create`` and ``path`` is neither a store nor an empty or missing directory
        (a file, a directory of other files, a path under a file); nothing is touched.
    StoreMissingError
        Without ``create``, nothing was built at ``path``.
    StoreBusyError
        Another command holds the lock.
    """
    path = _path(path)
    created = False
    if create:
        created = _claim(path)
    elif not is_store(path) or (_active_name(path) is None and not _is_flat(path)):
        raise _missing(path)
    try:
        fd = os.open(path / _WRITER_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreTargetError(f"{path}: cannot write to the store: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "a nanokg command"
            raise StoreBusyError(
                f"another nanokg command is writing to {path} ({holder}); try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}: nanokg {operation}\n".encode(), 0)
        writer = StoreWriter(path, operation)
        writer._recover()
        try:
            yield writer
        except BaseException:
            if create and writer.active() is None and not _is_flat(path):
                _unclaim(path, created)  # a failed first build leaves nothing behind
            raise
    finally:
        os.close(fd)  # releases the lock


def write_curated(writer: StoreWriter, source: ox.Store) -> int:
    """Make a generation holding the quads of ``source`` (the build's graphs) and the store's other graphs.

    When the active generation holds graphs the build does not write (imports of
    :mod:`nanokg.store.load`), it is copied (``Store.backup``: hard links), the curated graphs are
    replaced in the copy, and the rest kept; not compacted then (``optimize`` would cost
    seconds per million imported triples; the replaced graphs are small). Otherwise the
    generation is written afresh and compacted. Returns the number of quads written.
    """
    curated = _curated()
    current = writer.current()
    foreign = current is not None and any(g.value not in curated for g in current.named_graphs())
    del current
    with writer.new_generation(copy=foreign) as generation:
        if foreign:
            for name in sorted(curated):
                generation.store.remove_graph(ox.NamedNode(name))
            generation.store.bulk_extend(source.quads_for_pattern(None, None, None, None))
            # the imports' derived triples were computed against the old curated graphs
            from nanokg.store.derive import rederive

            rederive(generation.store)
            return len(source)
        generation.store.bulk_extend(source.quads_for_pattern(None, None, None, None))
        generation.store.flush()
        generation.store.optimize()
        return len(generation.store)


def write_store(path: str | os.PathLike, source: ox.Store) -> int:
    """Write ``source`` (an in-memory store) as the curated graphs of the store at ``path``, creating it.

    A new generation is swapped in only when complete (see the module's docstring), so a
    failure leaves the previous store untouched; imports are kept. Returns the number of
    quads written.

    Raises
    ------
    StoreTargetError
        ``path`` is neither a store nor an empty or missing directory.
    StoreBusyError
        Another command is writing to the store.
    """
    with writing(path, operation="build", create=True) as writer:
        return write_curated(writer, source)


def _curated() -> set[str]:
    from nanokg.vocabulary import GRAPHS

    return {str(g) for g in GRAPHS.values()}
