"""``nanokg curate``: a document in, proposals compared with the graph and draft records out.

``nanokg curate DOCUMENT...`` reads each document, proposes the facts it states, marks
each ``new``, ``known`` or ``conflict`` against the graph of ``--store`` and writes a draft
per document under ``--out``; ``nanokg curate --accept FILE`` moves a reviewed draft into
``data/``. spaCy (the ``curate`` extra) is imported only when a document is read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from nanokg.cli.errors import handles_errors
from nanokg.cli.options import data_option, seeds_option, store_option
from nanokg.cli.output import emit, json_value

__all__ = ["curate", "proposal_record"]

#: characters of a quote a table shows
QUOTE_WIDTH = 70


def proposal_record(p: Any, document: str) -> dict[str, Any]:
    """One proposal as a JSON/YAML record: the fact, its evidence in the document and the graph's."""
    return {
        "document": document, "status": p.status, "kind": p.kind, "product": p.product,
        "product_iri": p.product_iri, "value": p.value, "value_iri": p.value_iri, "details": p.details,
        "confidence": round(p.confidence, 3), "rule": p.rule, "quote": p.quote, "locator": str(p.locator),
        "graph_evidence": [dict(e) for e in p.evidence],
    }  # fmt: skip


def _abridged(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_WIDTH else text[: QUOTE_WIDTH - 1] + "…"


@click.command()
@click.argument("documents", nargs=-1, type=click.Path(path_type=Path, dir_okay=False), metavar="[DOCUMENT]...")
@click.option(
    "--source",
    "source",
    metavar="ID",
    default=None,
    help="The source of data/sources.yaml the document is (default: a new source named after the file).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("drafts"),
    show_default=True,
    help="Folder of the drafts (never inside the data folder).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("table", "yaml", "json")),
    default=None,
    help="How proposals are printed (default: table on a terminal, else yaml).",
)
@click.option(
    "--accept",
    "accept_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help="Move this reviewed draft into the data folder (after the loader passes it).",
)
@store_option
@data_option("Curated data folder (default: the project's data/).")
@seeds_option
@handles_errors
def curate(documents, source, out, fmt, accept_file, store_path, data_dir, seeds_dir) -> None:
    """Propose the facts of DOCUMENTs (text, Markdown, PDF) as draft records, compared with the graph.

    Each proposal is new, known (the graph holds it: its evidence is shown) or conflict (the
    graph says otherwise). Drafts go to --out/<source>.yaml with the document's text beside
    them; every record says `status: proposed`, which `nanokg build` refuses until a curator
    removes it. `--accept FILE` then moves the draft into data/products/ and the document's
    text into data/documents/, once the loader and the quote check pass.
    """
    from nanokg import settings
    from nanokg.errors import InputError

    data_dir = data_dir or settings.data_dir()
    if accept_file is not None:
        if documents:
            raise InputError("give either DOCUMENTs or --accept FILE, not both", parameter="--accept")
        from nanokg.drafting.drafts import accept

        for path in accept(accept_file, data_dir, seeds_dir or settings.seeds_dir()):
            click.echo(f"wrote {path}", err=True)
        click.echo("now run `nanokg build` to put the accepted records in the graph", err=True)
        return
    if not documents:
        raise InputError("no DOCUMENT given (or --accept FILE): see `nanokg curate --help`", parameter="DOCUMENT")
    from nanokg.drafting.assistant import curate as run
    from nanokg.drafting.assistant import known_sources, require_spacy
    from nanokg.drafting.compare import summary
    from nanokg.drafting.drafts import check_out_dir, write_draft
    from nanokg.knowledge_graph import KnowledgeGraph

    require_spacy()
    check_out_dir(out, data_dir)
    fmt = fmt or ("table" if sys.stdout.isatty() else "yaml")
    sources = known_sources(data_dir)
    kg = KnowledgeGraph.open(store_path)
    from nanokg.drafting.recognise import Recogniser

    recogniser = Recogniser.from_graph(kg)
    done = [run(Path(doc), kg, sources=sources, source=source, recogniser=recogniser) for doc in documents]
    records, rows = [], []
    for doc, curated in zip(documents, done, strict=True):
        for p in curated.proposals:
            records.append(proposal_record(p, str(doc)))
            rows.append(
                [p.status, p.kind, p.product, p.value, f"{p.confidence:.2f}", _abridged(p.quote), str(p.locator)]
            )
    if fmt == "table":
        emit(["status", "kind", "product", "value", "confidence", "quote", "locator"], rows, "table")
    elif fmt == "json":
        click.echo(json.dumps(records, indent=2, ensure_ascii=False, default=json_value))
    else:
        import yaml

        click.echo(yaml.safe_dump(records, sort_keys=False, allow_unicode=True, width=110), nl=False)
    for doc, curated in zip(documents, done, strict=True):
        path = write_draft(curated.draft, out, str(doc))
        kept = len(curated.draft.products) + len(curated.draft.extensions)
        left = f", {len(curated.draft.left_out)} left out" if curated.draft.left_out else ""
        click.echo(f"{doc}: {summary(curated.proposals)}; draft {path} ({kept} records{left})", err=True)
