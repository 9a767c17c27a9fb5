"""The notebooks of notebooks/ run top to bottom against the session's freshly built graph.

Each runs through nbclient in a kernel of this very interpreter (a kernel spec written to
a temporary folder, so no kernel installed on the machine is picked up) with
``$NANOKG_STORE`` pointing at the ``built_store`` fixture and its working directory in a
temporary folder; a cell that raises, or runs past the per-cell timeout, fails the test
with that cell's traceback. The notebooks assert facts of the seeds themselves, so a broken
graph fails here too. Committed notebooks carry no outputs and no execution counts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: seconds a cell may take: the quickstart builds the graph (about 10 s alone, far more on a loaded machine)
CELL_TIMEOUT = 600
KERNEL = "nanokg-tests"


def test_the_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01-quickstart.ipynb",
        "02-network-analysis.ipynb",
        "03-immunotherapy-and-targeting.ipynb",
        "04-curate-a-document.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_stripped(path):
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for number, cell in enumerate(notebook.cells, 1):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {number} has outputs: strip them before committing"
            assert cell.execution_count is None, f"{path.name} cell {number} has an execution count"
        assert not set(cell.metadata) & {"execution", "collapsed", "scrolled"}, f"{path.name} cell {number}"
    assert set(notebook.metadata) <= {"kernelspec", "language_info"}, notebook.metadata.keys()
    # every cell says what it shows: the notebook opens with a heading, and prose comes before the code
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")
    # in the form nbformat writes (sorted keys, one-space indent), so diffs stay small
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.fixture(scope="session")
def kernel_specs(tmp_path_factory):
    """A kernel spec manager that knows one kernel: ipykernel in this interpreter."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager

    folder = tmp_path_factory.mktemp("kernels")
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    write_kernel_spec(folder / KERNEL, overrides={"display_name": "nanokg tests", "argv": argv})
    return KernelSpecManager(kernel_dirs=[str(folder)])


def notebook_folder() -> set[Path]:
    return set((ROOT / "notebooks").rglob("*"))


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, built_store, kernel_specs, tmp_path, monkeypatch, capsys):
    import time

    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    monkeypatch.setenv("NANOKG_STORE", str(built_store))  # the kernel inherits the environment
    notebook = nbformat.read(path, as_version=4)
    before = notebook_folder()
    manager = KernelManager(kernel_name=KERNEL, kernel_spec_manager=kernel_specs)
    client = NotebookClient(notebook, km=manager, timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(tmp_path)}})
    started = time.monotonic()
    client.execute()  # raises CellExecutionError with the failing cell and its traceback
    took = time.monotonic() - started

    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code), "a code cell did not run"
    errors = [o for cell in code for o in cell.outputs if o.output_type == "error"]
    assert errors == []
    if path.stem == "02-network-analysis":
        images = [o for cell in code for o in cell.outputs if "image/png" in o.get("data", {})]
        assert len(images) == 3  # network, attrition, similarity
    # nothing written beside the notebooks (pictures and stores go to temporary folders)
    assert notebook_folder() == before
    assert list(tmp_path.iterdir()) == []  # nor in the working directory
    with capsys.disabled():
        print(f"\n{path.name}: {len(code)} code cells in {took:.1f} s")
