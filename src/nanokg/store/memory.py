"""An in-memory copy of a built store, for serving and querying without the disk underneath.

Oxigraph answers several times faster from memory than from its on-disk store (RocksDB):
the catalogue at 1 M triples ran 2.6x faster in memory (issue #19). :func:`memory_copy`
reads the store's active generation once and copies every quad into a new
:class:`pyoxigraph.Store` held in this process; ``KnowledgeGraph.open(memory=True)`` and
``nanokg serve --memory`` query that copy.

How: ``Store.bulk_extend`` over ``quads_for_pattern`` of a read-only handle. Measured at
1 M quads (the synthetic graph of ``python -m benchmarks`` loaded beside the curated one,
1,024,485 quads, on 2 cores shared with other jobs, so rough): 8.4 s of CPU (29 s wall on
the loaded machine), peak 689 MB resident, 475 MB resident once the read is done; a dump
to N-Quads then ``bulk_load`` cost 9.5 s of CPU and peaked at 880 MB (the text and the
store side by side), ``extend`` 8.6 s and 700 MB. The copy costs about 470 bytes per quad
of memory for as long as it is held.

The disk generation is held only while it is copied (:func:`nanokg.store.transaction.reading`),
so a writer that commits a new generation meanwhile or later is never blocked, and the
old generation can be removed once copied. The copy does not follow later writes: it is
the store as it was when copied (``KnowledgeGraph.load`` copies again after its write).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pyoxigraph as ox

from nanokg.errors import InputError
from nanokg.store.transaction import StoreMissingError, reading

__all__ = ["MemoryStoreError", "check_store", "memory_copy"]

# an endpoint's URL, also after a Path made one slash of its two (http:/host/sparql)
_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):/{1,2}(.*)", re.DOTALL)


class MemoryStoreError(InputError):
    """An in-memory copy was asked of something that is not a built local store (exit 2)."""


def check_store(path: str | os.PathLike | None = None, *, parameter: str = "--store") -> Path:
    """The folder of the built local store at ``path``, checked as :func:`memory_copy` would, without copying.

    Raises
    ------
    MemoryStoreError
        If ``path`` is an endpoint URL, or no store was built there.
    """
    url = _URL.match(str(path or ""))
    if url:
        raise MemoryStoreError(
            f"{parameter} {url.group(1)}://{url.group(2)}: an in-memory copy is made of a local store, "
            "not of an endpoint (query an endpoint with --endpoint / KnowledgeGraph.remote)",
            parameter=parameter,
        )
    from nanokg import settings

    folder = settings.store_path() if path is None else Path(path).expanduser()
    try:
        with reading(folder):
            pass
    except StoreMissingError as exc:
        raise MemoryStoreError(str(exc), parameter=parameter) from None
    return folder


def memory_copy(path: str | os.PathLike | None = None, *, parameter: str = "--store") -> ox.Store:
    """Every quad (and every named graph, even empty) of the built store at ``path``, in a new in-memory store.

    Parameters
    ----------
    path
        The store folder (default: :func:`nanokg.settings.store_path`).
    parameter
        How error messages name the place the path came from.

    Raises
    ------
    MemoryStoreError
        If ``path`` is an endpoint URL, or no store was built there.

    Examples
    --------
    >>> from nanokg.store.transaction import reading
    >>> copy = memory_copy(STORE)
    >>> with reading(STORE) as disk:
    ...     len(copy) == len(disk)
    True
    """
    folder = check_store(path, parameter=parameter)
    try:
        with reading(folder) as disk:
            store = ox.Store()
            store.bulk_extend(disk.quads_for_pattern(None, None, None, None))
            for graph in disk.named_graphs():  # graphs without triples too (the service description lists them)
                store.add_graph(graph)
    except StoreMissingError as exc:
        raise MemoryStoreError(str(exc), parameter=parameter) from None
    return store
