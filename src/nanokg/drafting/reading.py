r"""Reading a document: its text normalised, split into paragraphs and sentences with stable locators.

:func:`read_document` reads plain text, Markdown and (through :mod:`pypdf`, the ``curate``
extra) the text layer of a PDF. The text is normalised so that a sentence cut out of it is a
quote the build's quote check (:func:`nanokg.curation.checks.verify_quotes`, which compares up
to white space) finds in the file as written:

* Unicode NFC; ``\r\n`` and ``\r`` become ``\n``;
* every other white space character (no-break space U+00A0, narrow no-break space, thin and
  ideographic spaces, tabs) becomes a plain space, and a single line break inside a paragraph
  becomes a space, one character for one;
* zero-width characters, the byte order mark and soft hyphens (U+00AD) are dropped;
* curly quotes, primes and dashes are **kept**: the quote check compares them verbatim, and
  recognition folds them anyway (:func:`nanokg.store.index.name_key`);
* a word hyphenated at a line end (``nano-`` / ``particle``) is joined only in PDF text, where
  the line breaks are the extractor's; in a text file it is kept, as the quote check reads it.

Paragraphs are separated by blank lines; a Markdown heading (``#`` to ``######``) starts a
section and is not a sentence. Sentences come from spaCy's blank English pipeline with its
rule-based ``sentencizer`` (no downloaded model), imported only when a document is read.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from nanokg.drafting.proposals import Document, Locator, Sentence
from nanokg.errors import InputError

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = ["MARKDOWN_SUFFIXES", "DocumentError", "nlp", "normalise", "read_document"]

#: file name endings read as Markdown (headings become sections)
MARKDOWN_SUFFIXES = (".md", ".markdown")

#: bytes read to tell a binary file from text: a NUL byte among them means binary
_SNIFF = 8192
_DROP = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[^\S\n]")  # white space other than a line break
_PARAGRAPH_BREAK = re.compile(r"\n[ ]*\n")
_HEADING = re.compile(r"^(#{1,6})[ ]+(.+?)[ ]*#*[ ]*$")
_PDF_HYPHEN = re.compile(r"(?<=[a-z])-\n(?=[a-z])")


class DocumentError(InputError):
    """A document that cannot be read as text: empty, binary, not UTF-8, or not readable."""


@lru_cache(maxsize=1)
def nlp() -> Language:
    """SpaCy's blank English pipeline with the rule-based sentencizer, made once.

    ``®`` and ``™`` are split off as suffixes, so "Doxil®" is read as "Doxil" "®" like "Doxil ®".
    """
    import spacy

    pipeline = spacy.blank("en")
    suffixes = [*pipeline.Defaults.suffixes, r"[®™]"]
    pipeline.tokenizer.suffix_search = spacy.util.compile_suffix_regex(suffixes).search
    pipeline.add_pipe("sentencizer")
    return pipeline


def normalise(text: str, *, pdf: bool = False) -> str:
    r"""The reader's normalisation of raw text (see the module docstring).

    Examples
    --------
    >>> normalise("Doxil\u00a0®\r\nis a liposome")
    'Doxil ®\nis a liposome'
    >>> normalise("nano-\nparticles", pdf=True)
    'nanoparticles'
    """
    text = unicodedata.normalize("NFC", text).translate(_DROP)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    if pdf:
        text = _PDF_HYPHEN.sub("", text)
    return text


def read_document(path: Path) -> Document:
    """Read ``path`` into a :class:`Document` of located sentences.

    Parameters
    ----------
    path
        A plain text (UTF-8), Markdown (``.md``) or PDF (``.pdf``, or a file starting with
        ``%PDF-``) file.

    Raises
    ------
    DocumentError
        In one line naming the file: it cannot be read, is empty, is binary, is not UTF-8,
        or (a PDF) has no text layer.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise DocumentError(f"{path}: is a folder, not a document", location=str(path)) from None
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read ({exc.strerror or exc})", location=str(path)) from None
    if not raw.strip():
        raise DocumentError(f"{path}: empty document", location=str(path))
    pdf = raw.startswith(b"%PDF-") or path.suffix.lower() == ".pdf"
    text = _pdf_text(path, raw) if pdf else _decode(path, raw)
    text = normalise(text, pdf=pdf)
    if not text.strip():
        raise DocumentError(f"{path}: no text in the document", location=str(path))
    markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
    return _split(str(path), _unwrap(text), markdown=markdown)


def _decode(path: Path, raw: bytes) -> str:
    if b"\x00" in raw[:_SNIFF]:
        raise DocumentError(
            f"{path}: a binary file, not text (NUL byte in the first {_SNIFF} bytes)", location=str(path)
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DocumentError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}): save it as UTF-8",
            location=f"{path}:{line}",
        ) from None


def _pdf_text(path: Path, raw: bytes) -> str:
    import io

    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError:  # pragma: no cover - the curate extra declares pypdf
        raise DocumentError(f"{path}: reading PDF needs pypdf: pip install 'nanokg[curate]'") from None
    try:
        pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages]
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(f"{path}: not a readable PDF ({exc})", location=str(path)) from None
    # a page ends a paragraph
    return "\n\n".join(pages)


def _unwrap(text: str) -> str:
    """Single line breaks inside a paragraph become spaces (same length: offsets stay valid)."""
    out = []
    for block in re.split(r"(\n[ ]*\n)", text):
        if block.startswith("\n") and not block.strip():
            out.append(block)
            continue
        lines = block.split("\n")
        # keep the line breaks around Markdown headings, which are paragraphs of their own
        joined = lines[0]
        for line in lines[1:]:
            joined += (
                "\n" if _HEADING.match(line.strip()) or _HEADING.match(joined.rsplit("\n", 1)[-1].strip()) else " "
            ) + line
        out.append(joined)
    return "".join(out)


def _paragraphs(text: str, markdown: bool):
    """(start, end, heading) of each paragraph; ``heading`` is the Markdown heading text or None."""
    start = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        offset = start
        for line in text[start:end].split("\n"):
            heading = _HEADING.match(line.strip()) if markdown else None
            if line.strip():
                yield offset, offset + len(line), heading.group(2) if heading else None
            offset += len(line) + 1
        start = match.end() if match else len(text)


def _split(path: str, text: str, *, markdown: bool) -> Document:
    spans = []
    section = ""
    title = ""
    for start, end, heading in _paragraphs(text, markdown):
        if heading is not None:
            section = heading
            title = title or heading
            continue
        title = title or text[start:end].strip()
        spans.append((start, end, section))
    pipeline = nlp()
    sentences = []
    docs = pipeline.pipe(text[start:end] for start, end, _ in spans)
    for number, ((start, _end, section_of), doc) in enumerate(zip(spans, docs, strict=True), start=1):
        count = 0
        for sent in doc.sents:
            first, last = sent.start_char, sent.end_char
            piece = doc.text[first:last]
            first += len(piece) - len(piece.lstrip())
            last -= len(piece) - len(piece.rstrip())
            if last <= first:
                continue
            count += 1
            locator = Locator(number, count, start + first, start + last, section_of)
            sentences.append(Sentence(text[start + first : start + last], locator))
    return Document(path=path, text=text, sentences=tuple(sentences), title=title[:200])
