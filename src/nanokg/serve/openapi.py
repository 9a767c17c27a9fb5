"""The OpenAPI 3 description of the query catalogue as ``nanokg serve`` exposes it.

One operation per ``queries/NAME.rq``: ``GET /api/NAME`` (and ``/api/NAME.json``,
``/api/NAME.csv``), with the file header's ``summary``, ``description`` and ``tags``, one
query parameter per placeholder (its type, default, and what a value may be), and the
responses the server gives: SPARQL 1.1 results as JSON or CSV, a one-line JSON error for
a bad parameter (400), an unknown query (404), an unacceptable ``Accept`` (406) and a
query that timed out or found every worker busy (503).

No header of the catalogue uses grlc's ``enumerate`` key, so no parameter has an
``enum``: an entity parameter takes any label, synonym, CURIE or IRI of its class.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from nanokg.curation.catalogue import Catalogue, Param, QuerySpec
from nanokg.identifiers import compact_iri
from nanokg.query.backends import MAX_ROWS_HEADER

__all__ = ["API_MEDIA_TYPES", "OPENAPI_VERSION", "RESERVED_NAMES", "openapi_document", "parameter_schema"]

#: The OpenAPI version of the document.
OPENAPI_VERSION = "3.0.3"
#: What ``/api/NAME`` answers in, by media type (the extension ``.json`` or ``.csv`` picks one too).
API_MEDIA_TYPES = {"application/sparql-results+json": "json", "application/json": "json", "text/csv": "csv"}
#: Names under ``/api/`` that belong to the server, so no catalogue query may take them.
RESERVED_NAMES = frozenset({"queries", "prefixes", "terms", "openapi"})

_XSD = "http://www.w3.org/2001/XMLSchema#"
# string formats OpenAPI knows for some XML Schema datatypes
_FORMATS = {f"{_XSD}date": "date", f"{_XSD}dateTime": "date-time", f"{_XSD}anyURI": "uri"}

_RESULTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "SPARQL 1.1 Query Results JSON Format (https://www.w3.org/TR/sparql11-results-json/).",
    "required": ["head", "results"],
    "properties": {
        "head": {
            "type": "object",
            "required": ["vars"],
            "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
        },
        "results": {
            "type": "object",
            "required": ["bindings"],
            "properties": {
                "bindings": {
                    "type": "array",
                    "items": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Term"}},
                }
            },
        },
    },
}
_TERM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RDF term bound to one variable of a row.",
    "required": ["type", "value"],
    "properties": {
        "type": {"type": "string", "enum": ["uri", "literal", "bnode"]},
        "value": {"type": "string"},
        "datatype": {"type": "string"},
        "xml:lang": {"type": "string"},
    },
}
_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "What went wrong, in one line; `parameter` names the parameter at fault, if one is.",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "parameter": {"type": "string"}},
}


def _package_version() -> str:
    try:
        return version("nanokg")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0"


def parameter_schema(param: Param) -> dict[str, Any]:
    """The JSON schema of one parameter's value, with its default when it has one.

    Examples
    --------
    >>> parameter_schema(Catalogue()["products-by-size"].params["minsize"])
    {'type': 'number', 'default': 10}
    """
    if param.kind == "integer":
        schema: dict[str, Any] = {"type": "integer"}
    elif param.kind == "number":
        schema = {"type": "number"}
    else:
        schema = {"type": "string"}
        if param.kind == "typed" and param.datatype in _FORMATS:
            schema["format"] = _FORMATS[param.datatype]
    if param.default is not None:
        default: Any = param.default
        if param.kind == "integer":
            default = int(default)
        elif param.kind == "number":
            number = float(default)
            default = int(number) if number.is_integer() and "." not in default else number
        schema["default"] = default
    return schema


def _parameter(param: Param) -> dict[str, Any]:
    if param.kind == "iri":
        what = f"an entity of class {compact_iri(param.cls)}" if param.cls else "an entity"
        takes = f"{what}: its label, a synonym, a CURIE or its IRI (resolved to exactly one entity)"
    elif param.kind == "typed":
        takes = f"a {compact_iri(param.datatype or '')} literal"
    elif param.kind == "lang":
        takes = f"a text in language {param.language!r}"
    else:
        takes = f"a{'n' if param.kind == 'integer' else ''} {param.kind}"
    optional = "" if param.required else " Optional: without a value the query does not restrict it."
    return {
        "name": param.name,
        "in": "query",
        "required": False,  # a required parameter has a default in the header, so it may be left out
        "description": f"{param.description.rstrip('.')}. Takes {takes}.{optional}",
        "schema": parameter_schema(param),
    }


def _operation(spec: QuerySpec) -> dict[str, Any]:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "operationId": spec.name,
        "summary": spec.summary,
        "description": f"{spec.description}\n\nThe same query runs as `{spec.example}`.",
        "tags": spec.tags,
        "parameters": [_parameter(p) for p in spec.params.values()],
        "responses": {
            "200": {
                "description": "The rows, as SPARQL 1.1 results (JSON) or CSV, chosen by `Accept` or the extension.",
                "headers": {
                    MAX_ROWS_HEADER: {
                        "description": "Present when the answer was cut at the server's row limit (its value).",
                        "schema": {"type": "integer"},
                    }
                },
                "content": {
                    "application/sparql-results+json": {"schema": {"$ref": "#/components/schemas/Results"}},
                    "application/json": {"schema": {"$ref": "#/components/schemas/Results"}},
                    "text/csv": {"schema": {"type": "string"}},
                },
            },
            "400": {
                "description": "A parameter is unknown, repeated, empty, of the wrong type, or names no entity.",
                "content": error,
            },
            "406": {"description": "The `Accept` header takes neither JSON nor CSV.", "content": error},
            "503": {"description": "The query timed out, or every query worker stayed busy.", "content": error},
        },
    }


def openapi_document(catalogue: Catalogue | None = None, server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3 document of the catalogue's web API.

    Parameters
    ----------
    catalogue
        The queries (default: the project's ``queries/``).
    server_url
        The server's base URL for ``servers`` (default: the document's own host, ``/``).

    Returns
    -------
    dict
        A JSON-ready OpenAPI 3.0 document.
    """
    specs = list(catalogue or Catalogue())
    paths: dict[str, Any] = {}
    for spec in specs:
        paths[f"/api/{spec.name}"] = {"get": _operation(spec)}
    tags = sorted({tag for spec in specs for tag in spec.tags})
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "nanokg query catalogue",
            "version": _package_version(),
            "description": (
                "The named questions of the nanokg knowledge graph of anti-tumour nanomedicines, one "
                "operation each. Parameter values are bound as RDF terms (an entity name is resolved "
                "to one entity of the parameter's class), never pasted into the query text. "
                "`/api/NAME.csv` and `/api/NAME.json` choose the format without an `Accept` header. "
                "The SPARQL endpoint itself is `/sparql`."
            ),
            "license": {"name": "CC-BY-4.0 (data), MIT (code)"},
        },
        "servers": [{"url": server_url or "/"}],
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {"schemas": {"Results": _RESULTS_SCHEMA, "Term": _TERM_SCHEMA, "Error": _ERROR_SCHEMA}},
    }
