"""Turn curated records into RDF: the asserted facts and their provenance.

Every asserted triple is also reified (``rdf:Statement``) in the provenance graph and
linked to the :class:`~nanokg.curation.records.Evidence` that supports it, so "which source says
so?" is a SPARQL question on any backend. IRIs derive from record ids and content
hashes only: the same input always gives the same triples.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCTERMS, PROV

from nanokg.curation import records as rec
from nanokg.errors import InputError, NanokgError
from nanokg.vocabulary import (
    CARRIER_CLASSES,
    CLASS_MAPS,
    CLINICAL_PHASES,
    COMPARTMENTS,
    HISTORY_CONCEPTS,
    IMMUNE_PREDICATES,
    MEASURES,
    NKG,
    NPO,
    NPO_TARGETS,
    QUDT,
    STAGE_BY_ID,
    TERMINATION_REASONS,
    UNITS,
    VAL,
    entity_iri,
)

__all__ = [
    "AssertedGraphs",
    "OntologyError",
    "OntologyInputError",
    "build_asserted",
    "carrier_class_iri",
    "in_memory",
    "load_ontology",
    "mapping_graphs",
]


def carrier_class_iri(carrier_class: str) -> URIRef:
    """Return the ontology class of a carrier class id from ``data/README.md``.

    Examples
    --------
    >>> carrier_class_iri("liposome")
    rdflib.term.URIRef('http://purl.bioontology.org/ontology/npo#NPO_719')
    >>> carrier_class_iri("polymeric-micelle")
    rdflib.term.URIRef('https://w3id.org/nanokg/ontology#PolymericMicelle')
    """
    return CARRIER_CLASSES[carrier_class].iri


def _digest(*parts: object) -> str:
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _num(value: float) -> Literal:
    """A decimal literal; whole numbers without a trailing '.0'."""
    return Literal(format(value, "f").rstrip("0").rstrip(".") if value % 1 else str(int(value)), datatype=XSD.decimal)


@dataclass
class AssertedGraphs:
    """The two graphs the build writes from the curated records."""

    asserted: Graph = field(default_factory=Graph)
    provenance: Graph = field(default_factory=Graph)


class _Writer:
    """Adds facts to the asserted graph and their evidence to the provenance graph."""

    def __init__(self, c: rec.Curation) -> None:
        self.out = AssertedGraphs()
        self._evidence: dict[int, URIRef] = {}
        # a combination partner or comparator id may name a drug, a procedure or a product
        self.drug_ids = c.ids("drugs")
        self.procedure_ids = c.ids("procedures")
        self.names = {r.id: r.name for section in ("diseases", "drugs", "products") for r in c.records[section]}

    def evidence(self, ev: rec.Evidence) -> URIRef:
        key = id(ev)
        if key in self._evidence:
            return self._evidence[key]
        corr = ev.correction
        node = entity_iri(
            "evidence",
            _digest(ev.source, ev.quote, ev.locator, ev.note, corr and corr.model_dump_json(), ev.curated_from),
        )
        prov = self.out.provenance
        if (node, RDF.type, NKG.Evidence) not in prov:
            prov.add((node, RDF.type, NKG.Evidence))
            prov.add((node, PROV.wasDerivedFrom, entity_iri("source", ev.source)))
            if ev.quote:
                prov.add((node, NKG.quote, Literal(" ".join(ev.quote.split()))))
            if ev.locator:
                prov.add((node, NKG.locator, Literal(ev.locator)))
            if ev.note:
                prov.add((node, SKOS.editorialNote, Literal(" ".join(ev.note.split()))))
            if ev.curated_from:
                prov.add((node, NKG.curatedFrom, Literal(ev.curated_from)))
            if corr is not None:
                cnode = entity_iri("correction", _digest(corr.seed_says, corr.corrected, corr.reason))
                prov.add((node, NKG.hasCorrection, cnode))
                prov.add((cnode, RDF.type, NKG.SourceCorrection))
                prov.add((cnode, NKG.seedSays, Literal(corr.seed_says)))
                prov.add((cnode, NKG.correctedValue, Literal(corr.corrected)))
                prov.add((cnode, NKG.correctionReason, Literal(" ".join(corr.reason.split()))))
        self._evidence[key] = node
        return node

    def fact(self, s: URIRef, p: URIRef, o, ev: rec.Evidence) -> None:
        """Assert ``(s, p, o)`` and record that ``ev`` supports it."""
        self.out.asserted.add((s, p, o))
        stmt = entity_iri("statement", _digest(s.n3(), p.n3(), o.n3()))
        prov = self.out.provenance
        prov.add((stmt, RDF.type, RDF.Statement))
        prov.add((stmt, RDF.subject, s))
        prov.add((stmt, RDF.predicate, p))
        prov.add((stmt, RDF.object, o))
        prov.add((stmt, NKG.hasEvidence, self.evidence(ev)))

    def entity(self, iri: URIRef, types: Iterable[URIRef], label: str, ev: rec.Evidence) -> None:
        for t in types:
            self.fact(iri, RDF.type, t, ev)
        self.fact(iri, RDFS.label, Literal(label), ev)

    def synonyms(self, iri: URIRef, names: Iterable[rec.Named]) -> None:
        for n in names:
            self.fact(iri, SKOS.altLabel, Literal(n.name), n)


def build_asserted(c: rec.Curation, mappings: bool = True) -> AssertedGraphs:
    """Build the asserted and provenance graphs from validated records.

    ``mappings=False`` leaves out the external identifiers (``skos:exactMatch`` and the
    rest, all annotations): the build reasons without them, since expanding their CURIEs
    loads the Bioregistry, and makes them with :func:`mapping_graphs` while HermiT runs.
    """
    w = _Writer(c)
    _sources(w, c)
    _reference_entities(w, c)
    for product in c.products:
        _product(w, product)
    _field(w, c)
    _immunotherapy(w, c)
    if mappings:
        _mappings(w, c)
    return w.out


def mapping_graphs(c: rec.Curation) -> AssertedGraphs:
    """The external identifiers of ``c`` alone: what ``build_asserted(c, mappings=False)`` leaves out.

    Merged into those graphs, they give exactly ``build_asserted(c)``: a mapping's facts
    and evidence nodes depend on the mapping only, and graphs merge as sets.
    """
    w = _Writer(c)
    _mappings(w, c)
    return w.out


def _sources(w: _Writer, c: rec.Curation) -> None:
    g = w.out.provenance
    for s in c.sources:
        iri = entity_iri("source", s.id)
        g.add((iri, RDF.type, NKG.SourceDocument))
        g.add((iri, RDFS.label, Literal(s.title)))
        g.add((iri, DCTERMS.title, Literal(s.title)))
        if s.path:
            g.add((iri, NKG.sourcePath, Literal(s.path)))
        if s.citation:
            g.add((iri, DCTERMS.bibliographicCitation, Literal(" ".join(s.citation.split()))))
        for author in s.authors:
            g.add((iri, DCTERMS.creator, Literal(author)))
        if s.year:
            g.add((iri, DCTERMS.date, Literal(str(s.year), datatype=XSD.gYear)))
        if s.language_note:
            g.add((iri, SKOS.editorialNote, Literal(" ".join(s.language_note.split()))))


def _reference_entities(w: _Writer, c: rec.Curation) -> None:
    for d in c.drugs:
        iri = entity_iri("drug", d.id)
        w.entity(iri, [NKG.Agent, CLASS_MAPS["drugs"][d.kind]], d.name, d)
        w.synonyms(iri, d.synonyms)
        if d.active_ingredient:
            w.fact(iri, NKG.activeIngredient, entity_iri("drug", d.active_ingredient), d)
        for x in d.excipients:
            w.fact(iri, NKG.hasExcipient, entity_iri("material", x), d)
    for t in c.targets:
        iri = entity_iri("target", t.id)
        types = [NKG.MolecularTarget, CLASS_MAPS["targets"][t.kind], COMPARTMENTS[t.compartment]]
        if t.id in NPO_TARGETS:
            types.append(NPO_TARGETS[t.id])
        w.entity(iri, types, t.name, t)
        w.fact(iri, NKG.compartment, Literal(t.compartment), t)
        w.synonyms(iri, t.synonyms)
    for lg in c.ligands:
        iri = entity_iri("ligand", lg.id)
        w.entity(iri, [NPO["NPO_227"], CLASS_MAPS["ligands"][lg.kind]], lg.name, lg)
        w.synonyms(iri, lg.synonyms)
        if lg.binds:
            w.fact(iri, NKG.bindsTarget, entity_iri("target", lg.binds), lg)
    for ds in c.diseases:
        iri = entity_iri("disease", ds.id)
        w.entity(iri, [NKG.Disease, NKG.Cancer if ds.cancer else NKG.NonCancerDisease], ds.name, ds)
        w.synonyms(iri, ds.synonyms)
        for b in ds.broader:
            w.fact(iri, NKG.broaderDisease, entity_iri("disease", b), ds)
    for m in c.materials:
        iri = entity_iri("material", m.id)
        w.entity(iri, [NKG.CarrierMaterial, CLASS_MAPS["materials"][m.kind]], m.name, m)
        w.synonyms(iri, m.synonyms)
        for x in m.components:
            w.fact(iri, NKG.hasComponent, entity_iri("material", x), m)
    for e in c.effects:
        iri = entity_iri("effect", e.id)
        w.entity(iri, [NKG.AdverseEffect], e.name, e)
        w.synonyms(iri, e.synonyms)
    for p in c.procedures:
        iri = entity_iri("procedure", p.id)
        w.entity(iri, [NKG.Procedure], p.name, p)
        w.synonyms(iri, p.synonyms)
    for r in c.regions:
        iri = entity_iri("region", r.id)
        w.entity(iri, [NKG.Region], r.name, r)
        w.synonyms(iri, r.synonyms)
    for o in c.organisations:
        iri = entity_iri("organisation", o.id)
        w.entity(iri, [NKG.Organisation, CLASS_MAPS["organisations"][o.kind]], o.name, o)
        w.synonyms(iri, o.synonyms)
        if o.country:
            w.fact(iri, NKG.basedInRegion, entity_iri("region", o.country), o)


def _stage(value: str) -> URIRef:
    return VAL[value]


def _fmt(value: float) -> str:
    """A number as people write it: 25, 1.7, 967,000,000."""
    if value == int(value):
        return f"{int(value):,}" if abs(value) >= 100_000 else str(int(value))
    return f"{value:g}"


def _outcome_label(o: rec.Outcome, names: dict[str, str]) -> str:
    """A human-readable outcome, e.g. 'ORR 25 % (phase 2, breast cancer)'."""
    amount = _fmt(o.value) if o.value is not None else f"{_fmt(o.min)}-{_fmt(o.max)}"
    qualifier = "" if o.qualifier in ("exact", "range") else o.qualifier.replace("-", " ") + " "
    context = [
        STAGE_BY_ID[o.phase].phrase if o.phase else None,
        names.get(o.indication) if o.indication else None,
        f"vs {names.get(o.comparator, o.comparator)}" if o.comparator else None,
    ]
    ctx = ", ".join(x for x in context if x)
    return f"{MEASURES[o.measure]} {qualifier}{amount}{UNITS[o.unit].suffix}" + (f" ({ctx})" if ctx else "")


def _product(w: _Writer, p: rec.Product) -> None:
    iri = entity_iri("product", p.id)
    classes = [carrier_class_iri(cls) for cls in p.carrier.classes]
    w.fact(iri, RDF.type, NKG.Nanomedicine, p)
    for cls in classes:
        w.fact(iri, RDF.type, cls, p.carrier)
    w.fact(iri, RDFS.label, Literal(p.name), p)
    w.synonyms(iri, p.aliases)
    if p.carrier.detail:
        w.fact(iri, NKG.carrierDetail, Literal(p.carrier.detail), p.carrier)
    for m in p.materials:
        w.fact(iri, NKG.hasCarrierMaterial, entity_iri("material", m.material), m)
    for s in p.surface:
        w.fact(iri, NKG.hasSurfaceModification, VAL[s.modification], s)
    for a in p.payloads:
        w.fact(iri, NKG.hasPayload, entity_iri("drug", a.agent), a)
    if p.size is not None:
        w.fact(iri, NKG.particleSizeMin, _num(p.size.min), p.size)
        w.fact(iri, NKG.particleSizeMax, _num(p.size.max), p.size)
        w.fact(iri, NKG.sizeQualifier, VAL[p.size.qualifier], p.size)
    for t in p.targeting:
        if t.ligand:
            w.fact(iri, NKG.hasTargetingLigand, entity_iri("ligand", t.ligand), t)
            w.fact(iri, NKG.hasSurfaceModification, VAL["ligand-conjugation"], t)
        if t.target:
            w.fact(iri, NKG.activelyTargets, entity_iri("target", t.target), t)
    for i in p.indications:
        w.fact(iri, NKG.hasIndication, entity_iri("disease", i.disease), i)
    for a in p.applications:
        w.fact(iri, NKG.hasApplication, entity_iri("procedure", a.procedure), a)
    for cb in p.combinations:
        node = entity_iri("combination", "-".join(x for x in (p.id, cb.partner, cb.indication) if x))
        partner_kind = "procedure" if cb.partner in w.procedure_ids else "drug"
        w.fact(iri, NKG.hasCombination, node, cb)
        w.fact(node, RDF.type, NKG.CombinationTherapy, cb)
        w.fact(node, RDFS.label, Literal(f"{p.name} with {cb.partner}"), cb)
        w.fact(node, NKG.combinationPartner, entity_iri(partner_kind, cb.partner), cb)
        if cb.indication:
            w.fact(node, NKG.combinationIndication, entity_iri("disease", cb.indication), cb)
    w.fact(iri, NKG.hasHighestStage, _stage(p.stage.value), p.stage)

    for n, ap in enumerate(p.approvals, start=1):
        node = entity_iri("approval", f"{p.id}-{n}")
        w.fact(iri, NKG.hasApproval, node, ap)
        w.fact(node, RDF.type, NKG.RegulatoryApproval, ap)
        where = ", ".join(str(x) for x in (ap.agency, ap.region, ap.year) if x)
        w.fact(node, RDFS.label, Literal(f"{p.name} approval" + (f" ({where})" if where else "")), ap)
        if ap.agency:
            w.fact(node, NKG.approvedBy, entity_iri("organisation", ap.agency), ap)
        if ap.region:
            w.fact(node, NKG.approvalRegion, entity_iri("region", ap.region), ap)
        if ap.year:
            w.fact(node, NKG.year, Literal(ap.year), ap)
        if ap.indication:
            w.fact(node, NKG.approvedFor, entity_iri("disease", ap.indication), ap)

    trials: dict[str, URIRef] = {}

    def trial(phase: str, ev: rec.Evidence) -> URIRef:
        node = entity_iri("trial", f"{p.id}-{phase}")
        if phase not in trials:
            trials[phase] = node
            w.fact(iri, NKG.hasTrial, node, ev)
            w.fact(node, RDF.type, NKG.ClinicalTrial, ev)
            w.fact(node, RDFS.label, Literal(f"{p.name} {STAGE_BY_ID[phase].phrase} trial"), ev)
            w.fact(node, NKG.trialPhase, _stage(phase), ev)
        return node

    for tr in p.trials:
        node = trial(tr.phase, tr)
        if tr.status:
            w.fact(node, NKG.trialStatus, VAL[tr.status], tr)
        for reason in tr.reasons:
            target = VAL[reason] if reason in TERMINATION_REASONS else entity_iri("effect", reason)
            w.fact(node, NKG.terminationReason, target, tr)
    if p.stage.value in CLINICAL_PHASES:
        trial(p.stage.value, p.stage)

    counts: dict[str, int] = {}
    for o in p.outcomes:
        counts[o.measure] = counts.get(o.measure, 0) + 1
        node = entity_iri("outcome", f"{p.id}-{o.measure}-{counts[o.measure]}")
        w.fact(iri, NKG.hasOutcome, node, o)
        w.fact(node, RDF.type, NKG.Outcome, o)
        w.fact(node, RDFS.label, Literal(_outcome_label(o, w.names)), o)
        w.fact(node, NKG.outcomeMeasure, VAL[o.measure], o)
        if o.value is not None:
            w.fact(node, QUDT.numericValue, _num(o.value), o)
        if o.min is not None:
            w.fact(node, NKG.minValue, _num(o.min), o)
        if o.max is not None:
            w.fact(node, NKG.maxValue, _num(o.max), o)
        w.fact(node, QUDT.unit, UNITS[o.unit].iri, o)
        w.fact(node, NKG.valueQualifier, VAL[o.qualifier], o)
        if o.phase:
            w.fact(node, NKG.outcomePhase, _stage(o.phase), o)
            if o.phase in CLINICAL_PHASES:
                w.fact(node, NKG.reportedIn, trial(o.phase, o), o)
        if o.indication:
            w.fact(node, NKG.outcomeIndication, entity_iri("disease", o.indication), o)
        if o.comparator:
            kind = "drug" if o.comparator in w.drug_ids else "product"
            w.fact(node, NKG.comparator, entity_iri(kind, o.comparator), o)

    for ae in p.adverse_effects:
        effect = entity_iri("effect", ae.effect)
        if ae.relation == "causes":
            w.fact(iri, NKG.hasDoseLimitingToxicity if ae.dose_limiting else NKG.causesAdverseEffect, effect, ae)
        elif ae.relation == "reduced":
            w.fact(iri, NKG.reducesAdverseEffect, effect, ae)
        else:
            w.fact(iri, NKG.lacksAdverseEffect, effect, ae)

    for n, r in enumerate(p.release, start=1):
        node = entity_iri("release", f"{p.id}-{n}")
        w.fact(iri, NKG.hasReleaseProfile, node, r)
        w.fact(node, RDF.type, NKG.ReleaseProfile, r)
        w.fact(node, RDFS.label, Literal(f"{p.name}: {r.mechanism.replace('-', ' ')}"), r)
        w.fact(node, NKG.releaseMechanism, VAL[r.mechanism], r)
        if r.stimulus:
            w.fact(node, NKG.releaseStimulus, VAL[r.stimulus], r)
        if r.min is not None:
            w.fact(node, NKG.minValue, _num(r.min), r)
        if r.max is not None:
            w.fact(node, NKG.maxValue, _num(r.max), r)
        if r.unit:
            w.fact(node, QUDT.unit, UNITS[r.unit].iri, r)

    for d in p.developers:
        w.fact(iri, NKG.developedBy, entity_iri("organisation", d.organisation), d)

    for n, f in enumerate(p.findings, start=1):
        node = entity_iri("finding", f"{p.id}-{n}")
        w.fact(iri, NKG.hasFinding, node, f)
        w.fact(node, RDF.type, NKG.Finding, f)
        w.fact(node, RDFS.label, Literal(f"{p.name}: finding {n}"), f)
        w.fact(node, RDFS.comment, Literal(" ".join(f.text.split())), f)
        if f.phase:
            w.fact(node, NKG.findingPhase, _stage(f.phase), f)
        if f.indication:
            w.fact(node, NKG.findingIndication, entity_iri("disease", f.indication), f)


def _field(w: _Writer, c: rec.Curation) -> None:
    for s in c.statistics:
        iri = entity_iri("statistic", s.id)
        w.entity(iri, [NKG.FieldStatistic], s.label, s)
        w.fact(iri, QUDT.numericValue, _num(s.value), s)
        w.fact(iri, NKG.valueQualifier, VAL[s.qualifier], s)
        if s.status:
            w.fact(iri, NKG.statisticStage, VAL["approved" if s.status == "approved" else "clinical"], s)
        if s.carrier_class:
            w.fact(iri, NKG.aboutCarrierClass, CARRIER_CLASSES[s.carrier_class].iri, s)
    for person in c.people:
        w.entity(entity_iri("person", person.id), [PROV.Person], person.name, person)
    for e in c.history:
        iri = entity_iri("event", e.id)
        w.entity(iri, [NKG.HistoricalEvent], e.label, e)
        w.fact(iri, NKG.year, Literal(e.year), e)
        w.fact(iri, NKG.yearPrecision, Literal(e.precision), e)
        for x in e.people:
            w.fact(iri, NKG.involvedPerson, entity_iri("person", x), e)
        for x in e.concepts:
            w.fact(iri, NKG.introducedConcept, HISTORY_CONCEPTS[x], e)
        for x in e.products:
            w.fact(iri, NKG.involvedProduct, entity_iri("product", x), e)
    for ch in c.challenges:
        iri = entity_iri("challenge", ch.id)
        w.entity(iri, [NKG.TranslationChallenge], ch.label, ch)
        w.fact(iri, RDFS.comment, Literal(" ".join(ch.description.split())), ch)


def _immunotherapy(w: _Writer, c: rec.Curation) -> None:
    for a in c.approaches:
        iri = entity_iri("immuno", a.id)
        w.entity(iri, [NKG.NanoImmunotherapyApproach], a.label, a)
        w.fact(iri, RDFS.comment, Literal(" ".join(a.description.split())), a)
        for r in a.relations:
            w.fact(iri, IMMUNE_PREDICATES[r.predicate], entity_iri("immuno", r.object), r)
    for e in c.entities:
        iri = entity_iri("immuno", e.id)
        w.entity(iri, [NKG.ImmuneConcept, CLASS_MAPS["entities"][e.kind]], e.label, e)
        w.synonyms(iri, e.synonyms)
        if e.description:
            w.fact(iri, RDFS.comment, Literal(" ".join(e.description.split())), e)
        for r in e.relations:
            w.fact(iri, IMMUNE_PREDICATES[r.predicate], entity_iri("immuno", r.object), r)


MAPPING_SOURCE = rec.MAPPING_SOURCE
_MATCH_PREDICATES = {"exact": SKOS.exactMatch, "close": SKOS.closeMatch}


def _mappings(w: _Writer, c: rec.Curation) -> None:
    """External identifiers (``skos:exactMatch``/``closeMatch``), their synonyms and the known gaps.

    A mapping's evidence is no seed quote: it derives from the source ``identifier-check``
    and its locator is the ``checked`` record (the file it was verified in and what that
    file says). The external label goes into the provenance graph, out of the name index,
    so a name never resolves to the external IRI itself.
    """
    if not c.mappings:
        return
    from nanokg.identifiers import expand

    prov = w.out.provenance  # the source itself is written with the others, from sources.yaml
    # the evidence objects stay referenced for the whole build: the writer caches nodes by id()
    kept: list[rec.Evidence] = []
    for m in c.mappings:
        iri = entity_iri(m.kind, m.record_id)
        for match in m.matches:
            ev = rec.Evidence(source=MAPPING_SOURCE, locator=match.checked, note=match.note,
                              curated_from=match.curated_from)  # fmt: skip
            kept.append(ev)
            external = URIRef(expand(match.id))
            w.fact(iri, _MATCH_PREDICATES[match.predicate], external, ev)
            if match.label:
                prov.add((external, RDFS.label, Literal(match.label)))
        for syn in m.synonyms:
            ev = rec.Evidence(source=MAPPING_SOURCE, locator=syn.checked, note=f"name given by {syn.from_}",
                              curated_from=syn.curated_from)  # fmt: skip
            kept.append(ev)
            w.fact(iri, SKOS.altLabel, Literal(syn.name), ev)
        for gap in m.unmapped:
            node = entity_iri("evidence", "unmapped-" + _digest(m.entity, gap.prefix))
            prov.add((iri, NKG.hasUnmappedSource, node))
            prov.add((node, NKG.identifierPrefix, Literal(gap.prefix)))
            prov.add((node, SKOS.editorialNote, Literal(" ".join(gap.reason.split()))))
            prov.add((node, NKG.curatedFrom, Literal(gap.curated_from)))


def in_memory(graphs: Mapping[URIRef | None, Graph]) -> ox.Store:
    """Load rdflib graphs into an in-memory Oxigraph store, one named graph each.

    A ``None`` key loads into the default graph. Blank node ids are kept (Oxigraph's
    loader would rename them), so canonical ids survive and rebuilds are byte-identical.
    """
    store = ox.Store()
    for name, graph in graphs.items():
        target = ox.DefaultGraph() if name is None else ox.NamedNode(str(name))
        data = graph.serialize(format="nt", encoding="utf-8")
        triples = ox.parse(data, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False)
        store.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)
    return store


class OntologyError(NanokgError, ValueError):
    """The ontology is not usable (kept for callers; a file that does not parse is an :class:`OntologyInputError`)."""


class OntologyInputError(InputError, ValueError):
    """The ontology or shapes file is missing or does not parse as Turtle (exit 2): ``FILE:LINE:COLUMN: message``."""


def _turtle_error(path: Path, exc: Exception) -> OntologyInputError:
    """One line for rdflib's parse error: ``FILE:LINE:COLUMN: does not parse as Turtle: why``.

    rdflib's ``BadSyntax`` message quotes the document as Python byte strings over several
    lines; its attributes give the line (``lines``, from 0), the offset (``_i``) and the reason.
    """
    why = getattr(exc, "_why", None)
    line = getattr(exc, "lines", None)
    if isinstance(why, str) and isinstance(line, int):
        where = f"{path}:{line + 1}"
        text, offset = getattr(exc, "_str", None), getattr(exc, "_i", -1)
        if isinstance(text, bytes) and isinstance(offset, int) and 0 <= offset <= len(text):
            column = offset - text.rfind(b"\n", 0, offset)  # from 1, also on the first line (rfind: -1)
            where += f":{column}"
        return OntologyInputError(f"{where}: does not parse as Turtle: {' '.join(why.split())}")
    detail = " ".join(str(exc).split()) or type(exc).__name__
    return OntologyInputError(f"{path}: does not parse as Turtle: {detail}")


def load_ontology(path: Path, canonical: bool = True) -> Graph:
    """Parse a Turtle file; blank nodes get canonical ids so rebuilds give the same triples.

    ``canonical=False`` keeps the parser's blank node ids: for a graph that is read but
    not stored (the SHACL shapes), where canonical ids buy nothing and cost half a second.

    Raises
    ------
    OntologyInputError
        The file is missing, unreadable, or not Turtle (with its line and column).
    """
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except FileNotFoundError:
        raise OntologyInputError(f"{path}: no such file") from None
    except OSError as exc:
        raise OntologyInputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
        raise _turtle_error(path, exc) from None
    if not canonical:
        return graph
    out = Graph()
    for triple in to_canonical_graph(graph):
        out.add(triple)
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=True)
    return out
