"""What a push writes and where: target graphs, their staging graphs, and the checks on their names.

A push replaces named graphs of a remote store (:class:`Target`: the triples and the IRI of
the graph they replace); :func:`store_targets` makes them from the built store.
Each target is written first into a *staging* graph named after it (:func:`staging_graph`),
so the next push and ``nanokg push --cleanup`` find what a killed push left by name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from nanokg.publish.remote import PushUsageError
from nanokg.store.transaction import graph_triples
from nanokg.vocabulary import GRAPHS

__all__ = [
    "STAGING_SUFFIX",
    "Target",
    "check_target",
    "is_staging_of",
    "sparql_iri",
    "staging_graph",
    "store_targets",
    "target_graphs",
]

#: a staging graph is named after its target, so the next push and --cleanup find it by name
STAGING_SUFFIX = "-nanokg-staging"
#: what nanokg named them before: the suffix and a random token, a new one every push
_LEGACY_TOKEN = re.compile(r"-nanokg-staging-[0-9a-f]{12}")
#: an IRI's scheme: a relative IRI would be resolved against the service's own URL
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass(frozen=True)
class Target:
    """One graph to push: the triples and the named graph they replace."""

    graph: str
    triples: Sequence[ox.Triple]


def staging_graph(target: str) -> str:
    """The IRI of ``target``'s staging graph.

    >>> staging_graph("https://w3id.org/nanokg/graph/asserted")
    'https://w3id.org/nanokg/graph/asserted-nanokg-staging'
    """
    return target + STAGING_SUFFIX


def is_staging_of(graph: str, target: str) -> bool:
    """Whether ``graph`` is a staging graph of ``target``, as named now or by earlier versions.

    >>> is_staging_of("http://e.org/g-nanokg-staging-0123456789ab", "http://e.org/g")
    True
    """
    if not graph.startswith(target):
        return False
    rest = graph[len(target) :]
    return rest == STAGING_SUFFIX or _LEGACY_TOKEN.fullmatch(rest) is not None


def sparql_iri(iri: str) -> str:
    """``iri`` written for SPARQL text (``<iri>``), if it is an absolute IRI that cannot break out of it.

    Raises
    ------
    PushUsageError
        A relative IRI, or one with characters an IRI reference may not hold.
    """
    if not _SCHEME.match(iri) or re.search(r'[\x00-\x20<>"{}|^`\\]', iri):
        raise PushUsageError(f"--graph {iri!r}: not a valid absolute IRI")
    return f"<{iri}>"


def check_target(graph: str) -> None:
    """Refuse a target that is not an absolute IRI, or that is itself named like a staging graph."""
    sparql_iri(graph)
    if re.search(rf"{STAGING_SUFFIX}(-[0-9a-f]{{12}})?$", graph):
        raise PushUsageError(f"--graph {graph}: the name of a staging graph (…{STAGING_SUFFIX}); choose another IRI")


def target_graphs(
    graphs: Sequence[str] | None = None, into: str | None = None, *, allow_graph_overwrite: bool = False
) -> dict[str, list[str]]:
    """The push's target graph IRIs, each with the names of the graphs it receives.

    Parameters
    ----------
    graphs
        Names from :data:`nanokg.vocabulary.GRAPHS`; all of them by default.
    into
        One named graph that receives all of them (``--graph``).
    allow_graph_overwrite
        Let ``into`` be the IRI of one of nanokg's own graphs while other graphs go into
        it. Refused by default: ``--graph <the asserted graph's IRI> --graphs ontology``
        would replace the store's asserted graph with the ontology.

    Raises
    ------
    PushUsageError
        For an unknown name, an ``into`` that is not an absolute IRI or names a staging
        graph, or one of nanokg's graph IRIs receiving other graphs.

    >>> target_graphs(["asserted"])
    {'https://w3id.org/nanokg/graph/asserted': ['asserted']}
    """
    names = list(dict.fromkeys(graphs)) if graphs else list(GRAPHS)
    unknown = [n for n in names if n not in GRAPHS]
    if unknown:
        raise PushUsageError(f"--graphs {','.join(unknown)}: unknown graph; use {', '.join(GRAPHS)}")
    if into is None:
        return {str(GRAPHS[name]): [name] for name in names}
    check_target(into)
    owner = {str(iri): name for name, iri in GRAPHS.items()}.get(into)
    if owner is not None and names != [owner] and not allow_graph_overwrite:
        raise PushUsageError(
            f"--graph {into} is nanokg's own {owner} graph: pushing {', '.join(names)} there would replace "
            f"the store's {owner} graph; add --allow-graph-overwrite to do that on purpose"
        )
    return {into: names}


def store_targets(
    store: ox.Store,
    graphs: Sequence[str] | None = None,
    into: str | None = None,
    *,
    allow_graph_overwrite: bool = False,
) -> list[Target]:
    """The built store's named graphs as push targets.

    Parameters
    ----------
    store
        The built store (:func:`nanokg.store.transaction.open_store`).
    graphs
        Names from :data:`nanokg.vocabulary.GRAPHS`; all of them by default (the ``lookup``
        graph too, so that remote queries resolve names as the embedded store does).
    into
        Push the union of the chosen graphs into this one named graph instead of one
        target per graph (queries naming our graphs with ``GRAPH`` then find nothing).
    allow_graph_overwrite
        See :func:`target_graphs`.
    """
    plan = target_graphs(graphs, into, allow_graph_overwrite=allow_graph_overwrite)
    targets = []
    for iri, names in plan.items():
        triples = [t for name in names for t in graph_triples(store, GRAPHS[name])]
        if len(names) > 1:
            triples = list(dict.fromkeys(triples))
        targets.append(Target(iri, triples))
    return targets
