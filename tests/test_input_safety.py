"""Bad input is refused in one line: credentials in endpoint URLs, undeclared terms, entities of another class."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from nanokg import KnowledgeGraph, settings
from nanokg.cli import main
from nanokg.curation.catalogue import ParameterValueError
from nanokg.curation.validate import qc_violations
from nanokg.errors import InputError
from nanokg.vocabulary import GRAPHS
from servers import free_port

SECRET = "s3cr3t-Passw0rd"
REFUSED = "[Errno 111] Connection refused"
NKG = "https://w3id.org/nanokg/ontology#"
DOXORUBICIN = "https://w3id.org/nanokg/drug/doxorubicin"


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


# -- 10: an endpoint URL never shows credentials ---------------------------------------------


def _endpoint_commands(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command that reads the graph through ``--endpoint`` (push has its own URL rules)."""
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _endpoint_commands(command, (*path, name))
        elif any("--endpoint" in p.opts for p in command.params) and name != "push":
            found.append((*path, name))
    return found


# what each command needs besides --endpoint; a new command taking --endpoint must be listed here
ARGUMENTS = {
    ("analyze", "attrition"): [],
    ("analyze", "centrality"): [],
    ("analyze", "communities"): [],
    ("analyze", "gaps"): [],
    ("analyze", "nearest"): ["Doxil"],
    ("analyze", "paths"): ["Doxil", "doxorubicin"],
    ("analyze", "similar"): [],
    ("describe",): ["Doxil"],
    ("mappings",): [],
    ("network",): ["--out", "{tmp}/graph.graphml"],
    ("plot",): ["attrition", "--out", "{tmp}/attrition.png"],
    ("products",): [],
    ("query",): ["products-by-target", "-p", "target=drug:doxorubicin"],
    ("sparql",): ["SELECT * WHERE { ?s ?p ?o }"],
    ("stats",): [],
}
ENDPOINT_COMMANDS = _endpoint_commands()


def test_every_endpoint_command_is_covered():
    assert set(ENDPOINT_COMMANDS) == set(ARGUMENTS)


def _command_line(command: tuple[str, ...], tmp_path: Path, endpoint: str) -> list[str]:
    return [*command, *(a.replace("{tmp}", str(tmp_path)) for a in ARGUMENTS[command]), "--endpoint", endpoint]


@pytest.mark.parametrize("command", ENDPOINT_COMMANDS, ids=" ".join)
def test_credentials_in_an_endpoint_url_are_refused_in_one_line(command, tmp_path):
    # a closed port: were the URL used, the connection would be refused and the error would show it
    url = f"http://reader:{SECRET}@127.0.0.1:{free_port()}/query"
    result = invoke(*_command_line(command, tmp_path, url))
    assert SECRET not in result.output
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("nanokg: error: --endpoint http://127.0.0.1:"), line
    assert "credentials in the URL are refused" in line and "~/.netrc" in line


@pytest.mark.slow
@pytest.mark.parametrize("command", ENDPOINT_COMMANDS, ids=" ".join)
def test_an_unreachable_endpoint_is_shown_without_its_secrets(command, tmp_path):
    # a token in the query string is a credential too: the error shows scheme, host, port and path
    port = free_port()
    result = invoke(*_command_line(command, tmp_path, f"http://127.0.0.1:{port}/query?access_token={SECRET}"))
    assert SECRET not in result.output
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.splitlines()
    assert line == f"nanokg: error: http://127.0.0.1:{port}/query: cannot reach the endpoint ({REFUSED})"


def test_a_url_that_is_not_http_is_refused_without_its_credentials():
    result = invoke("sparql", "ASK {}", "--endpoint", f"ftp://reader:{SECRET}@127.0.0.1/query")
    assert result.exit_code == 2 and SECRET not in result.output
    assert result.stderr == "nanokg: error: --endpoint 'ftp://127.0.0.1/query': not an http(s) URL\n"


def test_the_python_api_refuses_credentials_in_the_url():
    with pytest.raises(InputError) as caught:
        KnowledgeGraph.remote(f"http://reader:{SECRET}@127.0.0.1:{free_port()}/query")
    assert SECRET not in str(caught.value) and "~/.netrc" in str(caught.value)


class _GuardedEndpoint(BaseHTTPRequestHandler):
    """A SPARQL endpoint that answers one fixed ASK only to reader:SECRET (HTTP Basic)."""

    expected = "Basic " + base64.b64encode(f"reader:{SECRET}".encode()).decode()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Authorization") != self.expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="sparql"')
            self.end_headers()
            return
        body = json.dumps({"head": {}, "boolean": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def guarded_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GuardedEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()


def test_endpoint_credentials_come_from_netrc_for_the_host(guarded_endpoint, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login reader password {SECRET}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert KnowledgeGraph.remote(guarded_endpoint).backend.ask("ASK {}") is True


def test_an_endpoint_that_wants_credentials_says_where_they_go(guarded_endpoint, tmp_path, monkeypatch):
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    result = invoke("sparql", "ASK {}", "--endpoint", guarded_endpoint)
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"nanokg: error: {guarded_endpoint}: Unauthorized") and "~/.netrc" in line


# -- 14: the data use only terms the ontology declares ----------------------------------------


def _graphs_of(store: ox.Store) -> ox.Store:
    """A writable copy of the built store's graphs."""
    copy = ox.Store()
    copy.extend(store.quads_for_pattern(None, None, None, None))
    return copy


@pytest.fixture(scope="module")
def undeclared_qc(tmp_path_factory) -> Path:
    """A QC folder with the one query under test (the others take seconds, and have tests of their own)."""
    folder = tmp_path_factory.mktemp("qc")
    shutil.copy(settings.ontology_dir() / "qc" / "undeclared-term-violation.rq", folder)
    return folder


def _undeclared(store: ox.Store, qc: Path) -> list[str]:
    return [row for violation in qc_violations(store, qc) for row in violation.rows]


def test_an_undeclared_property_in_use_is_a_qc_violation(store, undeclared_qc):
    broken = _graphs_of(store)
    ontology = ox.NamedNode(str(GRAPHS["ontology"]))
    declaration = list(broken.quads_for_pattern(ox.NamedNode(NKG + "hasPayload"), None, None, ontology))
    assert declaration
    for quad in declaration:
        broken.remove(quad)
    rows = _undeclared(broken, undeclared_qc)
    assert rows and all("hasPayload" in row for row in rows), rows
    assert any("used as a property in graph asserted" in row for row in rows), rows


def test_an_undeclared_class_and_a_foreign_predicate_in_the_asserted_graph_are_qc_violations(store, undeclared_qc):
    broken = _graphs_of(store)
    asserted, provenance = (ox.NamedNode(str(GRAPHS[g])) for g in ("asserted", "provenance"))
    doxil = ox.NamedNode("https://w3id.org/nanokg/product/doxil")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    valid = ox.NamedNode("http://purl.org/dc/terms/valid")  # a foreign term the ontology does not declare
    broken.add(ox.Quad(doxil, rdf_type, ox.NamedNode(NKG + "Nanomedicne"), asserted))  # a typo
    broken.add(ox.Quad(doxil, valid, ox.Literal("1995"), asserted))
    # every graph the build writes is checked, not only the asserted one (a declared foreign term is fine anywhere)
    broken.add(ox.Quad(doxil, ox.NamedNode("https://schema.org/color"), ox.Literal("x"), provenance))
    broken.add(ox.Quad(doxil, ox.NamedNode("https://schema.org/keywords"), ox.Literal("x"), provenance))
    rows = _undeclared(broken, undeclared_qc)
    assert len(rows) == 3, rows
    assert any(f"<{NKG}Nanomedicne>" in row and "used as a class in graph asserted" in row for row in rows)
    assert any("<http://purl.org/dc/terms/valid>" in row for row in rows)
    assert any("<https://schema.org/color>" in row for row in rows)


def test_the_project_declares_every_term_it_uses(store, undeclared_qc):
    assert _undeclared(store, undeclared_qc) == []


@pytest.mark.slow
def test_a_build_with_an_undeclared_property_fails_naming_it(tmp_path):
    ontology = tmp_path / "ontology"
    shutil.copytree(settings.ontology_dir(), ontology)
    turtle = ontology / "nanokg.ttl"
    text = turtle.read_text(encoding="utf-8")
    start = text.index("nkg:hasPayload a owl:ObjectProperty ;")
    end = text.index("\n\n", start)
    turtle.write_text(text[:start] + text[end + 2 :], encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "nanokg", "build", "--ontology", str(ontology), "--store", str(tmp_path / "store")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert all(line.startswith("nanokg: error: ") for line in lines), lines
    assert any("undeclared-term-violation.rq" in line and f"<{NKG}hasPayload>" in line for line in lines), lines


# -- 15: an entity parameter resolves only within its class -----------------------------------

WRONG_CLASS = (
    "parameter 'target': no nkg:MolecularTarget named {value!r} in the graph: "
    "drug:doxorubicin is of class nkg:SmallMoleculeDrug"
)


@pytest.mark.parametrize("value", ["drug:doxorubicin", DOXORUBICIN, f"<{DOXORUBICIN}>"])
def test_an_entity_of_another_class_is_refused_naming_both_classes(kg, value):
    with pytest.raises(ParameterValueError) as caught:
        kg.query("products-by-target", target=value)
    assert isinstance(caught.value, InputError)
    assert str(caught.value) == WRONG_CLASS.format(value=value)


def test_find_keeps_iris_within_the_class(kg):
    target = NKG + "MolecularTarget"
    assert kg.find("drug:doxorubicin", cls=target) == []
    assert kg.find("drug:doxorubicin", cls=NKG + "Agent") == [DOXORUBICIN]
    assert kg.find("target:psma", cls=target) == ["https://w3id.org/nanokg/target/psma"]


def test_a_label_of_another_class_says_what_it_names(kg):
    with pytest.raises(ParameterValueError, match=r"^parameter 'target': no nkg:MolecularTarget named 'Doxil' "
                                                  r"in the graph: product:doxil is of class .*nkg:PEGylatedLiposome"):  # fmt: skip
        kg.query("products-by-target", target="Doxil")


def test_cli_refuses_an_entity_of_another_class_in_one_line(built_store):
    result = invoke("query", "products-by-target", "-p", "target=drug:doxorubicin", "--store", str(built_store))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"nanokg: error: {WRONG_CLASS.format(value='drug:doxorubicin')}\n"


@pytest.mark.server
def test_api_refuses_an_entity_of_another_class_with_400(built_store, tmp_path):
    import urllib.error
    import urllib.request

    from servers import NanokgServer

    server = NanokgServer(built_store, tmp_path)
    try:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{server.base}/api/products-by-target?target=drug:doxorubicin", timeout=60)
        assert caught.value.code == 400
        error = json.loads(caught.value.read())
    finally:
        server.stop()
    assert error["parameter"] == "target"
    assert error["error"] == WRONG_CLASS.format(value="drug:doxorubicin")


def _class_check(kg: KnowledgeGraph, value: str) -> str:
    try:
        return str(sorted(r["product"] for r in kg.query("products-by-target", target=value)))
    except ParameterValueError as exc:
        return str(exc)


CLASS_CHECKS = ["drug:doxorubicin", "Doxil", "target:psma", "nkg:MolecularTarget", "CHEBI:28748"]


@pytest.mark.slow
def test_the_class_check_is_the_same_on_every_backend(kg, built_store, oxigraph_server):
    expected = {value: _class_check(kg, value) for value in CLASS_CHECKS}
    assert expected["drug:doxorubicin"] == WRONG_CLASS.format(value="drug:doxorubicin")
    for other in (KnowledgeGraph.in_memory(built_store), KnowledgeGraph.remote(oxigraph_server.query_url)):
        assert {value: _class_check(other, value) for value in CLASS_CHECKS} == expected, other.backend


def test_the_class_check_is_the_same_on_virtuoso(kg, virtuoso_loaded):
    remote = KnowledgeGraph.remote(virtuoso_loaded.query_url)
    assert {v: _class_check(remote, v) for v in CLASS_CHECKS} == {v: _class_check(kg, v) for v in CLASS_CHECKS}
