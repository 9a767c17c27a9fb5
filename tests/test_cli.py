"""The first commands, run as a user would: `nanokg products` and `nanokg stats`."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from nanokg.cli import main
from nanokg.query.overview import PRODUCT_COLUMNS

# Every product seed 000 names, by the name the graph uses (seed garbles corrected).
SEED_PRODUCTS = {
    "Doxil", "DaunoXome", "Myocet", "MM-398", "ThermoDox", "Lipoplatin", "Lipoxal", "EndoTAG-1", "IHL-305",
    "LiPlaCis", "Genexol-PM", "Paclical", "NK105", "NC-6004", "NK012", "NK911", "NC-4016", "Abraxane",
    "Transdrug", "DHAD-PBCA-NPs", "CRLX101", "Nanoxel", "Docetaxel-PNP", "PK1", "PK2", "PNU-166945",
    "PNU-166148", "Prothecan", "AD-70", "Xyotax", "Feraheme", "Cornell Dots", "AuroLase", "MCC-465",
    "SGT-53", "BIND-014", "CALAA-01",
    "Albumin-bound paclitaxel (Chia Tai Tianqing)", "Albumin-bound paclitaxel (CSPC)",
    "Albumin-bound paclitaxel (Jiangsu Hengrui)", "Albumin-bound paclitaxel (Qilu Pharmaceutical)",
    "Albumin-bound paclitaxel (Hunan Kelun)",
}  # fmt: skip


@pytest.fixture(scope="module")
def products(built_store) -> dict[str, dict[str, str]]:
    result = CliRunner().invoke(main, ["products", "--store", str(built_store), "--format", "csv"])
    assert result.exit_code == 0, result.output
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert reader.fieldnames == PRODUCT_COLUMNS
    return {row["name"]: row for row in reader}


def test_every_seed_product_is_listed(products):
    assert set(products) == SEED_PRODUCTS


def test_columns_hold_what_the_seed_states(products):
    nk105 = products["NK105"]
    assert nk105["carrier_class"] == "polymeric micelle"
    assert nk105["payloads"] == "paclitaxel"
    assert nk105["stage"] == "phase 3"
    assert nk105["indications"] == "breast cancer; gastric cancer"
    assert (nk105["size_nm_min"], nk105["size_nm_max"]) == ("85", "85")
    assert "ORR 25 %" in nk105["outcomes"]
    assert products["SGT-53"]["targets"] == "transferrin receptor"
    assert products["CALAA-01"]["terminated"] == "true"
    assert products["CALAA-01"]["payloads"] == "siRNA"
    assert products["Doxil"]["stage"] == "approved" and "Caelyx" in products["Doxil"]["aliases"]
    assert products["Cornell Dots"]["carrier_class"] == "inorganic nanoparticle"
    assert products["Xyotax"]["carrier_class"] == "polymer-drug conjugate"
    assert products["Abraxane"]["carrier_class"] == "nanoparticle"
    assert products["Albumin-bound paclitaxel (CSPC)"]["stage"] == "clinical (phase not stated)"
    assert products["PK2"]["stage"] == "phase 1/2"
    assert {row["carrier_class"] for row in products.values()} == {
        "liposome", "polymeric micelle", "nanoparticle", "polymer-drug conjugate", "inorganic nanoparticle",
    }  # fmt: skip
    assert all(row["sources"] for row in products.values())


def test_json_keeps_types_and_lists(built_store):
    result = CliRunner().invoke(main, ["products", "--store", str(built_store), "--format", "json"])
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["NK105"]["size_nm_min"] == 85
    assert rows["CALAA-01"]["terminated"] is True
    assert rows["MM-398"]["payloads"] == ["irinotecan"]


def test_table_format(built_store):
    result = CliRunner().invoke(main, ["products", "--store", str(built_store)])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("name")
    assert len(result.stdout.splitlines()) == len(SEED_PRODUCTS) + 2


def test_stats(built_store):
    result = CliRunner().invoke(main, ["stats", "--store", str(built_store), "--format", "json"])
    stats = json.loads(result.stdout)
    graphs = {g["graph"].rsplit("/", 1)[1]: g["triples"] for g in stats["graphs"]}
    assert set(graphs) == {"ontology", "asserted", "inferred", "derived", "provenance", "lookup", "queries"}
    classes = {c["label"]: c["count"] for c in stats["classes"] if c["label"]}
    assert classes["nanomedicine"] == len(SEED_PRODUCTS)
    assert classes["nucleic-acid nanomedicine"] == 2


def test_missing_store_is_one_clear_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "nanokg", "products", "--store", str(tmp_path / "nowhere")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"nanokg: error: no nanokg store at {tmp_path / 'nowhere'}: run `nanokg build` first (or pass --store)"
    ]


@pytest.mark.slow
def test_console_script_builds(console_build):
    # the installed entry point, end to end, as the README runs it
    store, build = console_build
    assert build.returncode == 0, build.stderr
    assert "built" in build.stderr and "reasoned with HermiT on Java" in build.stderr
    out = subprocess.run(["nanokg", "products", "--store", str(store), "--format", "csv"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert out.stdout.count("\n") == len(SEED_PRODUCTS) + 1


def _commands(group, path=()):
    """Every command path under ``group``, the group itself first."""
    yield path
    for name, command in sorted(getattr(group, "commands", {}).items()):
        yield from _commands(command, (*path, name))


@pytest.mark.parametrize("path", list(_commands(main)), ids=lambda p: " ".join(p) or "nanokg")
def test_help_renders_without_click_markup(path):
    """`--help` of every command: click's paragraph marker must be consumed, never printed.

    A raw docstring (r\"\"\"...\"\"\") hands click a literal backslash-b, which it prints and then
    wraps the examples into one line.
    """
    result = CliRunner().invoke(main, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    assert "\\b" not in result.output and "\b" not in result.output, result.output
    assert result.output.startswith("Usage: ")
