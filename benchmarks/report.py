"""The results of a run as docs/benchmarks.md: the machine, one table per size, the ratios, the targets."""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["render", "targets"]

_MB = 1024 * 1024


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 0.01:
        return f"{value * 1000:.1f} ms"
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def _cell(entry: dict | None) -> str:
    if not entry:
        return "-"
    status = entry.get("status")
    if status == "timeout":
        return "timeout" + (f" (after {_ms(entry['p50'])})" if entry.get("p50") else "")
    if status in ("error", "skipped"):
        return status
    return f"{_ms(entry['p50'])} / {_ms(entry['p95'])}"


def _geomean(values: Iterable[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def _p50(size: dict, system: str, query: str) -> tuple[float | None, str]:
    entry = size["systems"].get(system, {}).get("queries", {}).get(query)
    if not entry:
        return None, "missing"
    return entry.get("p50"), entry.get("status", "?")


def _rate(load: dict) -> float | None:
    if not load.get("seconds"):
        return None
    seconds = load["seconds"] + (load.get("optimize_seconds") or 0)
    return load.get("quads", 0) / seconds if seconds else None


def targets(result: dict) -> list[tuple[str, str, str]]:
    """(target, met / not met / not measured, figures) for each target of issue 10."""
    out = []
    sizes = {int(k): v for k, v in result["sizes"].items()}
    largest = max(sizes) if sizes else None
    big = sizes.get(largest) if largest else None
    label = f"{largest:,} triples" if largest else "-"
    # load
    if big:
        nano = big["systems"].get("nanokg", {}).get("load", {})
        disk = big["systems"].get("oxigraph-disk", {}).get("load", {})
        virt = big["systems"].get("virtuoso", {}).get("load", {})
        n, d, v = _rate(nano), _rate(disk), _rate(virt)
        if n and d:
            ok = n >= 0.9 * d and (v is None or n >= v)
            figures = f"at {label}: nanokg {n:,.0f} triples/s; raw bulk_load+optimize {d:,.0f} ({n / d:.2f}x)"
            if v:
                figures += f"; Virtuoso {v:,.0f} ({n / v:.2f}x)"
            out.append(("Load >= 0.9x raw bulk_load+optimize and >= Virtuoso", "met" if ok else "NOT met", figures))
            if nano.get("peak_rss") and disk.get("peak_rss"):
                ratio = nano["peak_rss"] / disk["peak_rss"]
                out.append((
                    "Load peak memory <= 1.2x raw pyoxigraph",
                    "met" if ratio <= 1.2 else "NOT met",
                    f"at {label}: nanokg {nano['peak_rss'] / _MB:,.0f} MB, raw {disk['peak_rss'] / _MB:,.0f} MB "
                    f"({ratio:.2f}x)",
                ))  # fmt: skip
        # queries
        queries = big["systems"].get("nanokg", {}).get("queries", {})
        misses = []
        for query, entry in queries.items():
            p50, status = entry.get("p50"), entry.get("status")
            if status == "skipped":
                continue
            vp50, vstatus = _p50(big, "virtuoso", query)
            bound = max(1.0, vp50 if vp50 is not None and vstatus == "ok" else 0.0)
            if status != "ok" or p50 is None or p50 > bound:
                misses.append(f"{query} ({_cell(entry)}, bound {_ms(bound)})")
        if queries:
            out.append((
                "Every library query p50 <= max(1 s, Virtuoso)",
                "met" if not misses else "NOT met",
                f"at {label}: {len(queries) - len(misses)}/{len(queries)} within; over: "
                + ("; ".join(misses) or "none"),
            ))  # fmt: skip
        names = big["systems"].get("nanokg", {}).get("names", {})
        p50s = [e["p50"] for e in names.values() if e.get("p50") is not None]
        if p50s:
            worst = max(p50s)
            out.append(("Name resolution p50 < 50 ms", "met" if worst < 0.05 else "NOT met",
                        f"at {label}: worst name p50 {_ms(worst)} over {len(p50s)} names"))  # fmt: skip
    one = sizes.get(1_000_000)
    if one:
        ratios = []
        for query in one["systems"].get("nanokg", {}).get("queries", {}):
            n, ns = _p50(one, "nanokg", query)
            r, rs = _p50(one, "rdflib", query)
            if n and r and ns == "ok" and rs == "ok":
                ratios.append(r / n)
            elif n and ns == "ok" and rs == "timeout":
                ratios.append(result["timeout"] / n)  # a lower bound of the speed-up
        g = _geomean(ratios)
        if g:
            out.append(("1 M: geometric-mean speed-up over rdflib >= 10x", "met" if g >= 10 else "NOT met",
                        f"{g:.1f}x over {len(ratios)} queries (rdflib timeouts count as the time limit)"))  # fmt: skip
    cold = result.get("cold_start", {})
    if cold.get("p50"):
        out.append(("Cold start `nanokg query` < 0.6 s", "met" if cold["p50"] < 0.6 else "NOT met",
                    f"p50 {cold['p50']:.2f} s (min {cold['min']:.2f}, max {cold['max']:.2f})"))  # fmt: skip
    build = result.get("curated_build", {})
    if build.get("status") != "skipped":
        total = build["data_seconds"] + build["reasoning_seconds"] + build["validation_seconds"]
        out.append(("Curated build (data + HermiT + SHACL) < 5 s", "met" if total < 5 else "NOT met",
                    f"{total:.1f} s: data {build['data_seconds']:.1f}, reasoning {build['reasoning_seconds']:.1f}, "
                    f"validation {build['validation_seconds']:.1f} (store write {build['store_seconds']:.1f}; "
                    f"whole process {build['process_seconds']:.1f})"))  # fmt: skip
    return out


def _size_table(size: int, entry: dict, systems: list[str], timeout: float) -> list[str]:
    lines = [f"### {size:,} triples", ""]
    lines.append(f"Synthetic file `{entry['file']}`: {entry['quads']:,} quads, {entry['file_bytes'] / _MB:,.0f} MB.")
    lines.append("")
    for system in systems:
        info = entry["systems"].get(system, {})
        if info.get("status") in ("skipped", "error"):
            lines.append(f"- **{system}**: {info['status']}: {info.get('error', '')}")
    lines.append("")
    lines.append("| measure | " + " | ".join(systems) + " | rows |")
    lines.append("|---" * (len(systems) + 2) + "|")

    def load_cell(system: str, what: str) -> str:
        load = entry["systems"].get(system, {}).get("load", {})
        if what == "rate":
            rate = load.get("triples_per_second")
            extra = load.get("triples_per_second_with_optimize")
            text = f"{rate:,.0f}" if rate else "-"
            return text + (f" ({extra:,.0f} with optimize)" if extra else "")
        if what == "seconds":
            text = _ms(load.get("seconds"))
            if load.get("optimize_seconds") is not None:
                text += f" + {_ms(load['optimize_seconds'])} optimize"
            return text
        return f"{load['peak_rss'] / _MB:,.0f} MB" if load.get("peak_rss") else "-"

    lines.append("| load, triples/s | " + " | ".join(load_cell(s, "rate") for s in systems) + " | |")
    lines.append("| load time | " + " | ".join(load_cell(s, "seconds") for s in systems) + " | |")
    lines.append("| peak RSS of the loading process | " + " | ".join(load_cell(s, "rss") for s in systems) + " | |")
    reference = next((s for s in systems if entry["systems"].get(s, {}).get("queries")), None)
    queries = list(entry["systems"].get(reference, {}).get("queries", {})) if reference else []
    differences = []
    for query in queries:
        cells, counts = [], {}
        for system in systems:
            q = entry["systems"].get(system, {}).get("queries", {}).get(query)
            cells.append(_cell(q))
            if q and q.get("status") == "ok":
                counts[system] = q.get("rows")
        rows = sorted(set(counts.values()), key=lambda v: (v is None, v))
        if len(rows) > 1:
            differences.append((query, counts))
        lines.append(f"| `{query}` p50 / p95 | " + " | ".join(cells) + f" | {'/'.join(map(str, rows))} |")
    for name in entry["systems"].get(reference, {}).get("names", {}) if reference else []:
        found = [entry["systems"].get(s, {}).get("names", {}).get(name) for s in systems]
        rows = sorted({f["rows"] for f in found if f and f.get("status") == "ok"})
        cells = [_cell(f) for f in found]
        lines.append(f"| name `{name}` p50 / p95 | " + " | ".join(cells) + f" | {'/'.join(map(str, rows))} |")
    lines.append("")
    if differences:
        lines.append("Row counts that differ between systems:")
        lines.append("")
        for query, counts in differences:
            lines.append(f"- `{query}`: " + ", ".join(f"{s} {n}" for s, n in counts.items()))
        lines.append("")
    net = entry.get("network")
    if net:
        if net.get("status") == "ok":
            lines.append(
                f"networkx: `entity_graph` {_ms(net['conversion_seconds'])} ({net['nodes']:,} nodes, "
                f"{net['edges']:,} edges), {net['analysis']} {_ms(net['analysis_seconds'])}, peak RSS "
                f"{net['peak_rss'] / _MB:,.0f} MB."
            )
        else:
            lines.append(f"networkx: {net.get('status')}: {net.get('error', '')}")
        lines.append("")
    # ratios against nanokg
    ratio_lines = []
    for system in systems:
        if system == "nanokg":
            continue
        ratios = []
        for query in queries:
            n, ns = _p50(entry, "nanokg", query)
            o, os_ = _p50(entry, system, query)
            if n and o and ns == "ok" and os_ == "ok":
                ratios.append(o / n)
        g = _geomean(ratios)
        if g:
            ratio_lines.append(f"- {system} / nanokg, geometric mean of p50 over {len(ratios)} queries: {g:.2f}")
    if ratio_lines:
        lines.append("Ratios (above 1: nanokg faster):")
        lines.append("")
        lines.extend(ratio_lines)
        lines.append("")
    return lines


def render(result: dict, *, command: str, notes: str = "") -> str:
    """Markdown for ``result`` (see :meth:`benchmarks.runner.Run.execute`)."""
    m = result["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks` (benchmarks/); do not edit by hand: rerun it.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram_bytes'] / 1024**3:.1f} GB; "
        f"{m['os']} (kernel {m['kernel']})",
        f"- {versions}",
        f"- load average at start: {', '.join(f'{x:.2f}' for x in m['load_average_at_start'])} "
        "(other work on the machine makes every figure rough)",
        f"- command: `{command}`; run took {result['seconds'] / 60:.1f} min",
        f"- each query: a warm-up, then up to {result['reps']} timed executions while their sum is under "
        f"{result['budget']} s; time limit {result['timeout']:.0f} s per execution (over it: `timeout`); "
        f"each system has {result.get('system_budget', 0):.0f} s for all queries of a size (the rest: `skipped`)",
        "",
        "## Targets of issue 10",
        "",
        "| target | verdict | figures |",
        "|---|---|---|",
    ]
    for target, verdict, figures in targets(result):
        lines.append(f"| {target} | {verdict} | {figures} |")
    if notes:
        lines += ["", "Why a target is not met, and by how much: see the Notes at the end (benchmarks/NOTES.md)."]
    lines += ["", "## Curated graph", ""]
    build = result["curated_build"]
    if build.get("status") == "skipped":
        lines.append(f"Build not timed: {build['error']}.")
    else:
        lines.append(
            f"Build (`nanokg.store.build.build_graph`, fresh process): data {build['data_seconds']:.2f} s, "
            f"reasoning "
            f"{build['reasoning_seconds']:.2f} s, validation (SHACL + QC) {build['validation_seconds']:.2f} s, store "
            f"{build['store_seconds']:.2f} s; whole process {build['process_seconds']:.1f} s, peak RSS "
            f"{build['peak_rss'] / _MB:,.0f} MB."
        )
    cold = result["cold_start"]
    if cold.get("p50"):
        lines.append(
            f"Cold start `nanokg query {cold['query']}`: p50 {cold['p50']:.2f} s over {cold['runs']} runs "
            f"(min {cold['min']:.2f}, max {cold['max']:.2f})."
        )
    lines += ["", "## Results per size", "", "Cells: p50 / p95 of the timed executions.", ""]
    for size, entry in sorted(result["sizes"].items(), key=lambda kv: int(kv[0])):
        lines += _size_table(int(size), entry, result["systems"], result["timeout"])
    if notes:
        lines += ["## Notes", "", notes.strip(), ""]
    return "\n".join(lines) + "\n"
