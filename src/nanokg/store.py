"""Where the built graph lives: an embedded on-disk Oxigraph store.

The store holds the named graphs of :data:`nanokg.vocabulary.GRAPHS`. Queries run
with the default graph as the union of the named graphs, so a plain ``SELECT`` sees
ontology, asserted, inferred and provenance triples (and the name index and the query
catalogue) together, and ``GRAPH <...>`` narrows to one of them.

Location: ``--store PATH`` on the command line, else ``$NANOKG_STORE``, else
``$XDG_DATA_HOME/nanokg/store`` (``~/.local/share/nanokg/store``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

__all__ = ["StoreMissingError", "default_store_path", "in_memory", "open_store", "write_store"]

#: marks a directory as a complete nanokg store (written last)
_MARKER = "NANOKG_STORE"


class StoreMissingError(FileNotFoundError):
    """No built store at the given location."""


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
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(path.name + f".building-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    try:
        store = ox.Store(str(staging))
        store.bulk_extend(source.quads_for_pattern(None, None, None, None))
        store.flush()
        store.optimize()
        count = len(store)
        del store
        (staging / _MARKER).write_text("nanokg embedded store\n", encoding="utf-8")
        old = path.with_name(path.name + f".old-{os.getpid()}")
        if path.exists():
            path.rename(old)
        staging.rename(path)
        if old.exists():
            shutil.rmtree(old)
        return count
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


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
