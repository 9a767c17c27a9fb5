"""Versioned, reproducible releases of the graph: every export format, a description and checksums.

A release is a directory::

    nanokg.ttl nanokg.nt nanokg.nq nanokg.trig nanokg.jsonld nanokg.xml
                        the graph in every format of :mod:`nanokg.publish.export` (each with its own
                        VoID/DCAT description inside)
    description.ttl     the VoID/DCAT description of the release: version, release date,
                        licence, sources, triple counts per graph, and one dcat:Distribution
                        per file with its size and SHA-256
    release.json        the same as a machine-readable manifest
    SHA256SUMS          ``sha256sum -c`` lines for every other file

**One version.** The ontology's ``owl:versionInfo`` (with the matching
``owl:versionIRI`` ``https://w3id.org/nanokg/ontology/<version>``) is the only place a
version number is written: ``pyproject.toml`` reads the package version from it
(hatchling's regex version source), the export's ``dcat:version`` is that package version,
and :func:`graph_version` reads it back from a built store. A release refuses a store whose
ontology version is not the installed package's (an editable install keeps the version it
was installed with: reinstall after changing it).

**Same inputs, same bytes.** Nothing depends on the clock: the release date is ``--date``,
else ``$SOURCE_DATE_EPOCH`` (as a UTC date), else the date of the version's heading in
``CHANGELOG.md`` (``## [0.1.0] - 2026-11-24``); without any of them the release stops.
The exports are sorted and blank nodes have the build's canonical ids, so two releases of
the same data, ontology and date are identical byte for byte.

**Nothing lost.** The release is written into a temporary directory beside ``DIR``
(``.DIR.release-XXXX``, locked with ``flock`` while its writer lives) and put in place
only when complete, by exchanging the two directories in one ``renameat2(RENAME_EXCHANGE)``
(Linux), so that ``DIR`` holds the old release or the new one at every moment, never
neither; where the exchange is not supported, ``DIR`` is moved aside and the new one
renamed in (two renames). A non-empty ``DIR`` is replaced only with ``force``, and only
when it is a release (it has ``SHA256SUMS`` and ``release.json``): anything else, a
store included, is refused even with ``force``. What a killed release left beside
``DIR`` (its temporary directory, or the old release after the exchange) is removed by
the next release into ``DIR``. The steps are named for :mod:`nanokg.faults`.

:func:`open_release` checks a release against its ``SHA256SUMS`` and loads its N-Quads file,
for :mod:`nanokg.publish.diff`.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import version as installed_version
from pathlib import Path

import pyoxigraph as ox

from nanokg import faults, settings
from nanokg.atomic import atomic_write, write_text
from nanokg.errors import InputError, NanokgError
from nanokg.publish.export import DATASET, DEFAULT_GRAPHS, EXPORT_PREFIXES, FORMATS, LICENSE, describe_dataset, export
from nanokg.vocabulary import BASE, GRAPHS

__all__ = [
    "CHECKSUMS",
    "DESCRIPTION",
    "MANIFEST",
    "Release",
    "ReleaseError",
    "ReleaseInputError",
    "ReleaseReport",
    "ReleaseUsageError",
    "changelog_date",
    "check_out",
    "graph_version",
    "open_release",
    "release_date",
    "write_release",
]

#: the checksum file, in ``sha256sum -c`` format
CHECKSUMS = "SHA256SUMS"
#: the machine-readable manifest
MANIFEST = "release.json"
#: the VoID/DCAT description of the release
DESCRIPTION = "description.ttl"
#: the file a release is read back from (every named graph, exactly)
QUADS_FILE = "nanokg.nq"
#: where a version's ontology lives: its owl:versionIRI is this plus the version
ONTOLOGY_VERSION_BASE = f"{BASE}ontology/"

_OWL = "http://www.w3.org/2002/07/owl#"
_DCT = "http://purl.org/dc/terms/"
_DCAT = "http://www.w3.org/ns/dcat#"
_SPDX = "http://spdx.org/rdf/terms#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
#: where ``$NANOKG_FAULT`` may stop a release: after its first file, when complete beside ``DIR``,
#: and after the exchange, before the old release is removed
EXPORTING, WRITTEN, SWAPPED = faults.steps("release", "exporting", "written", "swapped")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")
_CHECKSUM_LINE = re.compile(r"([0-9a-f]{64})  ([^/\\]+)$")


class ReleaseError(NanokgError, RuntimeError):
    """Writing a release failed; nothing was written (an existing directory is left as it was)."""


class ReleaseUsageError(InputError, ReleaseError):
    """An argument of the release is wrong (date, output directory, versions that disagree)."""


class ReleaseInputError(ReleaseUsageError):
    """A directory given as a release is not one, or fails its checksums."""


@dataclass
class ReleaseReport:
    """What :func:`write_release` wrote."""

    out: Path
    version: str
    date: str
    files: dict[str, dict] = field(default_factory=dict)
    graphs: dict[str, int] = field(default_factory=dict)


@dataclass
class Release:
    """A release read back and verified: its manifest and its graphs in an in-memory store."""

    path: Path
    manifest: dict
    store: ox.Store

    @property
    def version(self) -> str:
        """The release's version."""
        return self.manifest["version"]

    @property
    def date(self) -> str:
        """The release date (ISO)."""
        return self.manifest["date"]


_ONTOLOGY_VERSION = f"""
SELECT ?ontology ?versionIRI ?versionInfo WHERE {{
  GRAPH <{GRAPHS["ontology"]}> {{
    ?ontology a <{_OWL}Ontology> .
    OPTIONAL {{ ?ontology <{_OWL}versionIRI> ?versionIRI }}
    OPTIONAL {{ ?ontology <{_OWL}versionInfo> ?versionInfo }}
  }}
}}
"""


def graph_version(store: ox.Store) -> str:
    """The version of a built graph: its ontology's ``owl:versionInfo``.

    Raises
    ------
    ReleaseUsageError
        No versioned ontology in the store, or ``owl:versionIRI`` not
        ``https://w3id.org/nanokg/ontology/<owl:versionInfo>``.

    Examples
    --------
    >>> from nanokg.store.transaction import open_store
    >>> graph_version(open_store(STORE)) == installed_version("nanokg")
    True
    """
    rows = list(store.query(_ONTOLOGY_VERSION))
    if len(rows) != 1 or rows[0]["versionInfo"] is None:
        raise ReleaseUsageError("the ontology graph has no single owl:Ontology with an owl:versionInfo")
    info = rows[0]["versionInfo"].value
    iri = rows[0]["versionIRI"]
    if iri is None or iri.value != ONTOLOGY_VERSION_BASE + info:
        raise ReleaseUsageError(f"the ontology's owl:versionIRI {iri} does not match its owl:versionInfo {info!r} "
                                f"(expected <{ONTOLOGY_VERSION_BASE}{info}>)")  # fmt: skip
    return info


def changelog_date(changelog: Path, version: str) -> str | None:
    r"""The date of ``version``'s heading in a Keep-a-Changelog file (``## [1.0.0] - 2026-01-31``), if any.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "CHANGELOG.md"
    >>> _ = path.write_text("# Changelog\n\n## [0.2.0] - 2027-01-05\n\n## [0.1.0] - 2026-11-24\n")
    >>> changelog_date(path, "0.1.0"), changelog_date(path, "0.3.0")
    ('2026-11-24', None)
    """
    if not changelog.is_file():
        return None
    heading = re.compile(rf"^##\s+\[?{re.escape(version)}\]?\s+-\s+(\d{{4}}-\d{{2}}-\d{{2}})\s*$", re.MULTILINE)
    match = heading.search(changelog.read_text(encoding="utf-8"))
    return match.group(1) if match else None


def release_date(version: str, date: str | None = None, changelog: Path | None = None) -> str:
    """The release date: ``date``, else ``$SOURCE_DATE_EPOCH``, else the CHANGELOG heading of ``version``.

    Raises
    ------
    ReleaseUsageError
        A malformed date, or none of the three sources gives one.

    Examples
    --------
    >>> release_date("0.1.0", "2026-11-24")
    '2026-11-24'
    >>> release_date("0.1.0", "24/11/2026")
    Traceback (most recent call last):
    ...
    nanokg.publish.release.ReleaseUsageError: --date: '24/11/2026' is not a date as YYYY-MM-DD
    """
    if date is not None:
        if not _DATE.match(date):
            raise ReleaseUsageError(f"--date: {date!r} is not a date as YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(date).isoformat()
        except ValueError as exc:
            raise ReleaseUsageError(f"--date: {date!r}: {exc}") from None
    epoch = settings.env("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
        except (ValueError, OverflowError, OSError):
            raise ReleaseUsageError(f"$SOURCE_DATE_EPOCH: {epoch!r} is not a number of seconds") from None
    changelog = Path(changelog) if changelog is not None else settings.project_root() / "CHANGELOG.md"
    found = changelog_date(changelog, version)
    if found is None:
        raise ReleaseUsageError(f"no release date for {version}: give --date YYYY-MM-DD, set SOURCE_DATE_EPOCH, "
                                f"or add a '## [{version}] - YYYY-MM-DD' heading to {changelog}")  # fmt: skip
    return found


def _sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _release_description(store: ox.Store, date: str, files: dict[str, dict]) -> list[ox.Triple]:
    """The export's description of the dataset, plus the release date and one distribution per file."""
    out = {ox.Triple(q.subject, q.predicate, q.object) for q in describe_dataset(store, DEFAULT_GRAPHS)}
    dataset = ox.NamedNode(DATASET)

    def add(subject, predicate: str, obj) -> None:
        out.add(ox.Triple(subject, ox.NamedNode(predicate), obj))

    add(dataset, _DCT + "issued", ox.Literal(date, datatype=ox.NamedNode(_XSD + "date")))
    for name, info in files.items():
        fmt = FORMATS[info["format"]]
        distribution = ox.NamedNode(f"{DATASET}/distribution/{fmt.name}")
        add(dataset, _DCAT + "distribution", distribution)
        add(distribution, _RDF_TYPE.value, ox.NamedNode(_DCAT + "Distribution"))
        add(distribution, _DCT + "title", ox.Literal(f"nanokg in {fmt.title}", language="en"))
        add(distribution, _DCT + "identifier", ox.Literal(name))
        add(distribution, _DCT + "issued", ox.Literal(date, datatype=ox.NamedNode(_XSD + "date")))
        add(distribution, _DCT + "license", ox.NamedNode(LICENSE))
        add(
            distribution,
            _DCAT + "mediaType",
            ox.NamedNode(f"https://www.iana.org/assignments/media-types/{fmt.media_type}"),
        )
        add(distribution, _DCT + "conformsTo", ox.NamedNode(f"http://www.w3.org/ns/formats/{fmt.w3c}"))
        add(
            distribution,
            _DCAT + "byteSize",
            ox.Literal(str(info["bytes"]), datatype=ox.NamedNode(_XSD + "nonNegativeInteger")),
        )
        checksum = ox.BlankNode(f"sha256-{fmt.name}")
        add(distribution, _SPDX + "checksum", checksum)
        add(checksum, _SPDX + "algorithm", ox.NamedNode(_SPDX + "checksumAlgorithm_sha256"))
        add(checksum, _SPDX + "checksumValue", ox.Literal(info["sha256"], datatype=ox.NamedNode(_XSD + "hexBinary")))
    return sorted(out, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def check_out(out: Path, force: bool) -> None:
    """Refuse an ``out`` that is not a new or empty directory, or (with ``force``) a release."""
    if out.exists() and not out.is_dir():
        raise ReleaseUsageError(f"--out {out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not _looks_like_release(out):
            raise ReleaseUsageError(
                f"--out {out}: directory is not empty and is not a nanokg release (no {CHECKSUMS} and {MANIFEST}); "
                "refusing to replace it, even with --force: give a new or empty directory"
            )
        if not force:
            raise ReleaseUsageError(
                f"--out {out}: directory is not empty: it holds a release (use --force to replace it)"
            )
    if not out.parent.is_dir():
        raise ReleaseUsageError(f"--out {out}: no directory {out.parent} to write it in")


def _looks_like_release(path: Path) -> bool:
    """A release directory, as far as replacing it goes: its checksums and manifest, whatever they say."""
    return (path / CHECKSUMS).is_file() and (path / MANIFEST).is_file()


def _lock_directory(path: Path) -> int | None:
    """An exclusive flock on the directory ``path`` (a fd to close), or None when another process holds it."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _remove_leftovers(out: Path) -> None:
    """Remove what killed releases into ``out`` left beside it; a release still running keeps its own."""
    for prefix in (f".{out.name}.release-", f".{out.name}.old-"):
        for leftover in out.parent.glob(f"{glob.escape(prefix)}*"):
            if not leftover.is_dir() or leftover.is_symlink():
                continue
            with contextlib.suppress(OSError):
                fd = _lock_directory(leftover)
                if fd is not None:
                    try:
                        shutil.rmtree(leftover)
                    finally:
                        os.close(fd)


def write_release(
    store: ox.Store,
    out: str | os.PathLike,
    date: str | None = None,
    *,
    changelog: Path | None = None,
    force: bool = False,
) -> ReleaseReport:
    """Write a release of a built store into the directory ``out``.

    Parameters
    ----------
    store
        The built store (see :func:`nanokg.store.transaction.open_store`).
    out
        The release directory: created, or replaced when ``force`` (an empty one is reused).
    date
        The release date, ``YYYY-MM-DD``; ``None``: ``$SOURCE_DATE_EPOCH`` or the
        CHANGELOG (see :func:`release_date`).
    changelog
        The CHANGELOG to take the date from (default: the project's ``CHANGELOG.md``).
    force
        Replace a non-empty ``out``.

    Returns
    -------
    ReleaseReport
        Version, date, and each file's format, size and SHA-256.

    Raises
    ------
    ReleaseUsageError
        ``out`` is not empty (without ``force``) or not writable; the store's ontology
        version is not the installed package's.
    ReleaseError
        Writing failed; ``out`` is as it was.
    """
    out = Path(out).absolute()
    check_out(out, force)
    version = graph_version(store)
    date = release_date(version, date, changelog)
    package = installed_version("nanokg")
    if package != version:
        raise ReleaseUsageError(f"the graph's ontology is version {version} but the installed nanokg is {package}: "
                                "rebuild the store, or reinstall nanokg after changing the version")  # fmt: skip
    _remove_leftovers(out)
    try:
        staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.release-"))
    except OSError as exc:
        raise ReleaseUsageError(f"--out {out}: cannot write beside it: {exc.strerror or exc}") from exc
    lock = _lock_directory(staging)  # tells the next release that this one is alive
    try:
        report = ReleaseReport(out, version, date)
        for fmt in FORMATS.values():
            name = f"nanokg.{fmt.name}"
            count = export(store, fmt.name, staging / name, DEFAULT_GRAPHS)
            faults.checkpoint(EXPORTING)
            report.files[name] = {
                "format": fmt.name,
                "media_type": fmt.media_type,
                "named_graphs": fmt.named_graphs,
                "statements": count,
                "bytes": (staging / name).stat().st_size,
                "sha256": _sha256(staging / name),
            }
        report.graphs = {
            name: sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPHS[name])))
            for name in DEFAULT_GRAPHS
        }
        description = _release_description(store, date, report.files)
        # each file whole and on disk before the directory is swapped in (nanokg.atomic)
        with atomic_write(staging / DESCRIPTION) as stream:
            ox.serialize(description, stream, ox.RdfFormat.TURTLE, prefixes=EXPORT_PREFIXES)
        manifest = {
            "name": "nanokg",
            "version": version,
            "date": date,
            "license": LICENSE,
            "dataset": DATASET,
            "ontology_version_iri": ONTOLOGY_VERSION_BASE + version,
            "graphs": report.graphs,
            "files": report.files,
            "description": DESCRIPTION,
            "checksums": CHECKSUMS,
        }
        write_text(staging / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        sums = {name: _sha256(staging / name) for name in sorted(p.name for p in staging.iterdir())}
        write_text(staging / CHECKSUMS, "".join(f"{h}  {n}\n" for n, h in sums.items()))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; a release is for sharing
        faults.checkpoint(WRITTEN)
        _swap_into_place(staging, out)
        faults.checkpoint(SWAPPED)
    except OSError as exc:
        raise ReleaseError(f"writing the release to {out} failed: {exc.strerror or exc}; {out} is as it was") from exc
    finally:
        # after the exchange, the staging path holds the old release
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        if lock is not None:
            os.close(lock)
    return report


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap the directories ``a`` and ``b`` atomically (Linux ``renameat2``); False where it is not supported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap_into_place(staging: Path, out: Path) -> None:
    """Put the complete release ``staging`` at ``out``; afterwards ``staging`` holds the old one, if any."""
    if not out.exists():
        os.rename(staging, out)
        return
    if not any(out.iterdir()):
        os.replace(staging, out)  # onto an empty directory: one rename
        return
    if _exchange(staging, out):
        return
    # no exchange here: move the old release aside, then the new one in (``out`` is missing in between)
    old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
    lock = _lock_directory(old)
    try:
        os.replace(out, old / "release")
        try:
            os.replace(staging, out)
        except OSError:
            os.replace(old / "release", out)
            raise
    finally:
        shutil.rmtree(old, ignore_errors=True)
        if lock is not None:
            os.close(lock)


def is_release(path: Path) -> bool:
    """Whether ``path`` looks like a release directory (it has a ``SHA256SUMS``)."""
    return (Path(path) / CHECKSUMS).is_file()


def verify_release(path: str | os.PathLike) -> dict[str, str]:
    """Check every file of a release against its ``SHA256SUMS``; the listed files and their hashes.

    Raises
    ------
    ReleaseInputError
        Not a directory, no ``SHA256SUMS``, a malformed line, a listed file missing or
        changed, or the manifest or N-Quads file not listed.
    """
    path = Path(path)
    if not path.is_dir():
        raise ReleaseInputError(f"{path}: no such directory")
    sums_file = path / CHECKSUMS
    if not sums_file.is_file():
        raise ReleaseInputError(f"{path}: not a nanokg release (no {CHECKSUMS})")
    listed: dict[str, str] = {}
    for number, line in enumerate(sums_file.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        match = _CHECKSUM_LINE.match(line)
        if match is None:
            raise ReleaseInputError(f"{sums_file}:{number}: not a '<sha256>  <file>' line")
        listed[match.group(2)] = match.group(1)
    for required in (MANIFEST, QUADS_FILE):
        if required not in listed:
            raise ReleaseInputError(f"{sums_file}: does not list {required}; not a nanokg release")
    for name, expected in listed.items():
        file = path / name
        if not file.is_file():
            raise ReleaseInputError(f"{file}: missing (listed in {CHECKSUMS})")
        if _sha256(file) != expected:
            raise ReleaseInputError(f"{file}: SHA-256 does not match {CHECKSUMS} (changed since the release)")
    return listed


def open_release(path: str | os.PathLike) -> Release:
    """Verify a release (:func:`verify_release`) and load its graphs into an in-memory store.

    Raises
    ------
    ReleaseInputError
        As :func:`verify_release`, or a manifest or N-Quads file that does not parse.
    """
    path = Path(path)
    verify_release(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ReleaseInputError(f"{path / MANIFEST}: not a nanokg release manifest ({exc})") from None
    if not isinstance(manifest, dict) or not {"version", "date"} <= manifest.keys():
        raise ReleaseInputError(f"{path / MANIFEST}: not a nanokg release manifest (no version and date)")
    store = ox.Store()
    try:
        quads = ox.parse(path=str(path / QUADS_FILE), format=ox.RdfFormat.N_QUADS, rename_blank_nodes=False)
        store.extend(quads)
    except SyntaxError as exc:
        raise ReleaseInputError(f"{path / QUADS_FILE}: does not parse as N-Quads: {exc}") from None
    return Release(path, manifest, store)
