"""Run catalogue queries: check parameters, turn values into RDF terms, run on a backend.

A value for an entity parameter (``?_name_iri``) may be a label, a synonym, a CURIE
or an IRI; it is resolved through the name index (:mod:`nanokg.query.names`) to exactly
one entity of the parameter's class, or the query does not run. Other values are
checked against their type and become typed literals. Terms reach the backend as
bindings (:mod:`nanokg.query.backends`), never as text spliced into the query.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from nanokg.curation.catalogue import (
    Catalogue,
    Param,
    ParameterClassError,
    ParameterValueError,
    QueryNotFoundError,
    QuerySpec,
)
from nanokg.identifiers import compact_iri
from nanokg.query.backends import Backend
from nanokg.query.names import resolve, what_it_names
from nanokg.query.results import Results, Term

__all__ = ["ParameterValueError", "QueryNotFoundError", "bind_parameters", "prepare", "run_named", "run_spec"]


def _entity(backend: Backend, param: Param, value: str) -> ox.NamedNode:
    matches = resolve(backend, value, param.cls)
    what = compact_iri(param.cls) if param.cls else "entity"
    if not matches:
        message = f"parameter {param.name!r}: no {what} named {value!r} in the graph"
        # a name of something else: say what, so that `target=drug:doxorubicin` is not just "nothing"
        elsewhere = what_it_names(backend, value) if param.cls else ""
        if elsewhere:
            raise ParameterClassError(f"{message}: {elsewhere}", parameter=param.name)
        raise ParameterValueError(message, parameter=param.name)
    if len(matches) > 1:
        listed = "; ".join(f"{m.label or '?'} <{m.iri}>" for m in matches[:6])
        raise ParameterValueError(
            f"parameter {param.name!r}: {value!r} names {len(matches)} entities ({listed}); pass an IRI",
            parameter=param.name,
        )
    return ox.NamedNode(matches[0].iri)


def bind_parameters(backend: Backend, spec: QuerySpec, values: Mapping[str, Any]) -> dict[str, Term]:
    """The bindings (placeholder variable -> RDF term) for a run of ``spec``.

    Missing values take the header's defaults; optional parameters without a value stay
    unbound. RDF terms (pyoxigraph) are taken as they are.

    Raises
    ------
    ParameterValueError
        An unknown parameter, a missing required one, a value of the wrong type, or a
        name that resolves to no entity (or to several).
    """
    unknown = sorted(set(values) - set(spec.params))
    if unknown:
        takes = ", ".join(spec.params) or "no parameters"
        raise ParameterValueError(
            f"query {spec.name!r} has no parameter {unknown[0]!r} (it takes: {takes})", parameter=unknown[0]
        )
    bindings: dict[str, Term] = {}
    for param in spec.params.values():
        value = values.get(param.name)
        if value is None:
            value = param.default
        if value is None:
            if param.required:
                raise ParameterValueError(
                    f"query {spec.name!r} needs parameter {param.name!r} ({param.type_label})", parameter=param.name
                )
            continue
        if isinstance(value, ox.NamedNode | ox.Literal):
            bindings[param.variable] = value
            continue
        text = str(value)
        if not text.strip():
            raise ParameterValueError(f"parameter {param.name!r} is empty", parameter=param.name)
        bindings[param.variable] = _entity(backend, param, text) if param.kind == "iri" else param.literal(text)
    return bindings


def prepare(backend: Backend, spec: QuerySpec, values: Mapping[str, Any] | None = None) -> tuple[str, dict[str, Term]]:
    """The text to send for ``spec`` and its parameter ``values`` bound as RDF terms.

    A federated query's ``SERVICE`` endpoints follow ``$NANOKG_SERVICES`` (:mod:`nanokg.query.federation`).
    """
    bindings = bind_parameters(backend, spec, values or {})
    text = spec.text
    if "SERVICE" in text.upper():
        from nanokg.query.federation import redirect_services

        text = redirect_services(text)
    return text, bindings


def run_spec(backend: Backend, spec: QuerySpec, values: Mapping[str, Any] | None = None) -> Results:
    """Run one query of the catalogue (or a user's file) with parameter ``values`` (see :func:`prepare`)."""
    return backend.select(*prepare(backend, spec, values))


def run_named(backend: Backend, name: str, catalogue: Catalogue | None = None, **values: Any) -> Results:
    """Run ``queries/NAME.rq`` on ``backend``."""
    return run_spec(backend, (catalogue or Catalogue())[name], values)


def describe_parameters(spec: QuerySpec) -> list[str]:
    """One line per parameter: name, type, default or 'optional', description."""
    lines = []
    for p in spec.params.values():
        default = f"default {p.default}" if p.default is not None else ("required" if p.required else "optional")
        if p.kind == "iri" and p.default:
            default = f"default {compact_iri(p.default)}"
        lines.append(f"{p.name} ({p.type_label}; {default}): {p.description}")
    return lines
