"""The root of nanokg's errors, and what each kind means for the command line.

A failure nanokg reports is a :class:`NanokgError`: the CLI prints its message as one
``nanokg: error:`` line and exits with its :attr:`~NanokgError.exit_code`, 2 when the
user's input is at fault (:class:`InputError`: a file, a line, a parameter, a name) and 1
when the work itself failed. New failures derive from one of the two, so none of them can
become a traceback by being forgotten in the CLI.
"""

from __future__ import annotations

__all__ = ["InputError", "NanokgError"]


class NanokgError(Exception):
    """A failure nanokg reports in one line (exit 1)."""

    exit_code = 1


class InputError(NanokgError):
    """The user's input is at fault: a file, a line of it, an option or a name (exit 2)."""

    exit_code = 2
