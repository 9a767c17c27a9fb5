"""Analytics: the graph read into networkx, measured, and drawn.

:mod:`~nanokg.analytics.network` reads the domain entities of any backend into a
:class:`networkx.MultiDiGraph` (:func:`entity_graph`), makes its typed projections and writes
files for graph tools; :mod:`~nanokg.analytics.analysis` ranks, groups and compares products
on it (centrality, communities, similarity, paths, gaps, attrition); ``nanokg plot`` draws it
(:mod:`~nanokg.analytics.plot`: figures in :mod:`~nanokg.analytics.figures`, the interactive
page in :mod:`~nanokg.analytics.interactive`). The function ``plot`` is reached through its
module (``from nanokg.analytics.plot import plot``): a package attribute named like a module
becomes the module once it is imported.
"""

from nanokg.exports import lazy_exports

__all__ = [
    "PROJECTIONS",
    "AnalysisUsageError",
    "HasBackend",
    "NetworkUsageError",
    "PlotError",
    "PlotUsageError",
    "attrition",
    "attrition_figure",
    "carrier_class",
    "centrality",
    "check_output",
    "communities",
    "entity_graph",
    "explain_paths",
    "feature_network",
    "find_node",
    "gaps",
    "nearest",
    "network_figure",
    "network_html",
    "product_features",
    "product_network",
    "products",
    "projection",
    "save_figure",
    "similarity",
    "similarity_figure",
    "write_graph",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "PROJECTIONS": "nanokg.analytics.network",
        "HasBackend": "nanokg.analytics.network",
        "NetworkUsageError": "nanokg.analytics.network",
        "carrier_class": "nanokg.analytics.network",
        "entity_graph": "nanokg.analytics.network",
        "find_node": "nanokg.analytics.network",
        "product_features": "nanokg.analytics.network",
        "products": "nanokg.analytics.network",
        "projection": "nanokg.analytics.network",
        "write_graph": "nanokg.analytics.network",
        "AnalysisUsageError": "nanokg.analytics.analysis",
        "attrition": "nanokg.analytics.analysis",
        "centrality": "nanokg.analytics.analysis",
        "communities": "nanokg.analytics.analysis",
        "explain_paths": "nanokg.analytics.analysis",
        "feature_network": "nanokg.analytics.analysis",
        "gaps": "nanokg.analytics.analysis",
        "nearest": "nanokg.analytics.analysis",
        "similarity": "nanokg.analytics.analysis",
        "PlotError": "nanokg.analytics.drawing",
        "PlotUsageError": "nanokg.analytics.drawing",
        "product_network": "nanokg.analytics.drawing",
        "attrition_figure": "nanokg.analytics.figures",
        "network_figure": "nanokg.analytics.figures",
        "save_figure": "nanokg.analytics.figures",
        "similarity_figure": "nanokg.analytics.figures",
        "network_html": "nanokg.analytics.interactive",
        "check_output": "nanokg.analytics.plot",
    },
)
