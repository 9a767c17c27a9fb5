"""Validation of the built dataset: SHACL shapes and QC violation queries.

Both live in ``ontology/``: ``shapes.ttl`` (SHACL, run with pySHACL) and ``qc/*.rq``
(SPARQL queries that must return no rows, run on the store so they can look across
named graphs).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, SH, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from nanokg.errors import NanokgError

__all__ = [
    "QcViolation",
    "ValidationFailed",
    "qc_reads_graph",
    "qc_violations",
    "shacl_by_focus",
    "shacl_violations",
    "shacl_violations_after",
    "shape_targets",
    "touched_focus_nodes",
]


def _name(graph: Graph, node) -> str:
    label = graph.value(node, RDFS.label)
    text = node.n3() if isinstance(node, URIRef) else str(node)
    return f"{label} {text}" if label is not None else text


def shacl_by_focus(data: Graph, shapes: Graph, focus_nodes: Iterable[URIRef] | None = None) -> dict[Node, set[str]]:
    """Validate ``data`` against ``shapes``: one readable line per violation, by focus node.

    ``focus_nodes`` validates only those nodes, each against the shapes that target it;
    ``None`` validates every target. ``data`` is validated in place (not copied) when the
    shapes hold no SHACL rule, the only thing that would write to it.

    pySHACL's own ``focus_nodes`` option also filters the value nodes that nested shapes
    (``sh:qualifiedValueShape``, ``sh:node``) check, and so reports false violations:
    here each top-level shape is given its targeted nodes among ``focus_nodes`` instead
    (:func:`shape_targets`), which pySHACL validates as it would have found them.
    """
    if focus_nodes is None:
        return _pyshacl(data, shapes)
    wanted = set(focus_nodes)
    found: dict[Node, set[str]] = {}
    for shape, targets in shape_targets(data, shapes).items():
        nodes = sorted(t for t in targets & wanted if isinstance(t, URIRef))
        if nodes:
            for node, lines in _pyshacl(data, shapes, use_shapes=[str(shape)], focus_nodes=nodes).items():
                found.setdefault(node, set()).update(lines)
    return found


def shape_targets(data: Graph, shapes: Graph) -> dict[URIRef, set[Node]]:
    """The focus nodes of ``data`` that each top-level shape of ``shapes`` targets (SHACL Core targets).

    Raises
    ------
    ValueError
        A shape with a target this does not compute (``sh:target``, a SHACL-AF target) or
        a blank-node shape that has targets: validate without ``focus_nodes`` instead.
    """
    target_predicates = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    shape_nodes = {s for p in (*target_predicates, SH.target) for s in shapes.subjects(p, None)}
    # a shape that is also a class targets its instances (implicit class target)
    shape_nodes |= {s for s in shapes.subjects(RDF.type, RDFS.Class) if (s, RDF.type, SH.NodeShape) in shapes}
    out: dict[URIRef, set[Node]] = {}
    for shape in shape_nodes:
        if not isinstance(shape, URIRef) or (shape, SH.target, None) in shapes:
            raise ValueError(f"cannot compute the targets of shape {shape.n3()}")
        classes = set(shapes.objects(shape, SH.targetClass))
        if (shape, RDF.type, RDFS.Class) in shapes:
            classes.add(shape)
        nodes: set[Node] = set(shapes.objects(shape, SH.targetNode))
        for cls in classes:
            for sub in data.transitive_subjects(RDFS.subClassOf, cls):
                nodes.update(data.subjects(RDF.type, sub))
        for p in shapes.objects(shape, SH.targetSubjectsOf):
            nodes.update(data.subjects(p, None))
        for p in shapes.objects(shape, SH.targetObjectsOf):
            nodes.update(data.objects(None, p))
        out[shape] = nodes
    return out


def _pyshacl(data: Graph, shapes: Graph, **options) -> dict[Node, set[str]]:
    """Run pySHACL; one readable line per violation, by focus node."""
    from pyshacl import validate

    rules = next(shapes.triples((None, SH.rule, None)), None) is not None
    conforms, report, _ = validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True, inplace=not rules, **options
    )
    found: dict[Node, set[str]] = {}
    if conforms:
        return found
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        value = report.value(result, SH.value)
        where = _name(data, focus)
        if path is not None and isinstance(path, URIRef):
            where += f" {path.n3(data.namespace_manager)}"
        extra = f" (value {value.n3(data.namespace_manager)})" if value is not None else ""
        found.setdefault(focus, set()).add(f"{where}: {message}{extra}")
    return found


def shacl_violations(data: Graph, shapes: Graph, focus_nodes: Iterable[URIRef] | None = None) -> list[str]:
    """Validate ``data`` against ``shapes``; return one readable line per violation, sorted."""
    return sorted({line for lines in shacl_by_focus(data, shapes, focus_nodes).values() for line in lines})


#: schema terms an inferred triple may carry and still leave the scoped SHACL pass exact
_SCOPABLE_SCHEMA = {RDF.type, RDFS.subClassOf}
_SCHEMA_NAMESPACES = (str(RDF), str(RDFS), str(OWL), "http://www.w3.org/ns/shacl#")


def touched_focus_nodes(data: Graph, added: Graph, shapes: Graph) -> set[URIRef] | None:
    """The focus nodes whose SHACL result may change when ``added`` joins ``data``.

    The build validates the dataset without the inferred graph while HermiT runs, then
    re-validates only these nodes with it. A node's result depends on its own triples and
    types, and on the types of the values it reaches by a shape's path, so the nodes are:
    every subject and object of ``added``; every instance of a class (or its subclasses)
    that ``added`` gives a new super-class; and every node linking to one of those by a
    predicate some shape uses as a path. ``data`` must already hold ``added``.

    Returns ``None`` when that is not enough to be exact, and everything must be
    validated: ``added`` has blank nodes or schema triples other than ``rdf:type`` and
    ``rdfs:subClassOf`` (a new sub-property could change any path), or a shape uses a
    path that is not a plain predicate (inverse or sequence paths reach further), a SPARQL
    constraint (it may read any triple), or targets :func:`shape_targets` does not compute.
    """
    paths = set(shapes.objects(None, SH.path))
    if any(not isinstance(p, URIRef) for p in paths) or (None, SH.sparql, None) in shapes:
        return None
    try:
        shape_targets(data, shapes)
    except ValueError:
        return None
    touched: set[Node] = set()
    new_supers: set[Node] = set()
    for s, p, o in added:
        if isinstance(s, BNode) or isinstance(o, BNode):
            return None
        if str(p).startswith(_SCHEMA_NAMESPACES) and p not in _SCOPABLE_SCHEMA:
            return None
        if p == RDFS.subClassOf:
            new_supers.add(s)
        touched.add(s)
        if not isinstance(o, Literal):
            touched.add(o)
    for cls in new_supers:
        for sub in data.transitive_subjects(RDFS.subClassOf, cls):
            touched.update(data.subjects(RDF.type, sub))
    linking = {s for p in paths for node in touched for s in data.subjects(p, node)}
    return {n for n in touched | linking if isinstance(n, URIRef)}


def shacl_violations_after(before: dict[Node, set[str]], data: Graph, added: Graph, shapes: Graph) -> list[str]:
    """What :func:`shacl_violations` reports on ``data``, given ``before``, its result without ``added``.

    ``before`` is :func:`shacl_by_focus` of ``data`` without the triples of ``added``;
    ``data`` holds them now. Only the focus nodes ``added`` can change
    (:func:`touched_focus_nodes`) are validated again; everything when that set cannot be
    computed exactly.
    """
    focus = touched_focus_nodes(data, added, shapes)
    if focus is None:
        return shacl_violations(data, shapes)
    found = {node: lines for node, lines in before.items() if node not in focus}
    for node, lines in shacl_by_focus(data, shapes, focus).items():
        found.setdefault(node, set()).update(lines)
    return sorted({line for lines in found.values() for line in lines})


@dataclass(frozen=True)
class QcViolation:
    """Rows returned by one QC query that must return none."""

    query: str
    rows: list[str]

    def __str__(self) -> str:
        shown = "; ".join(self.rows[:5]) + (f"; ... ({len(self.rows)} in all)" if len(self.rows) > 5 else "")
        return f"QC {self.query}: {shown}"


_ANY_GRAPH = re.compile(r"\bGRAPH\s+[?$]", re.IGNORECASE)


def qc_reads_graph(text: str, graph: str) -> bool:
    """Whether the QC query ``text`` may read the named graph ``graph``.

    It does when it names it, or reads ``GRAPH ?variable`` (any graph). The store holds
    every graph under its name, with an empty default graph, so a query that does neither
    cannot see ``graph``: its rows do not change when ``graph`` is added.
    """
    return bool(_ANY_GRAPH.search(text)) or graph in text


def qc_violations(store: ox.Store, qc_dir: Path, only: Callable[[str], bool] | None = None) -> list[QcViolation]:
    """Run every ``*-violation.rq`` of ``qc_dir`` on ``store``; return those with rows.

    ``only`` runs just the queries whose text it accepts (the build runs those that do not
    read the inferred graph while HermiT runs, and the others after).
    """
    found = []
    for path in sorted(qc_dir.glob("*-violation.rq")):
        text = path.read_text(encoding="utf-8")
        if only is not None and not only(text):
            continue
        result = store.query(text)
        rows = [" ".join(str(t) for t in solution) for solution in result]
        if rows:
            found.append(QcViolation(path.name, rows))
    return found


class ValidationFailed(NanokgError, ValueError):
    """SHACL shapes or QC queries found violations; ``problems`` lists them."""

    def __init__(self, what: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{what} failed with {len(problems)} problem(s)")

    def lines(self) -> list[str]:
        """A summary line, then one line per problem."""
        return [str(self), *self.problems]
