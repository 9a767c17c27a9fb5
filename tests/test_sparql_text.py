"""The one SPARQL lexer (nanokg.sparql_text.tokens) and every reader built on it, on the same tricky inputs."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from nanokg.query.federation import redirect_services
from nanokg.sparql_text import (
    QuerySyntaxError,
    check_query_text,
    declared_prefixes,
    first_keyword,
    names_a_dataset,
    query_shape,
    service_iris,
    tokens,
    with_prefixes,
    with_values,
)

WIKIDATA = "https://query.wikidata.org/sparql"
MIRROR = "http://127.0.0.1:9/query"
# text that hides a brace, a quote, WHERE, FROM, PREFIX or SERVICE where no token of them is
HIDING = [
    r'"a\"b { WHERE FROM # SERVICE <https://query.wikidata.org/sparql>"',
    r"'it\'s { WHERE FROM PREFIX x: <http://x/>'",
    '"""a "quoted" ""{ # FROM WHERE SERVICE <https://query.wikidata.org/sparql> }"""',
    "'''it's '' } # {'''",
    "<http://e/ns#FROM'WHERE>",
]
COMMENT = "# { \" ' SERVICE <https://query.wikidata.org/sparql> FROM WHERE PREFIX y: <http://y/> }\n"


def _query(hidden: str) -> str:
    return (
        "PREFIX ex: <http://e/ns#>\n"
        f"{COMMENT}"
        f"select ?from WHERE {{ ?from ex:from {hidden} . {COMMENT}"
        f"  service silent <{WIKIDATA}> {{ ?from <http://e/p#q> ?o }} }}"
    )


QUERIES = [_query(h) for h in HIDING]


@pytest.mark.parametrize("text", QUERIES)
def test_the_tokens_spell_the_text(text):
    assert "".join(t.text for t in tokens(text)) == text
    assert all(text[t.start : t.end] == t.text for t in tokens(text))


@pytest.mark.parametrize("hidden", HIDING)
def test_strings_iris_and_comments_are_one_token_each(hidden):
    kinds = [t.kind for t in tokens(hidden)]
    assert kinds == ["iri" if hidden.startswith("<") else "string"]
    assert [t.kind for t in tokens(COMMENT)] == ["comment", "space"]


@pytest.mark.parametrize("text", QUERIES)
def test_every_reader_sees_only_the_real_keywords(text):
    # the query parses, so the readers below are checked against what Oxigraph reads
    ox.Store().query(text)
    assert first_keyword(text) == "SELECT"
    assert names_a_dataset(text) is False
    assert service_iris(text) == [WIKIDATA]
    assert declared_prefixes(text) == {"ex": "http://e/ns#"}
    assert check_query_text(text).depth == query_shape(text).depth == 2
    bound = with_values(text, {"o": ox.Literal("v")})
    assert bound.count('VALUES ?o { "v" }') == 1
    head, _, tail = bound.partition('VALUES ?o { "v" }')
    assert head.rstrip().endswith("WHERE {") and tail.startswith(" ") and text.startswith(head.rstrip())
    redirected = redirect_services(text, {WIKIDATA: MIRROR})
    assert redirected.count(MIRROR) == 1 and redirected.count(WIKIDATA) == text.count(WIKIDATA) - 1
    assert service_iris(redirected) == [MIRROR]
    assert with_prefixes(text, {"ex": "http://other/", "y": "http://y/"}) == "PREFIX y: <http://y/>\n" + text


def test_a_from_clause_is_told_from_names_that_hold_from():
    assert names_a_dataset("SELECT * FROM <http://e/g> { ?s ?p ?o }")
    assert names_a_dataset("select * from named <http://e/g> { graph ?g { ?s ?p ?o } }")
    assert names_a_dataset("SELECT *FROM<http://e/g>{}")
    for text in (
        'SELECT ?from WHERE { ?from ex:from "FROM" }  # FROM',
        "SELECT * WHERE { ?s from:x <http://e/FROM> } ",
        "SELECT * WHERE { ?s ex:a ?fromage }",
        "SELECT * WHERE { ?s ex:a '''\nFROM <http://e/g>\n''' }",
    ):
        assert not names_a_dataset(text), text


def test_the_first_keyword_comes_after_the_prologue():
    assert first_keyword("BASE <http://e/#base>\n# ASK\nprefix ex: <http://e/#>\nConstruct {} WHERE {}") == "CONSTRUCT"
    assert first_keyword("PREFIX ex: <http://e/>\n  insert data { ex:a ex:b ex:c }") == "INSERT"
    assert first_keyword("select*{}") == "SELECT"
    assert first_keyword("PREFIX ex <http://e/> SELECT * {}") == "PREFIX"  # no prefix name: not a prologue
    assert first_keyword("BASE ex:a SELECT * {}") == "BASE"
    assert first_keyword("# only a comment") == ""
    assert first_keyword('"SELECT" {}') == ""


def test_values_go_into_the_where_group_not_a_construct_template():
    text = 'CONSTRUCT { ?s ?p "WHERE {" } WHERE { ?s ?p ?o }'
    bound = with_values(text, {"p": ox.NamedNode("http://e/p#x")})
    assert bound == 'CONSTRUCT { ?s ?p "WHERE {" } WHERE { VALUES ?p { <http://e/p#x> }  ?s ?p ?o }'
    # the WHERE keyword is optional in a SELECT; escaped quotes do not end a string
    bound = with_values(
        r"SELECT * { ?s ?p 'it\'s {' }", {"s": [ox.NamedNode("http://e/a"), ox.NamedNode("http://e/b")]}
    )
    assert bound == r"SELECT * { VALUES ?s { <http://e/a> <http://e/b> }  ?s ?p 'it\'s {' }"
    assert with_values("SELECT * {}", {}) == "SELECT * {}"


def test_a_query_without_a_where_group_cannot_take_values():
    with pytest.raises(QuerySyntaxError, match="no WHERE clause"):
        with_values('SELECT * # {\n"{"', {"x": ox.Literal("1")})


def test_declared_prefixes_are_read_case_insensitively_and_only_as_declarations():
    text = "prefix : <http://d/>\nPrefix ex.a: <http://e/>\n# PREFIX c: <http://c/>\nASK { ?s ?p 'PREFIX s: <x>' }"
    assert declared_prefixes(text) == {"": "http://d/", "ex.a": "http://e/"}
    assert with_prefixes(text, {"ex.a": "http://x/", "c": "http://c/"}) == "PREFIX c: <http://c/>\n" + text


def test_service_endpoints_are_read_with_escapes_and_only_from_service_clauses():
    text = (
        "SELECT * { SERVICE <https://query.wikidat\\u0061.org/sparql> { ?s ?p ?o } "
        '  ?s ?p "SERVICE <http://no/>" . SERVICE ?endpoint { } }  # SERVICE <http://no/>'
    )
    assert service_iris(text) == [WIKIDATA]
    assert redirect_services(text, {WIKIDATA: MIRROR}).startswith(f"SELECT * {{ SERVICE <{MIRROR}> {{")


def test_a_comparison_is_told_from_an_iri_only_where_the_brackets_say_so():
    text = "ASK { ?s ?p ?a FILTER(?a<?b&&?c>?d) }"
    kinds = [t.kind for t in tokens(text) if t.text.startswith("<")]
    assert kinds == ["iri"]  # without context, `<?b&&?c>` reads as an IRI...
    assert query_shape(text).depth == 2  # ...while the nesting guard, which knows the brackets, compares
    assert [t.text for t in tokens(text, compares=lambda: True) if t.kind == "op"][:1] == ["<"]
