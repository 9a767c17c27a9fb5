"""nanokg: a knowledge graph of anti-tumour nanomedicines.

Build the graph with :func:`nanokg.pipeline.build_graph` (or ``nanokg build``) and query
it through :class:`nanokg.KnowledgeGraph` (or ``nanokg query``).
"""

from .knowledge_graph import KnowledgeGraph

__all__ = ["KnowledgeGraph"]
__version__ = "0.1.0"
