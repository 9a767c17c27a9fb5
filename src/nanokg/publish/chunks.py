"""Bounded chunks of triples for the requests of a push, never splitting a blank-node group.

Both the Graph Store Protocol and SPARQL Update scope blank-node labels to one request, so
the triples joined by a blank node (an OWL restriction, an RDF list) travel together.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

__all__ = ["chunk_triples"]


def chunk_triples(triples: Iterable[ox.Triple], size: int) -> list[list[ox.Triple]]:
    """Cut ``triples`` into chunks of at most ``size``, never splitting a blank-node group.

    Triples that share a blank node (transitively) form one group and travel together:
    both protocols scope blank-node labels to a single request, so a group cut in two
    would arrive as two unconnected structures. A group larger than ``size`` is a chunk
    of its own.

    Raises
    ------
    ValueError
        When ``size`` is less than 1.

    Examples
    --------
    >>> b = ox.BlankNode("b")
    >>> s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    >>> chunks = chunk_triples([ox.Triple(s, p, b), ox.Triple(s, p, s), ox.Triple(b, p, s)], 2)
    >>> [len(chunk) for chunk in chunks]
    [2, 1]
    """
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        parent.setdefault(label, label)
        while parent[label] != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    plain: list[ox.Triple] = []
    linked: list[tuple[str, ox.Triple]] = []
    for triple in triples:
        labels = [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        if not labels:
            plain.append(triple)
            continue
        root = find(labels[0])
        for other in labels[1:]:
            parent[find(other)] = root
        linked.append((labels[0], triple))

    groups: dict[str, list[ox.Triple]] = {}
    for label, triple in linked:
        groups.setdefault(find(label), []).append(triple)

    chunks: list[list[ox.Triple]] = []
    current: list[ox.Triple] = []
    for group in groups.values():
        if current and len(current) + len(group) > size:
            chunks.append(current)
            current = []
        current.extend(group)
    for triple in plain:
        if len(current) >= size:
            chunks.append(current)
            current = []
        current.append(triple)
    if current:
        chunks.append(current)
    return chunks
