"""The curation assistant: a document in, draft records with verbatim quotes out (``nanokg curate``).

:mod:`~nanokg.drafting.reading` reads a document into sentences with locators,
:mod:`~nanokg.drafting.recognise` finds the graph's entities and new candidates in them,
:mod:`~nanokg.drafting.propose` turns mentions into facts in the ontology's terms
(:mod:`~nanokg.drafting.proposals` holds the shapes), :mod:`~nanokg.drafting.compare` marks
each ``new``, ``known`` or ``conflict`` against the graph, :mod:`~nanokg.drafting.drafts`
writes draft YAML in ``data/``'s schema and moves accepted drafts into ``data/``;
:mod:`~nanokg.drafting.assistant` runs the whole pipeline. spaCy (the ``curate`` extra) is
imported only when a document is read. The function ``compare`` is reached through its
module (``from nanokg.drafting.compare import compare``): a package attribute named like a
module becomes the module once it is imported.
"""

from nanokg.exports import lazy_exports

__all__ = [
    "FACT_KINDS",
    "STATUSES",
    "AcceptError",
    "Curated",
    "Document",
    "Draft",
    "DraftError",
    "Locator",
    "MissingExtraError",
    "Proposal",
    "Sentence",
    "accept",
    "build_draft",
    "curate",
    "summary",
    "write_draft",
]

# each name -> the module it lives in, imported on first use
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "FACT_KINDS": "nanokg.drafting.proposals",
        "STATUSES": "nanokg.drafting.proposals",
        "Document": "nanokg.drafting.proposals",
        "Locator": "nanokg.drafting.proposals",
        "Proposal": "nanokg.drafting.proposals",
        "Sentence": "nanokg.drafting.proposals",
        "summary": "nanokg.drafting.compare",
        "AcceptError": "nanokg.drafting.drafts",
        "Draft": "nanokg.drafting.drafts",
        "DraftError": "nanokg.drafting.drafts",
        "accept": "nanokg.drafting.drafts",
        "build_draft": "nanokg.drafting.drafts",
        "write_draft": "nanokg.drafting.drafts",
        "Curated": "nanokg.drafting.assistant",
        "MissingExtraError": "nanokg.drafting.assistant",
        "curate": "nanokg.drafting.assistant",
    },
)
