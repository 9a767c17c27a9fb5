"""nanokg: a knowledge graph of anti-tumour nanomedicines.

Build the graph with :func:`nanokg.curation.pipeline.build_graph` (or ``nanokg build``) and query
it through :class:`nanokg.KnowledgeGraph` (or ``nanokg query``).

``KnowledgeGraph`` is imported on first use, so that ``import nanokg.cli`` (every
command's start) does not load the query layer for commands that do not query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nanokg.knowledge_graph import KnowledgeGraph

__all__ = ["KnowledgeGraph"]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name == "KnowledgeGraph":
        from nanokg.knowledge_graph import KnowledgeGraph

        return KnowledgeGraph
    raise AttributeError(f"module 'nanokg' has no attribute {name!r}")
