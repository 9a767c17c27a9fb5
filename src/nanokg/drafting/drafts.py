"""Draft records from proposals, and ``--accept``: drafts into ``data/`` once the loader passes them.

A draft is one YAML file per document, ``<out>/<source>.yaml``, in ``data/``'s schema, beside
the document's normalised text ``<out>/<source>.txt`` (the text the quotes were cut from):

* a ``sources`` entry for the document (unless it is a source of ``data/sources.yaml`` already);
* ``products``: one record per product the graph does not know, with its facts;
* ``extensions``: for a product the graph knows, one record that adds the document's new and
  conflicting facts to it by id (:class:`~nanokg.curation.records.ProductExtension`), so the
  product is never defined twice; facts the graph holds already are left out.

Every fact carries ``source``, ``quote`` (the sentence) and ``locator`` (``p3 s2 [812:951]``);
every record carries ``status: proposed``, which the build refuses until a curator removes it.
A fact whose value the graph does not know yet (a drug, a disease...) cannot reference an id
that no file defines, so it is written as a ``finding`` saying what to add; a conflicting
fact carries a ``note`` naming the graph's competing evidence.

:func:`accept` moves a reviewed draft into ``data/products/`` and its document's text into
``data/documents/`` (where the build's quote check finds the documents that are not seeds,
under version control with the data), after the loader and the quote check passed on a copy
of ``data/`` with the draft in it.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nanokg import vocabulary as voc
from nanokg.atomic import write_text
from nanokg.drafting.compare import expand
from nanokg.drafting.proposals import Document, Proposal
from nanokg.errors import InputError

__all__ = [
    "ACCEPTED_MARK",
    "AcceptError",
    "Draft",
    "DraftError",
    "accept",
    "build_draft",
    "check_out_dir",
    "source_id_for",
    "write_draft",
]

#: the first line of a file ``--accept`` wrote into data/ (the only curated files it may replace)
ACCEPTED_MARK = "# accepted by `nanokg curate --accept`"
_IRI_KINDS = {str(ns): kind for kind, ns in voc.DATA_NAMESPACES.items()}
#: stimulus -> the release mechanism it triggers (light and magnetic fields have no mechanism term)
_MECHANISMS = {"heat": "thermosensitive-release", "ph": "ph-responsive-release",
               "phospholipase-a2": "enzyme-responsive-release"}  # fmt: skip
#: unit spellings a document uses -> data/'s unit ids
_UNITS = {"%": "percent", "percent": "percent", "fold": "fold", "times": "fold", "x": "fold", "h": "hour",
          "hour": "hour", "hours": "hour", "mg/m2": "mg-per-m2", "mg/m²": "mg-per-m2", "nm": "nanometre",
          "°c": "degree-celsius", "g/mol": "g-per-mol"}  # fmt: skip
#: fact kind -> what a curator adds to data/ before the fact can reference its value
_SECTION_OF = {"payload": "drugs.yaml", "material": "materials.yaml", "target": "targets.yaml",
               "ligand": "ligands.yaml", "indication": "diseases.yaml", "combination": "drugs.yaml or procedures.yaml",
               "adverse_effect": "effects.yaml", "termination": "effects.yaml"}  # fmt: skip


class _Dumper(yaml.SafeDumper):
    """Indents lists under their key, as the curated files are written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


class DraftError(InputError):
    """A document or option the drafts cannot be written for (``--out`` inside data/, unknown source)."""


class AcceptError(InputError):
    """A draft ``--accept`` refuses (still proposed, invalid, or it would overwrite curated data)."""


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return slug or "document"


def _id_of(iri: Any, *kinds: str) -> str | None:
    """The record id of a data IRI of one of ``kinds`` (``drug/doxorubicin`` -> ``doxorubicin``)."""
    full = expand(iri)
    if not full:
        return None
    for ns, kind in _IRI_KINDS.items():
        if full.startswith(ns) and kind in kinds:
            return full[len(ns) :]
    return None


def _value_id(iri: Any) -> str | None:
    """The id of a ``val:`` term (stage, stimulus, measure...)."""
    full = expand(iri)
    return full[len(str(voc.VAL)) :] if full and full.startswith(str(voc.VAL)) else None


def source_id_for(document: Path, sources: Sequence[dict[str, Any]], given: str | None) -> tuple[str, bool]:
    """The source id of a document and whether ``data/sources.yaml`` defines it already.

    ``given`` (``--source``) must name a source there; otherwise a source whose ``path`` is
    the document's file name is reused, else a new id is derived from the file name.

    Raises
    ------
    DraftError
        For an unknown ``--source``, or a derived id that another source holds already.
    """
    known = {s.get("id"): s for s in sources}
    if given is not None:
        if given not in known:
            listed = ", ".join(map(str, known))
            raise DraftError(
                f"unknown source {given!r}: not in data/sources.yaml (known: {listed})", parameter="--source"
            )
        return given, True
    for s in sources:
        if s.get("path") and Path(str(s["path"])).name == document.name:
            return str(s["id"]), True
    new = _slug(document.stem)
    if new in known:
        raise DraftError(f"{document}: source id {new!r} is taken in data/sources.yaml: pass --source {new} if it "
                         "is that document, or rename the file", parameter="DOCUMENT")  # fmt: skip
    return new, False


@dataclass
class Draft:
    """The draft of one document: its records and the document text its quotes come from."""

    source: str
    source_entry: dict[str, Any] | None
    products: list[dict[str, Any]]
    extensions: list[dict[str, Any]]
    #: proposals that could not become a valid record (a new product without carrier or stage...)
    left_out: list[tuple[Proposal, str]]
    text: str

    def to_yaml(self, document: str) -> str:
        """The draft file: a header saying what to do, then the sections."""
        header = [
            f"# Draft of `nanokg curate` from {document}: review each record, fix or delete facts,",
            "# then delete every `status: proposed` line and run `nanokg curate --accept` on this file.",
            "# See docs/guide/curate.md.",
        ]
        body: dict[str, Any] = {"default_source": self.source}
        if self.source_entry:
            body["sources"] = [self.source_entry]
        if self.products:
            body["products"] = self.products
        if self.extensions:
            body["extensions"] = self.extensions
        dumped = yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
        text = "\n".join(header) + "\n" + dumped
        if self.left_out:
            text += "\n# Left out (no valid record can hold them yet):\n"
            for p, why in self.left_out:
                text += f"#   {p.kind} of {p.product}: {p.value} ({why}) at {p.locator}\n"
        return text


def _evidence(p: Proposal, source: str) -> dict[str, Any]:
    ev: dict[str, Any] = {"source": source, "quote": p.quote, "locator": str(p.locator)}
    if p.status == "conflict":
        held = "; ".join(
            f"{e.get('source')}: {(e.get('quote') or e.get('note') or '')[:80]!r}"
            + (f" at {e['curated_from']}" if e.get("curated_from") else "")
            for e in p.evidence
        )
        ev["note"] = f"nanokg curate: conflicts with the graph ({held or 'no evidence shown'})"
    return ev


#: fact kind -> (product field, its key, the kinds of IRI its value may be)
_SIMPLE = {
    "payload": ("payloads", "agent", ("drug",)),
    "material": ("materials", "material", ("material",)),
    "indication": ("indications", "disease", ("disease",)),
    "target": ("targeting", "target", ("target",)),
    "ligand": ("targeting", "ligand", ("ligand",)),
    "combination": ("combinations", "partner", ("drug", "procedure")),
}


class _Record:
    """The facts of one product as data/ lists them, gathered from its proposals."""

    def __init__(self, source: str, known: bool) -> None:
        self.source, self.known = source, known
        self.lists: dict[str, list[dict[str, Any]]] = {}
        self.stage: tuple[int, dict[str, Any]] | None = None
        self.carrier: dict[str, Any] | None = None
        self.left_out: list[tuple[Proposal, str]] = []

    def add(self, name: str, item: dict[str, Any]) -> None:
        items = self.lists.setdefault(name, [])
        if item not in items:
            items.append(item)

    def finding(self, p: Proposal, text: str) -> None:
        self.add("findings", {"text": text, **_evidence(p, self.source)})

    def fact(self, p: Proposal) -> None:
        ev = _evidence(p, self.source)
        kind = p.kind
        if kind in _SIMPLE:
            name, key, kinds = _SIMPLE[kind]
            ident = _id_of(p.value_iri, *kinds)
            if ident:
                self.add(name, {key: ident, **ev})
            else:
                self.finding(p, f"{kind}: {p.value} (not in the graph yet: add it to {_SECTION_OF[kind]}, "
                                f"then make this a `{name}` fact)")  # fmt: skip
        elif kind == "alias":
            self.add("aliases", {"name": p.value, **ev})
        elif kind == "adverse_effect":
            ident = _id_of(p.value_iri, "effect")
            if ident:
                limiting = bool(p.details.get("dose_limiting"))
                self.add("adverse_effects", {"effect": ident, "dose_limiting": limiting, **ev})
            else:
                self.finding(p, f"adverse effect: {p.value} (not in the graph yet: add it to effects.yaml)")
        elif kind == "stage":
            stage = _value_id(p.value_iri or p.details.get("phase") or p.value)
            if stage in voc.STAGE_BY_ID:
                rank = voc.STAGE_BY_ID[stage].rank
                if self.stage is None or rank > self.stage[0]:
                    self.stage = (rank, {"value": stage, **ev})
            else:
                self.left_out.append((p, "not a stage of data/README.md"))
        elif kind == "carrier":
            self._carrier(p, ev)
        elif kind == "approval":
            self._approval(p, ev)
        elif kind == "termination":
            self._termination(p, ev)
        elif kind == "outcome":
            self._outcome(p, ev)
        elif kind == "stimulus":
            stimulus = _value_id(p.value_iri or p.value)
            if stimulus in _MECHANISMS:
                self.add("release", {"mechanism": _MECHANISMS[stimulus], "stimulus": stimulus, **ev})
            else:
                self.finding(p, f"release stimulus: {p.value}")
        else:  # immune concepts and relations have no place on a product record
            self.finding(p, f"{kind.replace('_', ' ')}: {p.value}")

    def _carrier(self, p: Proposal, ev: dict[str, Any]) -> None:
        full = expand(p.value_iri or p.value) or ""
        cls = next((c for c in voc.CARRIER_CLASSES.values() if str(c.iri) == full), None)
        if cls is None:
            self.finding(p, f"carrier: {p.value} (no carrier class of data/README.md)")
        elif self.known or (self.carrier and voc.CARRIER_CLASSES[self.carrier["classes"][0]].top != cls.top):
            # a known product's carrier is curated; another family is a contradiction to review
            self.finding(p, f"carrier class: {cls.id}")
        elif self.carrier is None:
            self.carrier = {"classes": [cls.id], **ev}
        elif cls.id not in self.carrier["classes"]:
            self.carrier["classes"].append(cls.id)

    def _approval(self, p: Proposal, ev: dict[str, Any]) -> None:
        item: dict[str, Any] = {}
        agency = _id_of(p.details.get("agency"), "organisation")
        region = _id_of(p.details.get("region"), "region")
        indication = _id_of(p.details.get("indication"), "disease")
        for key, value in (("agency", agency), ("region", region), ("year", p.details.get("year")),
                           ("indication", indication)):  # fmt: skip
            if value is not None:
                item[key] = int(value) if key == "year" else value
        self.add("approvals", {**item, **ev})
        self.stage = (voc.STAGE_BY_ID["approved"].rank, {"value": "approved", **ev})

    def _termination(self, p: Proposal, ev: dict[str, Any]) -> None:
        reason = _id_of(p.value_iri, "effect") or _value_id(p.value_iri or p.value)
        phase = _value_id(p.details.get("phase")) if p.details.get("phase") else None
        if phase not in voc.CLINICAL_PHASES:
            self.finding(p, f"terminated: {p.value} (phase not stated)")
            return
        trial: dict[str, Any] = {"phase": phase, "status": "terminated"}
        if reason and (reason in voc.TERMINATION_REASONS or _id_of(p.value_iri, "effect")):
            trial["reasons"] = [reason]
        self.add("trials", {**trial, **ev})
        if self.stage is None and not self.known:  # the trial's phase is at least the stage reached
            self.stage = (voc.STAGE_BY_ID[phase].rank, {"value": phase, **ev})

    def _outcome(self, p: Proposal, ev: dict[str, Any]) -> None:
        d = p.details
        measure = _value_id(d.get("measure")) if d.get("measure") else None
        unit = _UNITS.get(str(d.get("unit", "")).casefold(), _value_id(d.get("unit")) if d.get("unit") else None)
        if measure not in voc.MEASURES or unit not in voc.UNITS or d.get("value") is None:
            self.finding(p, f"outcome: {p.value}")
            return
        item: dict[str, Any] = {"measure": measure, "value": float(d["value"]), "unit": unit}
        phase = _value_id(d.get("phase")) if d.get("phase") else None
        if phase in voc.STAGE_BY_ID:
            item["phase"] = phase
        comparator = _id_of(d.get("comparator"), "drug", "product")
        if comparator:
            item["comparator"] = comparator
        self.add("outcomes", {**item, **ev})

    def finish_stage(self) -> None:
        """Keep data/'s rule: stage ``approved`` exactly when there are approvals."""
        if self.stage and self.stage[1]["value"] == "approved" and not self.lists.get("approvals"):
            ev = {k: v for k, v in self.stage[1].items() if k != "value"}
            self.add("approvals", dict(ev))


def build_draft(document: Document, proposals: Sequence[Proposal], source: str, source_entry: dict | None) -> Draft:
    """The draft records of one document's compared proposals (see the module docstring).

    Parameters
    ----------
    document
        The document as read (its text is what the quotes are checked against).
    proposals
        Proposals with their status (:func:`nanokg.drafting.compare.compare`).
    source
        The document's source id.
    source_entry
        The ``sources`` entry to write, or None when ``data/sources.yaml`` has it.
    """
    known: dict[str, _Record] = {}
    new: dict[str, _Record] = {}
    names: dict[str, str] = {}
    heads: dict[str, Proposal] = {}
    left_out: list[tuple[Proposal, str]] = []
    for p in proposals:
        if p.status == "known":
            continue
        if p.product_iri:
            pid = _id_of(p.product_iri, "product")
            if pid is None:
                left_out.append((p, "its product is not a curated product"))
                continue
            known.setdefault(pid, _Record(source, True))
            if p.kind != "product":
                known[pid].fact(p)
        else:
            pid = _slug(p.product)
            rec = new.setdefault(pid, _Record(source, False))
            names.setdefault(pid, p.product)
            if p.kind == "product":
                heads.setdefault(pid, p)
            else:
                heads.setdefault(pid, p)  # the first sentence naming it, until a product proposal comes
                rec.fact(p)

    products = []
    for pid, rec in new.items():
        rec.finish_stage()
        left_out.extend(rec.left_out)
        head = heads[pid]
        if rec.carrier is None or rec.stage is None:
            gaps = (("a carrier class", rec.carrier), ("a stage", rec.stage))
            missing = " and ".join(what for what, value in gaps if value is None)
            left_out.append((head, f"new product: the document gives no {missing}; add them by hand"))
            continue
        record: dict[str, Any] = {"id": pid, "status": "proposed", "name": names[pid], **_evidence(head, source)}
        record["carrier"] = rec.carrier
        record.update(rec.lists)
        record["stage"] = rec.stage[1]
        products.append(record)
    extensions = []
    for pid, rec in known.items():
        rec.finish_stage()
        left_out.extend(rec.left_out)
        ext: dict[str, Any] = {"id": f"{source}-{pid}", "status": "proposed", "product": pid, **rec.lists}
        if rec.stage is not None:
            ext["stage"] = rec.stage[1]
        if len(ext) > 3:  # something to add
            extensions.append(ext)
    return Draft(source, source_entry, products, extensions, left_out, document.text)


def check_out_dir(out: Path, data_dir: Path) -> None:
    """Refuse an ``--out`` inside the curated data folder (drafts never go into data/ directly)."""
    out_r, data_r = out.resolve(), data_dir.resolve()
    if out_r == data_r or data_r in out_r.parents:
        raise DraftError(f"--out {out} is inside the data folder {data_dir}: drafts go elsewhere "
                         "(default drafts/); `nanokg curate --accept` moves reviewed drafts into data/",
                         parameter="--out")  # fmt: skip


def write_draft(draft: Draft, out: Path, document: str) -> Path:
    """Write ``<out>/<source>.yaml`` and the document text ``<out>/<source>.txt``; return the YAML's path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{draft.source}.yaml"
    write_text(path, draft.to_yaml(document))
    if draft.source_entry is not None:
        write_text(out / f"{draft.source}.txt", draft.text)
    return path


# ---------------------------------------------------------------------------
# --accept
# ---------------------------------------------------------------------------
def _proposed_markers(path: Path, label: str) -> list[Any]:
    """A DataError for each record of the draft that still says ``status: proposed``."""
    from nanokg.curation.records import PROPOSED, PROPOSED_MESSAGE
    from nanokg.curation.yaml_lines import DataError, read_yaml

    raw = read_yaml(path, label)
    errors = []
    if not isinstance(raw, dict):
        return [DataError(label, 1, "", "a draft is a mapping of sections (sources, products, extensions)")]
    for section, records in raw.items():
        if not isinstance(records, list):
            continue
        for index, record in enumerate(records):
            if isinstance(record, dict) and record.get("status") == PROPOSED:
                line = record.key_lines.get("status", records.item_lines[index]) if hasattr(record, "key_lines") else 0
                rid = record.get("id", index)
                errors.append(DataError(label, line, f"{section}[{rid}].status", PROPOSED_MESSAGE))
    return errors


def accept(draft_path: Path, data_dir: Path, seeds_dir: Path) -> list[Path]:
    """Move a reviewed draft into ``data/products/`` and its document into ``data/documents/``.

    The draft must hold no ``status: proposed``; the loader and the quote check run on a
    copy of ``data_dir`` with the draft in it, so ``data_dir`` never holds an invalid state
    and is unchanged on any failure. A curated file is never replaced unless ``--accept``
    wrote it (its first line is :data:`ACCEPTED_MARK`); a document is never replaced by
    another text.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    AcceptError, DataErrors
        With the draft's file and line of each problem.
    """
    from nanokg.curation.checks import verify_quotes
    from nanokg.curation.loading import load_curation
    from nanokg.curation.yaml_lines import DataError, DataErrors, read_yaml

    label = str(draft_path)
    if not draft_path.is_file():
        raise AcceptError(f"{draft_path}: no such draft file", parameter="--accept")
    markers = _proposed_markers(draft_path, label)
    if markers:
        raise DataErrors(markers)
    raw = read_yaml(draft_path, label)
    target = data_dir / "products" / draft_path.name
    if target.exists() and not target.read_text(encoding="utf-8").startswith(ACCEPTED_MARK):
        raise AcceptError(f"{target} exists and was not written by --accept: rename the draft", parameter="--accept")
    documents: list[tuple[Path, Path]] = []  # (text beside the draft, where data/documents holds it)
    for entry in raw.get("sources") or []:
        if isinstance(entry, dict) and entry.get("path"):
            text = draft_path.parent / f"{entry.get('id')}.txt"
            if not text.is_file():
                raise AcceptError(f"{label}: the document text {text} of source {entry.get('id')!r} is missing "
                                  "(curate writes it beside the draft)", parameter="--accept")  # fmt: skip
            documents.append((text, data_dir / "documents" / str(entry["path"])))
    for text, dest in documents:
        if dest.exists() and dest.read_bytes() != text.read_bytes():
            raise AcceptError(f"{dest} exists with another text: rename the source's path", parameter="--accept")

    content = ACCEPTED_MARK + f" from {draft_path.name}\n" + draft_path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="nanokg-accept-") as tmp:
        trial_data, trial_seeds = Path(tmp) / "data", Path(tmp) / "seeds"
        shutil.copytree(data_dir, trial_data)
        trial_seeds.mkdir()
        if seeds_dir.is_dir():
            for seed in seeds_dir.iterdir():
                (trial_seeds / seed.name).symlink_to(seed.resolve())
        for text, dest in documents:
            trial_document = trial_data / dest.relative_to(data_dir)
            trial_document.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(text, trial_document)
        trial_target = trial_data / "products" / draft_path.name
        trial_target.parent.mkdir(exist_ok=True)
        trial_target.write_text(content, encoding="utf-8")
        shown = str(trial_target.relative_to(Path(tmp)))

        def mapped(errors: list[DataError]) -> list[DataError]:
            # name the draft (its lines are one further down in the accepted file), not the trial copy
            return [DataError(label, max(e.line - 1, 0), e.field, e.message) if e.path == shown else e for e in errors]

        try:
            curation = load_curation(trial_data, root=Path(tmp))
        except DataErrors as exc:
            raise DataErrors(mapped(exc.errors)) from None
        bad = verify_quotes(curation, trial_seeds, trial_data / "documents")
        if bad:
            raise DataErrors(mapped(bad))
    written = []
    for text, dest in documents:
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            write_text(dest, text.read_text(encoding="utf-8"))
            written.append(dest)
    target.parent.mkdir(exist_ok=True)
    write_text(target, content)
    written.append(target)
    return written
