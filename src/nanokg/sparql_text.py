r"""Reading SPARQL text before an engine parses it: nesting depth, size, and ``SERVICE`` calls.

Oxigraph's SPARQL parser (and the passes after it) recurse once per level of nesting
and once per link of a chain (``UNION``, ``OPTIONAL``, ``||``, ``+`` ...), on the
thread's stack. Deep enough text overflows that stack, and the process dies of a
segmentation fault that no ``try`` can catch: measured with pyoxigraph 0.5.13 on an
8 MiB stack, about 2,200 nested groups ``{{{...}}}``, 4,600 nested parentheses, 830
nested ``FILTER EXISTS``, 9,300 ``!`` in a row, 2,600 ``OPTIONAL`` or 6,500 ``UNION``
in one group, 9,300 ``||`` or 6,900 ``+`` in one expression. :func:`check_query_text`
refuses such text first, with two limits far below those:

* :data:`MAX_DEPTH` levels of nesting: each open group ``{``, parenthesis ``(``,
  bracket ``[``, quoted triple ``<<`` and each unary ``!`` (a ``!`` counts until the
  bracket around it closes);
* :data:`MAX_ELEMENTS` operators and groups in the whole query: each ``{ ( [ <<`` and
  each operator (``|| && = != < > <= >= + - * / | ^ !``), except inside ``VALUES`` data,
  whose rows may be as many as wanted.

The text is read token by token as Oxigraph reads it, so brackets inside strings (short
and long, with escapes), IRIs, comments and escaped names (``ex:a\(``) do not count.
One place is ambiguous in SPARQL's own grammar: ``?a<?b&&?c>?d`` compares, while
``?s ?p <x>`` is an IRI. A ``<`` right after a value, inside an expression, is read as
the comparison (so what follows it counts); one that would hide a comment or a string
(``#`` or ``'`` before its ``>``) is refused as ambiguous.

:func:`service_calls` lists the ``SERVICE`` clauses of a query with their endpoint,
for a server that lets a query call only some endpoints (``nanokg serve``) and for
pointing them at a mirror (:func:`nanokg.query.federation.redirect_services`).

Every reader of SPARQL text in nanokg goes through one lexer, :func:`tokens`, so that
escaped quotes, long strings, comments and IRIs holding ``#`` are read the same way
everywhere: the nesting guard above, the query form a server sees (:func:`first_keyword`,
:func:`names_a_dataset`), parameter binding (:func:`with_values`), prefix declarations
(:func:`declared_prefixes`, :func:`with_prefixes`) and ``SERVICE`` endpoints
(:func:`service_iris`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import pyoxigraph as ox

from nanokg.errors import InputError

__all__ = [
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "QueryShape",
    "QuerySyntaxError",
    "QueryTooComplexError",
    "ServiceCall",
    "Token",
    "check_query_text",
    "declared_prefixes",
    "first_keyword",
    "line_column",
    "names_a_dataset",
    "query_shape",
    "service_calls",
    "service_iris",
    "tokens",
    "with_prefixes",
    "with_values",
]

#: nesting levels a query may reach (Oxigraph overflows an 8 MiB stack near 2,200 groups)
MAX_DEPTH = 128
#: operators and groups a query may hold (Oxigraph overflows near 2,600 OPTIONALs in a group)
MAX_ELEMENTS = 1000

_ECHAR = r"\\[tbnrf\\\"']|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_STRINGS = {
    '"""': re.compile(rf'"""(?:(?:""|")?(?:[^"\\]|{_ECHAR}))*"""'),
    "'''": re.compile(rf"'''(?:(?:''|')?(?:[^'\\]|{_ECHAR}))*'''"),
    '"': re.compile(rf'"(?:[^"\\\r\n]|{_ECHAR})*"'),
    "'": re.compile(rf"'(?:[^'\\\r\n]|{_ECHAR})*'"),
}
_IRI = re.compile(r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
# the characters of a variable or a keyword (PN_CHARS_U, digits and the like, and \w): a token read
# longer than Oxigraph reads it ends in a character Oxigraph refuses; a prefixed name adds '-'
_WORD_CHAR = (
    r"\w\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C\u200D\u203F\u2040"
    r"\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
)
_NAME_CHAR = _WORD_CHAR + r"\-"
# a prefixed name (PN_PREFIX? ':' PN_LOCAL?); neither part ends with '.'
_PNAME = re.compile(
    rf"(?P<prefix>(?:[^\W\d_](?:[{_NAME_CHAR}.]*[{_NAME_CHAR}])?)?):"
    rf"(?:(?:[{_NAME_CHAR}:]|{_PLX})(?:(?:[{_NAME_CHAR}.:]|{_PLX})*(?:[{_NAME_CHAR}:]|{_PLX}))?)?"
)
_TOKEN = re.compile(
    r"(?P<space>[ \t\r\n]+)"
    r"|(?P<comment>#[^\r\n]*)"
    rf"|(?P<var>[?$][{_WORD_CHAR}]+)"
    r"|(?P<number>(?:\d+\.\d*[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?|\d+\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?))"
    r"|(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*(?:--[A-Za-z]+)?)"
    rf"|(?P<word>[^\W\d][{_WORD_CHAR}]*)"
    r"|(?P<op>\|\||&&|!=|>=|\^\^|>>|\{\||\|\}|[=>+\-*/|^!,;.~?$])"
)
_TERMS = (ox.NamedNode, ox.BlankNode, ox.Literal)
_OPERATORS = {"||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "|", "^", "!"}
_OPENERS = {"{": "}", "{|": "|}", "(": ")", "[": "]", "<<": ">>"}
_CLOSERS = {closer: opener for opener, closer in _OPENERS.items()}
# what a value (the left side of a comparison) ends with
_OPERAND_ENDS = {"var", "number", "string", "lang", "iri", "pname", "word"}


class QuerySyntaxError(InputError, ValueError):
    """The SPARQL text does not parse; ``line`` and ``column`` locate the problem."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None, source: str = "query"):
        self.line, self.column, self.source = line, column, source
        where = f"{source}:{line}:{column}" if line is not None else source
        super().__init__(f"{where}: SPARQL syntax error: {message}")


class QueryTooComplexError(InputError, ValueError):
    """The query is nested too deep, holds too many operators, or its text is ambiguous (exit 2).

    ``line`` and ``column`` (1-based) locate the place, or are None for the whole query.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None, source: str = "query"):
        self.line, self.column, self.source = line, column, source
        where = f"{source}:{line}:{column}" if line is not None else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class ServiceCall:
    """One ``SERVICE`` clause: the endpoint IRI it names, or None when it names none plainly.

    None stands for a variable, a prefixed name, or a keyword glued to another word
    (Oxigraph reads ``trueSERVICE`` as ``true SERVICE``): forms a server cannot check.
    """

    endpoint: str | None
    written: str
    offset: int
    #: where the endpoint's ``<...>`` is in the text (start, end), when it names one
    span: tuple[int, int] | None = None


class Token(NamedTuple):
    """One token of SPARQL text: its kind, its text, and where it starts and ends.

    Kinds: ``space``, ``comment``, ``iri``, ``pname`` (a prefixed name), ``var``,
    ``string`` (any of the four quote forms), ``number``, ``lang`` (``@en``), ``word``
    (a keyword or a bare name such as ``a`` or ``true``), ``open`` and ``close``
    (``{ ( [ << {|`` and their closers) and ``op`` (any other punctuation, and a
    character no token starts with).
    """

    kind: str
    text: str
    start: int
    end: int


@dataclass
class QueryShape:
    """What :func:`query_shape` measured: deepest nesting and where, elements, SERVICE clauses."""

    depth: int = 0
    depth_offset: int = 0
    elements: int = 0
    services: list[ServiceCall] = field(default_factory=list)
    #: offset of a ``<`` that may compare or start an IRI hiding a comment or a string
    ambiguous_offset: int | None = None
    #: offset where the depth first went past the limit :func:`query_shape` was given
    past_limit: int | None = None


@dataclass
class _Frame:
    opener: str
    # root and select: parentheses hold expressions; group, bnode, term: triples;
    # expr: an expression; triples: a collection or path; data, row: VALUES
    kind: str
    bangs: int = 0
    values: int = 0  # after VALUES: 1 its variables come next, 2 its data block


def line_column(text: str, offset: int) -> tuple[int, int]:
    r"""1-based line and column of ``offset`` in ``text``.

    Examples
    --------
    >>> line_column("ab\ncd", 4)
    (2, 2)
    """
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _unescape(iri: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), iri)


def _contains(word: str, keyword: str) -> bool:
    # Oxigraph needs no space after a keyword: `FILTERBOUND(?x)` is FILTER BOUND(?x)
    return keyword in word.upper()


def query_shape(text: str, limit: int = MAX_DEPTH) -> QueryShape:
    r"""Measure ``text`` as Oxigraph will read it: nesting depth, elements, SERVICE clauses.

    ``limit`` only says which depth :attr:`QueryShape.past_limit` marks the first
    crossing of.

    Examples
    --------
    >>> query_shape("SELECT * WHERE { { ?s ?p ?o } FILTER(!(?o > 1)) }").depth
    4
    >>> long = '"' * 3
    >>> query_shape(f'ASK {{ ?s ?p "{{(\\"[" , {long} \\{long} {{{{ {long} , <http://e/((> }} # {{{{').depth
    1
    >>> query_shape("ASK { ?s ex:a\\(b ?o }").depth  # an escaped character of a prefixed name
    1
    >>> query_shape("ASK { FILTER(?a<(((1)))) }").depth  # a comparison, then parentheses
    5
    >>> query_shape("SELECT ?a WHERE { VALUES (?a ?b) { (1 -2) (3 -4) } }").elements  # its rows count for nothing
    2
    >>> [c.endpoint for c in query_shape("ASK { SERVICE SILENT <http://e/sparql> { ?s ?p ?o } }").services]
    ['http://e/sparql']
    """
    shape = QueryShape()
    stack = [_Frame("", "root")]
    depth = 0  # open frames below the root, plus pending `!`
    prev: tuple[str, str] = ("", "")
    prev2: tuple[str, str] = ("", "")
    # inside a `<...>` read as a comparison, nothing open before it may close: it may be an IRI
    clamp_end, clamp_depth = -1, 0
    pending_service: tuple[str, int] | None = None

    def deeper(by: int, at: int) -> None:
        nonlocal depth
        depth += by
        if depth > shape.depth:
            shape.depth, shape.depth_offset = depth, at
        if depth > limit and shape.past_limit is None:
            shape.past_limit = at

    # a `<` right after a value inside an expression compares
    lexed = tokens(text, compares=lambda: stack[-1].kind == "expr" and _ends_value(prev))
    for kind, value, start, pos in lexed:
        top = stack[-1]
        if kind in ("space", "comment"):
            continue
        iri = _IRI.match(text, start) if kind == "op" and value == "<" else None
        if iri is not None:  # read as a comparison, though an IRI could start here
            if shape.ambiguous_offset is None and re.search(r"[#']", iri.group(0)):
                shape.ambiguous_offset = start
            clamp_end, clamp_depth = iri.end(), len(stack)

        # -- SERVICE clauses ----------------------------------------------------------
        if pending_service is not None:
            written, at = pending_service
            pending_service = None
            if kind == "word" and value.upper() == "SILENT":
                pending_service = (f"{written} {value}", at)
            else:
                iri_at = (start, pos) if kind == "iri" else None
                endpoint = _unescape(value[1:-1]) if iri_at else None
                shape.services.append(ServiceCall(endpoint, f"{written} {value}", at, iri_at))
        word = _word(kind, value)
        if word is not None and _contains(word, "SERVICE"):
            if kind == "word" and re.fullmatch(r"(?i)SERVICE(?:SILENT)?", value):
                pending_service = (value, start)
            else:
                shape.services.append(ServiceCall(None, value, start))

        # -- structure ----------------------------------------------------------------
        if kind == "open":
            child = _child_kind(value, top, prev, prev2)
            if child != "row" and top.kind not in ("data", "row"):
                shape.elements += 1  # a VALUES block counts once, its rows not at all
            if not (child == "row" and top.values == 1):
                top.values = 0  # VALUES (?a ?b) keeps waiting for its data block
            stack.append(_Frame(value, child))
            deeper(1, start)
        elif kind == "close":
            clamped = start < clamp_end and len(stack) <= clamp_depth
            if len(stack) > 1 and top.opener == _CLOSERS[value] and not clamped:
                stack.pop()
                deeper(-1 - top.bangs, start)
                if top.kind == "row" and stack[-1].values == 1:
                    stack[-1].values = 2  # after VALUES (?a ?b), its data block
            elif value == ">>":
                kind = "op"  # `?a >> ?b` closes no quoted triple
        else:
            if kind == "op" and value == "!":
                top.bangs += 1
                deeper(1, start)
            if kind == "op" and value in _OPERATORS and top.kind not in ("data", "row"):
                shape.elements += 1
            if kind == "word" and value.upper() == "VALUES":
                top.values = 1
            elif kind == "var" and top.values == 1:
                top.values = 2
            else:
                top.values = 0
            if kind == "word" and _contains(value, "SELECT") and top.kind == "group":
                top.kind = "select"  # a sub-select: its clauses hold expressions
        if start < clamp_end <= pos:
            kind = "iri"  # after an ambiguous `<...>`, read on as after an IRI
        prev2, prev = prev, (kind, value)
    if pending_service is not None:
        shape.services.append(ServiceCall(None, pending_service[0], pending_service[1]))
    return shape


def tokens(text: str, compares: Callable[[], bool] | None = None) -> Iterator[Token]:
    r"""The tokens of ``text`` in order, as Oxigraph reads them; together they spell ``text``.

    Strings (all four quote forms, with escapes), IRIs and comments are one token each,
    so a ``{``, ``#``, quote or keyword inside them is no token of its own.

    One place is ambiguous in SPARQL's grammar: after a value inside an expression a
    ``<`` compares (``?a<?b``), elsewhere it starts an IRI. ``compares``, called when a
    ``<`` is met, says whether it compares here (:func:`query_shape` knows, from the
    brackets around it); without it a ``<`` starts an IRI wherever one can be read.

    Examples
    --------
    >>> [(t.kind, t.text) for t in tokens('ASK { <http://e/#a> ex:p "}\\"#" } # {') if t.kind != "space"]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('word', 'ASK'), ('open', '{'), ('iri', '<http://e/#a>'), ('pname', 'ex:p'),
     ('string', '"}\\"#"'), ('close', '}'), ('comment', '# {')]
    >>> text = "SELECT ?x{?x ?p '''it's'''}"
    >>> "".join(t.text for t in tokens(text)) == text
    True
    """
    pos, n = 0, len(text)
    while pos < n:
        kind, value, end = _next_token(text, pos, compares)
        yield Token(kind, value, pos, end)
        pos = end


def _significant(text: str) -> Iterator[Token]:
    """The tokens of ``text`` but spaces and comments."""
    return (token for token in tokens(text) if token.kind not in ("space", "comment"))


def _next_token(text: str, pos: int, compares: Callable[[], bool] | None) -> tuple[str, str, int]:
    """The token at ``pos``: its kind, its text and where it ends."""
    char = text[pos]
    if char == '"' or char == "'":
        quote = char * 3 if text.startswith(char * 3, pos) else char
        match = _STRINGS[quote].match(text, pos)
        if match is None and len(quote) == 3:
            match = _STRINGS[char].match(text, pos)  # an empty string and more, as Oxigraph falls back
        if match is None:
            return "op", char, pos + 1  # an unterminated quote: read on, counting what follows
        return "string", match.group(0), match.end()
    if char == "<":
        if compares is not None and compares():
            # a comparison, whatever follows (the caller judges an IRI-looking `<...>`)
            if text.startswith("<=", pos):
                return "op", "<=", pos + 2
            return "op", "<", pos + 1
        if text.startswith("<<", pos):
            return "open", "<<", pos + 2
        match = _IRI.match(text, pos)
        return ("iri", match.group(0), match.end()) if match else ("op", "<", pos + 1)
    if char in "{([":
        value = "{|" if text.startswith("{|", pos) else char
        return "open", value, pos + len(value)
    if char in "})]":
        return "close", char, pos + 1
    if char == "\\":
        return "op", text[pos : pos + 2], pos + 2  # an escape outside a name: no structure
    match = _TOKEN.match(text, pos)
    if match is None or match.lastgroup == "word":
        pname = _PNAME.match(text, pos)
        if pname is not None and (match is None or pname.end() > match.end()):
            return "pname", pname.group(0), pname.end()
    if match is None:
        return "op", char, pos + 1
    kind, value = match.lastgroup, match.group(0)
    return ("close" if value in (">>", "|}") else kind), value, match.end()


def _ends_value(token: tuple[str, str]) -> bool:
    # after a value `<` compares; after DISTINCT (`COUNT(DISTINCT <f>(?x))`) a value begins
    kind, value = token
    if kind == "close":
        return value in (")", "]", ">>")
    return kind in _OPERAND_ENDS and value.upper() != "DISTINCT"


def _word(kind: str, value: str) -> str | None:
    """A keyword-like word: a bare word, or the prefix of a prefixed name (``trueSERVICE:x``)."""
    if kind == "word":
        return value
    if kind == "pname":
        return value.split(":", 1)[0]
    return None


def _child_kind(opener: str, top: _Frame, prev: tuple[str, str], prev2: tuple[str, str]) -> str:
    """What the bracket ``opener`` opens inside ``top``."""
    if opener == "{":
        return "data" if top.values == 2 else "group"
    if opener != "(":
        return {"{|": "group", "[": "bnode", "<<": "term"}[opener]
    if top.values == 1:
        return "row"  # the variables of VALUES
    if top.kind in ("expr", "root", "select"):
        return "expr"
    if top.kind in ("data", "row"):
        return "row"
    # in a pattern only FILTER and BIND take expressions: FILTER(...), FILTER regex(...), BIND(...)
    word, word2 = _word(*prev), _word(*prev2)
    if word is not None and (_contains(word, "FILTER") or _contains(word, "BIND")):
        return "expr"
    if prev[0] in ("word", "pname", "iri") and word2 is not None and _contains(word2, "FILTER"):
        return "expr"
    return "triples"


def check_query_text(text: str, source: str = "query") -> QueryShape:
    """Refuse ``text`` before an engine parses it if it could overflow the parser's stack.

    Returns
    -------
    QueryShape
        What was measured, for a caller that also looks at the ``SERVICE`` clauses.

    Raises
    ------
    QueryTooComplexError
        Nested deeper than :data:`MAX_DEPTH`, more than :data:`MAX_ELEMENTS` operators
        and groups, or a ``<`` that could compare or start an IRI hiding a comment or string.

    Examples
    --------
    >>> check_query_text("SELECT * WHERE " + "{" * 200 + "}" * 200, source="q.rq")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nanokg.sparql_text.QueryTooComplexError: q.rq:1:144: nested deeper than 128 levels (groups, ...
    >>> check_query_text("ASK { FILTER(" + " || ".join(["?a"] * 1200) + ") }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nanokg.sparql_text.QueryTooComplexError: query: 1201 operators and groups, more than the 1000 ...
    >>> check_query_text("ASK { ?s ?p ?o FILTER(?o<ex:#>) }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nanokg.sparql_text.QueryTooComplexError: query:1:25: cannot tell whether this `<` compares ...
    >>> check_query_text("ASK { ?s a <http://e/ns#C> FILTER(?s < <http://e/ns#x>) }").depth
    2
    """
    shape = query_shape(text)
    if shape.depth > MAX_DEPTH:
        raise QueryTooComplexError(
            f"nested deeper than {MAX_DEPTH} levels (groups, parentheses, brackets, quoted triples, `!`); "
            "nanokg refuses such queries, which would overflow the SPARQL parser's stack",
            *line_column(text, shape.past_limit if shape.past_limit is not None else shape.depth_offset),
            source=source,
        )
    if shape.elements > MAX_ELEMENTS:
        raise QueryTooComplexError(
            f"{shape.elements} operators and groups, more than the {MAX_ELEMENTS} nanokg accepts in one query "
            "(long chains overflow the SPARQL parser's stack); use VALUES or IN lists for long alternatives",
            source=source,
        )
    if shape.ambiguous_offset is not None:
        raise QueryTooComplexError(
            "cannot tell whether this `<` compares or starts an IRI; put a space after `<` to compare",
            *line_column(text, shape.ambiguous_offset),
            source=source,
        )
    return shape


def service_calls(text: str) -> list[ServiceCall]:
    r"""The ``SERVICE`` clauses of a query, in order, wherever they are nested.

    Examples
    --------
    >>> calls = service_calls(
    ...     "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sp\\u0061rql> { ?s ?p ?o }  # SERVICE <http://a/comment>\n"
    ...     '  ?s ?p "SERVICE <http://in.a/string>" . SERVICE ?endpoint { } trueSERVICE:x { } }'
    ... )
    >>> [(c.endpoint, c.written) for c in calls]  # doctest: +NORMALIZE_WHITESPACE
    [('http://127.0.0.1:9/sparql', 'SERVICE <http://127.0.0.1:9/sp\\u0061rql>'),
     (None, 'SERVICE ?endpoint'), (None, 'trueSERVICE:x')]
    """
    return query_shape(text).services


def service_iris(text: str) -> list[str]:
    r"""The endpoints the ``SERVICE <...>`` clauses of ``text`` call, in order (escapes read).

    Examples
    --------
    >>> service_iris(
    ...     'SELECT * { SERVICE SILENT <http://e/sp\\u0061rql> { ?s ?p "SERVICE <http://no/>" } }  # SERVICE <http://no/>'
    ... )
    ['http://e/sparql']
    """
    return [call.endpoint for call in service_calls(text) if call.endpoint is not None]


def first_keyword(text: str) -> str:
    r"""The first keyword after the prologue, upper-cased: SELECT, ASK, INSERT ...

    The prologue is its ``BASE <iri>`` and ``PREFIX p: <iri>`` declarations, with
    spaces and comments anywhere; an incomplete declaration gives ``BASE`` or ``PREFIX``.
    Only the letters a keyword starts with count (``select*`` gives ``SELECT``), and
    text that starts with no word gives ``""``.

    Examples
    --------
    >>> first_keyword("PREFIX ex: <http://e/>  # a comment\n  insert data { ex:a ex:b ex:c }")
    'INSERT'
    >>> first_keyword("BASE <http://e/> select * {}")
    'SELECT'
    >>> first_keyword("# SELECT\n{ }")
    ''
    """
    lexed = _significant(text)
    token = next(lexed, None)
    while token is not None and token.kind == "word" and token.text.upper() in ("BASE", "PREFIX"):
        if token.text.upper() == "PREFIX":
            name = next(lexed, None)
            if name is None or _declared(name) is None:
                break
        iri = next(lexed, None)
        if iri is None or iri.kind != "iri":
            break
        token = next(lexed, None)
    if token is None or token.kind not in ("word", "pname"):
        return ""
    letters = re.match(r"[A-Za-z]+", token.text)
    return letters.group(0).upper() if letters else ""


def names_a_dataset(text: str) -> bool:
    """Whether the query has a ``FROM`` or ``FROM NAMED`` clause (comments, strings and IRIs skipped).

    Examples
    --------
    >>> names_a_dataset("SELECT * FROM <http://e/g> WHERE { ?s ?p ?o }")
    True
    >>> names_a_dataset('SELECT ?from WHERE { ?from ex:from "FROM" }  # from')
    False
    """
    return any(token.kind == "word" and token.text.upper() == "FROM" for token in tokens(text))


def _declared(token: Token) -> str | None:
    """The prefix ``token`` declares after ``PREFIX`` (``ex:`` declares ``ex``), or None."""
    if token.kind != "pname" or not token.text.endswith(":") or token.text.count(":") != 1:
        return None
    return token.text[:-1]


def declared_prefixes(text: str) -> dict[str, str]:
    r"""The prefixes ``text`` declares with ``PREFIX p: <iri>``, each with its IRI (comments and strings skipped).

    Examples
    --------
    >>> text = 'PREFIX ex: <http://e/>\nprefix : <http://d/> # PREFIX no: <x>\nASK { ?s ?p "PREFIX s: <y>" }'
    >>> declared_prefixes(text)
    {'ex': 'http://e/', '': 'http://d/'}
    """
    declared: dict[str, str] = {}
    lexed = _significant(text)
    for token in lexed:
        if token.kind != "word" or token.text.upper() != "PREFIX":
            continue
        name = next(lexed, None)
        prefix = None if name is None else _declared(name)
        iri = next(lexed, None) if prefix is not None else None
        if iri is not None and iri.kind == "iri":
            declared[prefix] = _unescape(iri.text[1:-1])
    return declared


def with_prefixes(text: str, prefixes: Mapping[str, str]) -> str:
    r"""``text`` after a ``PREFIX`` line for each of ``prefixes`` it does not declare itself.

    Examples
    --------
    >>> print(with_prefixes("PREFIX ex: <http://mine/>\nASK { ex:a ?p ?o }", {"ex": "http://e/", "rdfs": "http://r/"}))
    PREFIX rdfs: <http://r/>
    PREFIX ex: <http://mine/>
    ASK { ex:a ?p ?o }
    """
    declared = declared_prefixes(text)
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items() if p not in declared) + text


def _where_brace(text: str) -> int:
    """Offset just after the ``{`` that opens the outermost WHERE clause.

    A CONSTRUCT template's braces come before its WHERE; in the other forms the first
    brace outside any other opens the WHERE clause (whose keyword is optional).
    """
    depth, seen_where = 0, first_keyword(text) != "CONSTRUCT"
    for token in _significant(text):
        if depth == 0 and token.kind == "word" and token.text.upper() == "WHERE":
            seen_where = True
        elif token.kind == "open" and token.text in ("{", "{|"):
            if depth == 0 and seen_where and token.text == "{":
                return token.end
            depth += 1
        elif token.kind == "close" and token.text in ("}", "|}"):
            depth -= 1
    raise QuerySyntaxError("no WHERE clause to bind parameters in")


def with_values(text: str, bindings: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal | Sequence]) -> str:
    r"""The query with ``VALUES`` blocks binding ``bindings`` as its first patterns.

    Terms are written by Oxigraph's N-Triples serialiser, so a value cannot close
    the string or IRI it is in. The blocks are inserted on the line of the WHERE brace,
    so line numbers stay those of ``text``. A list of terms gives one row per term.

    Each variable gets a block of its own: their join is the product of the values,
    as one block over all the variables would be, and Virtuoso 7 fails to compile a
    multi-variable block whose variables reach into a ``FILTER EXISTS``.

    Raises
    ------
    QuerySyntaxError
        When ``text`` has no WHERE group to put the blocks in.

    Examples
    --------
    >>> print(with_values('SELECT ?x WHERE { ?x ?p ?_name }', {"_name": ox.Literal('x" } ; DROP ALL #')}))
    SELECT ?x WHERE { VALUES ?_name { "x\" } ; DROP ALL #" }  ?x ?p ?_name }
    >>> print(with_values("SELECT * WHERE { ?x ?p ?o }", {"p": ox.NamedNode("http://e/p"), "o": [ox.Literal("a")]}))
    SELECT * WHERE { VALUES ?p { <http://e/p> } VALUES ?o { "a" }  ?x ?p ?o }
    """
    if not bindings:
        return text
    blocks = []
    for name, value in bindings.items():
        terms = [str(value)] if isinstance(value, _TERMS) else [str(v) for v in value]
        blocks.append("VALUES ?{} {{ {} }} ".format(name, " ".join(terms)))
    at = _where_brace(text)
    return f"{text[:at]} {''.join(blocks)}{text[at:]}"
