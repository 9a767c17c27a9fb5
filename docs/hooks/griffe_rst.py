"""A griffe extension: the reStructuredText bits of nanokg's docstrings, read as Markdown.

The docstrings are NumPy style and name objects with Sphinx roles (``:func:`name```), quote code
with double backquotes and introduce literal blocks with ``::`` or ``.. code-block::``; the
API reference (mkdocstrings, in ``mkdocs.yml``) renders Markdown. Before a docstring is parsed,
roles become code spans (``~a.b.c`` shows ``c``, as in Sphinx) and literal blocks become fenced
code blocks. Double backquotes are already Markdown. Nothing in ``src/`` changes.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import griffe

_ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj|const|term|ref):`(~?)([^`<]*?)(?:\s*<([^>]+)>)?`"
)
_DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\.\s+(?:code-block|code|sourcecode)::\s*(?P<lang>\S*)\s*$")
_LITERAL = re.compile(r"^(?P<indent>\s*)(?P<text>.*?)\s*::\s*$")
_SECTION = re.compile(r"^\s*-{3,}\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _definitions(text: str) -> str:
    """RST definition lists of the free text (``Term`` over an indented body) as bold terms.

    The NumPy sections, from the first ``----`` underline on, are left to griffe.
    """
    lines = text.split("\n")
    end = next((i - 1 for i, line in enumerate(lines) if i and _SECTION.match(line)), len(lines))
    out: list[str] = []
    i = 0
    while i < end:
        line = lines[i]
        is_term = (
            line.strip()
            and _indent(line) == 0
            and len(line) <= 60
            and (i == 0 or not lines[i - 1].strip())
            and i + 1 < end
            and lines[i + 1].strip()
            and _indent(lines[i + 1]) >= 4
            and not _LIST_ITEM.match(line)
            and not line.rstrip().endswith("::")
            and not line.lstrip().startswith(">>>")
        )
        if not is_term:
            out.append(line)
            i += 1
            continue
        j = i + 1
        while j < end and (not lines[j].strip() or _indent(lines[j]) >= 4):
            j += 1
        while j > i + 1 and not lines[j - 1].strip():
            j -= 1
        out += [f"**{line.strip()}**", "", textwrap.dedent("\n".join(lines[i + 1 : j]))]
        i = j
    return "\n".join(out + lines[end:])


def _role(match: re.Match) -> str:
    tilde, title, target = match.groups()
    name = title.strip() or (target or "")
    if tilde:
        name = name.rsplit(".", 1)[-1]
    return f"`{name}`"


def _blocks(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = _DIRECTIVE.match(line)
        literal = None if directive or line.lstrip().startswith(">>>") else _LITERAL.match(line)
        if not (directive or literal):
            out.append(line)
            i += 1
            continue
        indent = len((directive or literal)["indent"])
        # the block: the blank lines, then every line indented deeper than the introducing one
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        end = j
        while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
            end += 1
        while end > j and not lines[end - 1].strip():
            end -= 1
        if end == j:  # no indented block follows: leave the line alone
            out.append(line)
            i += 1
            continue
        if literal and literal["text"]:
            out += [f"{' ' * indent}{literal['text']}:", ""]
        lang = directive["lang"] if directive else "text"
        body = textwrap.indent(textwrap.dedent("\n".join(lines[j:end])), " " * indent)
        out += [f"{' ' * indent}```{lang}", *body.split("\n"), f"{' ' * indent}```"]
        i = end
    return "\n".join(out)


def rst_to_markdown(text: str) -> str:
    r"""A docstring's roles and literal blocks in Markdown.

    Examples
    --------
    >>> rst_to_markdown("See :func:`~nanokg.query.engine.bind_parameters` and :mod:`nanokg.store`.")
    'See `bind_parameters` and `nanokg.store`.'
    >>> print(rst_to_markdown("Ask::\n\n    kg.query()\n\nDone."))
    Ask:
    <BLANKLINE>
    ```text
    kg.query()
    ```
    <BLANKLINE>
    Done.
    >>> print(rst_to_markdown("Layout\n    The store::\n\n        DIR/active\n\nNext."))
    **Layout**
    <BLANKLINE>
    The store:
    <BLANKLINE>
    ```text
    DIR/active
    ```
    <BLANKLINE>
    Next.
    """
    return _blocks(_definitions(_ROLE.sub(_role, text)))


class RstToMarkdown(griffe.Extension):
    """Rewrite each docstring before mkdocstrings parses it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:  # noqa: D102
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)
