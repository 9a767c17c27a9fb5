"""The Python API: one object to query the graph wherever it lives.

Open the graph and ask::

    from nanokg import KnowledgeGraph

    kg = KnowledgeGraph.open()  # the store `nanokg build` wrote
    kg.query("products-by-target", target="CD71").to_dataframe()
    kg = KnowledgeGraph.remote("http://localhost:7878/query")  # any SPARQL 1.1 endpoint
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from nanokg.curation.catalogue import Catalogue, QuerySpec, parse_query_file
from nanokg.query.backends import (
    Backend,
    EmbeddedBackend,
    RdflibBackend,
    RemoteBackend,
    check_syntax,
    open_embedded,
)
from nanokg.query.engine import prepare, run_spec
from nanokg.query.names import Match, UnknownEntityError, resolve
from nanokg.query.results import Results
from nanokg.vocabulary import GRAPHS, PREFIXES

__all__ = ["Edge", "KnowledgeGraph"]


@dataclass(frozen=True)
class Edge:
    """One step of a path: ``subject --predicate--> object``, with labels."""

    subject: str
    predicate: str
    object: str
    subject_label: str | None = None
    predicate_label: str | None = None
    object_label: str | None = None

    def __str__(self) -> str:
        subject, obj = self.subject_label or self.subject, self.object_label or self.object
        return f"{subject} --{self.predicate_label or self.predicate}--> {obj}"


_DECLARED = re.compile(r"(?i)\bPREFIX\s+([\w.-]*):")
_NEIGHBOURS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?node ?predicate ?next ?forward ?predicateLabel ?nextLabel WHERE {
  { GRAPH ?g { ?node ?predicate ?next } BIND(true AS ?forward) }
  UNION
  { GRAPH ?g { ?next ?predicate ?node } BIND(false AS ?forward) }
  FILTER(isIRI(?next) && ?predicate NOT IN (rdf:type, rdfs:subClassOf, rdfs:subPropertyOf))
  VALUES ?g { %s }
  OPTIONAL { ?predicate rdfs:label ?pl }
  OPTIONAL { ?next rdfs:label ?nl }
  BIND(STR(?pl) AS ?predicateLabel)
  BIND(STR(?nl) AS ?nextLabel)
}
"""


class KnowledgeGraph:
    """The nanokg graph on one backend, with the query catalogue.

    Open it with :meth:`open` (the embedded store), :meth:`remote` (any SPARQL 1.1
    endpoint holding the graph) or :meth:`in_memory` (an rdflib graph, for code that
    wants rdflib objects).

    Examples
    --------
    >>> kg = KnowledgeGraph.open(STORE)
    >>> sorted({r["name"] for r in kg.query("products-by-target", target="CD71")})
    ['CALAA-01', 'SGT-53']
    >>> kg.find("Caelyx")
    ['https://w3id.org/nanokg/product/doxil']
    >>> kg.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?p a nkg:Nanomedicine }").rows
    [(42,)]
    """

    def __init__(self, backend: Backend, catalogue: Catalogue | None = None) -> None:
        self.backend = backend
        self.catalogue = catalogue or Catalogue()

    # -- opening -----------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str | None = None, *, queries: Path | None = None) -> KnowledgeGraph:
        """The embedded store built by ``nanokg build`` (default location, or ``path``)."""
        return cls(open_embedded(None if path is None else Path(path)), Catalogue(queries))

    @classmethod
    def remote(cls, url: str, *, timeout: float = 60, user: str | None = None, password: str | None = None,
               queries: Path | None = None) -> KnowledgeGraph:  # fmt: skip
        """A SPARQL 1.1 endpoint that holds the graph (for example after ``nanokg push``)."""
        return cls(RemoteBackend(url, timeout=timeout, user=user, password=password), Catalogue(queries))

    @classmethod
    def in_memory(cls, path: Path | str | None = None, *, queries: Path | None = None) -> KnowledgeGraph:
        """A copy of the built store in an rdflib :class:`~rdflib.Dataset` (``kg.backend.dataset``)."""
        embedded = open_embedded(None if path is None else Path(path))
        return cls(RdflibBackend.from_store(embedded.store), Catalogue(queries))

    @classmethod
    def from_store(cls, store: ox.Store) -> KnowledgeGraph:
        """Wrap an open pyoxigraph store."""
        return cls(EmbeddedBackend(store))

    # -- querying ----------------------------------------------------------------

    def queries(self) -> list[QuerySpec]:
        """The catalogue's queries, sorted by name."""
        return list(self.catalogue)

    def query(self, name: str | Path, *, evidence: bool = False, **params: Any) -> Results:
        """Run a catalogue query by name (or a ``.rq`` file by path) with parameters.

        Entity parameters take labels, synonyms, CURIEs or IRIs. With ``evidence=True``
        the answer's ``evidence[i]`` lists the curated facts behind row ``i``, each with
        its source, quote or note, locator and any correction (:mod:`nanokg.query.evidence`).

        Examples
        --------
        >>> kg = KnowledgeGraph.open(STORE)
        >>> answer = kg.query("products-by-target", target="TfR", evidence=True)
        >>> [f.quote for f in answer.evidence[0] if f.predicate.endswith("hasTargetingLigand")]
        ['CALAA-01 surface-modified human transferrin (hTf) specifically targets the transferrin receptor']
        """
        if isinstance(name, Path) or str(name).endswith(".rq"):
            path = Path(name)
            spec = parse_query_file(path, strict=False)
            check_syntax(spec.text, source=str(path))
        else:
            spec = self.catalogue[name]
        if not evidence:
            return run_spec(self.backend, spec, params)
        from nanokg.query.evidence import find_evidence

        text, bindings = prepare(self.backend, spec, params)
        results = self.backend.select(text, bindings)
        results.evidence = find_evidence(self.backend, results, bindings.values())
        return results

    def sparql(self, text: str) -> Results:
        """Run SELECT text; the project's prefixes (nkg:, val:, product:...) are predeclared."""
        check_syntax(text, source="sparql", prefixes=PREFIXES)
        return self.backend.select(_with_prefixes(text))

    def find(self, name: str, cls: str | None = None) -> list[str]:
        """IRIs that ``name`` (label, synonym, CURIE or IRI; any case) denotes.

        ``cls`` (IRI) keeps only instances or subclasses of that class.
        """
        return [m.iri for m in resolve(self.backend, name, cls)]

    def entity(self, name: str, cls: str | None = None) -> Match:
        """The one entity ``name`` denotes.

        Raises
        ------
        UnknownEntityError
            If it denotes none or several.
        """
        matches = resolve(self.backend, name, cls)
        if len(matches) != 1:
            found = "; ".join(f"{m.label} <{m.iri}>" for m in matches) or "nothing"
            raise UnknownEntityError(f"{name!r} names {found}")
        return matches[0]

    def describe(self, entity: str) -> Results:
        """Everything the graph says of one entity, with the sources of each asserted fact.

        One row per (direction, predicate, value, evidence); see ``queries/describe.rq``.
        ``evidence[i]`` holds row ``i``'s evidence as :class:`~nanokg.query.evidence.Fact`
        objects, as :meth:`query` gives them: the row's own for an asserted statement,
        the asserted premises for an inferred one.

        Examples
        --------
        >>> kg = KnowledgeGraph.open(STORE)
        >>> facts = kg.describe("Caelyx").as_dicts()
        >>> sorted({f["source"].rsplit("/", 1)[1] for f in facts if f["predicateLabel"] == "has payload"})
        ['seed-000']
        """
        from nanokg.query.evidence import describe_evidence

        iri = self.entity(entity).iri
        results = run_spec(self.backend, self.catalogue["describe"], {"entity": ox.NamedNode(iri)})
        results.evidence = describe_evidence(self.backend, results, iri)
        return results

    def neighbours(self, entity: str, predicate: str | None = None, *, direction: str = "out",
                   graphs: Sequence[str] = ("asserted", "inferred")) -> list[Edge]:  # fmt: skip
        """Entities linked to ``entity`` (by ``predicate`` if given; IRI or CURIE).

        ``direction`` is ``out`` (entity is the subject), ``in`` or ``both``.

        Examples
        --------
        >>> kg = KnowledgeGraph.open(STORE)
        >>> [str(e) for e in kg.neighbours("SGT-53", "nkg:hasPayload")]
        ['SGT-53 --has payload--> p53 gene']
        """
        if direction not in ("out", "in", "both"):
            raise ValueError("direction is 'out', 'in' or 'both'")
        start = self.entity(entity)
        edges = self._expand([start.iri], graphs)
        wanted = None if predicate is None else self.entity(predicate).iri
        out = []
        for node, pred, nxt, forward, plabel, nlabel in edges:
            if (wanted and pred != wanted) or (direction == "out" and not forward) or (direction == "in" and forward):
                continue
            if forward:
                out.append(Edge(node, pred, nxt, start.label, plabel, nlabel))
            else:
                out.append(Edge(nxt, pred, node, nlabel, plabel, start.label))
        return sorted(set(out), key=lambda e: (e.predicate, e.subject, e.object))

    def paths(self, source: str, target: str, *, max_length: int = 4, limit: int = 20,
              graphs: Sequence[str] = ("asserted",)) -> list[list[Edge]]:  # fmt: skip
        """The shortest paths (up to ``max_length`` steps) between two entities.

        Steps follow object properties either way in ``graphs`` (default: the curated
        facts alone, so a path shows what was asserted rather than its inferred
        shortcut); type and class links are not steps.

        Examples
        --------
        >>> kg = KnowledgeGraph.open(STORE)
        >>> [str(step) for step in kg.paths("BIND-014", "PSMA")[0]]
        ['BIND-014 --actively targets--> prostate-specific membrane antigen']
        """
        start, goal = self.entity(source), self.entity(target)
        labels = {start.iri: start.label, goal.iri: goal.label}
        parents: dict[str, list[tuple[str, str, bool, str | None]]] = {start.iri: []}
        frontier = [start.iri]
        for _ in range(max_length):
            if goal.iri in parents or not frontier:
                break
            level: dict[str, list] = {}
            for node, pred, nxt, forward, plabel, nlabel in self._expand(frontier, graphs):
                if nxt in parents:
                    continue
                level.setdefault(nxt, []).append((node, pred, forward, plabel))
                labels.setdefault(nxt, nlabel)
            parents.update(level)
            frontier = sorted(level)
        if goal.iri not in parents:
            return []

        def walk(node: str) -> Iterable[list[Edge]]:
            if node == start.iri:
                yield []
                return
            for prev, pred, forward, plabel in sorted(set(parents[node])):
                for head in walk(prev):
                    if forward:
                        step = Edge(prev, pred, node, labels.get(prev), plabel, labels.get(node))
                    else:
                        step = Edge(node, pred, prev, labels.get(node), plabel, labels.get(prev))
                    yield [*head, step]

        found = []
        for path in walk(goal.iri):
            found.append(path)
            if len(found) >= limit:
                break
        return found

    def _expand(self, nodes: list[str], graphs: Sequence[str]) -> list[tuple]:
        unknown = [g for g in graphs if g not in GRAPHS]
        if unknown:
            raise ValueError(f"unknown graph {unknown[0]!r} (graphs: {', '.join(GRAPHS)})")
        text = _NEIGHBOURS % " ".join(f"<{GRAPHS[g]}>" for g in graphs)
        rows = []
        for node in nodes:
            rows += [(node, *r[1:]) for r in self.backend.select(text, {"node": ox.NamedNode(node)}).rows]
        return rows

    def export(self, fmt: str, out: str | Path | BinaryIO, graphs: Iterable[str] | None = None) -> int:
        """Write the graph and its VoID/DCAT description as RDF; see :func:`nanokg.publish.export.export`.

        Only the embedded store can be exported (:meth:`open`, :meth:`from_store`).
        Returns the number of triples (triple formats) or quads (quad formats) written.
        """
        from nanokg.publish.export import ExportUsageError, export

        if not isinstance(self.backend, EmbeddedBackend):
            raise ExportUsageError(
                f"export reads the embedded store; this graph is on {type(self.backend).__name__} "
                "(use KnowledgeGraph.open, or nanokg push to copy the store elsewhere)"
            )
        return export(self.backend.store, fmt, out, graphs)

    def close(self) -> None:
        """Release the backend."""
        self.backend.close()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _with_prefixes(text: str) -> str:
    declared = set(_DECLARED.findall(text))
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p not in declared) + text
