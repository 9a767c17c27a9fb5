"""The graph at a glance: one row per product, and what the graph holds (``nanokg products``, ``nanokg stats``).

Both run catalogue queries (``queries/products.rq``, ``stats-graphs.rq``,
``stats-classes.rq``) on any :class:`~nanokg.query.backends.Backend`, so they answer the
same from the embedded store, an rdflib copy or a remote endpoint.

Examples
--------
>>> from nanokg.query.backends import open_embedded
>>> backend = open_embedded(STORE)
>>> nk105 = next(row for row in products(backend) if row["name"] == "NK105")
>>> nk105["carrier_class"], nk105["indications"]
('polymeric micelle', ['breast cancer', 'gastric cancer'])
>>> sorted(g["graph"].rsplit("/", 1)[1] for g in stats(backend)["graphs"])[:2]
['asserted', 'derived']
"""

from __future__ import annotations

from typing import Any

from nanokg.curation.catalogue import Catalogue
from nanokg.query.backends import Backend
from nanokg.query.engine import run_named
from nanokg.store.load import IMPORTS_QUERY

__all__ = ["MULTI_VALUED", "PRODUCT_COLUMNS", "products", "stats"]

#: the columns of :func:`products`, in order
PRODUCT_COLUMNS = [
    "name", "aliases", "carrier_class", "carrier_detail", "payloads", "targets", "ligands",
    "indications", "stage", "terminated", "size_nm_min", "size_nm_max", "outcomes", "sources",
]  # fmt: skip
#: product columns that hold several values (the query joins them with "; "; :func:`products` gives lists)
MULTI_VALUED = frozenset({"aliases", "payloads", "targets", "ligands", "indications", "outcomes", "sources"})


def products(backend: Backend, catalogue: Catalogue | None = None) -> list[dict[str, Any]]:
    """One record per nanomedicine product, keyed by :data:`PRODUCT_COLUMNS`.

    A column of :data:`MULTI_VALUED` is a list sorted case-insensitively (empty if the
    graph says nothing); the others are single Python values or ``None``.
    """
    rows = []
    for record in run_named(backend, "products", catalogue).as_dicts():
        row = {}
        for column in PRODUCT_COLUMNS:
            value = record.get(column)
            if column in MULTI_VALUED:
                value = sorted(value.split("; "), key=str.lower) if value else []
            row[column] = value
        rows.append(row)
    return rows


def stats(backend: Backend, catalogue: Catalogue | None = None) -> dict[str, list[dict[str, Any]]]:
    """Triples per named graph, entities per class, and the imports ``nanokg load`` recorded.

    Returns
    -------
    dict
        ``graphs``: ``{"graph", "triples"}`` records; ``classes``: ``{"class", "label",
        "count"}``; ``imports``: one record per import with every column of
        :data:`nanokg.store.load.IMPORTS_QUERY` as text but ``triples`` (an int).
    """
    graphs = run_named(backend, "stats-graphs", catalogue)
    classes = run_named(backend, "stats-classes", catalogue)
    imports = backend.select(IMPORTS_QUERY)
    return {
        "graphs": [{"graph": g, "triples": n} for g, n in graphs.rows],
        "classes": [{"class": c, "label": label, "count": n} for c, label, n in classes.rows],
        "imports": [
            dict(zip(imports.columns, map(str, row), strict=True)) | {"triples": row[4]} for row in imports.rows
        ],
    }
