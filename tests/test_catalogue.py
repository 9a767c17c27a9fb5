"""The query catalogue follows its conventions, and every query has an answer test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nanokg.curation.catalogue import Catalogue, CatalogueError, parse_query_file

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = Catalogue()
ANSWER_TESTS = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py"))


def test_at_least_thirty_competency_questions():
    assert len(CATALOGUE) >= 30


@pytest.mark.parametrize("name", CATALOGUE.names())
def test_header_and_placeholders_follow_the_convention(name):
    spec = CATALOGUE[name]  # parsing in strict mode checks the header and placeholders
    assert spec.summary and spec.description and spec.example.startswith(f"nanokg query {name}")
    for param in spec.params.values():
        assert re.fullmatch(r"[a-zA-Z0-9]+", param.name)
        assert param.description
        assert param.default is not None or not param.required
    # grlc reads placeholders anywhere in the file, so none may hide in comments or the header
    comments = "\n".join(line for line in spec.text.splitlines() if line.lstrip().startswith("#"))
    assert "?_" not in comments


@pytest.mark.parametrize("name", CATALOGUE.names())
def test_every_query_has_an_answer_test(name):
    # an answer test calls kg.query("NAME", ...) (or runs the CLI on it) and checks rows
    assert re.search(rf"""["']{re.escape(name)}["']""", ANSWER_TESTS), f"no test runs {name}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("#+ summary: [unclosed\nSELECT * WHERE { ?s ?p ?o }", r"x\.rq:1: header is not valid YAML"),
        (
            "#+ summary: s\n#+ description: d\n#+ example: e\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
            "SELECT ?s WHERE {\n  ?s ?p ?_thing_iri }",
            r"x\.rq:6: parameter 'thing' needs a description",
        ),
        (
            "#+ summary: s\n#+ description: d\n#+ example: e\n#+ params:\n#+   thing: {description: t}\n"
            "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\nSELECT ?s WHERE {\n  ?s ?p ?_thing_iri }",
            r"x\.rq:8: required parameter 'thing' needs a default",
        ),
        (
            "#+ summary: s\n#+ description: d\n#+ example: e\nSELECT ?_thing WHERE { ?s ?p ?o }",
            r"x\.rq:4: placeholder \?_thing outside the WHERE clause",
        ),
        ("#+ summary: s\n#+ description: d\nSELECT * WHERE { ?s ?p ?o }", r"x\.rq:1: header needs a `example`"),
        (
            "#+ summary: s\n#+ descripton: d\nSELECT * WHERE { ?s ?p ?o }",
            r"x\.rq:1: unknown header key\(s\) descripton",
        ),
    ],
)
def test_broken_headers_are_located(tmp_path, text, message):
    path = tmp_path / "x.rq"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=message):
        parse_query_file(path)


def test_a_users_file_needs_no_header(tmp_path):
    path = tmp_path / "mine.rq"
    path.write_text("SELECT ?s WHERE { ?s a ?_kind_iri }", encoding="utf-8")
    spec = parse_query_file(path, strict=False)
    assert spec.params["kind"].kind == "iri" and spec.params["kind"].required


def grlc_paste(spec, values: dict[str, str]) -> str:
    """What grlc 1.3 sends: each placeholder replaced by its value as text (gquery.rewrite_query_standard)."""
    text = spec.text
    for name, param in spec.params.items():
        if name not in values:
            continue
        value = values[name]
        if param.kind == "iri":
            pasted = f"<{value}>"
        elif param.kind in ("number", "integer"):
            pasted = value if param.kind == "number" else f'"{value}"^^xsd:integer'
        else:
            pasted = f'"{value}"'
        text = text.replace(f"?{param.variable}", pasted)
    return text


@pytest.mark.parametrize("name", CATALOGUE.names())
def test_the_file_still_parses_after_grlc_pastes_values(name):
    import pyoxigraph as ox

    spec = CATALOGUE[name]
    defaults = {n: p.default for n, p in spec.params.items() if p.default is not None}
    pasted = grlc_paste(spec, defaults)  # optional parameters left as variables
    assert "?_" not in pasted.replace("?__", "") and isinstance(ox.Store().query(pasted), ox.QuerySolutions)
    # and with every entity parameter given (an IRI pasted where BOUND() would be a syntax error)
    given = {**defaults, **{n: "https://w3id.org/nanokg/x" for n, p in spec.params.items() if p.kind == "iri"}}
    pasted = grlc_paste(spec, given)
    assert "?_" not in pasted and isinstance(ox.Store().query(pasted), ox.QuerySolutions)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("#+ summary: " + "[" * 5000 + "\n", "nested deeper than"),
        ('#+ a: &a ["x", "x"]\n#+ b: [*a, *a]\n', "anchors or aliases"),
    ],
    ids=["deep", "alias"],
)
def test_a_hostile_header_is_one_located_error(tmp_path, header, message):
    """A user's FILE.rq header nested 5,000 deep was a RecursionError traceback."""
    path = tmp_path / "q.rq"
    path.write_text(header + "SELECT * WHERE {}\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=rf"q\.rq:1: header .*{message}"):
        parse_query_file(path, strict=False)


@pytest.mark.parametrize("name", CATALOGUE.names())
def test_default_bindings_are_what_a_run_without_values_binds(name):
    # the catalogue graph binds defaults with no store; a run binds the same terms
    from nanokg.query.engine import bind_parameters

    spec = CATALOGUE[name]
    defaults = spec.default_bindings()
    assert set(defaults) == {p.variable for p in spec.params.values() if p.default is not None}
    assert (
        bind_parameters(None, spec, {p.name: p.default_term() for p in spec.params.values() if p.default}) == defaults
    )


def test_a_default_term_has_its_parameters_type(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text(
        "#+ defaults:\n#+   - n: 3\n#+   - t: https://w3id.org/nanokg/target/x\n#+   - w: 2.50\n"
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        "SELECT * WHERE { ?s ?p ?_n_integer, ?_t_iri, ?_w_number, ?__free }\n",
        encoding="utf-8",
    )
    spec = parse_query_file(path, strict=False)
    assert {k: str(v) for k, v in spec.default_bindings().items()} == {
        "_n_integer": '"3"^^<http://www.w3.org/2001/XMLSchema#integer>',
        "_t_iri": "<https://w3id.org/nanokg/target/x>",
        "_w_number": '"2.5"^^<http://www.w3.org/2001/XMLSchema#decimal>',
    }
    assert spec.params["free"].default_term() is None
