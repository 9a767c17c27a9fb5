"""Validation of the built dataset: SHACL shapes and QC violation queries.

Both live in ``ontology/``: ``shapes.ttl`` (SHACL, run with pySHACL) and ``qc/*.rq``
(SPARQL queries that must return no rows, run on the store so they can look across
named graphs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDFS, SH, Graph, URIRef

from nanokg.errors import NanokgError

__all__ = [
    "QcViolation",
    "ValidationFailed",
    "qc_violations",
    "shacl_violations",
]


def _name(graph: Graph, node) -> str:
    label = graph.value(node, RDFS.label)
    text = node.n3() if isinstance(node, URIRef) else str(node)
    return f"{label} {text}" if label is not None else text


def shacl_violations(data: Graph, shapes: Graph) -> list[str]:
    """Validate ``data`` against ``shapes``; return one readable line per violation."""
    from pyshacl import validate

    conforms, report, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    if conforms:
        return []
    lines = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        value = report.value(result, SH.value)
        where = _name(data, focus)
        if path is not None and isinstance(path, URIRef):
            where += f" {path.n3(data.namespace_manager)}"
        extra = f" (value {value.n3(data.namespace_manager)})" if value is not None else ""
        lines.append(f"{where}: {message}{extra}")
    return sorted(set(lines))


@dataclass(frozen=True)
class QcViolation:
    """Rows returned by one QC query that must return none."""

    query: str
    rows: list[str]

    def __str__(self) -> str:
        shown = "; ".join(self.rows[:5]) + (f"; ... ({len(self.rows)} in all)" if len(self.rows) > 5 else "")
        return f"QC {self.query}: {shown}"


def qc_violations(store: ox.Store, qc_dir: Path) -> list[QcViolation]:
    """Run every ``*-violation.rq`` of ``qc_dir`` on ``store``; return those with rows."""
    found = []
    for path in sorted(qc_dir.glob("*-violation.rq")):
        result = store.query(path.read_text(encoding="utf-8"))
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
