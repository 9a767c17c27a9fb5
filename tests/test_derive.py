"""The derived graph (nanokg.store.derive): each item of the spec checked against what queries computed per row.

The expectations are SPARQL over the store *without* its derived graphs (property paths,
MINUS, EXISTS: the per-row forms the catalogue used before), never the engine itself; the
load/unload tests work on copies of the session's built store.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from nanokg.errors import InputError
from nanokg.store import derive
from nanokg.store.derive import derived_graph_of, is_derived_graph, load_rules, refresh
from nanokg.store.load import default_graph, load, unload
from nanokg.store.transaction import open_store, writing
from nanokg.vocabulary import GRAPHS

NKG = "https://w3id.org/nanokg/ontology#"
VAL = "https://w3id.org/nanokg/value/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
DERIVED = str(GRAPHS["derived"])
DOXIL = "https://w3id.org/nanokg/product/doxil"
PREFIXES = {
    "nkg": NKG,
    "val": VAL,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}
#: a named type that is not a meta-class (what item 4 ranks)
_PLAIN = "!STRSTARTS(STR(?c), STR(rdf:)) && !STRSTARTS(STR(?c), STR(rdfs:)) && !STRSTARTS(STR(?c), STR(owl:))"


def _copy(store: ox.Store, keep=lambda g: True) -> ox.Store:
    memory = ox.Store()
    memory.bulk_extend(q for q in store.quads_for_pattern(None, None, None, None) if keep(q.graph_name.value))
    return memory


def _derived_set(store: ox.Store) -> set[tuple]:
    return {
        (q.subject, q.predicate, q.object)
        for g in derive.derived_graphs(store)
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))
    }


def _rows(store: ox.Store, text: str) -> set[tuple]:
    return {tuple(row) for row in store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)}


@pytest.fixture(scope="module")
def sources(built_store) -> ox.Store:
    """The built store's source graphs (ontology, asserted, inferred), in memory: what queries read before."""
    store = open_store(built_store)
    return _copy(store, set(derive.source_graphs(store)).__contains__)


@pytest.fixture(scope="module")
def derived(sources) -> ox.Store:
    """``sources`` plus the curated derivation."""
    store = _copy(sources)
    refresh(store, DERIVED)
    return store


def test_build_writes_the_derived_graph_and_it_equals_a_fresh_derivation(built_store):
    store = _copy(open_store(built_store))
    assert DERIVED in derive.derived_graphs(store)
    before = _derived_set(store)
    report = refresh(store, DERIVED)
    assert (report.added, report.removed) == (0, 0)
    assert _derived_set(store) == before and len(before) > 500


def test_type_closure_matches_subclass_paths(sources, derived):
    expected = _rows(
        sources,
        "SELECT ?x ?d WHERE { ?x a ?c . ?c (rdfs:subClassOf|owl:equivalentClass|^owl:equivalentClass)+ ?d ."
        " FILTER(isIRI(?c) && isIRI(?d) && ?c != ?d) }",
    )
    assert expected, "the curated graph has typed individuals below named classes"
    have = _rows(derived, "SELECT ?x ?d WHERE { ?x a ?d }")
    assert expected <= have
    # nothing more than the closure: every derived type is a fact's superclass
    facts = _rows(sources, "SELECT ?x ?d WHERE { ?x a ?d }")
    new = {(s, o) for s, p, o in _derived_set(derived) if p.value == RDF_TYPE}
    assert new == expected - facts


def test_subclass_closure_is_strict_and_complete(sources, derived):
    expected = _rows(
        sources,
        "SELECT ?c ?d WHERE { GRAPH ?g { ?c a owl:Class } ?c (rdfs:subClassOf|owl:equivalentClass|^owl:equivalentClass)+ ?d"
        " FILTER(isIRI(?c) && isIRI(?d) && ?c != ?d) }",
    )
    have = _rows(derived, "SELECT ?c ?d WHERE { ?c rdfs:subClassOf ?d FILTER(isIRI(?c) && isIRI(?d)) }")
    assert expected <= have
    assert not _rows(derived, "SELECT ?c WHERE { ?c rdfs:subClassOf ?c }")
    # the catalogue's carrier classes in one pattern, as the queries now read them
    carriers = _rows(derived, "SELECT ?c WHERE { ?c rdfs:subClassOf nkg:CarrierPlatform }")
    paths = _rows(sources, "SELECT ?c WHERE { ?c rdfs:subClassOf*/rdfs:subClassOf nkg:CarrierPlatform }")
    assert carriers == paths and (ox.NamedNode(NKG + "PEGylatedLiposome"),) in carriers


def test_direct_type_equals_the_minus_pattern_for_every_individual(sources, derived):
    expected = _rows(
        sources,
        f"""SELECT ?x ?c WHERE {{
          ?x a ?c . FILTER(isIRI(?c) && {_PLAIN})
          MINUS {{ ?x a ?narrower . ?narrower rdfs:subClassOf*/rdfs:subClassOf ?c . FILTER(?narrower != ?c) }}
        }}""",
    )
    have = _rows(derived, "SELECT ?x ?c WHERE { ?x nkg:directType ?c }")
    products = _rows(sources, "SELECT ?x WHERE { ?x a nkg:Nanomedicine }")
    assert len(products) > 30
    # every product: its direct types and its carrier class as the MINUS pattern gave them
    for (product,) in products:
        assert {c for x, c in have if x == product} == {c for x, c in expected if x == product}, product
    assert have == expected
    doxil = {
        c.value
        for (c,) in _rows(
            derived, f"SELECT ?c WHERE {{ <{DOXIL}> nkg:directType ?c . ?c rdfs:subClassOf nkg:CarrierPlatform }}"
        )
    }
    assert doxil == {NKG + "PEGylatedLiposome"}


def test_terminated_flag_on_every_nanomedicine(sources, derived):
    expected = {
        (x, v.value == "true")
        for x, v in _rows(
            sources,
            "SELECT ?x ?v WHERE { ?x a nkg:Nanomedicine ."
            " BIND(EXISTS { ?x nkg:hasTrial ?t . ?t nkg:trialStatus val:terminated } AS ?v) }",
        )
    }
    flags = _rows(derived, "SELECT ?x ?v WHERE { ?x nkg:hasTerminatedTrial ?v }")
    assert all(v.datatype.value == XSD_BOOLEAN for _, v in flags)
    assert {(x, v.value == "true") for x, v in flags} == expected
    assert {x for x, _ in flags} == {x for x, _ in expected}, "exactly one flag per product"
    assert any(v for _, v in expected) and not all(v for _, v in expected)


@pytest.mark.parametrize(
    ("name", "premise", "conclusion"),
    [
        ("subproperty", "?s ?p ?o . ?p rdfs:subPropertyOf+ ?q", "?s ?q ?o"),
        (
            "inverse",
            "?s ?p ?o . { ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p } FILTER(!isLiteral(?o))",
            "?o ?q ?s",
        ),
        ("chain", "?p owl:propertyChainAxiom (?a ?b) . ?s ?a ?m . ?m ?b ?o", "?s ?p ?o"),
        (
            "transitive",
            "nkg:broaderDisease a owl:TransitiveProperty . ?s nkg:broaderDisease/nkg:broaderDisease+ ?o",
            "?s nkg:broaderDisease ?o",
        ),
    ],
)
def test_property_closure(sources, derived, name, premise, conclusion):
    variables = sorted({word for word in conclusion.split() if word.startswith("?")})
    select = f"SELECT {' '.join(variables)} WHERE {{ {premise} }}"
    expected = _rows(sources, select)
    assert expected or name == "transitive", f"the curated graph uses {name} axioms"
    check = f"SELECT {' '.join(variables)} WHERE {{ {premise} . {conclusion} }}"
    assert _rows(derived, check) == expected


def test_chain_and_inverse_reach_the_derived_graph(derived):
    targets = _rows(derived, f"SELECT ?t WHERE {{ GRAPH <{DERIVED}> {{ ?p nkg:activelyTargets ?t }} }}")
    inverse = _rows(derived, "SELECT ?t ?p WHERE { ?t nkg:isTargetedBy ?p }")
    forward = _rows(derived, "SELECT ?t ?p WHERE { ?p nkg:activelyTargets ?t }")
    assert forward == inverse and forward
    assert targets or forward, "HermiT's inferred graph or the derivation holds the chain"


def test_no_derived_triple_is_in_another_graph(built_store):
    store = open_store(built_store)
    (row,) = store.query(
        f"""SELECT (COUNT(*) AS ?n) WHERE {{
          GRAPH ?d {{ ?s ?p ?o }} GRAPH ?g {{ ?s ?p ?o }}
          FILTER(?d != ?g && (?d = <{DERIVED}> || STRSTARTS(STR(?d), "{derive.DERIVED_NAMESPACE}")))
        }}"""
    )
    assert int(row[0].value) == 0


# --------------------------------------------------------------------------- rules


def _rule(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("PREFIX nkg: <https://w3id.org/nanokg/ontology#>\n" + text, encoding="utf-8")
    return path


def test_rules_run_with_the_closure_to_a_fixpoint(sources, tmp_path):
    # a rule whose output is a type: the closure must add that type's superclasses
    folder = tmp_path / "derive"
    _rule(folder, "a.rq", "CONSTRUCT { ?p a nkg:PEGylatedLiposome } WHERE { ?p nkg:hasTrial ?t }")
    # and a rule reading what the first rule and the closure made
    _rule(folder, "b.rq", "CONSTRUCT { ?p nkg:testFlag nkg:CarrierPlatform } WHERE { ?p a nkg:CarrierPlatform }")
    store = _copy(sources)
    report = refresh(store, DERIVED, rules=load_rules(folder))
    with_trials = _rows(sources, "SELECT ?p WHERE { ?p nkg:hasTrial ?t }")
    liposomes = _rows(store, "SELECT ?p WHERE { ?p a nkg:CarrierPlatform }")
    assert with_trials <= liposomes
    assert with_trials <= _rows(store, "SELECT ?p WHERE { ?p nkg:testFlag nkg:CarrierPlatform }")
    assert report.rounds >= 2
    # and a second pass changes nothing
    again = refresh(store, DERIVED, rules=load_rules(folder))
    assert (again.added, again.removed) == (0, 0)


def test_rule_output_no_longer_implied_is_removed(sources, tmp_path):
    folder = tmp_path / "derive"
    path = _rule(
        folder,
        "flag.rq",
        f"CONSTRUCT {{ ?p nkg:hasTerminatedTrial true }} WHERE {{ <{DOXIL}> a ?c . BIND(<{DOXIL}> AS ?p) }}",
    )
    store = _copy(sources)
    refresh(store, DERIVED, rules=load_rules(folder))
    assert _rows(store, f"SELECT * WHERE {{ <{DOXIL}> nkg:hasTerminatedTrial true }}") == {()}
    path.write_text(path.read_text().replace(f"<{DOXIL}> a ?c", f"<{DOXIL}> a nkg:NoSuchClass"), encoding="utf-8")
    report = refresh(store, DERIVED, rules=load_rules(folder))
    assert report.removed == 1
    assert not _rows(store, f"SELECT * WHERE {{ <{DOXIL}> nkg:hasTerminatedTrial ?v }}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "must be a CONSTRUCT query"),
        ("CONSTRUCT { ?s nkg:p ?o } WHERE { ?s ?p ", "does not parse as SPARQL"),
        ("CONSTRUCT { ?s nkg:p [ nkg:q ?o ] } WHERE { ?s ?p ?o }", "plain triples"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "predicate \\?p must be an IRI"),
        ("CONSTRUCT WHERE { ?s nkg:p ?o }", "CONSTRUCT { template }"),
    ],
)
def test_bad_rule_names_its_file(tmp_path, text, message):
    path = _rule(tmp_path / "derive", "bad.rq", text)
    with pytest.raises(InputError, match=message) as caught:
        load_rules(tmp_path / "derive")
    assert str(path) in str(caught.value) and caught.value.location == str(path)


def test_shipped_rules_declare_what_they_derive():
    rules = load_rules()
    assert [r.path.name for r in rules if r.path.name == "terminated-trials.rq"]
    for rule in rules:
        assert rule.text.lstrip().startswith("#"), f"{rule.path} starts with a comment saying what it derives"


# --------------------------------------------------------------------------- load / unload


@pytest.fixture()
def store_copy(built_store, tmp_path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(built_store, target)
    return target


def _write(path: Path, triples: list[tuple[str, str, str]]) -> Path:
    path.write_bytes(
        ox.serialize(
            [ox.Triple(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o)) for s, p, o in triples],
            format=ox.RdfFormat.N_TRIPLES,
        )
    )
    return path


def _consistent(store_path: Path) -> set[tuple]:
    """The store's derived set, after checking it equals a from-scratch derivation."""
    store = _copy(open_store(store_path))
    have = _derived_set(store)
    fresh = _copy(store, lambda g: not is_derived_graph(g))
    refresh(fresh, DERIVED)
    assert _derived_set(fresh) == have
    return have


def test_load_then_unload_restores_the_derived_set(store_copy, tmp_path):
    before = _consistent(store_copy)
    myocet = "SELECT ?v WHERE { <https://w3id.org/nanokg/product/myocet> nkg:hasTerminatedTrial ?v }"
    assert [v.value for (v,) in _rows(open_store(store_copy), myocet)] == ["false"]
    product = "https://example.org/nano/x1"
    trial = "https://example.org/nano/x1-trial"
    path = _write(
        tmp_path / "x1.nt",
        [
            (product, RDF_TYPE, NKG + "PEGylatedLiposome"),
            (product, NKG + "hasPayload", "https://w3id.org/nanokg/drug/doxorubicin"),
            (product, NKG + "hasTrial", trial),
            (trial, NKG + "trialStatus", VAL + "terminated"),
            # a curated product gains a terminated trial: its flag flips from false to true
            ("https://w3id.org/nanokg/product/myocet", NKG + "hasTrial", trial),
        ],
    )
    load([path], store_copy)
    during = _consistent(store_copy)
    store = open_store(store_copy)
    graph = ox.NamedNode(derived_graph_of(default_graph(path)))
    mine = {
        (q.subject.value, q.predicate.value, q.object.value) for q in store.quads_for_pattern(None, None, None, graph)
    }
    assert (product, RDF_TYPE, NKG + "Nanomedicine") in mine
    assert (product, NKG + "directType", NKG + "PEGylatedLiposome") in mine
    assert ("https://w3id.org/nanokg/drug/doxorubicin", NKG + "isPayloadOf", product) in mine
    assert (product, NKG + "hasTerminatedTrial", "true") in mine
    assert [v.value for (v,) in _rows(store, myocet)] == ["true"]
    del store
    unload(default_graph(path), store_copy)
    assert _consistent(store_copy) == before != during


def test_import_narrowing_a_curated_type_moves_its_direct_type_and_back(store_copy, tmp_path):
    before = _consistent(store_copy)
    # Lipoplatin is curated as a liposome (npo:NPO_719); an import says it is a cationic one
    lipoplatin = "https://w3id.org/nanokg/product/lipoplatin"
    path = _write(tmp_path / "narrow.nt", [(lipoplatin, RDF_TYPE, NKG + "CationicLiposome")])
    query = f"SELECT ?c WHERE {{ <{lipoplatin}> nkg:directType ?c . ?c rdfs:subClassOf nkg:CarrierPlatform }}"
    old = _rows(open_store(store_copy), query)
    load([path], store_copy)
    _consistent(store_copy)
    assert _rows(open_store(store_copy), query) == {(ox.NamedNode(NKG + "CationicLiposome"),)} != old
    unload(default_graph(path), store_copy)
    assert _consistent(store_copy) == before
    assert _rows(open_store(store_copy), query) == old


def test_two_imports_implying_one_triple_unload_one_keeps_it(store_copy, tmp_path):
    product = "https://example.org/nano/shared"
    triple = [(product, RDF_TYPE, NKG + "PEGylatedLiposome")]
    first, second = _write(tmp_path / "first.nt", triple), _write(tmp_path / "second.nt", triple)
    load([first], store_copy)
    load([second], store_copy)
    _consistent(store_copy)
    implied = f"SELECT * WHERE {{ <{product}> a nkg:Nanomedicine ; nkg:directType nkg:PEGylatedLiposome }}"
    assert _rows(open_store(store_copy), implied) == {()}
    unload(default_graph(first), store_copy)
    assert _rows(open_store(store_copy), implied) == {()}
    _consistent(store_copy)
    unload(default_graph(second), store_copy)
    assert not _rows(open_store(store_copy), implied)


def test_rebuild_drops_and_rebuilds_the_curated_derived_graph(store_copy):
    from nanokg.store.build import build_graph

    junk = ox.Quad(
        ox.NamedNode(DOXIL), ox.NamedNode(NKG + "directType"), ox.NamedNode(NKG + "Junk"), ox.NamedNode(DERIVED)
    )
    with writing(store_copy, operation="load") as writer, writer.new_generation(copy=True) as generation:
        generation.store.add(junk)
    assert junk in open_store(store_copy)
    build_graph(store_path=store_copy)
    assert junk not in open_store(store_copy)
    assert _consistent(store_copy)


def test_rebuild_with_an_import_keeps_the_derived_set_consistent(store_copy, tmp_path):
    from nanokg.store.build import build_graph

    lipoplatin = "https://w3id.org/nanokg/product/lipoplatin"
    load([_write(tmp_path / "narrow.nt", [(lipoplatin, RDF_TYPE, NKG + "CationicLiposome")])], store_copy)
    build_graph(store_path=store_copy)
    # the curated derived graph alone would give Lipoplatin back its curated direct type
    derived = _consistent(store_copy)
    narrowed = (ox.NamedNode(lipoplatin), ox.NamedNode(NKG + "directType"), ox.NamedNode(NKG + "CationicLiposome"))
    assert narrowed in derived


def test_generated_100k_import_derives_what_the_per_row_queries_computed(store_copy, tmp_path):
    """A 100 k synthetic import (benchmarks.generate): direct types, flags and closure equal the per-row SPARQL."""
    from benchmarks.generate import IMPORT_GRAPH, generate

    data = tmp_path / "synthetic.nq"
    generate(data, 100_000, store=open_store(store_copy), keys=tmp_path / "keys.nq", derived=tmp_path / "derived.nq")
    load([data], store_copy)
    derived = _copy(open_store(store_copy))
    sources = _copy(derived, set(derive.source_graphs(derived)).__contains__)
    assert IMPORT_GRAPH in derive.source_graphs(derived)
    assert derived_graph_of(IMPORT_GRAPH) in derive.derived_graphs(derived)
    products = _rows(sources, "SELECT ?x WHERE { ?x a nkg:Nanomedicine }")
    assert len(products) > 1000
    direct = _rows(
        sources,
        f"""SELECT ?x ?c WHERE {{
          ?x a nkg:Nanomedicine ; a ?c . FILTER(isIRI(?c) && {_PLAIN})
          MINUS {{ ?x a ?narrower . ?narrower rdfs:subClassOf*/rdfs:subClassOf ?c . FILTER(?narrower != ?c) }}
        }}""",
    )
    assert _rows(derived, "SELECT ?x ?c WHERE { ?x a nkg:Nanomedicine ; nkg:directType ?c }") == direct
    flags = _rows(
        sources,
        "SELECT ?x ?v WHERE { ?x a nkg:Nanomedicine ."
        " BIND(EXISTS { ?x nkg:hasTrial ?t . ?t nkg:trialStatus val:terminated } AS ?v) }",
    )
    assert _rows(derived, "SELECT ?x ?v WHERE { ?x nkg:hasTerminatedTrial ?v }") == flags
    closure = _rows(sources, "SELECT ?x ?d WHERE { ?x a ?c . ?c rdfs:subClassOf+ ?d . FILTER(isIRI(?d)) }")
    assert closure <= _rows(derived, "SELECT ?x ?d WHERE { ?x a ?d }")
    chain = _rows(sources, "SELECT ?p ?t WHERE { ?p nkg:hasTargetingLigand/nkg:bindsTarget ?t }")
    assert chain and chain <= _rows(derived, "SELECT ?p ?t WHERE { ?p nkg:activelyTargets ?t }")
    _consistent(store_copy)


# --------------------------------------------------------------------------- incremental load, random orders

_CURATED_PRODUCTS = ["lipoplatin", "doxil", "myocet", "abraxane", "onivyde"]
_CLASSES = ["CationicLiposome", "PEGylatedLiposome", "Liposome", "PolymericMicelle", "Nanomedicine", "Antibody"]


def _fact(rng, number: int) -> list[tuple]:
    """A few triples of one kind an import may bring: what the derivation is not monotonic or local in."""
    product = f"https://w3id.org/nanokg/product/{rng.choice(_CURATED_PRODUCTS)}"
    new = f"https://example.org/nano/p{rng.randrange(4)}"
    ligand, target = f"https://example.org/nano/ligand{rng.randrange(3)}", f"https://example.org/nano/target{number}"
    kind = rng.choice([0, 0, 1, 1, 2, 3, 4])
    if kind == 0:  # a curated or new product typed: Lipoplatin (a curated liposome) narrowed, or another type
        subject = rng.choice(["https://w3id.org/nanokg/product/lipoplatin", product, new])
        return [(subject, RDF_TYPE, NKG + rng.choice(_CLASSES))]
    if kind == 1:  # a terminated (or other) trial on a curated or new product
        trial = f"https://example.org/nano/trial{number}"
        status = VAL + rng.choice(["terminated", "completed"])
        return [(rng.choice([product, new]), NKG + "hasTrial", trial), (trial, NKG + "trialStatus", status)]
    if kind == 2:  # one link of a property chain: the other may come with another import
        if rng.random() < 0.5:
            return [(rng.choice([product, new]), NKG + "hasTargetingLigand", ligand)]
        return [(ligand, NKG + "bindsTarget", target)]
    if kind == 3:  # an inverse property
        return [(rng.choice([product, new]), NKG + "hasPayload", "https://w3id.org/nanokg/drug/doxorubicin")]
    return [(new, "http://www.w3.org/2000/01/rdf-schema#label", f'"Product {number}"')]


def _write_nt(path: Path, triples: list[tuple]) -> Path:
    lines = [f"<{s}> <{p}> {o if o.startswith(chr(34)) else f'<{o}>'} .\n" for s, p, o in triples]
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_imports_loaded_and_unloaded_in_any_order_keep_the_derivation_exact(store_copy, tmp_path, seed):
    import random

    rng = random.Random(seed)
    files = []
    for number in range(3):
        triples = [t for k in range(rng.randrange(1, 5)) for t in _fact(rng, 10 * number + k)]
        files.append(_write_nt(tmp_path / f"r{seed}-{number}.nt", triples))
    before = _consistent(store_copy)
    loaded: list[Path] = []
    for path in rng.sample(files, len(files)):
        load([path], store_copy, optimize=False)
        loaded.append(path)
        _consistent(store_copy)
        if rng.random() < 0.4:  # unload one of those loaded so far, then load it again later
            gone = loaded.pop(rng.randrange(len(loaded)))
            unload(default_graph(gone), store_copy)
            _consistent(store_copy)
            load([gone], store_copy, optimize=False)
            loaded.append(gone)
            _consistent(store_copy)
    for path in rng.sample(loaded, len(loaded)):
        unload(default_graph(path), store_copy)
        _consistent(store_copy)
    assert _consistent(store_copy) == before


def test_chain_split_across_two_imports_and_a_narrowed_flag(store_copy, tmp_path):
    product, ligand, target = (f"https://example.org/nano/{n}" for n in ("split", "split-ligand", "split-target"))
    first = _write_nt(tmp_path / "links-1.nt", [(product, NKG + "hasTargetingLigand", ligand)])
    second = _write_nt(tmp_path / "links-2.nt", [(ligand, NKG + "bindsTarget", target)])
    load([first], store_copy, optimize=False)
    load([second], store_copy, optimize=False)
    store = open_store(store_copy)
    implied = (ox.NamedNode(product), ox.NamedNode(NKG + "activelyTargets"), ox.NamedNode(target))
    assert implied in _derived_set(store)
    del store
    _consistent(store_copy)
    unload(default_graph(first), store_copy)
    assert implied not in _consistent(store_copy)
