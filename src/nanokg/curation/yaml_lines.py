r"""YAML with line numbers, read defensively: the one loader of data files and query headers.

:func:`read_yaml` reads a data file, :func:`parse_yaml` a text (a query's ``#+`` header), into
plain values whose mappings and lists know their lines. Both refuse a hostile text (an alias
bomb, nesting thousands deep, bytes that are not UTF-8...) at its first problem, in bounded
time and memory, as one located :class:`DataError`. This module imports no pydantic, so the
query catalogue (:mod:`nanokg.curation.catalogue`) can use it on a cold start.

Examples
--------
>>> doc = parse_yaml("summary: s\ntags:\n  - a\n  - b\n")
>>> doc["tags"], doc.key_lines["tags"], doc["tags"].item_lines
(['a', 'b'], 2, [3, 4])
>>> parse_yaml("a: &x 1\nb: *x\n")
Traceback (most recent call last):
...
nanokg.curation.yaml_lines.YamlRefused: &x: anchors and aliases are not allowed in data files
"""

from __future__ import annotations

import os
import re
import reprlib
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nanokg.errors import InputError

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "REASONS",
    "DataError",
    "DataErrors",
    "LineDict",
    "LineList",
    "YamlRefused",
    "cut",
    "dotted",
    "line_of",
    "parse_yaml",
    "read_yaml",
    "short",
]


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DataError:
    """One problem in the curated data, located to a file, line and field."""

    path: str
    line: int
    field: str
    message: str

    def __post_init__(self) -> None:
        # one readable line whatever a message was given (values are cut where they are
        # formatted; this bounds what a check elsewhere, e.g. curie_problem, may quote)
        for name, limit in (("field", 200), ("message", 1000)):
            text = getattr(self, name)
            if len(text) > limit or "\n" in text:
                flat = " ".join(text[: limit + 1].split())
                object.__setattr__(self, name, flat if len(text) <= limit else flat[: limit - 3] + "...")

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class DataErrors(InputError):
    """Raised when curated data do not validate; holds every :class:`DataError` found."""

    def __init__(self, errors: list[DataError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
        if errors:
            self.location = f"{errors[0].path}:{errors[0].line}" if errors[0].line else errors[0].path

    def lines(self) -> list[str]:
        """One line per error, each naming its file and line."""
        return [str(e) for e in self.errors]


# ---------------------------------------------------------------------------
# YAML with line numbers, read defensively
# ---------------------------------------------------------------------------
#: deepest nesting of mappings and lists in a data file (the curated files nest 6 deep)
MAX_DEPTH = 64
#: largest data file read, in bytes: the largest curated file is under 100 kB, and 16 MB of
#: product records validate in about 10 s and 0.3 GB; past it, a file is a mistake or an attack
MAX_FILE_BYTES = 16 * 2**20
#: longest number or date read, in characters: bounds the work of converting one, e.g. a
#: sexagesimal integer ``1:1:1:...`` whose conversion is quadratic in its length
_MAX_NUMBER_CHARS = 100
#: characters YAML does not allow in a stream (PyYAML's Reader refuses the same)
_FORBIDDEN = re.compile(r"[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
#: libyaml's parser (C) when PyYAML has it: the pure-Python one takes 5 s a megabyte
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR, _MERGE = "tag:yaml.org,2002:str", "tag:yaml.org,2002:merge"
#: the tags a plain scalar may resolve to besides str, and what each is called in messages
_SCALAR_KINDS = {
    "tag:yaml.org,2002:int": "an integer", "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a boolean", "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "a date",
}  # fmt: skip


class LineDict(dict):
    """A mapping that remembers the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list):
    """A list that remembers the line of itself and of each of its items."""

    line: int = 0
    item_lines: list[int]


#: why a text was refused: :attr:`YamlRefused.reason` is one of these
REASONS = ("read", "encoding", "syntax", "alias", "tag", "merge", "depth", "key", "scalar", "documents")


class YamlRefused(InputError):
    """One problem of a YAML text: its 1-based line (0: the whole file), the message and why.

    ``reason`` is one of :data:`REASONS` (a caller may word its own message by it: the query
    catalogue does); ``detail`` is the parser's own words for a ``syntax`` problem.
    """

    def __init__(self, line: int, message: str, reason: str, detail: str = ""):
        super().__init__(message)
        self.line, self.message, self.reason, self.detail = line, message, reason, detail


def read_yaml(path: Path, rel: str | None = None) -> Any:
    """Read one data file into plain values whose mappings and lists know their lines.

    The one entry point for data files: it refuses, before building anything large, what
    no curated file needs and a hostile one could use to hang or crash the build.

    Parameters
    ----------
    path
        The YAML file.
    rel
        The file as shown in messages (default: ``path``).

    Returns
    -------
    Any
        ``None`` for an empty file, else the document: ``dict``/``list`` subclasses with a
        ``line`` (and ``key_lines`` or ``item_lines``), and scalars as YAML's safe schema reads them.

    Raises
    ------
    DataErrors
        With one located line when the file is not a regular file or is larger than
        :data:`MAX_FILE_BYTES`, is not UTF-8, holds a character YAML forbids, is malformed,
        holds anchors, aliases, merge keys (``<<``) or tags, nests deeper than
        :data:`MAX_DEPTH`, has a key that is a list or a mapping or appears twice, a
        number or date that cannot be read, or more than one document.
    """
    rel = rel or str(path)
    try:
        return _read_yaml(path)
    except YamlRefused as exc:
        raise DataErrors([DataError(rel, exc.line, "", exc.message)]) from None


def parse_yaml(text: str, *, what: str = "data file") -> Any:
    """Parse a YAML text as :func:`read_yaml` reads a file, refusing the same things.

    Parameters
    ----------
    text
        The YAML text.
    what
        What the text is, as messages name it: "data file" gives "anchors and aliases are not
        allowed in data files".

    Returns
    -------
    Any
        ``None`` for an empty text, else the document, its mappings and lists knowing their lines.

    Raises
    ------
    YamlRefused
        At the text's first problem (see :func:`read_yaml`), with its line within ``text``.
    """
    bad = _FORBIDDEN.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - text.rfind("\n", 0, bad.start())
        message = f"character U+{ord(bad.group()):04X} at column {column} is not allowed in YAML"
        raise YamlRefused(line, message, "encoding")
    loader = _Loader(text)
    try:
        return _compose(loader, noun=what)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context or "malformed YAML").split())
        if "nesting depth" in problem:
            # PyYAML >= 6.0.4's scanner has a flow-nesting limit of its own, met before ours
            raise YamlRefused(mark.line + 1 if mark else 0, f"nested deeper than {MAX_DEPTH} levels", "depth") from None
        detail = cut(problem, 200)
        raise YamlRefused(mark.line + 1 if mark else 0, f"malformed YAML: {detail}", "syntax", detail) from None
    except yaml.YAMLError as exc:
        detail = cut(" ".join(str(exc).split()), 200)
        raise YamlRefused(0, f"unreadable YAML: {detail}", "syntax", detail) from None
    finally:
        loader.dispose()


def _read_yaml(path: Path) -> Any:
    try:
        # non-blocking, so that a FIFO named *.yaml is refused instead of waited on
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise YamlRefused(0, f"cannot read: {exc.strerror or exc}", "read") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise YamlRefused(0, "not a regular file", "read")
        if info.st_size > MAX_FILE_BYTES:
            raise YamlRefused(0, _too_big(info.st_size), "read")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(MAX_FILE_BYTES + 1)  # the file may have grown since fstat
    except OSError as exc:
        raise YamlRefused(0, f"cannot read: {exc.strerror or exc}", "read") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise YamlRefused(0, _too_big(len(data)), "read")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        message = f"not UTF-8 (byte 0x{data[exc.start]:02x} at column {column}): save it as UTF-8"
        raise YamlRefused(line, message, "encoding") from None
    return parse_yaml(text)


def _too_big(size: int) -> str:
    return f"{size / 2**20:.1f} MB is over the {MAX_FILE_BYTES // 2**20} MB limit of a data file"


#: the key slot of a mapping's frame while it waits for its next key
_NO_KEY = object()


def _compose(loader: Any, noun: str) -> Any:
    """Build the document from the parser's events, refusing at the first event out of bounds.

    Events, not PyYAML's composer: the composer recurses once per level (libyaml's crashes
    the interpreter at 100 000 levels, the Python one raises RecursionError) and expands
    aliases before anything could refuse them. Here the document is built with an explicit
    stack, one event at a time, so the work is linear in the file and stops at the problem.
    """
    scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    get_event, no_key = loader.get_event, _NO_KEY
    #: plain scalars that are not text (numbers, dates...), read once per file: they repeat
    read: dict[str, Any] = {}
    root: Any = None
    # one frame per open mapping or list: [container, pending key (or _NO_KEY), the key's line]
    stack: list[list[Any]] = []
    documents = 0
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event or kind is mapping_start or kind is sequence_start:
            line = event.start_mark.line + 1
            if event.anchor is not None:
                raise YamlRefused(
                    line, f"&{cut(event.anchor)}: anchors and aliases are not allowed in {noun}s", "alias"
                )
            if event.tag is not None:
                raise YamlRefused(line, f"tag {cut(event.tag)}: tags are not allowed in {noun}s", "tag")
            if kind is scalar_event:
                value: Any = event.value
                # quoted scalars are text; so are plain ones no implicit resolver starts with
                if event.implicit[0] and (not value or value[0] in _RESOLVABLE or _RESOLVE_ALL):
                    value = read[value] if value in read else read.setdefault(value, _scalar(loader, event, line, noun))
            else:
                if len(stack) >= MAX_DEPTH:
                    raise YamlRefused(line, f"nested deeper than {MAX_DEPTH} levels", "depth")
                is_map = kind is mapping_start
                if stack and stack[-1][1] is no_key and type(stack[-1][0]) is LineDict:
                    found = "a mapping" if is_map else "a list"
                    raise YamlRefused(line, f"a key must be a plain value, not {found}", "key")
                value = LineDict() if is_map else LineList()
                value.line = line
                if is_map:
                    value.key_lines = {}
                else:
                    value.item_lines = []
            if stack:
                frame = stack[-1]
                parent = frame[0]
                if type(parent) is LineList:
                    parent.append(value)
                    parent.item_lines.append(line)
                elif frame[1] is no_key:  # a scalar key (a collection was refused above)
                    if value in parent:
                        raise YamlRefused(line, f"duplicate key {short(value)}", "key")
                    frame[1], frame[2] = value, line
                else:
                    parent[frame[1]] = value
                    parent.key_lines[frame[1]] = frame[2]
                    frame[1] = no_key
            else:
                root = value
            if kind is not scalar_event:
                stack.append([value, no_key, 0])
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
        elif kind is yaml.AliasEvent:
            line = event.start_mark.line + 1
            raise YamlRefused(line, f"*{cut(event.anchor)}: anchors and aliases are not allowed in {noun}s", "alias")
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                line = event.start_mark.line + 1
                raise YamlRefused(line, f"a {noun} holds one YAML document: remove the second `---`", "documents")
        elif kind is yaml.StreamEndEvent:
            return root


#: first characters of the plain scalars YAML may read as something other than text; every
#: scalar is resolved if a resolver was registered for any first character (key None)
_RESOLVABLE = frozenset(c for c in _Loader.yaml_implicit_resolvers if c)
_RESOLVE_ALL = None in _Loader.yaml_implicit_resolvers


def _scalar(loader: Any, event: Any, line: int, noun: str) -> Any:
    """The value of a plain scalar as YAML's safe schema reads it (str, int, float, bool, None, date)."""
    tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _STR:
        return event.value
    if tag == _MERGE:
        raise YamlRefused(line, f"merge keys (<<) are not allowed in {noun}s: write the keys out", "merge")
    what = _SCALAR_KINDS.get(tag)
    if what is None:
        raise YamlRefused(line, f"cannot read {short(event.value)} ({cut(tag)}): quote it if it is text", "scalar")
    if len(event.value) > _MAX_NUMBER_CHARS:
        message = f"cannot read {short(event.value)} as {what}: over {_MAX_NUMBER_CHARS} characters"
        raise YamlRefused(line, message, "scalar")
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
    try:
        return loader.yaml_constructors[tag](loader, node)
    except (ValueError, OverflowError, yaml.YAMLError) as exc:
        raise YamlRefused(line, f"cannot read {short(event.value)} as {what}: {cut(str(exc), 100)}", "scalar") from None


def line_of(raw: Any, loc: tuple) -> int:
    """Find the line of the deepest node of ``raw`` that ``loc`` (a pydantic path) reaches."""
    line = getattr(raw, "line", 0)
    node = raw
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def dotted(loc: tuple) -> str:
    """('products', 'nk105', 'size', 'min') -> 'products[nk105].size.min'."""
    out = cut(loc[0])
    if len(loc) > 1:
        out += f"[{cut(loc[1])}]"
    for part in loc[2:]:
        out += f"[{part}]" if isinstance(part, int) else f".{cut(part)}"
    return out


class _Shown(reprlib.Repr):
    """``repr()`` that reads no more of a value than it shows: a few items, two levels deep."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxstring, self.maxother = 2, _SHOWN, _SHOWN

    # reprlib looks up repr_<type name>: without these, a LineDict would get the full repr()
    def repr_LineDict(self, value: dict, level: int) -> str:
        return self.repr_dict(value, level)

    def repr_LineList(self, value: list, level: int) -> str:
        return self.repr_list(value, level)

    def repr_int(self, value: int, level: int) -> str:
        # repr() of an int past 4300 digits raises, and is slow well before that
        bits = value.bit_length()
        return super().repr_int(value, level) if bits < 1000 else f"<integer of {bits} bits>"


#: characters of a value shown in a message
_SHOWN = 60
_SHOWN_REPR = _Shown()


def short(value: Any) -> str:
    """``repr(value)`` in at most :data:`_SHOWN` characters, cut before it is formatted."""
    text = repr(value[: _SHOWN + 1]) if isinstance(value, str) else _SHOWN_REPR.repr(value)
    return text if len(text) < _SHOWN else text[: _SHOWN - 3] + "..."


def cut(value: Any, limit: int = _SHOWN) -> str:
    """``str(value)`` in at most ``limit`` characters, cut before it is formatted (names, fields)."""
    if isinstance(value, str):
        text = value[: limit + 1]
    else:  # the loader reads no number longer than _MAX_NUMBER_CHARS: str() of a scalar is short
        text = _SHOWN_REPR.repr(value) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
