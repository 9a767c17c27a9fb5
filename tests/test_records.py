"""Bad curated data fails the build with one located line, a non-zero exit, no traceback,
and the previous store intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from nanokg import settings
from nanokg.cli import main
from nanokg.curation.checks import verify_quotes
from nanokg.curation.loading import load_curation
from nanokg.curation.yaml_lines import DataErrors
from nanokg.store.transaction import open_store


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"fixture text not found once in {path}: {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


NK105 = "products/micelles.yaml"

CASES = {
    "malformed-yaml": (NK105, "  - id: nk105\n", "  - id: nk105\n   broken: [\n", "products/micelles.yaml", None, "malformed YAML"),
    "unknown-carrier": (NK105, "classes: [polymeric-micelle]\n      detail: \"paclitaxel-loaded PEG",
                        "classes: [polymeric-vesicle]\n      detail: \"paclitaxel-loaded PEG",
                        "products/micelles.yaml", "products[nk105].carrier.classes", "unknown carrier class 'polymeric-vesicle'"),
    "unknown-stage": (NK105, "value: phase-3\n      quote: \"NK105 (clinical phase III)",
                      "value: phase-4\n      quote: \"NK105 (clinical phase III)",
                      "products/micelles.yaml", "products[nk105].stage.value", "'phase-4' is not one of the allowed values"),
    "negative-size": ("products/nanoparticles.yaml", "min: 130", "min: -130",
                      "products/nanoparticles.yaml", "products[abraxane].size", "size must be positive"),
    "reversed-size": ("products/micelles.yaml", "min: 20\n      max: 50", "min: 50\n      max: 20",
                      "products/micelles.yaml", "products[genexol-pm].size", "reversed size range: min 50 is greater than max 20"),
    "undefined-drug": (NK105, "agent: paclitaxel", "agent: paclitaxol",
                       "products/micelles.yaml", "products[genexol-pm].payloads.agent", "'paclitaxol' is not a defined drug id"),
    "undefined-target": ("products/targeted.yaml", "target: transferrin-receptor", "target: transferin-receptor",
                         "products/targeted.yaml", "products[sgt-53].targeting.target", "'transferin-receptor' is not a defined target id"),
    "duplicate-product": ("products/micelles.yaml", "  - id: nk911\n", "  - id: nk105\n",
                          "products/micelles.yaml", "products[5].id", "duplicate id 'nk105'"),
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_data_fails_with_one_located_line_and_keeps_the_store(case, data_copy, built_store, tmp_path):
    file, old, new, shown, field, message = CASES[case]
    path = data_copy / file
    # apply the edit where the text occurs first (some fixtures occur more than once)
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {file}: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    before = len(open_store(built_store))

    result = CliRunner().invoke(main, ["build", "--data", str(data_copy), "--store", str(built_store)])

    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    match = re.match(r"nanokg: error: data/(\S+?):(\d+): (\S*):? ?(.*)", lines[0])
    assert match, lines[0]
    assert match.group(1) == shown
    assert int(match.group(2)) > 0
    if field is not None:
        assert match.group(3) == f"{field}:", lines[0]
    assert message in lines[0]
    assert len(open_store(built_store)) == before


def test_error_line_points_at_the_offending_line(data_copy):
    path = data_copy / "products/micelles.yaml"
    text = path.read_text(encoding="utf-8")
    first = text.index("agent: paclitaxel")
    path.write_text(text[:first] + "agent: paclitaxol" + text[first + len("agent: paclitaxel") :], encoding="utf-8")
    with pytest.raises(DataErrors) as info:
        load_curation(data_copy)
    (error,) = info.value.errors
    assert error.line == line_of(path, "agent: paclitaxol")
    assert error.path == "data/products/micelles.yaml"


def test_unknown_field_is_named(data_copy):
    edit(data_copy / "products/micelles.yaml", "  - id: nk105\n", "  - id: nk105\n    colour: blue\n")
    with pytest.raises(DataErrors) as info:
        load_curation(data_copy)
    assert [str(e).split(": ", 1)[1] for e in info.value.errors] == ["products[nk105].colour: unknown field (typo?)"]


def test_general_knowledge_needs_a_note(data_copy):
    path = data_copy / "products/liposomes.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index('        note: "Caelyx is')
    end = text.index("\n", start)
    path.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    with pytest.raises(DataErrors) as info:
        load_curation(data_copy)
    assert [str(e) for e in info.value.errors] == [
        "data/products/liposomes.yaml:8: products[doxil].aliases[0]: "
        "a fact needs a quote (or a locator, or for general knowledge a note)"
    ]


def test_every_quote_is_verbatim_in_its_seed():
    curation = load_curation(settings.data_dir())
    assert settings.seeds_dir().is_dir(), "the seeds must be beside the repository (../shared/seeds)"
    assert verify_quotes(curation, settings.seeds_dir()) == []


def test_a_quote_not_in_the_seed_is_reported(data_copy):
    edit(data_copy / "products/micelles.yaml",
         "its overall response rate (ORR) 25%", "its overall response rate (ORR) 52%")  # fmt: skip
    errors = verify_quotes(load_curation(data_copy), settings.seeds_dir())
    assert len(errors) == 1
    assert errors[0].field == "products[nk105].quote"
    assert "not found verbatim in seed-000" in errors[0].message


def test_general_knowledge_with_a_quote_but_no_note_is_refused(data_copy):
    edit(data_copy / "products/micelles.yaml",
         "      - material: peg-polyaspartate\n        quote: \"paclitaxel-loaded",
         "      - material: peg-polyaspartate\n        source: general-knowledge\n        quote: \"paclitaxel-loaded")  # fmt: skip
    with pytest.raises(DataErrors) as info:
        load_curation(data_copy)
    (error,) = info.value.errors
    assert error.field == "products[nk105].note"
    text = (data_copy / "products/micelles.yaml").read_text(encoding="utf-8")
    edited_at = text.index("peg-polyaspartate\n        source: general-knowledge")
    assert error.line == text.count("\n", 0, edited_at) + 1
    assert error.message == "a general-knowledge fact needs a note saying what it rests on"


def test_unknown_source_is_refused(data_copy):
    edit(data_copy / "products/targeted.yaml", "default_source: seed-000", "default_source: seed-999")
    with pytest.raises(DataErrors) as info:
        load_curation(data_copy)
    assert all("'seed-999' is not a source defined in sources.yaml" in str(e) for e in info.value.errors)
    assert {e.path for e in info.value.errors} == {"data/products/targeted.yaml"}


def test_a_record_marked_proposed_is_refused_at_its_marker(data_copy):
    edit(data_copy / "products/micelles.yaml", "  - id: nk105\n", "  - id: nk105\n    status: proposed\n")
    with pytest.raises(DataErrors) as info:
        load_curation(data_copy)
    (error,) = info.value.errors
    assert error.line == line_of(data_copy / "products/micelles.yaml", "status: proposed")
    assert str(error).startswith("data/products/micelles.yaml:")
    assert error.field == "products[nk105].status" and "still marked `status: proposed`" in error.message


def test_an_extension_adds_facts_to_its_product_by_id(data_copy):
    (data_copy / "products/extra.yaml").write_text(
        "default_source: seed-000\n"
        "extensions:\n"
        "  - id: extra-nk105\n"
        "    product: nk105\n"
        "    indications:\n"
        '      - {disease: breast-cancer, quote: "NK105 (clinical phase III)"}\n',
        encoding="utf-8",
    )
    curation = load_curation(data_copy)
    (nk105,) = [p for p in curation.products if p.id == "nk105"]
    added = nk105.indications[-1]
    assert added.disease == "breast-cancer" and added.curated_from == "data/products/extra.yaml:6"
    assert added.source == "seed-000"
    assert len(curation.products) == len(curation.records["products"])  # extended, not duplicated


def test_an_extension_of_an_undefined_product_is_refused(data_copy):
    (data_copy / "products/extra.yaml").write_text(
        "extensions:\n  - id: extra-zz\n    product: zz-9\n    findings: []\n", encoding="utf-8"
    )
    with pytest.raises(DataErrors) as info:
        load_curation(data_copy)
    assert [str(e) for e in info.value.errors] == [
        "data/products/extra.yaml:2: extensions[extra-zz].product: 'zz-9' is not a defined product id"
    ]
