"""The pages of the documentation site that are generated from the project's files at build time.

A mkdocs hook (``hooks:`` in ``mkdocs.yml``). Nothing here lists the project's modules, queries
or subpackages by hand: every build reads them from the tree as it is, so a module that is added
gets its page and a module that is removed or renamed takes its page with it.

* ``reference/api/...``: one page per module under ``src/nanokg`` (mkdocstrings renders the
  docstrings), and their place in the navigation;
* ``reference/queries.md``: the query catalogue, one entry per ``queries/*.rq``, from its
  ``#+`` header as the project's own catalogue reads it;
* ``reference/layout.md``: the subpackages in data-flow order, one sentence each from their
  ``__init__`` docstrings, and the shared top-level modules;
* ``reference/data.md``: ``data/README.md``, with the JSON Schema of ``data/`` when there is one;
* ``reference/ontology.md`` and ``ontology/index.html``: pyLODE's rendering of
  ``ontology/nanokg.ttl``, the human page of the ontology IRI.
"""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PACKAGE = SRC / "nanokg"
API = "reference/api"
# the data flow, upstream first, stage by stage (publish, analytics and serve each read the query
# layer, side by side); a subpackage not named here follows them, alphabetically
STAGES = [["curation"], ["store"], ["query"], ["publish", "analytics", "serve", "drafting"], ["cli"]]
FLOW = [name for stage in STAGES for name in stage]
FACADE = "knowledge_graph"

_modules: list[tuple[str, Path]] = []


# ------------------------------------------------------------------------------------------ tree


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules_in_tree() -> list[tuple[str, Path]]:
    """(dotted name, file) of every module under src/nanokg, packages first, then by name."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in path.parts or not (path.parent / "__init__.py").is_file():
            continue
        found.append((_module_name(path), path))
    return sorted(found, key=lambda item: item[0].split("."))


def _page_of(name: str) -> str:
    """The page of a module, named by its dotted name (a module named ``index`` cannot clash)."""
    return f"{API}/{name}.md"


def _docstring(path: Path) -> str:
    try:
        return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except (OSError, SyntaxError, ValueError):
        return ""


def _summary(text: str) -> str:
    """The docstring's first paragraph, on one line (its RST roles and double backquotes as code)."""
    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    return re.sub(r"``([^`]+)``", r"`\1`", re.sub(r":\w+:`~?([^`]+)`", r"`\1`", paragraph))


def _says_more_than_its_name(sentence: str, name: str) -> bool:
    return bool(sentence) and sentence.strip(" .").lower() not in {name.lower(), name.split(".")[-1].lower()}


# ------------------------------------------------------------------------------------------ hooks


def on_config(config):
    """Read the module tree and put one API page per module into the navigation."""
    global _modules
    _modules = _modules_in_tree()
    for item in config["nav"] or []:
        if isinstance(item, dict) and isinstance(item.get("Reference"), list):
            for i, entry in enumerate(item["Reference"]):
                if isinstance(entry, dict) and "Python API" in entry:
                    item["Reference"][i] = {"Python API": _api_nav()}
    return config


def _api_nav() -> list:
    """The API section: the index, then each module, a subpackage's modules under it."""
    section: list = [f"{API}/index.md"]
    packages: dict[str, list] = {}
    for name, path in _modules:
        parent = name.rpartition(".")[0]
        if not parent:
            section.append({name: _page_of(name)})
        elif path.name == "__init__.py":
            packages[name] = [{name: _page_of(name)}]
            packages.get(parent, section).append({name: packages[name]})
        else:
            entry = {name: _page_of(name)} if parent == "nanokg" else {name.rpartition(".")[2]: _page_of(name)}
            packages.get(parent, section).append(entry)
    return section


def on_files(files: Files, config) -> Files:
    """Add the generated pages and files to the site."""

    def add(uri: str, content: str | bytes) -> None:
        files.append(File.generated(config, uri, content=content))

    for name, _path in _modules:
        add(_page_of(name), f"---\ntitle: {name}\n---\n\n::: {name}\n")
    add(f"{API}/index.md", _api_index())
    add("reference/queries.md", _query_catalogue())
    add("reference/layout.md", _layout())
    schema = _data_schema()
    if schema is not None:
        add(f"reference/{schema.name}", schema.read_bytes())
    add("reference/data.md", _data_page(schema))
    ontology = ROOT / "ontology" / "nanokg.ttl"
    add("ontology/index.html", _pylode(ontology))
    add("ontology/nanokg.ttl", ontology.read_bytes())
    add("reference/ontology.md", _ontology_page(ontology))
    return files


# ------------------------------------------------------------------------------------------ pages


def _api_index() -> str:
    lines = [
        "# Python API",
        "",
        "One page per module of `src/nanokg`, generated from the docstrings (NumPy style) when the",
        "site is built. Start with [`nanokg.KnowledgeGraph`](nanokg.knowledge_graph.md): the object",
        "every operation hangs on. The [layout](../layout.md) says what each subpackage is for.",
        "",
        "| module | what it is |",
        "|---|---|",
    ]
    base = Path(API)
    for name, path in _modules:
        target = Path(_page_of(name)).relative_to(base).as_posix()
        summary = _summary(_docstring(path)).replace("|", "\\|")
        lines.append(f"| [`{name}`]({target}) | {summary} |")
    return "\n".join(lines) + "\n"


def _layout() -> str:
    subpackages = sorted(
        (p.parent.name for p in PACKAGE.glob("*/__init__.py")),
        key=lambda n: (FLOW.index(n) if n in FLOW else len(FLOW), n),
    )
    present = [stage for stage in STAGES if set(stage) & set(subpackages)]
    lines = [
        "# Layout",
        "",
        "`src/nanokg` is split by data-flow stage. Data flows one way:",
        "",
        "```",
        " -> ".join(" | ".join(n for n in stage if n in subpackages) for stage in present),
        "```",
        "",
        *(
            [f"Not yet placed in the flow above: {', '.join(f'`nanokg.{n}`' for n in others)}.", ""]
            if (others := [n for n in subpackages if n not in FLOW])
            else []
        ),
        "Each subpackage imports only from the stages upstream of it and from the shared top-level",
        f"modules; `nanokg.{FACADE}` (the `KnowledgeGraph` facade) stands above them all. This page",
        "is generated from the package tree each time the site is built.",
        "",
        "## Subpackages, in data-flow order",
        "",
    ]
    for name in subpackages:
        sentence = _summary(_docstring(PACKAGE / name / "__init__.py"))
        if not _says_more_than_its_name(sentence, f"nanokg.{name}"):
            sentence = ""
        page = Path(_page_of(f"nanokg.{name}")).relative_to("reference").as_posix()
        lines.append(f"- [`nanokg.{name}`]({page}): {sentence or '(no docstring yet)'}")
    lines += ["", "## Shared top-level modules", ""]
    for path in sorted(PACKAGE.glob("*.py")):
        if path.stem in {"__init__", "__main__"}:
            continue
        name = f"nanokg.{path.stem}"
        page = Path(_page_of(name)).relative_to("reference").as_posix()
        role = " (the facade, above every subpackage)" if path.stem == FACADE else ""
        lines.append(f"- [`{name}`]({page}){role}: {_summary(_docstring(path))}")
    lines += [
        "",
        "## The repository",
        "",
        "```",
        "ontology/    nanokg.ttl (OWL), shapes.ttl (SHACL), qc/*-violation.rq (must return no rows)",
        "data/        curated YAML records, the source list, mappings.yaml (external identifiers)",
        "queries/     one .rq file per question, with a grlc-style `#+` header",
        "src/nanokg/  the package, as above",
        "web/         the query page (its npm packages come from `npm ci --prefix web`)",
        "notebooks/   quickstart, network analysis, immunotherapy and targeting (run by the tests)",
        "benchmarks/  synthetic graph generator and the side-by-side runner (`python -m benchmarks`)",
        "docs/        this site (mkdocs.yml; generated pages come from docs/hooks/generate.py)",
        "scripts/     setup-test-env.sh (all the tests need), the Debian packages (root), grlc's virtualenv",
        "tests/       pytest (tiers by marker, see Development)",
        "```",
    ]
    return "\n".join(lines) + "\n"


def _query_catalogue() -> str:
    from nanokg.curation.catalogue import Catalogue

    catalogue = Catalogue(ROOT / "queries")
    specs = list(catalogue)
    lines = [
        "# Query catalogue",
        "",
        f"The {len(specs)} named queries of `queries/`, generated from their `#+` headers when the",
        "site is built. Run one with `nanokg query NAME --param k=v`, from Python with",
        '`kg.query("NAME", k=v)`, or at `/api/NAME?k=v` of `nanokg serve`; how to write one:',
        "[queries/README.md](#writing-a-query).",
        "",
        "| query | summary | tags |",
        "|---|---|---|",
    ]
    for spec in specs:
        lines.append(f"| [`{spec.name}`](#{spec.name}) | {_cell(spec.summary)} | {', '.join(spec.tags)} |")
    for spec in specs:
        lines += ["", f"## {spec.name} {{#{spec.name}}}", "", f"**{spec.summary}**", ""]
        if spec.description:
            lines += [spec.description.strip(), ""]
        if spec.tags:
            lines += ["Tags: " + ", ".join(f"`{tag}`" for tag in spec.tags), ""]
        if spec.params:
            lines += ["| parameter | type | required | default | description |", "|---|---|---|---|---|"]
            for param in spec.params.values():
                default = f"`{param.default}`" if param.default not in (None, "") else ""
                lines.append(
                    f"| `{param.name}` | {_cell(param.type_label)} | {'yes' if param.required else 'no'} "
                    f"| {_cell(default)} | {_cell(param.description)} |"
                )
            lines.append("")
        else:
            lines += ["No parameters.", ""]
        if spec.example:
            lines += ["```sh", spec.example.strip(), "```", ""]
        lines += [f"File: `queries/{spec.path.name}`"]
    readme = ROOT / "queries" / "README.md"
    if readme.is_file():
        body = _demote(_repo_links(readme.read_text(encoding="utf-8"), readme.parent))
        lines += ["", "## Writing a query {#writing-a-query}", "", body]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _demote(markdown: str) -> str:
    """A README as a section: its title dropped, its headings one level down."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("# ") and not out:
            continue
        if not fenced and line.startswith("#") and re.match(r"#+ ", line):
            line = "#" + line
        out.append(line)
    return "\n".join(out).strip() + "\n"


_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")


def _repo_links(markdown: str, folder: Path, schema: Path | None = None) -> str:
    """A README's relative links, made right for a page of the site.

    A link to the schema goes to its copy in the site; any other relative link becomes the
    repository path it names (in code), since the site does not hold the file.
    """

    def link(match: re.Match) -> str:
        text, target = match.groups()
        if re.match(r"[a-z][a-z0-9+.-]*:|#", target):
            return match.group(0)
        path = (folder / target.split("#")[0]).resolve()
        if schema is not None and path == schema.resolve():
            return f"[{text}]({schema.name})"
        return f"{text} (`{path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else target}`)"

    return _LINK.sub(link, markdown)


def _data_schema() -> Path | None:
    """The JSON Schema of data/, generated from the pydantic models, when the tree has one."""
    candidates = sorted(
        {*ROOT.glob("data/**/*.schema.json"), *ROOT.glob("data/schema/*.json"), *ROOT.glob("schema/*.json")}
    )
    return candidates[0] if candidates else None


def _data_page(schema: Path | None) -> str:
    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    lines = [
        "# Data schema",
        "",
        "The curated records in `data/`: what each file holds and what a record may say",
        "(`data/README.md`, included here as it is).",
        "",
    ]
    if schema is not None:
        lines += [
            f"The JSON Schema of the records, generated from the pydantic models: [{schema.name}]({schema.name})",
            f"(`{schema.relative_to(ROOT).as_posix()}`; editors check the YAML against it as curators type).",
            "",
        ]
    return "\n".join(lines) + "\n" + _demote(_repo_links(text, ROOT / "data", schema))


def _ontology_facts(ontology: Path) -> tuple[str, str]:
    text = ontology.read_text(encoding="utf-8")
    iri = re.search(r"^<([^>]+)>\s+a\s+owl:Ontology", text, re.MULTILINE)
    version = re.search(r'owl:versionInfo\s+"([^"]+)"', text)
    return (iri.group(1) if iri else "", version.group(1) if version else "")


def _ontology_page(ontology: Path) -> str:
    iri, version = _ontology_facts(ontology)
    return (
        "# Ontology\n\n"
        f"The nanokg ontology, `{iri}` (version {version}), OWL 2, edited as Turtle in\n"
        "`ontology/nanokg.ttl`; its SHACL shapes are in `ontology/shapes.ttl` and its QC queries\n"
        "(each must return no rows on the build) in `ontology/qc/`.\n\n"
        "- [The ontology reference](../ontology/index.html): every class and property with its\n"
        "  label, definition, super-classes, domain and range, rendered by pyLODE from\n"
        "  `ontology/nanokg.ttl` when the site is built. It is the human page of the ontology IRI.\n"
        "- [nanokg.ttl](../ontology/nanokg.ttl): the ontology itself (Turtle).\n"
        "- What the graph holds and how the build uses the ontology: [The build](../guide/build.md).\n"
    )


def _pylode(ontology: Path) -> str:
    # pyLODE configures the root logger when imported (DEBUG, a stderr handler) and logs its
    # progress there: put the root logger back as it was, so the build's output stays mkdocs' own
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        from pylode import OntPub

        root.setLevel(logging.WARNING)
        return OntPub(str(ontology)).make_html()
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
