"""The ``nanokg`` command line: thin commands over :class:`nanokg.KnowledgeGraph` and the module functions.

One module per command family (:mod:`~nanokg.cli.build`, :mod:`~nanokg.cli.query`,
:mod:`~nanokg.cli.store`, :mod:`~nanokg.cli.publish`, :mod:`~nanokg.cli.serve`,
:mod:`~nanokg.cli.analyze`, :mod:`~nanokg.cli.curate`) joined here into one click group, one table writer
(:mod:`~nanokg.cli.output`) and one error handler (:mod:`~nanokg.cli.errors`): every expected
failure ends with ``nanokg: error: ...`` lines on stderr and a non-zero exit, never a traceback.
Each command imports what it needs when it runs, so that ``nanokg query`` starts fast.
"""

from __future__ import annotations

import click

from nanokg.cli import analyze, build, curate, publish, query, serve, store

__all__ = ["main"]


@click.group()
@click.version_option(package_name="nanokg")
def main() -> None:
    """nanokg: a knowledge graph of anti-tumour nanomedicines."""


for _command in (
    build.build,
    query.products,
    query.stats,
    query.query,
    query.sparql,
    query.describe,
    store.load,
    store.unload,
    publish.push,
    publish.export,
    publish.release,
    publish.diff,
    publish.mappings,
    serve.serve,
    analyze.analyze,
    analyze.network,
    analyze.plot,
    curate.curate,
):
    main.add_command(_command)
