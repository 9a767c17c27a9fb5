"""Where the built graph lives: an embedded on-disk Oxigraph store.

The store holds the named graphs of :data:`nanokg.vocabulary.GRAPHS`. Queries run
with the default graph as the union of the named graphs, so a plain ``SELECT`` sees
ontology, asserted, inferred and provenance triples (and the name index and the query
catalogue) together, and ``GRAPH <...>`` narrows to one of them.

Location: ``--store PATH`` on the command line, else ``$NANOKG_STORE``, else
``$XDG_DATA_HOME/nanokg/store`` (``~/.local/share/nanokg/store``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

if TYPE_CHECKING:  # rdflib is not imported on the query path (cold start of `nanokg query`)
    from rdflib import Graph, URIRef

__all__ = [
    "StoreBusyError",
    "StoreMissingError",
    "default_store_path",
    "graph_triples",
    "in_memory",
    "open_store",
    "open_writable",
    "write_store",
]

#: marks a directory as a complete nanokg store (written last)
_MARKER = "NANOKG_STORE"


class StoreMissingError(FileNotFoundError):
    """No built store at the given location."""


class StoreBusyError(OSError):
    """Another process is writing to the store (a load, an unload or a build)."""


def default_store_path() -> Path:
    """The store location used when none is given."""
    if os.environ.get("NANOKG_STORE"):
        return Path(os.environ["NANOKG_STORE"]).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "nanokg" / "store"


def in_memory(graphs: Mapping[URIRef | None, Graph]) -> ox.Store:
    """Load rdflib graphs into an in-memory Oxigraph store, one named graph each.

    A ``None`` key loads into the default graph. Blank node ids are kept (Oxigraph's
    loader would rename them), so canonical ids survive and rebuilds are byte-identical.
    """
    store = ox.Store()
    for name, graph in graphs.items():
        target = ox.DefaultGraph() if name is None else ox.NamedNode(str(name))
        data = graph.serialize(format="nt", encoding="utf-8")
        triples = ox.parse(data, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False)
        store.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)
    return store


def write_store(path: Path, source: ox.Store) -> int:
    """Copy every quad of ``source`` (an in-memory store) into a new on-disk store at ``path``.

    The store is written beside ``path`` and swapped in only when complete, so a failure
    leaves the previous store untouched. Returns the number of quads written.

    When the store at ``path`` holds graphs the build does not write (imports of
    :mod:`nanokg.load`), they are kept: the store is copied beside itself by hard links
    (``Store.backup``, milliseconds whatever its size), the curated graphs are replaced in
    the copy, and the copy is swapped in. Not compacted then (``optimize`` would cost
    seconds per million imported triples); the replaced graphs are small.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if (path / _MARKER).exists() and _foreign_graphs(path):
        return _replace_curated(path, source)
    with staging_beside(path, "building") as staging:
        store = ox.Store(str(staging))
        store.bulk_extend(source.quads_for_pattern(None, None, None, None))
        store.flush()
        store.optimize()
        count = len(store)
        del store
        swap_in(path, staging)
        return count


@contextlib.contextmanager
def staging_beside(path: Path, purpose: str) -> Iterator[Path]:
    """A fresh directory beside ``path`` to write a replacement store into; removed if not swapped in."""
    staging = path.with_name(f"{path.name}.{purpose}-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    try:
        yield staging
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def swap_in(path: Path, staging: Path) -> None:
    """Mark the complete store at ``staging`` as a nanokg store and put it in the place of ``path``.

    Every handle on either store must be closed first: RocksDB names its files by path, so a
    handle still open on the renamed directory would delete obsolete files from the new one
    on closing.
    """
    (staging / _MARKER).write_text("nanokg embedded store\n", encoding="utf-8")
    old = path.with_name(f"{path.name}.old-{os.getpid()}")
    if old.exists():
        shutil.rmtree(old)
    if path.exists():
        path.rename(old)
    staging.rename(path)
    if old.exists():
        shutil.rmtree(old)


def graph_triples(store: ox.Store, graph: str | ox.NamedNode) -> Iterator[ox.Triple]:
    """The triples of the named graph ``graph`` (an IRI) of ``store``, streamed."""
    name = graph if isinstance(graph, ox.NamedNode) else ox.NamedNode(str(graph))
    return (ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, name))


def _curated() -> set[str]:
    from .vocabulary import GRAPHS

    return {str(g) for g in GRAPHS.values()}


def _foreign_graphs(path: Path) -> list[str]:
    """Named graphs of the store at ``path`` that the build does not write."""
    curated = _curated()
    return sorted(g.value for g in ox.Store.read_only(str(path)).named_graphs() if g.value not in curated)


def _replace_curated(path: Path, source: ox.Store) -> int:
    """Replace the curated graphs of the store at ``path`` with those of ``source``, keeping the rest."""
    # opened for writing, so that no load or unload is under way while the copy is taken
    store = open_writable(path)
    with staging_beside(path, "building") as staging:
        store.backup(str(staging))
        copy = ox.Store(str(staging))
        for name in _curated():
            copy.remove_graph(ox.NamedNode(name))
        copy.bulk_extend(source.quads_for_pattern(None, None, None, None))
        copy.flush()
        count = len(source)
        del copy, store
        swap_in(path, staging)
        return count


def open_writable(path: Path | None = None) -> ox.Store:
    """Open a built store for writing (``nanokg load``/``unload``); one writer at a time.

    Raises
    ------
    StoreMissingError
        If nothing was built at ``path``.
    StoreBusyError
        If another process has it open for writing.
    """
    path = Path(path) if path is not None else default_store_path()
    if not (path / _MARKER).exists():
        raise StoreMissingError(f"no nanokg store at {path}: run `nanokg build` first (or pass --store)")
    try:
        return ox.Store(str(path))
    except OSError as exc:
        if "lock" in str(exc).lower():
            raise StoreBusyError(
                f"{path}: another process is writing to the store (nanokg load, unload or build)"
            ) from None
        raise


def open_store(path: Path | None = None) -> ox.Store:
    """Open a built store read-only.

    Raises
    ------
    StoreMissingError
        If nothing was built at ``path`` (run ``nanokg build``).
    """
    path = Path(path) if path is not None else default_store_path()
    if not (path / _MARKER).exists():
        raise StoreMissingError(f"no nanokg store at {path}: run `nanokg build` first (or pass --store)")
    return ox.Store.read_only(str(path))
