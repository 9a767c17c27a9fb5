"""The one YAML loader (nanokg.curation.yaml_lines): texts as well as files, and why it refuses.

The hostile cases of data files are in tests/test_records_hostile.py; here the text entry
point the query catalogue's headers use, and the reasons callers word their messages by.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from nanokg.curation.catalogue import CatalogueError, parse_query_file
from nanokg.curation.yaml_lines import MAX_DEPTH, REASONS, DataErrors, YamlRefused, parse_yaml, read_yaml


def test_a_text_gives_values_that_know_their_lines():
    doc = parse_yaml("summary: s\nparams:\n  target:\n    class: nkg:MolecularTarget\ndefaults:\n  - target: x\n")
    assert doc == {
        "summary": "s",
        "params": {"target": {"class": "nkg:MolecularTarget"}},
        "defaults": [{"target": "x"}],
    }
    assert doc.key_lines == {"summary": 1, "params": 2, "defaults": 5}
    assert doc["params"]["target"].line == 4 and doc["defaults"].item_lines == [6]
    assert parse_yaml("") is None


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("a: &x 1\n", 1, "alias"),
        ("a: 1\nb: *x\n", 2, "alias"),
        ("a: !!str 1\n", 1, "tag"),
        ("a: 1\n<<: {b: 2}\n", 2, "merge"),
        ("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n", 1, "depth"),
        ("a: 1\na: 2\n", 2, "key"),
        ("? [a]\n: 1\n", 1, "key"),
        ("a: 2023-13-45\n", 1, "scalar"),
        ("a: 1\n---\nb: 2\n", 2, "documents"),
        ("a: [\n", 2, "syntax"),
        ("a: \x07\n", 1, "encoding"),
    ],
)
def test_a_refusal_says_where_and_why(text, line, reason):
    with pytest.raises(YamlRefused) as info:
        parse_yaml(text, what="query header")
    assert (info.value.line, info.value.reason) == (line, reason), info.value.message
    assert reason in REASONS
    assert "\n" not in info.value.message and len(info.value.message) < 300
    if reason in ("alias", "tag", "merge"):
        assert "not allowed in query headers" in info.value.message


def test_a_file_refusal_is_one_located_data_error(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(DataErrors) as info:
        read_yaml(path, "data/x.yaml")
    assert info.value.lines() == ["data/x.yaml:2: duplicate key 'a'"]
    assert info.value.location == "data/x.yaml:2"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("#+ summary: s\n#+ summary: t\n", r"q\.rq:2: header is refused: duplicate key 'summary'"),
        ("#+ summary: s\n#+ tags: !!python/name:os.system x\n", r"q\.rq:2: header is refused: tag .* not allowed"),
        ("#+ summary: s\n#+ description: [\n", r"q\.rq:2: header is not valid YAML"),
        ("#+ summary: s\n#+ description: *d\n", r"q\.rq:2: header must not use YAML anchors or aliases"),
    ],
    ids=["duplicate-key", "tag", "syntax", "alias"],
)
def test_query_headers_are_read_by_the_same_loader(tmp_path, header, message):
    path = tmp_path / "q.rq"
    path.write_text(header + "SELECT * WHERE {}\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=message):
        parse_query_file(path, strict=False)


@pytest.mark.parametrize(
    ("module", "heavy"),
    [
        ("nanokg.curation.yaml_lines", ("pydantic", "rdflib", "pyoxigraph")),
        # the query catalogue reads headers with it on `nanokg query`'s cold start
        ("nanokg.curation.catalogue", ("pydantic", "owlready2", "networkx", "pyshacl", "matplotlib")),
    ],
)
def test_the_loader_stays_light(module, heavy):
    code = f"import sys, {module}\nprint(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
