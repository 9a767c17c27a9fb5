"""The embedded store the built graph lives in, and what users import into it beside the curated graphs.

:mod:`~nanokg.store.build` runs curation's steps and writes the curated graphs into the store;
:mod:`~nanokg.store.transaction` owns the store's layout: one writer at a time, and every
write a new generation swapped in whole, so readers never see a half-written store.
:mod:`~nanokg.store.load` bulk-imports RDF files into it (each file all or nothing, with
its record) and unloads them, and :mod:`~nanokg.store.index` keys names for exact-match
lookup. ``load`` itself is reached as ``from nanokg.store.load import load``: the package
attribute ``load`` is that module.
"""

from nanokg.exports import lazy_exports

__all__ = [
    "BuildReport",
    "Generation",
    "ImportNotFoundError",
    "ImportRecord",
    "LoadError",
    "LoadReport",
    "LoadUsageError",
    "StoreBusyError",
    "StoreDamagedError",
    "StoreMissingError",
    "StoreTargetError",
    "StoreWriter",
    "build_dataset",
    "build_graph",
    "default_graph",
    "detect_format",
    "graph_triples",
    "is_store",
    "list_imports",
    "lookup_graph",
    "name_key",
    "open_store",
    "reading",
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
                "Generation",
                "StoreBusyError",
                "StoreDamagedError",
                "StoreMissingError",
                "StoreTargetError",
                "StoreWriter",
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
        **dict.fromkeys(["BuildReport", "build_dataset", "build_graph"], "nanokg.store.build"),
    },
)
