"""The command line's one error handler: ``nanokg: error:`` lines and an exit status, never a traceback.

Every failure nanokg reports is a :class:`nanokg.errors.NanokgError` that carries its lines
and its exit status (2: the user's input is at fault; 1: the work failed). Anything else
that escapes a command is a bug in nanokg, told in one line; ``NANOKG_TRACEBACK=1`` shows
the traceback instead.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

import click

from nanokg import settings
from nanokg.errors import NanokgError

__all__ = ["fail", "handles_errors", "report"]

#: what the user sees for an exception nanokg does not know, after its type and message
BUG_REPORT = "this is a bug in nanokg; please report it with the command you ran (NANOKG_TRACEBACK=1 shows where)"


def fail(lines: Iterable[object], code: int = 1) -> NoReturn:
    """Print each line as ``nanokg: error: LINE`` on stderr and exit with ``code``."""
    for line in lines:
        # a message may carry the prefix already (a wrapped or quoted nanokg error): print it once
        line = str(line)
        while line.startswith("nanokg: "):
            line = line.removeprefix("nanokg: ").removeprefix("error: ")
        click.echo(f"nanokg: error: {line}", err=True)
    sys.exit(code)


def report(failure: BaseException) -> None:
    """Exit with ``nanokg: error:`` lines for ``failure``; return for click's own exits and Ctrl-C."""
    if isinstance(failure, NanokgError):
        fail(failure.lines(), code=failure.exit_code)
    if isinstance(failure, KeyboardInterrupt | click.exceptions.Exit | click.ClickException | SystemExit):
        return
    # not one of ours: a bug, told in one line (with what to send) instead of a traceback
    fail([f"internal error: {type(failure).__name__}: {failure}", BUG_REPORT])


def handles_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a command so that every failure ends as :func:`report` says."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as failure:
            if settings.env("NANOKG_TRACEBACK"):  # a developer asked for the traceback
                raise
            report(failure)
            raise

    return wrapper
