"""nanokg: a knowledge graph of anti-tumour nanomedicines.

:class:`KnowledgeGraph` is the one handle on the graph: build it, open it (or reach it on a
SPARQL endpoint), query it, load into it, export, release or push it, analyse it. Every
failure nanokg reports is a :class:`NanokgError`; an :class:`InputError` is one the user's
input caused. The subpackages follow the data (curation, store, query, then publish,
analytics and serve); :mod:`nanokg.cli` is the command line over them.

Everything here is imported on first use, so that ``import nanokg`` (every command's start)
loads neither the query layer nor the package metadata.

Examples
--------
>>> import nanokg
>>> issubclass(nanokg.InputError, nanokg.NanokgError)
True
>>> len(nanokg.KnowledgeGraph.open(STORE).products())
42
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nanokg.exports import lazy_exports

if TYPE_CHECKING:
    from nanokg.errors import InputError, NanokgError
    from nanokg.knowledge_graph import KnowledgeGraph

__all__ = ["InputError", "KnowledgeGraph", "NanokgError", "__version__"]

_exported, _listed = lazy_exports(
    __name__,
    {"KnowledgeGraph": "nanokg.knowledge_graph", "NanokgError": "nanokg.errors", "InputError": "nanokg.errors"},
)


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # one version: the installed distribution's, which pyproject.toml takes from the ontology's owl:versionInfo
        from importlib.metadata import version

        return version("nanokg")
    return _exported(name)


def __dir__() -> list[str]:
    return sorted([*_listed(), "__version__"])
