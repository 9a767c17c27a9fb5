"""Options several commands share, and the graph they name.

Nothing here imports the query layer: :func:`open_graph` does, when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from nanokg.cli.output import FORMATS, RESULT_FORMATS

if TYPE_CHECKING:
    from nanokg.knowledge_graph import KnowledgeGraph

__all__ = [
    "data_option",
    "endpoint_option",
    "format_option",
    "ontology_option",
    "open_graph",
    "result_format_option",
    "seeds_option",
    "split_names",
    "store_option",
]

store_option = click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Store location (default: $NANOKG_STORE or ~/.local/share/nanokg/store).",
)
endpoint_option = click.option(
    "--endpoint",
    metavar="URL",
    default=None,
    help="Query this SPARQL 1.1 endpoint instead of the embedded store (its default graph must be the union). "
    "Credentials: ~/.netrc for its host, never in the URL.",
)
format_option = click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
result_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(RESULT_FORMATS),
    default="table",
    show_default=True,
    help="json, csv and tsv are the SPARQL 1.1 result formats.",
)


def data_option(help: str) -> click.Option:
    """``--data``: the curated data folder."""
    return click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False, exists=True),
                        default=None, help=help)  # fmt: skip


def ontology_option(help: str) -> click.Option:
    """``--ontology``: the ontology folder."""
    return click.option("--ontology", "ontology_dir", type=click.Path(path_type=Path, file_okay=False, exists=True),
                        default=None, help=help)  # fmt: skip


seeds_option = click.option(
    "--seeds",
    "seeds_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Source documents to check quotes against (default: ../shared/seeds or $NANOKG_SEEDS).",
)


def open_graph(store_path: Path | None, endpoint: str | None) -> KnowledgeGraph:
    """The graph a command's ``--endpoint`` or ``--store`` names (the default store if neither)."""
    from nanokg.knowledge_graph import KnowledgeGraph

    if endpoint:
        return KnowledgeGraph.remote(endpoint)
    return KnowledgeGraph.open(store_path)


def split_names(text: str | None) -> list[str] | None:
    """``"a, b,"`` -> ``["a", "b"]``: a comma-separated option such as ``--graphs``; ``None`` stays ``None``.

    Examples
    --------
    >>> split_names(" asserted, provenance,"), split_names(None)
    (['asserted', 'provenance'], None)
    """
    return None if text is None else [name.strip() for name in text.split(",") if name.strip()]
