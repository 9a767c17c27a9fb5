"""The JSON Schema of data/ files: fresh, true to the curated data, and able to refuse."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from nanokg import settings
from nanokg.curation import schema
from nanokg.curation.yaml_lines import read_yaml


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    document = json.loads(schema.schema_path().read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)


def test_the_committed_schema_is_fresh():
    # as bioregistry does: fails when the models change and the file was not regenerated
    committed = schema.schema_path().read_text(encoding="utf-8")
    assert committed == schema.schema_text(), "data/schema is stale: run python -m nanokg.curation.schema"
    assert schema.main(["--check"]) == 0


def test_the_schema_ships_with_data():
    # data/ is force-included in the wheel (nanokg/resources/data), the schema with it
    assert schema.schema_path().parent.parent == settings.data_dir()


@pytest.mark.parametrize("path", sorted(settings.data_dir().rglob("*.yaml")), ids=lambda p: p.name)
def test_every_curated_file_is_valid(validator, path):
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(read_yaml(path))]
    assert not errors, errors[:5]


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"products": [{"id": "x", "name": "X", "quote": "q", "carrier": {"classes": ["liposme"], "quote": "q"},
                        "stage": {"value": "approved", "quote": "q"}}]}, ["products", 0, "carrier", "classes", 0]),
        ({"drugs": [{"id": "d", "name": "D", "kind": "small molecule", "quote": "q"}]}, ["drugs", 0, "kind"]),
        ({"drugs": [{"id": "D!", "name": "D", "kind": "sirna", "quote": "q"}]}, ["drugs", 0, "id"]),
        ({"druggs": []}, []),
        ({"products": [{"id": "x", "nmae": "X"}]}, ["products", 0]),
    ],
    ids=["carrier-class", "kind", "id-pattern", "section", "field"],
)  # fmt: skip
def test_the_schema_refuses_what_the_build_refuses(validator, document, where):
    def paths(errors):  # an error under anyOf (a section may be null) holds the real ones as its context
        for error in errors:
            yield list(error.absolute_path)
            yield from paths(error.context or ())

    assert where in list(paths(validator.iter_errors(document)))


def test_main_reports_a_stale_schema_and_regenerates_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(schema, "schema_path", lambda: tmp_path / "schema" / "nanokg-data.schema.json")
    assert schema.main(["--check"]) == 1
    assert schema.main([]) == 0
    assert schema.main(["--check"]) == 0
    assert (tmp_path / "schema" / "nanokg-data.schema.json").read_text(encoding="utf-8") == schema.schema_text()
    assert schema.main(["--bogus"]) == 2
    assert "stale" in capsys.readouterr().out
