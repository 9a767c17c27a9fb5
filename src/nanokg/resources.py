"""Where the project's non-code parts are: curated data, ontology, queries, seeds, web page.

In a checkout (or an editable install) they are the repository's top-level folders; a
wheel carries copies under ``nanokg/resources/``. ``$NANOKG_SEEDS`` overrides the seed
folder, which by default is ``../shared/seeds`` beside the repository; ``$NANOKG_WEB``
overrides the query page's folder (``web/``, where ``npm ci --prefix web`` puts YASGUI).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_dir", "ontology_dir", "project_root", "queries_dir", "seeds_dir", "web_dir"]

_PACKAGE = Path(__file__).resolve().parent


def project_root() -> Path:
    """The folder holding ``data/``, ``ontology/`` and ``queries/``."""
    bundled = _PACKAGE / "resources"
    if (bundled / "ontology").is_dir():
        return bundled
    return _PACKAGE.parents[1]


def data_dir() -> Path:
    """The curated YAML files."""
    return project_root() / "data"


def ontology_dir() -> Path:
    """The ontology, SHACL shapes and QC queries."""
    return project_root() / "ontology"


def queries_dir() -> Path:
    """The named SPARQL queries."""
    return project_root() / "queries"


def web_dir() -> Path:
    """The query page of ``nanokg serve`` and its front-end packages (``web/node_modules``)."""
    if os.environ.get("NANOKG_WEB"):
        return Path(os.environ["NANOKG_WEB"]).expanduser()
    return project_root() / "web"


def seeds_dir() -> Path:
    """The source documents quotes are checked against."""
    if os.environ.get("NANOKG_SEEDS"):
        return Path(os.environ["NANOKG_SEEDS"]).expanduser()
    return project_root().parent / "shared" / "seeds"
