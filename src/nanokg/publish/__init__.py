"""Publish the built graph: files, releases, remote stores, change logs and mapping tables.

:mod:`~nanokg.publish.export` writes the graph as RDF with its VoID/DCAT description,
:mod:`~nanokg.publish.release` a versioned directory of every format with checksums,
:mod:`~nanokg.publish.push` replaces named graphs of a SPARQL 1.1 store (staged, then
swapped), :mod:`~nanokg.publish.diff` tells two versions apart and
:mod:`~nanokg.publish.mappings` lists the external identifiers as SSSOM. The functions
named like their modules (``export``, ``push``) are reached through them
(``from nanokg.publish.push import push``) or the :class:`~nanokg.KnowledgeGraph` handle:
a package attribute of that name becomes the module once it is imported.
"""

from nanokg.exports import lazy_exports

__all__ = [
    "Change",
    "CleanupReport",
    "Coverage",
    "Credentials",
    "EntityChanges",
    "ExportError",
    "ExportFormat",
    "ExportUsageError",
    "Gap",
    "GraphDiff",
    "MappingRow",
    "PushError",
    "PushInterrupted",
    "PushReport",
    "PushUsageError",
    "Release",
    "ReleaseError",
    "ReleaseInputError",
    "ReleaseReport",
    "ReleaseUsageError",
    "StoreProfile",
    "Target",
    "chunk_triples",
    "cleanup",
    "coverage",
    "data_checksum",
    "describe_dataset",
    "diff_graphs",
    "graph_version",
    "is_release",
    "mapping_rows",
    "open_release",
    "select_graphs",
    "store_targets",
    "target_graphs",
    "to_sssom",
    "unmapped",
    "verify_release",
    "write_release",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(
            ["ExportError", "ExportFormat", "ExportUsageError", "data_checksum", "describe_dataset", "select_graphs"],
            "nanokg.publish.export",
        ),
        **dict.fromkeys(["CleanupReport", "PushInterrupted", "PushReport", "cleanup"], "nanokg.publish.push"),
        **dict.fromkeys(["Credentials", "PushError", "PushUsageError", "StoreProfile"], "nanokg.publish.remote"),
        **dict.fromkeys(["Target", "store_targets", "target_graphs"], "nanokg.publish.targets"),
        "chunk_triples": "nanokg.publish.chunks",
        **dict.fromkeys(
            [
                "Release",
                "ReleaseError",
                "ReleaseInputError",
                "ReleaseReport",
                "ReleaseUsageError",
                "graph_version",
                "is_release",
                "open_release",
                "verify_release",
                "write_release",
            ],
            "nanokg.publish.release",
        ),
        **dict.fromkeys(["Change", "EntityChanges", "GraphDiff", "diff_graphs"], "nanokg.publish.diff"),
        **dict.fromkeys(
            ["Coverage", "Gap", "MappingRow", "coverage", "mapping_rows", "to_sssom", "unmapped"],
            "nanokg.publish.mappings",
        ),
    },
)
