"""Cross-record checks of the curated data: references, mappings and quotes.

Run by :func:`nanokg.curation.loading.load_curation` once every file has validated
(:func:`check_references`, :func:`check_mappings`), and by the build against the source
documents (:func:`verify_quotes`). Each returns one located
:class:`~nanokg.curation.yaml_lines.DataError` per problem; none raises.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nanokg.curation.records import MAPPING_KINDS, MAPPING_SOURCE, Curation, Evidence
from nanokg.curation.yaml_lines import DataError, cut, short
from nanokg.vocabulary import CARRIER_CLASSES, STAGE_BY_ID, TERMINATION_REASONS

__all__ = ["check_mappings", "check_references", "verify_quotes"]


def _where(evidence: Evidence) -> tuple[str, int]:
    path, _, line = evidence.curated_from.rpartition(":")
    return path, int(line) if line.isdigit() else 0


def check_references(c: Curation) -> list[DataError]:
    """Cross-record checks: undefined ids, contradictions, value ranges."""
    errors: list[DataError] = []
    record = {"path": ""}  # e.g. "products[nk105]", prefixed to field names below

    def err(ev: Evidence, fld: str, msg: str) -> None:
        path, line = _where(ev)
        errors.append(DataError(path, line, f"{record['path']}.{fld}" if record["path"] else fld, msg))

    sources = {s.id: s for s in c.sources}
    drugs, targets, ligands = c.ids("drugs"), c.ids("targets"), c.ids("ligands")
    diseases, materials, effects = c.ids("diseases"), c.ids("materials"), c.ids("effects")
    procedures, orgs, regions = c.ids("procedures"), c.ids("organisations"), c.ids("regions")
    products, people = c.ids("products"), c.ids("people")
    immune = c.ids("approaches", "entities")
    regulators = {o.id for o in c.organisations if o.kind == "regulator"}

    def ref(ev: Evidence, fld: str, value: str | None, pool: set[str], what: str) -> None:
        if value is not None and value not in pool:
            err(ev, fld, f"{short(value)} is not a defined {what} id")

    for owner, ev in c.iter_evidence():
        record["path"] = owner
        if ev.source is None:
            err(ev, "source", "no source: set `source:` or the file's `default_source:`")
        elif ev.source not in sources:
            err(ev, "source", f"{short(ev.source)} is not a source defined in sources.yaml")
        elif sources[ev.source].kind == "general-knowledge" and not ev.note:
            err(ev, "note", "a general-knowledge fact needs a note saying what it rests on")
        elif sources[ev.source].kind == "document" and not (ev.quote or ev.locator):
            err(ev, "quote", f"a fact from {ev.source} needs a quote or a locator")

    for p in c.products:
        record["path"] = f"products[{p.id}]"
        tops = set()
        for cls in p.carrier.classes:
            if cls not in CARRIER_CLASSES:
                err(p.carrier, "carrier.classes", f"unknown carrier class {short(cls)} (see data/README.md)")
            else:
                tops.add(CARRIER_CLASSES[cls].top)
        if len(tops) > 1:
            err(p.carrier, "carrier.classes", f"classes fall under more than one carrier class: {sorted(tops)}")
        for m in p.materials:
            ref(m, "materials.material", m.material, materials, "material")
        for a in p.payloads:
            ref(a, "payloads.agent", a.agent, drugs, "drug")
        if p.size is not None:
            if p.size.min <= 0 or p.size.max <= 0:
                err(p.size, "size", f"size must be positive (min {p.size.min:g}, max {p.size.max:g})")
            elif p.size.min > p.size.max:
                err(p.size, "size", f"reversed size range: min {p.size.min:g} is greater than max {p.size.max:g}")
        for t in p.targeting:
            ref(t, "targeting.target", t.target, targets, "target")
            ref(t, "targeting.ligand", t.ligand, ligands, "ligand")
        for i in p.indications:
            ref(i, "indications.disease", i.disease, diseases, "disease")
        for a in p.applications:
            ref(a, "applications.procedure", a.procedure, procedures, "procedure")
        for cb in p.combinations:
            ref(cb, "combinations.partner", cb.partner, drugs | procedures, "drug or procedure")
            ref(cb, "combinations.indication", cb.indication, diseases, "disease")
        for ap in p.approvals:
            ref(ap, "approvals.agency", ap.agency, regulators, "regulator (organisation of kind regulator)")
            ref(ap, "approvals.region", ap.region, regions, "region")
            ref(ap, "approvals.indication", ap.indication, diseases, "disease")
        if p.approvals and p.stage.value != "approved":
            err(p.stage, "stage", f"has approvals but stage is {p.stage.value!r}")
        if p.stage.value == "approved" and not p.approvals:
            err(p.stage, "stage", "stage is 'approved' but no approval is recorded")
        rank = STAGE_BY_ID[p.stage.value].rank
        for tr in p.trials:
            if STAGE_BY_ID[tr.phase].rank > rank:
                err(tr, "trials.phase", f"trial phase {tr.phase!r} is above the product's stage {p.stage.value!r}")
            for reason in tr.reasons:
                if reason not in effects and reason not in TERMINATION_REASONS:
                    msg = f"{short(reason)} is neither an effect id nor one of {TERMINATION_REASONS}"
                    err(tr, "trials.reasons", msg)
            if tr.reasons and tr.status != "terminated":
                err(tr, "trials.reasons", "termination reasons given but status is not 'terminated'")
        for o in p.outcomes:
            ref(o, "outcomes.indication", o.indication, diseases, "disease")
            ref(o, "outcomes.comparator", o.comparator, drugs | products, "drug or product")
            if o.min is not None and o.max is not None and o.min > o.max:
                err(o, "outcomes", f"reversed range: min {o.min:g} is greater than max {o.max:g}")
        for ae in p.adverse_effects:
            ref(ae, "adverse_effects.effect", ae.effect, effects, "effect")
        for r in p.release:
            if r.min is not None and r.max is not None and r.min > r.max:
                err(r, "release", f"reversed range: min {r.min:g} is greater than max {r.max:g}")
        for d in p.developers:
            ref(d, "developers.organisation", d.organisation, orgs, "organisation")
        for f in p.findings:
            ref(f, "findings.indication", f.indication, diseases, "disease")

    pools = {"drugs": drugs, "materials": materials, "targets": targets, "diseases": diseases,
             "regions": regions, "people": people, "products": products}  # fmt: skip
    for section in ("drugs", "ligands", "diseases", "materials", "organisations", "statistics", "history"):
        for r in c.records[section]:
            record["path"] = f"{section}[{r.id}]"
            _check_record(section, r, ref, err, pools)
    for rec_ in (*c.approaches, *c.entities):
        record["path"] = f"{'approaches' if rec_ in c.approaches else 'entities'}[{rec_.id}]"
        for r in rec_.relations:
            ref(r, "relations.object", r.object, immune, "immunotherapy approach or entity")
    return errors


def _check_record(section: str, r: Any, ref, err, pools: dict[str, set[str]]) -> None:
    """Reference checks of one non-product record; ``pools`` holds the defined ids by section."""
    drugs, materials, targets = pools["drugs"], pools["materials"], pools["targets"]
    diseases, regions, people, products = pools["diseases"], pools["regions"], pools["people"], pools["products"]
    if section == "drugs":
        ref(r, "active_ingredient", r.active_ingredient, drugs, "drug")
        for x in r.excipients:
            ref(r, "excipients", x, materials, "material")
    elif section == "ligands":
        ref(r, "binds", r.binds, targets, "target")
    elif section == "diseases":
        for b in r.broader:
            ref(r, "broader", b, diseases, "disease")
    elif section == "materials":
        for x in r.components:
            ref(r, "components", x, materials, "material")
    elif section == "organisations":
        ref(r, "country", r.country, regions, "region")
    elif section == "statistics":
        if r.carrier_class is not None and r.carrier_class not in {c.top for c in CARRIER_CLASSES.values()}:
            err(r, "carrier_class", f"{short(r.carrier_class)} is not a top carrier class")
    elif section == "history":
        for x in r.people:
            ref(r, "people", x, people, "person")
        for x in r.products:
            ref(r, "products", x, products, "product")


def _normalise(text: str) -> str:
    return " ".join(text.split())


def verify_quotes(curation: Curation, seeds_dir: Path, documents_dir: Path | None = None) -> list[DataError]:
    """Check that every quote appears verbatim (up to whitespace) in its source document.

    A source's ``path`` is looked for in ``seeds_dir`` (the seed documents, beside the
    repository), then in ``documents_dir`` (``data/documents``: the texts of documents
    accepted with ``nanokg curate --accept``, kept under version control with the data).

    Returns one :class:`DataError` per quote that is not found, or per source file missing.
    """
    texts: dict[str, str] = {}
    errors: list[DataError] = []
    for source in curation.sources:
        if source.path:
            path = seeds_dir / source.path
            if not path.is_file() and documents_dir is not None and (documents_dir / source.path).is_file():
                path = documents_dir / source.path
            if path.is_file():
                texts[source.id] = _normalise(path.read_text(encoding="utf-8"))
            else:
                errors.append(DataError(str(path), 0, "", f"source document of {source.id!r} not found"))
    if errors:
        return errors
    for owner, ev in curation.iter_evidence():
        if ev.quote and ev.source in texts and _normalise(ev.quote) not in texts[ev.source]:
            path, line = _where(ev)
            errors.append(
                DataError(path, line, f"{owner}.quote", f"not found verbatim in {ev.source}: {short(ev.quote)}")
            )
    return errors


def check_mappings(c: Curation) -> list[DataError]:
    """Mapped entities exist; CURIEs are well formed, known to the Bioregistry and not repeated."""
    if not c.mappings:
        return []
    from nanokg.identifiers import converter, curie_problem

    errors: list[DataError] = []
    seen: dict[str, str] = {}
    # every mapping's evidence derives from this source: it must be listed with the others
    if not any(s.id == MAPPING_SOURCE and s.kind == "identifier-check" for s in c.sources):
        first = c.mappings[0].curated_from.rpartition(":")[0]
        msg = f"sources.yaml defines no source {MAPPING_SOURCE!r} of kind identifier-check"
        errors.append(DataError(first, 0, "mappings", msg))

    def err(obj: Any, entity: str, fld: str, msg: str) -> None:
        path, _, line = obj.curated_from.rpartition(":")
        errors.append(DataError(path, int(line) if line.isdigit() else 0, f"mappings[{entity}]{fld}", msg))

    for m in c.mappings:
        if m.kind not in MAPPING_KINDS:
            err(m, m.entity, ".entity", f"unknown kind {short(m.kind)} (known: {', '.join(MAPPING_KINDS)})")
            continue
        if m.record_id not in c.ids(MAPPING_KINDS[m.kind]):
            err(m, m.entity, ".entity", f"{short(m.record_id)} is not a defined {m.kind} id")
        if m.entity in seen:
            err(m, m.entity, ".entity", f"duplicate entity {short(m.entity)} (first listed at {seen[m.entity]})")
        seen.setdefault(m.entity, m.curated_from)
        ids: set[str] = set()
        for n, match in enumerate(m.matches):
            problem = curie_problem(match.id)
            if problem:
                err(match, m.entity, f".matches[{n}].id", problem)
            elif match.id in ids:
                err(match, m.entity, f".matches[{n}].id", f"duplicate id {short(match.id)}")
            ids.add(match.id)
        mapped = {i.partition(":")[0] for i in ids}
        names: set[tuple[str, str]] = set()
        for n, syn in enumerate(m.synonyms):
            problem = curie_problem(syn.from_)
            if problem:
                err(syn, m.entity, f".synonyms[{n}].from", problem)
            # the same name from two sources is two records; from one source twice is a slip
            if (syn.name, syn.from_) in names:
                msg = f"duplicate synonym {short(syn.name)} from {cut(syn.from_)}"
                err(syn, m.entity, f".synonyms[{n}].name", msg)
            names.add((syn.name, syn.from_))
        for n, gap in enumerate(m.unmapped):
            standard = converter().standardize_prefix(gap.prefix)
            if standard is None:
                msg = f"unknown prefix {short(gap.prefix)} (not in the Bioregistry)"
                err(gap, m.entity, f".unmapped[{n}].prefix", msg)
            elif standard != gap.prefix:
                err(
                    gap,
                    m.entity,
                    f".unmapped[{n}].prefix",
                    f"write the prefix as the Bioregistry prefers: {standard!r}",
                )
            elif gap.prefix in mapped:
                msg = f"{short(gap.prefix)} is listed as unmapped but has a match"
                err(gap, m.entity, f".unmapped[{n}].prefix", msg)
    return errors
