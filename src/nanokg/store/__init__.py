"""The embedded store the built graph lives in, and what users import into it beside the curated graphs.

:mod:`~nanokg.store.build` runs curation's steps and writes the curated graphs into the store;
:mod:`~nanokg.store.transaction` owns the store's layout: one writer at a time, and every
write a new generation swapped in whole, so readers never see a half-written store.
:mod:`~nanokg.store.load` bulk-imports RDF files into it (each file all or nothing, with
its record) and unloads them, :mod:`~nanokg.store.index` keys names for exact-match
lookup, and :mod:`~nanokg.store.derive` materialises what queries would compute per row
(type and property closure, direct types, catalogue rules) into derived graphs. ``load``
itself is reached as ``from nanokg.store.load import load``: the package attribute ``load``
is that module.
"""

from nanokg.exports import lazy_exports

__all__ = [
    "BuildReport",
    "DiskUsage",
    "Generation",
    "ImportNotFoundError",
    "ImportRecord",
    "LoadError",
    "LoadReport",
    "LoadUsageError",
    "MemoryStoreError",
    "StoreBusyError",
    "StoreDamagedError",
    "StoreMissingError",
    "StoreTargetError",
    "StoreWriter",
    "build_dataset",
    "build_graph",
    "check_store",
    "default_graph",
    "derive_curated",
    "derive_import",
    "derived_graph_of",
    "detect_format",
    "disk_usage",
    "graph_triples",
    "is_store",
    "list_imports",
    "lookup_graph",
    "memory_copy",
    "name_key",
    "open_store",
    "reading",
    "rederive",
    "unload",
    "write_curated",
    "write_store",
    "writing",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(
            [
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
            ],
            "nanokg.store.transaction",
        ),
        **dict.fromkeys(["MemoryStoreError", "check_store", "memory_copy"], "nanokg.store.memory"),
        **dict.fromkeys(
            [
                "ImportNotFoundError",
                "ImportRecord",
                "LoadError",
                "LoadReport",
                "LoadUsageError",
                "default_graph",
                "detect_format",
                "list_imports",
                "unload",
            ],
            "nanokg.store.load",
        ),
        **dict.fromkeys(["lookup_graph", "name_key"], "nanokg.store.index"),
        **dict.fromkeys(["derive_curated", "derive_import", "derived_graph_of", "rederive"], "nanokg.store.derive"),
        **dict.fromkeys(["BuildReport", "build_dataset", "build_graph"], "nanokg.store.build"),
    },
)
