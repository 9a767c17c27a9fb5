"""The query catalogue: ``queries/*.rq`` files, their headers and their parameters.

The files follow grlc's convention, so the same folder also serves through grlc:

* a YAML header on lines starting ``#+``: ``summary`` (the title), ``description``
  (the question in plain words), ``tags``, ``defaults`` (grlc's list of
  ``- name: value``), and two keys of ours that grlc ignores: ``params`` (per
  parameter: ``description`` and, for IRIs, the ``class`` a name must resolve to)
  and ``example`` (a command line that runs the query);
* placeholders in the WHERE clause: ``?_name`` (string literal), ``?_name_iri``
  (an entity), ``?_name_integer``, ``?_name_number``, ``?_name_xsd_TYPE`` (typed
  literal); ``?__name`` (two underscores) is optional and stays unbound when not
  given. Names are letters and digits only.

nanokg binds parameter values as RDF terms (:mod:`nanokg.query.engine`); grlc pastes them
into the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from nanokg import settings
from nanokg.curation.yaml_lines import YamlRefused, parse_yaml
from nanokg.errors import InputError
from nanokg.identifiers import compact_iri, expand_curie
from nanokg.sparql_text import declared_prefixes, tokens

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Param",
    "ParameterClassError",
    "ParameterValueError",
    "QueryNotFoundError",
    "QuerySpec",
    "parse_query_file",
]

_XSD = "http://www.w3.org/2001/XMLSchema#"
# grlc's placeholder grammar (src/gquery.py get_parameters), matched against whole variable tokens
_PLACEHOLDER = re.compile(
    r"\?(?P<required>_{1,2})(?P<name>[a-zA-Z0-9]+)"
    r"(?:_(?P<type>iri|number|literal|integer))?"
    r"(?:_(?P<prefix>[a-zA-Z0-9]+)_(?P<userdefined>[a-zA-Z0-9]+))?"
    r"(?:_(?P<lang>[a-zA-Z0-9]+))?\b"
)
_HEADER_KEYS = {"summary", "description", "tags", "defaults", "params", "example", "enumerate", "endpoint", "method"}


class QueryNotFoundError(InputError, LookupError):
    """No query of that name in the catalogue."""


class CatalogueError(InputError, ValueError):
    """A query file breaks the catalogue's conventions (message starts ``FILE:LINE:``)."""


class ParameterValueError(InputError, ValueError):
    """A parameter is unknown, missing, or its value does not fit its type."""


class ParameterClassError(ParameterValueError):
    """An entity parameter's value names entities, but none of the parameter's class (exit 2).

    The message names the parameter, the value, the class it takes and the classes of
    what the value does name.
    """


@dataclass(frozen=True)
class Param:
    """One placeholder of a query.

    ``kind`` is ``iri``, ``string``, ``integer``, ``number``, ``typed`` (with
    ``datatype``) or ``lang`` (with ``language``).
    """

    name: str
    variable: str
    kind: str
    required: bool
    default: str | None = None
    description: str = ""
    cls: str | None = None
    datatype: str | None = None
    language: str | None = None

    @property
    def type_label(self) -> str:
        """How ``--list`` and the docs name the type."""
        if self.kind == "iri":
            return f"entity ({compact_iri(self.cls)})" if self.cls else "entity"
        if self.kind == "typed":
            return compact_iri(self.datatype or "")
        if self.kind == "lang":
            return f"text@{self.language}"
        return self.kind

    def literal(self, value: str) -> ox.Literal:
        """The RDF literal for a user's value (not for ``iri`` parameters).

        Raises
        ------
        ParameterValueError
            If the value does not fit the parameter's type.
        """
        try:
            if self.kind == "integer":
                return ox.Literal(str(int(value.strip())), datatype=ox.NamedNode(f"{_XSD}integer"))
            if self.kind == "number":
                number = Decimal(value.strip())
                if not number.is_finite():
                    raise InvalidOperation
                datatype = "integer" if number == number.to_integral_value() and "." not in value else "decimal"
                return ox.Literal(format(number, "f"), datatype=ox.NamedNode(f"{_XSD}{datatype}"))
        except (ValueError, InvalidOperation):
            raise ParameterValueError(
                f"parameter {self.name!r} takes a {self.kind}, not {value!r}", parameter=self.name
            ) from None
        if self.kind == "typed":
            return ox.Literal(value, datatype=ox.NamedNode(self.datatype))
        if self.kind == "lang":
            return ox.Literal(value, language=self.language)
        return ox.Literal(value)

    def default_term(self) -> ox.NamedNode | ox.Literal | None:
        """The header's default as an RDF term, or None when there is none.

        An entity default is an IRI (grlc needs it so): no name is looked up, so no store is needed.

        Examples
        --------
        >>> Param("n", "_n_integer", "integer", True, default="3").default_term()
        <Literal value=3 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
        >>> Param("t", "_t_iri", "iri", True, default="https://w3id.org/nanokg/target/x").default_term()
        <NamedNode value=https://w3id.org/nanokg/target/x>
        """
        if self.default is None:
            return None
        return ox.NamedNode(self.default) if self.kind == "iri" else self.literal(self.default)


@dataclass
class QuerySpec:
    """A query of the catalogue: its header, its text and its parameters."""

    name: str
    path: Path
    text: str
    summary: str
    description: str
    tags: list[str] = field(default_factory=list)
    example: str = ""
    params: dict[str, Param] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The one-line title (the header's ``summary``)."""
        return self.summary

    def default_bindings(self) -> dict[str, ox.NamedNode | ox.Literal]:
        """The header's defaults as bindings (placeholder variable -> RDF term), for no store.

        Parameters without a default are left out: an optional one stays unbound, as in
        ``nanokg query``. ``nanokg.query.engine.bind_parameters`` gives the same bindings
        when no value is given (and also resolves names, which needs a store).

        Examples
        --------
        >>> Catalogue()["products-by-target"].default_bindings()
        {'_target_iri': <NamedNode value=https://w3id.org/nanokg/target/transferrin-receptor>}
        """
        return {p.variable: term for p in self.params.values() if (term := p.default_term()) is not None}


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _header(path: Path, text: str) -> dict[str, Any]:
    """The ``#+`` header of a query file, read by the data files' loader (its limits, its refusals)."""
    lines = text.split("\n")
    # file line of each header line, to map the loader's lines back to the file
    plus = [i + 1 for i, line in enumerate(lines) if line.startswith("#+")]
    if not plus:
        return {}
    try:
        header = parse_yaml("\n".join(lines[i - 1][2:] for i in plus), what="query header")
    except YamlRefused as exc:
        line = plus[min(exc.line, len(plus)) - 1] if exc.line else 1
        if exc.reason == "syntax":
            problem = f"is not valid YAML: {exc.detail}"
        elif exc.reason == "alias":
            problem = "must not use YAML anchors or aliases"
        else:
            problem = f"is refused: {exc.message}"
        raise CatalogueError(f"{path}:{line}: header {problem}") from None
    if not isinstance(header, dict):
        raise CatalogueError(f"{path}:1: header must be a YAML mapping of summary, description, ...")
    return header


def parse_query_file(path: Path, text: str | None = None, *, strict: bool = True) -> QuerySpec:
    """Read one ``.rq`` file into a :class:`QuerySpec`.

    ``strict`` (the catalogue) requires the full header; a user's own file
    (``nanokg query FILE.rq``) may have none.

    Raises
    ------
    CatalogueError
        The header is not YAML, or a convention is broken; the message names file and line.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8") if text is None else text
    header = _header(path, text)
    where = f"{path}:1"
    unknown = sorted(set(header) - _HEADER_KEYS)
    if strict and unknown:
        raise CatalogueError(
            f"{where}: unknown header key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(_HEADER_KEYS))})"
        )
    for key in ("summary", "description", "example") if strict else ():
        if not isinstance(header.get(key), str) or not header[key].strip():
            raise CatalogueError(f"{where}: header needs a `{key}`")

    # one lexer for all SPARQL text (nanokg.sparql_text): comments and strings hold no placeholder
    lexed = [token for token in tokens(text) if token.kind in ("var", "word")]
    declared = declared_prefixes(text)
    defaults: dict[str, Any] = {}
    for item in header.get("defaults") or []:
        if not isinstance(item, dict) or len(item) != 1:
            raise CatalogueError(f"{where}: `defaults` is a list of single `- name: value` entries (grlc's form)")
        defaults.update(item)
    documented = header.get("params") or {}
    if not isinstance(documented, dict):
        raise CatalogueError(f"{where}: `params` maps each parameter name to its description and class")

    params: dict[str, Param] = {}
    where = next((token.start for token in lexed if token.kind == "word" and token.text.upper() == "WHERE"), None)
    for token in lexed:
        match = _PLACEHOLDER.fullmatch(token.text) if token.kind == "var" else None
        if match is None:
            continue
        name = match.group("name")
        line = f"{path}:{_line_of(text, token.start)}"
        if where is None or token.start < where:
            raise CatalogueError(f"{line}: placeholder {match.group(0)} outside the WHERE clause (grlc pastes it)")
        if name in params:
            continue
        doc = documented.get(name) or {}
        if strict and not (isinstance(doc, dict) and doc.get("description")):
            raise CatalogueError(f"{line}: parameter {name!r} needs a description under the header's `params`")
        kind, datatype, language = "string", None, None
        if match.group("type") in ("iri", "integer", "number"):
            kind = match.group("type")
        elif match.group("prefix"):
            prefix = match.group("prefix")
            if prefix not in declared:
                raise CatalogueError(f"{line}: placeholder type {prefix}:... needs `PREFIX {prefix}:` declared")
            kind, datatype = "typed", declared[prefix] + match.group("userdefined")
        elif match.group("lang"):
            kind, language = "lang", match.group("lang")
        required = len(match.group("required")) == 1
        default = defaults.get(name)
        if strict and required and default is None:
            raise CatalogueError(f"{line}: required parameter {name!r} needs a default under the header's `defaults`")
        cls = doc.get("class") if isinstance(doc, dict) else None
        params[name] = Param(
            name=name,
            variable=match.group(0)[1:],
            kind=kind,
            required=required,
            default=None if default is None else str(default),
            description=str(doc.get("description", "")) if isinstance(doc, dict) else "",
            cls=(expand_curie(cls, declared) or cls) if cls else None,
            datatype=datatype,
            language=language,
        )
    stray = sorted(set(documented) - set(params)) + sorted(set(defaults) - set(params))
    if strict and stray:
        raise CatalogueError(f"{where}: header documents parameter(s) the query does not use: {', '.join(stray)}")
    if strict and params and "xsd" not in declared:
        raise CatalogueError(f"{where}: a query with parameters declares `PREFIX xsd:` (grlc adds typed values)")
    tags = header.get("tags") or []
    return QuerySpec(
        name=path.stem,
        path=path,
        text=text,
        summary=str(header.get("summary", "")).strip(),
        description=" ".join(str(header.get("description", "")).split()),
        tags=[str(t) for t in (tags if isinstance(tags, list) else [tags])],
        example=str(header.get("example", "")).strip(),
        params=params,
    )


class Catalogue:
    """The named queries of a folder (default: the project's ``queries/``).

    Examples
    --------
    >>> catalogue = Catalogue()
    >>> catalogue["products-by-target"].params["target"].kind
    'iri'
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or settings.queries_dir())
        self._specs: dict[str, QuerySpec] = {}

    def names(self) -> list[str]:
        """The query names, sorted."""
        return sorted(p.stem for p in self.directory.glob("*.rq"))

    def __getitem__(self, name: str) -> QuerySpec:
        if name not in self._specs:
            path = self.directory / f"{name}.rq"
            if not re.fullmatch(r"[A-Za-z0-9][\w.-]*", name) or not path.is_file():
                raise QueryNotFoundError(f"no query named {name!r} (see `nanokg query --list`)")
            self._specs[name] = parse_query_file(path)
        return self._specs[name]

    def __iter__(self):
        return (self[name] for name in self.names())

    def __len__(self) -> int:
        return len(self.names())
