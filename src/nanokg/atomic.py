"""Files written whole or not at all: the old file or the new one after a crash at any instant.

:func:`atomic_write` writes to a temporary file beside the target, flushes and fsyncs it,
gives it the mode the old file had (or the mode a plain ``open()`` would give), renames it
over the target with :func:`os.replace` and fsyncs the folder, so the rename itself is
durable. A failure (or an exception in the ``with`` body) leaves the old file untouched and
no temporary file beside it. ``OSError`` reaches the caller, who words it for the user.

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> with atomic_write(folder / "table.csv", text=True) as stream:
...     _ = stream.write("a,b")
>>> (folder / "table.csv").read_text()
'a,b'
>>> sorted(p.name for p in folder.iterdir())
['table.csv']
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write", "fsync_directory", "write_bytes", "write_text"]


def fsync_directory(folder: Path) -> None:
    """Make a rename (or a new file) in ``folder`` durable; a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _give_mode(temporary: str, path: Path) -> None:
    # mkstemp makes the file private; give it the old file's mode, or what open() would give
    if path.exists():
        shutil.copymode(path, temporary)
    else:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, *, text: bool = False, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it is replaced whole when the ``with`` block ends.

    Parameters
    ----------
    path
        The file to write (its folder must exist).
    text
        Yield a text stream (``encoding``, line ends written as given) instead of a binary one.
    encoding
        The text encoding.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w" if text else "wb", **({"encoding": encoding, "newline": ""} if text else {})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _give_mode(temporary, path)
        os.replace(temporary, path)
        fsync_directory(path.parent)
    finally:
        Path(temporary).unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Replace ``path`` by ``data``, atomically (:func:`atomic_write`)."""
    with atomic_write(path) as f:
        f.write(data)


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    """Replace ``path`` by ``text``, atomically (:func:`atomic_write`)."""
    with atomic_write(path, text=True, encoding=encoding) as f:
        f.write(text)
