"""The curation assistant's pipeline: read -> recognise -> propose -> compare -> draft.

:func:`curate` runs it for one document: :func:`~nanokg.drafting.reading.read_document`
turns the file into sentences with locators, a :class:`~nanokg.drafting.recognise.Recogniser`
built once from the graph's names finds mentions, :func:`~nanokg.drafting.propose.propose_facts`
turns them into proposals, :func:`~nanokg.drafting.compare.compare` marks each ``new``,
``known`` or ``conflict``, and :func:`~nanokg.drafting.drafts.build_draft` turns what is not
known into draft records. Writing the draft is the caller's choice
(:func:`~nanokg.drafting.drafts.write_draft`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nanokg.errors import NanokgError

if TYPE_CHECKING:
    from nanokg.drafting.drafts import Draft
    from nanokg.drafting.proposals import Document, Proposal
    from nanokg.drafting.recognise import Recogniser
    from nanokg.knowledge_graph import KnowledgeGraph

__all__ = ["Curated", "MissingExtraError", "curate", "known_sources", "require_spacy"]

#: what to install when spaCy is missing
INSTALL_HINT = "nanokg curate needs spaCy: pip install 'nanokg[curate]'"


class MissingExtraError(NanokgError):
    """An optional dependency of ``nanokg curate`` is not installed (exit 1: nothing wrong with the input)."""


def require_spacy() -> None:
    """Raise :class:`MissingExtraError` with the one line to install spaCy when it is missing."""
    if importlib.util.find_spec("spacy") is None:
        raise MissingExtraError(INSTALL_HINT)


def known_sources(data_dir: Path) -> list[dict[str, Any]]:
    """The entries of ``data_dir/sources.yaml`` (read as the loader reads it); ``[]`` without one."""
    from nanokg.curation.yaml_lines import read_yaml

    path = data_dir / "sources.yaml"
    if not path.is_file():
        return []
    raw = read_yaml(path, str(path)) or {}
    return [s for s in raw.get("sources") or [] if isinstance(s, dict)]


@dataclass
class Curated:
    """One document curated: as read, its compared proposals and the draft of what is not known."""

    document: Document
    proposals: list[Proposal]
    draft: Draft


def curate(
    path: Path,
    kg: KnowledgeGraph,
    *,
    sources: Sequence[dict[str, Any]] = (),
    source: str | None = None,
    recogniser: Recogniser | None = None,
) -> Curated:
    """Read, recognise, propose, compare and draft one document.

    Parameters
    ----------
    path
        A plain-text, Markdown or PDF document.
    kg
        The graph to recognise names in and compare with.
    sources
        The entries of ``data/sources.yaml`` (:func:`known_sources`): a document they list
        already (``--source``, or the same file name) is drafted against that source.
    source
        ``--source``: the id of a source of ``sources`` the document is.
    recogniser
        A recogniser built once for several documents (default: built from ``kg``).

    Raises
    ------
    DocumentError
        An empty, binary, undecodable or missing file (one line, exit 2).
    DraftError
        An unknown ``--source``.
    MissingExtraError
        spaCy is not installed.
    """
    require_spacy()
    from nanokg.drafting.compare import compare
    from nanokg.drafting.drafts import build_draft, source_id_for
    from nanokg.drafting.reading import read_document

    source_id, listed = source_id_for(path, sources, source)
    document = read_document(path)  # bad input fails here, before any work
    from nanokg.drafting.propose import propose_facts
    from nanokg.drafting.recognise import Recogniser

    recogniser = recogniser or Recogniser.from_graph(kg)
    proposals = compare(propose_facts(document, recogniser), kg)
    entry = None
    if not listed:
        entry = {"id": source_id, "status": "proposed", "kind": "document",
                 "title": document.title or path.stem, "path": f"{source_id}.txt"}  # fmt: skip
    return Curated(document, proposals, build_draft(document, proposals, source_id, entry))
