"""Load the curated data: every ``data/**/*.yaml`` file into one validated :class:`Curation`.

Each file is read by :func:`~nanokg.curation.yaml_lines.read_yaml` (which refuses a hostile
file at its first problem), each record validated by its model of
:mod:`nanokg.curation.records` and stamped with the file and line it came from, and the
whole checked across records by :mod:`nanokg.curation.checks`. Every problem is reported as
one :class:`~nanokg.curation.yaml_lines.DataError` line, ``FILE:LINE: FIELD: message``, so a
curator can jump to the place at fault. Loading never writes anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from nanokg.curation.checks import check_mappings, check_references
from nanokg.curation.records import SECTIONS, Curation, EntityMapping, Evidence
from nanokg.curation.yaml_lines import (
    DataError,
    DataErrors,
    LineDict,
    LineList,
    cut,
    dotted,
    line_of,
    read_yaml,
    short,
)

__all__ = ["load_curation"]


def _stamp(raw: Any, model: BaseModel, rel: str, default_source: str | None) -> BaseModel:
    """Give each evidence-bearing mapping its ``curated_from`` (file:line) and default source."""

    def walk(raw_node: Any, obj: Any) -> Any:
        if isinstance(obj, BaseModel) and isinstance(raw_node, LineDict):
            updates = {}
            for name in type(obj).model_fields:
                if name in raw_node:
                    value = getattr(obj, name)
                    new = walk(raw_node[name], value)
                    if new is not value:
                        updates[name] = new
            if isinstance(obj, Evidence):
                updates["curated_from"] = f"{rel}:{raw_node.line}"
                if obj.source is None and default_source:
                    updates["source"] = default_source
            return obj.model_copy(update=updates) if updates else obj
        if isinstance(obj, list) and isinstance(raw_node, LineList):
            return [walk(r, o) for r, o in zip(raw_node, obj, strict=True)]
        return obj

    return walk(raw, model)


def _parse_file(path: Path, rel: str, curation: Curation, errors: list[DataError]) -> None:
    try:
        raw = read_yaml(path, rel)
    except DataErrors as exc:
        errors.extend(exc.errors)
        return
    if raw is None:
        return
    if not isinstance(raw, dict):
        errors.append(DataError(rel, 1, "", "the file must be a mapping of sections"))
        return
    default_source = raw.get("default_source")
    for key, value in raw.items():
        if key == "default_source":
            continue
        if key == "mappings":
            _parse_mappings(raw, rel, curation, errors)
            continue
        if key not in SECTIONS:
            known = ", ".join(sorted(SECTIONS))
            errors.append(DataError(rel, raw.key_lines[key], cut(key), f"unknown section (known: {known})"))
            continue
        model, _ = SECTIONS[key]
        if not isinstance(value, list):
            errors.append(DataError(rel, raw.key_lines[key], key, "must be a list of records"))
            continue
        for index, item in enumerate(value):
            item_line = value.item_lines[index]
            record = _validated(model, raw, rel, key, index, "id", errors)
            if record is None:
                continue
            record = _stamp(item, record, rel, default_source)
            rid = record.id
            origin = f"{rel}:{item_line}"
            if (key, rid) in curation.origin:
                errors.append(
                    DataError(rel, item_line, f"{key}[{index}].id",
                              f"duplicate id {short(rid)} (first defined at {curation.origin[(key, rid)]})")
                )  # fmt: skip
                continue
            curation.origin[(key, rid)] = origin
            curation.records[key].append(record)


def _validated(
    model: type[BaseModel], raw: Any, rel: str, key: str, index: int, id_key: str, errors: list[DataError]
) -> Any:
    """Item ``index`` of section ``key`` of ``raw`` as a ``model``, or None with its errors added to ``errors``."""
    item = raw[key][index]
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        rid = item.get(id_key) if isinstance(item, dict) else None
        errors.extend(_validation_errors(exc, raw, rel, key, index, rid, raw[key].item_lines[index]))
        return None


def _validation_errors(
    exc: ValidationError, raw: Any, rel: str, key: str, index: int, rid: Any, item_line: int
) -> list[DataError]:
    """One located :class:`DataError` per pydantic error of item ``index`` of section ``key``."""
    errors = []
    for err in exc.errors():
        loc = (key, index, *err["loc"])
        line = line_of(raw, loc) or item_line
        shown = (key, rid, *err["loc"]) if isinstance(rid, str) else loc
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "literal_error":
            msg = f"{short(err.get('input'))} is not one of the allowed values ({err['ctx']['expected']})"
        elif err["type"] == "extra_forbidden":
            msg = "unknown field (typo?)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        errors.append(DataError(rel, line, dotted(shown), msg))
    return errors


def _parse_mappings(raw: Any, rel: str, curation: Curation, errors: list[DataError]) -> None:
    """Validate the ``mappings:`` list of ``raw`` into ``curation.mappings``, each part stamped with its line."""
    value = raw["mappings"]
    if value is None:  # a file that lists nothing yet
        return
    if not isinstance(value, list):
        errors.append(DataError(rel, raw.key_lines["mappings"], "mappings", "must be a list of entity mappings"))
        return

    def stamp(raw_node: Any, obj: Any) -> Any:
        if isinstance(obj, BaseModel) and isinstance(raw_node, LineDict):
            updates: dict[str, Any] = {"curated_from": f"{rel}:{raw_node.line}"}
            for name, info in type(obj).model_fields.items():
                key = info.alias or name
                if key in raw_node and isinstance(getattr(obj, name), list):
                    updates[name] = [stamp(r, o) for r, o in zip(raw_node[key], getattr(obj, name), strict=True)]
            return obj.model_copy(update=updates)
        return obj

    for index, item in enumerate(value):
        mapping = _validated(EntityMapping, raw, rel, "mappings", index, "entity", errors)
        if mapping is not None:
            curation.mappings.append(stamp(item, mapping))


def load_curation(data_dir: Path, root: Path | None = None, identifiers: bool = True) -> Curation:
    """Load and validate every YAML file under ``data_dir``.

    Parameters
    ----------
    data_dir
        The folder of curated files (``data/`` in the repository).
    root
        Paths in error messages are shown relative to this folder (default: the parent
        of ``data_dir``).
    identifiers
        Check the mappings' CURIEs against the Bioregistry too
        (:func:`~nanokg.curation.checks.check_mappings`). The build passes False and runs
        that check itself while HermiT reasons, since loading the Bioregistry takes seconds.

    Raises
    ------
    DataErrors
        With one located line per problem, when anything is malformed, unknown,
        inconsistent or refers to an undefined id.
    """
    root = root or data_dir.parent
    curation = Curation()
    errors: list[DataError] = []
    files = []
    for path in sorted(data_dir.rglob("*")):
        try:
            rel = str(path.relative_to(root))
        except ValueError:
            rel = str(path)
        if path.suffix == ".yaml":
            files.append((path, rel))
        elif path.suffix.lower() in (".yaml", ".yml"):  # read by no one: say so rather than skip it
            errors.append(DataError(rel, 0, "", f"data files end in .yaml: rename it {path.stem}.yaml"))
    if not files and not errors:
        raise DataErrors([DataError(str(data_dir), 0, "", "no curated YAML files found")])
    for path, rel in files:
        _parse_file(path, rel, curation, errors)
    if not errors:
        errors.extend(check_references(curation))
        if identifiers:
            errors.extend(check_mappings(curation))
    if errors:
        raise DataErrors(errors)
    return curation
