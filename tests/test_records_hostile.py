"""Hostile data files are refused by the loader in one located line, cheaply.

A data file is read by one function (``nanokg.curation.yaml_lines.read_yaml``) that refuses, before
building anything large: a file that is not a regular file or is over the size limit, bytes
that are not UTF-8 or characters YAML forbids, anchors and aliases (the billion laughs),
nesting past the depth limit, keys that are lists or mappings, duplicate keys, tags, values
that cannot be read, and more than one document. Every message cuts the values it shows
before formatting them. These tests assert outcomes and memory, never time.
"""

from __future__ import annotations

import os
import re
import subprocess
import tracemalloc
from pathlib import Path

import pytest
from benchmarks.curation import products_yaml

from nanokg import settings
from nanokg.curation.loading import load_curation
from nanokg.curation.yaml_lines import MAX_DEPTH, MAX_FILE_BYTES, DataError, DataErrors
from nanokg.store.transaction import open_store

#: the billion laughs: nine lists of nine references to the level below, 9**9 strings once expanded
BOMB = (
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))
    + "products:\n  - id: lol\n    name: lol\n    quote: lol\n    carrier: {classes: [liposome], quote: lol}\n"
    + "    stage: {value: *i, quote: lol}\n"
)


def refused(tmp_path: Path, name: str, content: str | bytes) -> list[DataError]:
    """Load a data folder holding only ``name``; return the errors (the load must fail)."""
    path = tmp_path / "data" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DataErrors) as info:
        load_curation(tmp_path / "data")
    return info.value.errors


def one_line(errors: list[DataError], line: int, *words: str, name: str = "data/hostile.yaml") -> str:
    """The single error's text, checked for its file, line and words; short enough to read."""
    assert len(errors) == 1, [str(e) for e in errors]
    (error,) = errors
    text = str(error)
    assert "\n" not in text and len(text) < 300, text
    assert (error.path, error.line) == (name, line), text
    for word in words:
        assert word in text, text
    return text


# -- case 9: the billion laughs, anchors and aliases ----------------------------------------------
def test_alias_bomb_is_refused_at_its_first_anchor_in_bounded_memory(tmp_path):
    tracemalloc.start()
    try:
        errors = refused(tmp_path, "hostile.yaml", BOMB)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    one_line(errors, 1, "&a", "anchors and aliases are not allowed")
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MB traced to refuse a 1 kB file"


@pytest.mark.parametrize(
    ("text", "line", "shown"),
    [
        ("products:\n  - id: x\n    name: &n Doxil\n", 3, "&n"),  # an anchor on a scalar
        ("products:\n  - &p\n    id: x\n", 2, "&p"),  # on a mapping
        ("products:\n  - id: x\n    name: *n\n", 3, "*n"),  # an alias (its anchor undefined)
        ("products:\n  - id: x\n    <<: {name: x}\n", 3, "<<"),  # a merge key, even without an alias
    ],
    ids=["scalar-anchor", "mapping-anchor", "alias", "merge-key"],
)
def test_anchors_aliases_and_merge_keys_are_refused(tmp_path, text, line, shown):
    one_line(refused(tmp_path, "hostile.yaml", text), line, shown)


# -- case 11: depth, keys that are collections, .yml files ---------------------------------------
@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("products: " + "[" * 5000 + "]" * 5000 + "\n", 1),  # flow style, 5 000 deep
        ("products: " + "[" * 1_000_000 + "]" * 1_000_000 + "\n", 1),  # 1 000 000 deep: libyaml's composer would crash
        ("".join(" " * i + "a:\n" for i in range(5000)) + " " * 5000 + "a: 1\n", MAX_DEPTH + 1),  # block style
    ],
    ids=["flow-5000", "flow-1000000", "block-5000"],
)
def test_deep_nesting_is_refused_at_the_limit(tmp_path, text, line):
    one_line(refused(tmp_path, "hostile.yaml", text), line, f"nested deeper than {MAX_DEPTH} levels")


def test_the_depth_limit_leaves_room_for_the_curated_data(tmp_path):
    # the curated files nest 6 deep; a file exactly at the limit loads, one level more does not
    at_limit = "products: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    errors = refused(tmp_path, "hostile.yaml", at_limit)
    assert "nested deeper" not in str(errors[0]), errors  # refused by the schema, not the loader
    over = "products: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n"
    one_line(refused(tmp_path, "hostile.yaml", over), 1, "nested deeper")


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("products:\n  - id: x\n? [a, b]\n: 1\n", 3, "a list"),
        ("products: []\n? {a: 1}\n: 1\n", 2, "a mapping"),
        ("products: []\nsources: {[a, b]: 1}\n", 2, "a list"),
    ],
    ids=["block-list-key", "block-mapping-key", "flow-list-key"],
)
def test_a_key_that_is_a_list_or_a_mapping_is_refused(tmp_path, text, line, what):
    one_line(refused(tmp_path, "hostile.yaml", text), line, f"a key must be a plain value, not {what}")


@pytest.mark.parametrize("name", ["drugs.yml", "products/extra.yml", "Drugs.YAML"])
def test_a_data_file_not_named_yaml_is_refused_by_name(tmp_path, name):
    one_line(refused(tmp_path, name, "drugs: []\n"), 0, "rename it", name=f"data/{name}")


# -- case 16: bytes that are not UTF-8, characters YAML forbids ----------------------------------
@pytest.mark.parametrize(
    ("content", "line", "shown"),
    [
        (b"products:\n  - id: x\n    name: caf\xe9 au lait\n", 3, "not UTF-8 (byte 0xe9 at column 14)"),
        ("drugs: []\n".encode("utf-16"), 1, "not UTF-8 (byte 0xff at column 1)"),
        (b"drugs: []\n" * 1000 + b"a: \xc3\n", 1001, "not UTF-8 (byte 0xc3 at column 4)"),
        # column counts characters: the é before the bad byte is one
        ("products:\n  - name: é".encode() + b"\xff\n", 2, "not UTF-8 (byte 0xff at column 12)"),
    ],
    ids=["latin-1", "utf-16", "far-down", "after-multibyte"],
)
def test_a_file_that_is_not_utf8_is_located_by_line_and_column(tmp_path, content, line, shown):
    one_line(refused(tmp_path, "hostile.yaml", content), line, shown)


@pytest.mark.parametrize(
    ("text", "line", "shown"),
    [
        ("drugs: []\nproducts:\n  - id: x\x00\n", 3, "U+0000 at column 10"),
        ("drugs: []\n\x1b[31mproducts: []\n", 2, "U+001B at column 1"),
    ],
    ids=["nul", "escape"],
)
def test_a_character_yaml_forbids_is_located(tmp_path, text, line, shown):
    one_line(refused(tmp_path, "hostile.yaml", text), line, shown)


# -- the other ways a file can be hostile, refused by the same loader ----------------------------
@pytest.mark.parametrize(
    ("text", "line", "shown"),
    [
        ("products:\n  - id: x\n    year: 2023-13-45\n", 3, "month must be in 1..12"),
        ("products:\n  - id: x\n    size: 1" + "0" * 5000 + "\n", 3, "cannot read"),
        # converting these is quadratic in their length (base-60), or makes an int repr() refuses
        ("products:\n  - id: x\n    size: 1" + ":1" * 1_000_000 + "\n", 3, "over 100 characters"),
        ("products:\n  - id: x\n    stage: {value: 0x" + "f" * 5000 + "}\n", 3, "over 100 characters"),
        ("products:\n  - id: x\n    name: !!python/name:os.system x\n", 3, "tag"),
        ("products:\n  - id: x\n    name: !!binary AAAA\n", 3, "tag"),
        ("drugs: []\n---\nproducts: []\n", 2, "one YAML document"),
        ("products:\n  - id: x\n    id: y\n", 3, "duplicate key 'id'"),
        ("products:\n  - id: x\n   broken: [\n", 3, "malformed YAML"),
    ],
    ids=[
        "bad-date",
        "huge-int",
        "sexagesimal-int",
        "huge-hex",
        "python-tag",
        "binary-tag",
        "two-documents",
        "duplicate-key",
        "malformed",
    ],
)
def test_values_tags_and_documents_the_loader_refuses(tmp_path, text, line, shown):
    one_line(refused(tmp_path, "hostile.yaml", text), line, shown)


def test_loader_messages_cut_long_values_before_formatting(tmp_path):
    huge = "x" * 2_000_000  # explicit keys (?): an implicit key is at most 1024 characters
    text = one_line(
        refused(tmp_path, "hostile.yaml", f"products:\n  - ? {huge}\n    : 1\n    ? {huge}\n    : 2\n"),
        4,
        "duplicate key",
    )
    assert "xxx..." in text


def test_schema_messages_cut_long_values_before_formatting(tmp_path):
    huge = "x" * 2_000_000
    errors = refused(
        tmp_path, "hostile.yaml", f"? {huge}\n: 1\nproducts:\n  - id: {huge}\n    stage: {{value: {huge}}}\n"
    )
    assert len(errors) > 2, errors
    assert all(len(str(e)) < 400 for e in errors), [str(e)[:400] for e in errors]
    assert any("unknown section" in str(e) for e in errors)
    assert any("is not one of the allowed values" in str(e) for e in errors)


class _NeverShown:
    def __repr__(self) -> str:
        raise AssertionError("repr() of an item past the few a message shows")


def test_a_value_is_cut_before_it_is_formatted():
    # the billion laughs hung in repr() of the whole value, cut afterwards: items past the
    # first few, and levels past the second, must not even be looked at
    from nanokg.curation.yaml_lines import LineDict, LineList, short

    items = LineList([1, 2, 3, 4, 5, 6, 7, *[_NeverShown()] * 1000])
    nested = LineList([LineList([LineDict(a=LineList([_NeverShown()]))])])
    for value in (items, nested, "x" * 10_000_000, 2**100_000):
        text = short(value)
        assert len(text) <= 60, text


def test_a_folder_or_a_fifo_named_yaml_is_refused(tmp_path):
    (tmp_path / "data" / "folder.yaml").mkdir(parents=True)
    os.mkfifo(tmp_path / "data" / "fifo.yaml")  # opening it would block for ever
    with pytest.raises(DataErrors) as info:
        load_curation(tmp_path / "data")
    assert sorted(str(e) for e in info.value.errors) == [
        "data/fifo.yaml: not a regular file",
        "data/folder.yaml: not a regular file",
    ]


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "data" / "huge.yaml"
    path.parent.mkdir()
    with path.open("wb") as out:  # sparse: 50 GB that nobody writes, and the loader must not read
        out.truncate(50 * 2**30)
    one_line(_load_errors(tmp_path), 0, f"over the {MAX_FILE_BYTES // 2**20} MB limit", name="data/huge.yaml")


def _load_errors(tmp_path: Path) -> list[DataError]:
    with pytest.raises(DataErrors) as info:
        load_curation(tmp_path / "data")
    return info.value.errors


# -- case 17: a large file of valid records ------------------------------------------------------
@pytest.mark.slow
def test_a_5_mb_file_of_valid_products_is_accepted(data_copy):
    text = products_yaml(data_copy, 5_000_000)
    assert 5_000_000 <= len(text.encode("utf-8")) < MAX_FILE_BYTES
    (data_copy / "products" / "generated.yaml").write_text(text, encoding="utf-8")
    curation = load_curation(data_copy)
    copies = [p for p in curation.products if "-copy-" in p.id]
    assert len(copies) == text.count("\n  - id: ")
    first = next(p for p in copies if p.id.endswith("-copy-1"))
    assert re.fullmatch(r"data/products/generated\.yaml:\d+", first.curated_from)


# -- the command line: one line, exit 2, the store intact -----------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("products/bomb.yaml", BOMB, 1),
        ("products/deep.yaml", "products: " + "[" * 5000 + "]" * 5000 + "\n", 1),
        ("products/latin1.yaml", b"products:\n  - id: x\n    name: caf\xe9\n", 3),
    ],
    ids=["bomb", "deep", "latin-1"],
)
def test_build_refuses_a_hostile_file_in_one_line(data_copy, built_store, name, content, line):
    path = data_copy / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    before = len(open_store(built_store))
    done = subprocess.run(
        ["nanokg", "build", "--data", str(data_copy), "--store", str(built_store)],
        capture_output=True,
        text=True,
        timeout=600,  # a hang fails the test instead of the suite
        env={**os.environ, "NANOKG_SEEDS": os.environ.get("NANOKG_SEEDS", str(settings.seeds_dir()))},
    )
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr[-2000:]
    assert lines[0].startswith(f"nanokg: error: data/{name}:{line}: "), lines[0]
    assert len(open_store(built_store)) == before
