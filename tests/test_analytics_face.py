"""The analytics stage's house: its face, what it imports, the handles it takes, how it writes files."""

from __future__ import annotations

import stat
import subprocess
import sys

import networkx as nx
import pytest

import nanokg.analytics
from nanokg.analytics.network import backend_of, entity_graph, find_node, write_graph
from nanokg.query.names import UnknownEntityError


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_the_face_imports_nothing_until_asked():
    loaded = _run(
        "import sys, nanokg.analytics; "
        "print(sorted(m for m in ('networkx', 'matplotlib', 'nanokg.knowledge_graph', 'nanokg.analytics.network') "
        "if m in sys.modules))"
    )
    assert loaded == "[]"


def test_every_name_of_the_face_resolves():
    assert sorted(nanokg.analytics.__all__) == dir(nanokg.analytics)
    for name in nanokg.analytics.__all__:
        value = getattr(nanokg.analytics, name)
        assert name.isupper() or value.__name__ == name
    from nanokg.analytics import plot

    assert plot.__name__ == "nanokg.analytics.plot"  # the module, not its function of the same name


def test_analytics_never_imports_the_facade():
    loaded = _run(
        "import sys; import nanokg.analytics.network, nanokg.analytics.analysis, nanokg.analytics.plot; "
        "print('nanokg.knowledge_graph' in sys.modules)"
    )
    assert loaded == "False"


@pytest.fixture(scope="module")
def graph(kg):
    return entity_graph(kg)


def test_a_backend_is_a_handle_too(kg, graph):
    assert backend_of(kg) is kg.backend and backend_of(kg.backend) is kg.backend
    G = entity_graph(kg.backend)
    assert set(G) == set(graph) and G.number_of_edges() == graph.number_of_edges()
    doxil = "https://w3id.org/nanokg/product/doxil"
    assert find_node(graph, "Caelyx", kind="product", kg=kg.backend) == doxil
    assert find_node(graph, "Caelyx", kind="product", kg=kg) == doxil
    with pytest.raises(UnknownEntityError, match="names nothing"):
        find_node(graph, "no such product anywhere", kg=kg.backend)


def test_files_keep_the_mode_they_had(tmp_path):
    # written through nanokg.atomic: the old file's mode is kept, nothing is left beside it
    G = nx.MultiDiGraph()
    G.add_edge("a", "b", key="nkg:hasPayload", label="has payload")
    path = tmp_path / "g.graphml"
    path.write_text("old")
    path.chmod(0o640)
    write_graph(G, path, "graphml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and "has payload" in path.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["g.graphml"]
