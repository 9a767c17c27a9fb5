"""Where the built graph lives: an embedded on-disk Oxigraph store.

The store holds four named graphs (see :data:`nanokg.vocabulary.GRAPHS`). Queries run
with the default graph as the union of the named graphs, so a plain ``SELECT`` sees
ontology, asserted, inferred and provenance triples together, and ``GRAPH <...>``
narrows to one of them.

Location: ``--store PATH`` on the command line, else ``$NANOKG_STORE``, else
``$XDG_DATA_HOME/nanokg/store`` (``~/.local/share/nanokg/store``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal

__all__ = ["StoreMissingError", "default_store_path", "open_store", "write_store"]

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


def _term(node):
    # rdflib -> pyoxigraph; blank node ids are kept so canonical ids stay stable
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    return ox.NamedNode(str(node))


def write_store(path: Path, graphs: Mapping[str, Graph]) -> int:
    """Write ``graphs`` (name -> graph IRI via the mapping's keys) as a new store at ``path``.

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
        quads = [
            ox.Quad(_term(s), _term(p), _term(o), ox.NamedNode(str(name)))
            for name, graph in graphs.items()
            for s, p, o in graph
        ]
        store.bulk_extend(quads)
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
