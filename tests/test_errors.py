"""One error model: every exception nanokg defines is a NanokgError, and the CLI has one handler for them.

Exit 2 and HTTP 400 for an :class:`~nanokg.errors.InputError`, exit 1 for any other
:class:`~nanokg.errors.NanokgError`, each as ``nanokg: error:`` lines; anything else is a bug,
told in one line without a traceback unless ``NANOKG_TRACEBACK=1`` asks for it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

import nanokg
from nanokg.cli import main
from nanokg.cli.errors import BUG_REPORT
from nanokg.errors import InputError, NanokgError


def defined_exceptions() -> list[type[BaseException]]:
    """Every exception class a module of the nanokg package defines."""
    found = []
    for info in pkgutil.walk_packages(nanokg.__path__, "nanokg."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        found += [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == module.__name__
        ]
    return found


def test_every_exception_nanokg_defines_is_a_nanokg_error():
    classes = defined_exceptions()
    names = {cls.__name__ for cls in classes}
    # the walk reaches every stage (a walk that found nothing would pass vacuously)
    assert {"StoreMissingError", "ParameterValueError", "ExportUsageError", "NotEmbeddedError"} <= names
    strays = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in classes if not issubclass(cls, NanokgError))
    assert strays == [], "derive these from nanokg.errors.NanokgError or InputError"


def test_the_two_kinds():
    assert (InputError.exit_code, InputError.http_status) == (2, 400)
    assert (NanokgError.exit_code, NanokgError.http_status) == (1, 500)
    error = InputError("no target named 'x'", parameter="target", location="data/x.yaml:3")
    assert (error.parameter, error.location, error.lines()) == ("target", "data/x.yaml:3", ["no target named 'x'"])


def failing_open(failure: BaseException):
    def open_(*args, **kwargs):
        raise failure

    return open_


def products(monkeypatch, failure: BaseException, **env: str):
    """``nanokg products`` with the graph's opening raising ``failure``."""
    from nanokg.knowledge_graph import KnowledgeGraph

    monkeypatch.setattr(KnowledgeGraph, "open", failing_open(failure))
    monkeypatch.delenv("NANOKG_TRACEBACK", raising=False)
    return CliRunner().invoke(main, ["products"], env=env)


def test_an_input_error_is_exit_2_in_one_line(monkeypatch):
    result = products(monkeypatch, InputError("--store: not a store", parameter="--store"))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["nanokg: error: --store: not a store"] and result.stdout == ""


def test_a_failure_is_exit_1_with_its_lines(monkeypatch):
    class Several(NanokgError):
        def lines(self) -> list[str]:
            return ["validation failed with 2 problem(s)", "nanokg: error: first", "second"]

    result = products(monkeypatch, Several("ignored"))
    assert result.exit_code == 1
    # each line once prefixed, even one that carried the prefix already
    assert result.stderr.splitlines() == [
        "nanokg: error: validation failed with 2 problem(s)",
        "nanokg: error: first",
        "nanokg: error: second",
    ]


def test_a_real_input_error_and_a_real_failure(tmp_path):
    runner = CliRunner()
    unnamed = runner.invoke(main, ["query"])
    assert unnamed.exit_code == 2
    assert unnamed.stderr.splitlines() == ["nanokg: error: name a query (see `nanokg query --list`) or a .rq file"]
    missing = runner.invoke(main, ["stats", "--store", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1
    assert missing.stderr.splitlines() == [
        f"nanokg: error: no nanokg store at {tmp_path / 'nowhere'}: run `nanokg build` first (or pass --store)"
    ]


def test_an_unexpected_exception_is_a_bug_report_not_a_traceback(monkeypatch):
    result = products(monkeypatch, RuntimeError("boom"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "nanokg: error: internal error: RuntimeError: boom",
        f"nanokg: error: {BUG_REPORT}",
    ]
    assert isinstance(result.exception, SystemExit)  # handled: nothing escaped


def test_nanokg_traceback_lets_it_through(monkeypatch):
    result = products(monkeypatch, RuntimeError("boom"), NANOKG_TRACEBACK="1")
    assert isinstance(result.exception, RuntimeError) and str(result.exception) == "boom"
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("traceback", [False, True])
def test_what_a_user_sees_in_a_terminal(traceback):
    # the same in a process of its own, where an escaped exception prints its traceback
    script = (
        "import sys\n"
        "from nanokg.knowledge_graph import KnowledgeGraph\n"
        "def broken(*args, **kwargs):\n"
        "    raise RuntimeError('boom')\n"
        "KnowledgeGraph.open = broken\n"
        "from nanokg.cli import main\n"
        "main(['products'])\n"
    )
    env = {"NANOKG_TRACEBACK": "1"} if traceback else {}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env | _base_env(), check=False
    )
    assert result.returncode == 1
    if traceback:
        assert "Traceback (most recent call last)" in result.stderr and "RuntimeError: boom" in result.stderr
    else:
        assert "Traceback" not in result.stderr
        assert result.stderr.splitlines() == [
            "nanokg: error: internal error: RuntimeError: boom",
            f"nanokg: error: {BUG_REPORT}",
        ]


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "NANOKG_TRACEBACK"}
