"""The root of nanokg's errors, and what each kind means to the command line and to HTTP.

Every failure nanokg reports is a :class:`NanokgError`. There are two kinds:

* :class:`InputError`: the user's input is at fault (a file, a line of it, an option, a
  query parameter, a name). The CLI exits with status 2, ``nanokg serve`` answers 400.
  :attr:`~NanokgError.parameter` names the parameter at fault and
  :attr:`~NanokgError.location` the ``file:line``, when the raiser knows them, so that no
  caller has to recover them from the message.
* any other :class:`NanokgError`: the work itself failed (a reasoner, a store, a remote
  endpoint). Exit status 1, HTTP 500.

The CLI prints :meth:`~NanokgError.lines` as ``nanokg: error:`` lines. A new failure derives
from one of the two kinds, so it cannot become a traceback by being forgotten somewhere;
anything else that escapes is a bug, and the CLI says so in one line.

Examples
--------
>>> error = InputError("parameter 'target': no target named 'x'", parameter="target")
>>> error.exit_code, error.http_status, error.parameter
(2, 400, 'target')
>>> NanokgError("the store is damaged").lines()
['the store is damaged']
"""

from __future__ import annotations

__all__ = ["InputError", "NanokgError"]


class NanokgError(Exception):
    """A failure nanokg reports in one line or a few (exit 1, HTTP 500).

    Parameters
    ----------
    *args
        The message (as for :class:`Exception`).
    parameter
        The option or query parameter at fault, if one is.
    location
        The ``file:line`` (or file) at fault, if one is.
    """

    exit_code = 1
    http_status = 500
    parameter: str | None = None
    location: str | None = None

    def __init__(self, *args: object, parameter: str | None = None, location: str | None = None) -> None:
        super().__init__(*args)
        if parameter is not None:
            self.parameter = parameter
        if location is not None:
            self.location = location

    def lines(self) -> list[str]:
        """The lines to show a user, first the summary (subclasses add details)."""
        return [str(self)]


class InputError(NanokgError):
    """The user's input is at fault: a file, a line of it, an option or a name (exit 2, HTTP 400)."""

    exit_code = 2
    http_status = 400
