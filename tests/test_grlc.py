"""The same queries/ folder through grlc 1.3 (from PyPI, unchanged, in its own virtualenv) against a
real `nanokg serve`: grlc's /api-local/NAME answers as nanokg's own /api/NAME does.

grlc pastes parameter values into the query text; nanokg binds RDF terms. The comparison
therefore gives grlc what it can use: entity parameters as IRIs (it has no name lookup), and
every required parameter (grlc uses the header's ``defaults`` only to fill its Swagger form).
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import pytest

from nanokg import settings
from nanokg.curation.catalogue import Catalogue
from servers import GrlcServer, NanokgServer

# every test here talks to a real server started on loopback (tiers: tests/conftest.py)
pytestmark = [pytest.mark.grlc, pytest.mark.server]

CATALOGUE = Catalogue()
#: Queries that call public endpoints through SERVICE (Wikidata, UniProt). grlc sends their text as
#: written, so the engine behind it calls the public endpoint; $NANOKG_SERVICES redirects only what
#: nanokg itself sends. They work through grlc where those endpoints are reachable, not offline here.
FEDERATED = sorted(name for name in CATALOGUE.names() if "SERVICE" in CATALOGUE[name].text)


@pytest.fixture(scope="module")
def nanokg_server(built_store, tmp_path_factory):
    served = NanokgServer(built_store, tmp_path_factory.mktemp("grlc-nanokg"))
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def grlc(nanokg_server, tmp_path_factory):
    try:
        served = GrlcServer(nanokg_server.url, settings.queries_dir(), tmp_path_factory.mktemp("grlc"))
    except RuntimeError as exc:  # not installable or not starting: say why, never skip
        pytest.fail(str(exc), pytrace=False)
    try:
        yield served
    finally:
        served.stop()


def get(url: str, accept: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def with_defaults(name: str, **given: str) -> dict[str, str]:
    """The header's defaults for the parameters not given (entity defaults are IRIs)."""
    params = {n: p.default for n, p in CATALOGUE[name].params.items() if p.default is not None}
    return {**params, **given}


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("products", {}),
        ("stats-graphs", {}),
        ("products-by-target", with_defaults("products-by-target")),
        ("products-by-target", {"target": "https://w3id.org/nanokg/target/psma"}),
        ("approvals-timeline", {"fromyear": "2000", "toyear": "2010"}),
        ("products-by-size", {"minsize": "50", "maxsize": "150.5"}),
        ("findings-by-text", {"text": "neutropenia"}),
        ("terminated-trials", {}),  # optional parameter left out
        ("terminated-trials", {"reason": "https://w3id.org/nanokg/effect/nephrotoxicity"}),  # and given
    ],
)
def test_grlc_answers_as_nanokg_does(grlc, nanokg_server, name, params):
    query = urllib.parse.urlencode(params)
    ours = get(f"{nanokg_server.base}/api/{name}.csv?{query}", "text/csv")
    theirs = get(f"{grlc.api}/{name}?{query}", "text/csv")
    assert ours[0] == 200, ours
    assert theirs == ours
    assert len(ours[1].splitlines()) > 1, f"{name} {params} answers nothing"


def test_every_query_serves_through_grlc_unchanged(grlc, nanokg_server):
    """All of queries/ but the federated ones, each with its defaults given: grlc and nanokg give the same CSV."""
    assert FEDERATED == ["federated-uniprot-targets", "federated-wikidata-drugs"]
    differ = []
    for name in sorted(set(CATALOGUE.names()) - set(FEDERATED)):
        query = urllib.parse.urlencode(with_defaults(name))
        ours = get(f"{nanokg_server.base}/api/{name}.csv?{query}", "text/csv")
        theirs = get(f"{grlc.api}/{name}?{query}", "text/csv")
        if ours[0] != 200 or theirs != ours:
            differ.append(f"{name}: grlc {theirs[0]} {theirs[1][:120]!r}, nanokg {ours[0]}")
    assert differ == []


def test_grlc_lists_the_catalogue_in_its_swagger(grlc):
    import json

    status, body = get(f"{grlc.api}/swagger", "application/json")
    assert status == 200
    paths = json.loads(body)["paths"]
    assert sorted(path.strip("/") for path in paths) == CATALOGUE.names()


def test_grlc_pastes_values_where_nanokg_binds_terms(grlc, nanokg_server):
    """What the README warns about: grlc puts the value into the text, so a quote breaks the query."""
    query = urllib.parse.urlencode({"text": 'x" } ; DROP ALL #'})
    theirs = get(f"{grlc.api}/findings-by-text?{query}", "text/csv")
    # the pasted quote ends the string early: the endpoint rejects the text (grlc still says 200)
    assert "SPARQL syntax error" in theirs[1]
    ours = get(f"{nanokg_server.base}/api/findings-by-text.csv?{query}", "text/csv")
    assert ours == (200, "product,productName,finding,text,phase,phaseLabel,indication,indicationLabel\r\n")
    # a label is a value nanokg resolves; grlc can only paste it as an IRI, which names nothing
    label = urllib.parse.urlencode({"target": "CD71"})
    assert len(get(f"{nanokg_server.base}/api/products-by-target.csv?{label}", "text/csv")[1].splitlines()) > 1
    assert len(get(f"{grlc.api}/products-by-target?{label}", "text/csv")[1].splitlines()) <= 1
