"""The Python API: one object every operation on the graph hangs on, wherever the graph lives.

Build or open the graph and ask::

    from nanokg import KnowledgeGraph

    kg = KnowledgeGraph.build()  # or KnowledgeGraph.open(): the store `nanokg build` wrote
    kg.query("products-by-target", target="CD71").to_dataframe()
    kg.products(), kg.stats(), kg.mappings(), kg.network()
    kg.export("ttl", "nanokg.ttl"), kg.release("dist/nanokg"), kg.push("http://localhost:7878/query")
    kg = KnowledgeGraph.remote("http://localhost:7878/query")  # any SPARQL 1.1 endpoint

The methods are thin: each delegates to the module function that does the work (named in
its docstring), which callers may also use directly. Reading works on every backend;
writing, exporting and releasing need the embedded store, and a graph elsewhere refuses
them with a :class:`NotEmbeddedError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pyoxigraph as ox

from nanokg import settings
from nanokg.curation.catalogue import Catalogue, QuerySpec, parse_query_file
from nanokg.errors import InputError
from nanokg.query.backends import (
    Backend,
    EmbeddedBackend,
    RdflibBackend,
    RemoteBackend,
    check_syntax,
    open_embedded,
)
from nanokg.query.engine import prepare, run_spec
from nanokg.query.names import Match, resolve, resolve_one
from nanokg.query.results import Results
from nanokg.sparql_text import with_prefixes
from nanokg.vocabulary import GRAPHS, PREFIXES

if TYPE_CHECKING:  # the modules behind the other operations are imported when one is called
    import networkx as nx

    from nanokg.publish.diff import GraphDiff
    from nanokg.publish.mappings import MappingRow
    from nanokg.publish.push import PushReport
    from nanokg.publish.release import ReleaseReport
    from nanokg.store.build import BuildReport
    from nanokg.store.load import ImportRecord, LoadReport

__all__ = ["Edge", "KnowledgeGraph", "NotEmbeddedError"]


class NotEmbeddedError(InputError):
    """An operation needs the embedded store, and this graph lives elsewhere (exit 2)."""


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

    def __init__(
        self, backend: Backend, catalogue: Catalogue | None = None, *, path: Path | None = None, memory: bool = False
    ) -> None:
        self.backend = backend
        self.catalogue = catalogue or Catalogue()
        #: the store folder the graph was opened from (:meth:`open`), which :meth:`load` and :meth:`unload` write
        self.path = path
        #: whether the graph is queried from an in-memory copy of the store at ``path`` (``open(memory=True)``)
        self.memory = memory
        #: what the build did, for a graph made by :meth:`build`
        self.build_report: BuildReport | None = None

    # -- opening -----------------------------------------------------------------

    @classmethod
    def open(
        cls, path: Path | str | None = None, *, queries: Path | None = None, memory: bool = False
    ) -> KnowledgeGraph:
        """The embedded store built by ``nanokg build`` (default location, or ``path``).

        With ``memory=True`` the store's quads are copied into memory first
        (:func:`nanokg.store.memory.memory_copy`: seconds and about 470 bytes of memory
        per quad, 8 s and 475 MB at 1 M quads) and queries run on the copy, several
        times faster than on disk. The copy is the store as it was when opened;
        :meth:`load` and :meth:`unload` write the store on disk, then copy it again.

        Raises
        ------
        nanokg.store.memory.MemoryStoreError
            With ``memory=True``: ``path`` is an endpoint URL or holds no built store.

        Examples
        --------
        >>> kg = KnowledgeGraph.open(STORE, memory=True)
        >>> kg.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?p a nkg:Nanomedicine }").rows
        [(42,)]
        """
        if memory:
            from nanokg.store.memory import memory_copy

            copy = memory_copy(path, parameter="path")  # refuses an endpoint URL before it becomes a Path
        folder = settings.store_path() if path is None else Path(path).expanduser()
        if memory:
            return cls(EmbeddedBackend(copy), Catalogue(queries), path=folder, memory=True)
        return cls(open_embedded(folder), Catalogue(queries), path=folder)

    @classmethod
    def build(
        cls,
        store: Path | str | None = None,
        *,
        data: Path | str | None = None,
        ontology: Path | str | None = None,
        seeds: Path | str | None = None,
        full: bool = False,
    ) -> KnowledgeGraph:
        """Build the graph into ``store`` (as ``nanokg build``), then open it.

        See :func:`nanokg.store.build.build_graph`; the graph's ``build_report``
        attribute holds what the build did (triples per graph, timings, notes).
        ``full=True`` reasons over and validates the whole graph rather than what the
        records touch (``nanokg build --full``).
        """
        from nanokg.store.build import build_graph

        given = {"data_dir": data, "ontology_dir": ontology, "store_path": store, "seeds_dir": seeds}
        report = build_graph(**{name: None if p is None else Path(p) for name, p in given.items()}, full=full)
        kg = cls.open(report.store)
        kg.build_report = report
        return kg

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
        return self.backend.select(with_prefixes(text, PREFIXES))

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
        return resolve_one(self.backend, name, cls)

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

        return export(self._store("export", ExportUsageError), fmt, out, graphs)

    # -- overview ----------------------------------------------------------------

    def products(self) -> list[dict[str, Any]]:
        """One record per product, lists for multi-valued columns; see :func:`nanokg.query.overview.products`.

        Examples
        --------
        >>> kg = KnowledgeGraph.open(STORE)
        >>> next(p for p in kg.products() if p["name"] == "SGT-53")["targets"]
        ['transferrin receptor']
        """
        from nanokg.query.overview import products

        return products(self.backend, self.catalogue)

    def stats(self) -> dict[str, list[dict[str, Any]]]:
        """Triples per named graph, entities per class, imports; see :func:`nanokg.query.overview.stats`."""
        from nanokg.query.overview import stats

        return stats(self.backend, self.catalogue)

    def mappings(self) -> list[MappingRow]:
        """The external identifiers of the graph's entities; see :func:`nanokg.publish.mappings.mapping_rows`."""
        from nanokg.publish.mappings import mapping_rows

        return mapping_rows(self.backend)

    def network(self, asserted_only: bool = False) -> nx.MultiDiGraph:
        """The entity graph as networkx sees it; see :func:`nanokg.analytics.network.entity_graph`.

        ``asserted_only`` leaves out what the reasoner entailed.
        """
        from nanokg.analytics.network import entity_graph

        return entity_graph(self, inferred=not asserted_only)

    # -- the store ---------------------------------------------------------------

    def load(self, files: Sequence[str | Path], **options: Any) -> LoadReport:
        """Import RDF files into the store, then read the store with them; see :func:`nanokg.store.load.load`.

        ``options`` are those of :func:`~nanokg.store.load.load` (``fmt``, ``graph``,
        ``progress``, ``optimize``, ``names``).
        """
        from nanokg.store.load import load

        report = load(files, self._folder("load"), **options)
        self._reopen()
        return report

    def unload(self, graph: str) -> list[ImportRecord]:
        """Remove an imported graph, then read the store without it; see :func:`nanokg.store.load.unload`."""
        from nanokg.store.load import unload

        records = unload(graph, self._folder("unload"))
        self._reopen()
        return records

    def imports(self) -> list[ImportRecord]:
        """What :meth:`load` imported, by graph and date; see :func:`nanokg.store.load.list_imports`."""
        from nanokg.store.load import list_imports

        return list_imports(self._store("imports"))

    # -- publishing --------------------------------------------------------------

    def push(
        self,
        endpoint: str,
        *,
        graphs: Sequence[str] | None = None,
        into: str | None = None,
        allow_graph_overwrite: bool = False,
        **options: Any,
    ) -> PushReport:
        """Replace the graph's named graphs in a SPARQL 1.1 store; see :func:`nanokg.publish.push.push`.

        ``graphs``, ``into`` and ``allow_graph_overwrite`` choose what goes where
        (:func:`~nanokg.publish.push.store_targets`); ``options`` are those of
        :func:`~nanokg.publish.push.push` (``protocol``, ``profile``, ``chunk_size``, ...).
        """
        from nanokg.publish.push import push, store_targets

        store = self._store("push")
        return push(store_targets(store, graphs, into, allow_graph_overwrite=allow_graph_overwrite), endpoint,
                    **options)  # fmt: skip

    def release(
        self, out: str | Path, *, date: str | None = None, changelog: Path | None = None, force: bool = False
    ) -> ReleaseReport:
        """Write a release: every format, VoID/DCAT, SHA256SUMS (:func:`nanokg.publish.release.write_release`)."""
        from nanokg.publish.release import write_release

        return write_release(self._store("release"), out, date, changelog=changelog, force=force)

    def diff(self, other: KnowledgeGraph, *, inferred: bool = False, old_name: str = "old",
             new_name: str = "new") -> GraphDiff:  # fmt: skip
        """The facts added, removed and changed from this graph to ``other`` (see :mod:`nanokg.publish.diff`)."""
        from nanokg.publish.diff import diff_graphs

        return diff_graphs(self._store("diff"), other._store("diff"), inferred=inferred, old_name=old_name,
                           new_name=new_name)  # fmt: skip

    # -- where the graph lives ---------------------------------------------------

    def _store(self, operation: str, error: type[InputError] = NotEmbeddedError) -> ox.Store:
        """The embedded store, or ``error`` naming ``operation`` when the graph lives elsewhere."""
        if not isinstance(self.backend, EmbeddedBackend):
            raise error(
                f"{operation} reads the embedded store; this graph is on {type(self.backend).__name__} "
                "(use KnowledgeGraph.open, or nanokg push to copy the store elsewhere)"
            )
        return self.backend.store

    def _folder(self, operation: str) -> Path:
        """The store folder to write, or :class:`NotEmbeddedError` when the graph was not opened from one."""
        if self.path is None or not isinstance(self.backend, EmbeddedBackend):
            raise NotEmbeddedError(
                f"{operation} writes to a store folder; this graph is on {type(self.backend).__name__} "
                "without one (use KnowledgeGraph.open)"
            )
        return self.path

    def _reopen(self) -> None:
        # a write commits a new generation of the store: read that one from now on
        self.backend.close()
        if self.memory:
            from nanokg.store.memory import memory_copy

            self.backend = EmbeddedBackend(memory_copy(self.path, parameter="path"))
        else:
            self.backend = open_embedded(self.path)

    def close(self) -> None:
        """Release the backend."""
        self.backend.close()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
