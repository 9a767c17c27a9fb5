"""The JSON Schema of a ``data/`` file, generated from the record models.

Editors that speak the YAML language server (VS Code's YAML extension, JetBrains IDEs,
Neovim's yamlls) check a data file against it as a curator types, when the file's first
line names it (``data/README.md`` shows how). The schema is committed as
``data/schema/nanokg-data.schema.json`` and shipped with ``data/``; a test fails when the
models change and it was not regenerated:

.. code-block:: console

    $ python -m nanokg.curation.schema          # rewrite the file
    $ python -m nanokg.curation.schema --check  # exit 1 when it is stale

The schema checks fields, types and closed value lists; what it cannot say (that a fact
needs a quote, a locator or a note; that referenced ids exist) ``nanokg build`` checks.

Examples
--------
>>> schema = data_schema()
>>> schema["properties"]["products"]["anyOf"][0]["items"]["$ref"]
'#/$defs/Product'
>>> "curated_from" in schema["$defs"]["Product"]["properties"]
False
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, create_model

from nanokg import settings
from nanokg.atomic import write_text
from nanokg.curation.records import SECTIONS, EntityMapping, Id

__all__ = ["SCHEMA_ID", "data_schema", "main", "schema_path", "schema_text", "write_schema"]

#: the schema's ``$id``: where it is published beside the data
SCHEMA_ID = "https://w3id.org/nanokg/schema/nanokg-data.schema.json"
#: fields the loader sets (file and line of a record); a curator never writes them
_LOADER_FIELDS = ("curated_from",)


def schema_path() -> Path:
    """Where the schema is kept: ``data/schema/nanokg-data.schema.json``."""
    return settings.data_dir() / "schema" / "nanokg-data.schema.json"


def data_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one data file: optional sections, each a list of records."""
    sections: dict[str, Any] = {key: (list[model] | None, None) for key, (model, _) in SECTIONS.items()}  # type: ignore[valid-type]
    data_file = create_model(
        "DataFile",
        __config__=ConfigDict(extra="forbid", title="nanokg data file"),
        default_source=(Id | None, None),
        mappings=(list[EntityMapping] | None, None),
        **sections,
    )
    schema = data_file.model_json_schema(by_alias=True)
    for definition in schema.get("$defs", {}).values():
        for name in _LOADER_FIELDS:
            definition.get("properties", {}).pop(name, None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "description": (
            "One YAML file of nanokg's curated data (data/**/*.yaml). Generated from the models of "
            "nanokg.curation.records by `python -m nanokg.curation.schema`: do not edit by hand."
        ),
        **schema,
    }


def schema_text() -> str:
    """The schema as it is committed: JSON, keys sorted, two-space indent, one final newline."""
    return json.dumps(data_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schema(path: Path | None = None) -> Path:
    """Write the schema to ``path`` (default :func:`schema_path`), whole or not at all; return the path."""
    path = Path(path or schema_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, schema_text())
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m nanokg.curation.schema [--check]``: regenerate the schema, or check it is fresh."""
    args = sys.argv[1:] if argv is None else argv
    path = schema_path()
    if args == ["--check"]:
        fresh = path.is_file() and path.read_text(encoding="utf-8") == schema_text()
        print(f"{path}: {'up to date' if fresh else 'stale: run python -m nanokg.curation.schema'}")
        return 0 if fresh else 1
    if args:
        print("usage: python -m nanokg.curation.schema [--check]", file=sys.stderr)
        return 2
    print(write_schema(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
