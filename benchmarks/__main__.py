"""``python -m benchmarks``: run the suite and write the report; ``generate`` and ``render`` as subcommands.

Examples::

    python -m benchmarks                      # 100k and 1M, every system (rdflib to 1M) -> docs/benchmarks.{md,json}
    python -m benchmarks --sizes 10M --json docs/benchmarks-10M.json --markdown docs/benchmarks-10M.md
    python -m benchmarks generate --size 1M --seed 0 build/synthetic-1M.nq.gz
    python -m benchmarks generate --size 100k --keys build/k.nq --derived build/d.nq build/s.nq
    python -m benchmarks render docs/benchmarks.json docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from nanokg.atomic import write_text

from .generate import generate, parse_size
from .runner import SYSTEMS, Run

_ROOT = Path(__file__).resolve().parent.parent
_NOTES = Path(__file__).resolve().parent / "NOTES.md"


def _render(result: dict, markdown: Path) -> None:
    from .report import render

    notes = _NOTES.read_text(encoding="utf-8") if _NOTES.exists() else ""
    markdown.parent.mkdir(parents=True, exist_ok=True)
    write_text(markdown, render(result, command=result.get("command", "python -m benchmarks"), notes=notes))


def _save(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps(result, indent=1, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["generate"]:
        parser = argparse.ArgumentParser(prog="python -m benchmarks generate")
        parser.add_argument("out", type=Path, help="N-Quads file (.nq, or .nq.gz for gzip)")
        parser.add_argument("--size", default="100k", help="triples: 5000, 100k, 1M, 10M")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--store", type=Path, help="the built curated store (default: $NANOKG_STORE)")
        parser.add_argument("--keys", type=Path, help="write the lookup keys to this file (default: into OUT)")
        parser.add_argument("--derived", type=Path, help="write the derived triples to this file (default: into OUT)")
        args = parser.parse_args(argv[1:])
        from nanokg.store.transaction import open_store

        try:
            size = parse_size(args.size)
        except ValueError as exc:
            parser.error(f"--size: {exc}")
        store = open_store(args.store)
        count = generate(args.out, size, args.seed, store=store, keys=args.keys, derived=args.derived)
        print(f"{count} quads -> {args.out}")
        return 0
    if argv[:1] == ["render"]:
        parser = argparse.ArgumentParser(prog="python -m benchmarks render")
        parser.add_argument("json", type=Path)
        parser.add_argument("markdown", type=Path)
        args = parser.parse_args(argv[1:])
        _render(json.loads(args.json.read_text()), args.markdown)
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100k,1M", help="comma-separated triple counts (default 100k,1M)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated, of {', '.join(SYSTEMS)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=10, help="seconds per query execution (default 10)")
    parser.add_argument("--system-budget", type=float, default=300, help="seconds per system and size for all queries")
    parser.add_argument("--reps", type=int, default=5, help="timed executions per query after a warm-up")
    parser.add_argument("--budget", type=float, default=1.0, help="stop repeating a query past this many seconds")
    parser.add_argument("--rdflib-limit", type=float, default=600, help="skip rdflib at sizes it would load slower")
    parser.add_argument("--network-from", default="0", help="networkx conversion at sizes from this one")
    parser.add_argument("--curated", type=Path, help="use this built store (its build is then not timed)")
    parser.add_argument("--workdir", type=Path, default=_ROOT / "build" / "benchmarks")
    parser.add_argument("--json", type=Path, default=_ROOT / "docs" / "benchmarks.json")
    parser.add_argument("--markdown", type=Path, default=_ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = sorted(set(systems) - set(SYSTEMS))
    if unknown:
        parser.error(f"--systems: unknown system {unknown[0]!r} (known: {', '.join(SYSTEMS)})")
    try:
        sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
        network_from = parse_size(args.network_from) if args.network_from != "0" else 0
    except ValueError as exc:
        parser.error(str(exc))

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    command = "python -m benchmarks " + shlex.join(argv) if argv else "python -m benchmarks"
    run = Run(
        sizes, systems, args.workdir, seed=args.seed, timeout=args.timeout, reps=args.reps, budget=args.budget,
        rdflib_limit=args.rdflib_limit, network_from=network_from, curated=args.curated,
        system_budget=args.system_budget, save=lambda result: _save(result, args.json), command=command, log=log,
    )  # fmt: skip
    result = run.execute()
    _save(result, args.json)
    _render(result, args.markdown)
    log(f"wrote {args.json} and {args.markdown} in {result['seconds'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
