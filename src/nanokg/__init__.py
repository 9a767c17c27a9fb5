"""nanokg: a knowledge graph of anti-tumour nanomedicines.

Build the graph with :func:`nanokg.pipeline.build_graph` (or ``nanokg build``) and query
it with :mod:`nanokg.query`.
"""

__version__ = "0.1.0"
