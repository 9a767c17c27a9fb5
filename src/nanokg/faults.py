"""Fault injection for the crash-safety tests: stop the process at a named step of a write.

Every write to a store, a target triple store or a file passes named checkpoints
(``faults.checkpoint("load:data-written")``). When ``$NANOKG_FAULT`` names one, the process
is killed right there: ``STEP`` sends SIGKILL (no cleanup, no ``finally``, as a power cut
or the OOM killer would), ``STEP@INT`` and ``STEP@TERM`` send SIGINT or SIGTERM (what
Ctrl-C and a service manager send, which the code may clean up after). The tests run
each command once per registered step and check that the store holds exactly the old or
the new state afterwards, with nothing left beside it. Users never set the variable; a
checkpoint then costs one dictionary lookup.

Steps are declared by the module that owns them (:func:`steps`), so the tests can ask
for every step of an operation (:func:`registered`) and a misspelt checkpoint fails.
"""

from __future__ import annotations

import os
import signal

from nanokg import settings

__all__ = ["ENVIRONMENT_VARIABLE", "checkpoint", "registered", "steps"]

ENVIRONMENT_VARIABLE = "NANOKG_FAULT"

_SIGNALS = {"KILL": signal.SIGKILL, "INT": signal.SIGINT, "TERM": signal.SIGTERM}
_REGISTERED: dict[str, tuple[str, ...]] = {}


def steps(operation: str, *names: str) -> tuple[str, ...]:
    """Declare the named steps of ``operation`` (``"build"``, ``"load"`` ...); returns ``operation:name`` each.

    >>> steps("example", "written", "swapped")
    ('example:written', 'example:swapped')
    >>> registered("example")
    ('example:written', 'example:swapped')
    """
    full = tuple(f"{operation}:{name}" for name in names)
    _REGISTERED[operation] = tuple(dict.fromkeys((*_REGISTERED.get(operation, ()), *full)))
    return full


def registered(operation: str | None = None) -> tuple[str, ...]:
    """The declared steps of ``operation``, or of every operation, in declaration order."""
    if operation is not None:
        return _REGISTERED.get(operation, ())
    return tuple(step for names in _REGISTERED.values() for step in names)


def checkpoint(step: str) -> None:
    """Kill this process here if ``$NANOKG_FAULT`` names ``step`` (``STEP``, ``STEP@INT``, ``STEP@TERM``).

    Raises
    ------
    KeyError
        When ``step`` was never declared with :func:`steps` (a misspelt checkpoint).
    """
    operation = step.partition(":")[0]
    if step not in _REGISTERED.get(operation, ()):
        raise KeyError(f"undeclared fault-injection step {step!r}")
    wanted = settings.env(ENVIRONMENT_VARIABLE)
    if not wanted:
        return
    name, _, how = wanted.partition("@")
    if name == step:
        os.kill(os.getpid(), _SIGNALS[how or "KILL"])
