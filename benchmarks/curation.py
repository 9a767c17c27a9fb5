"""``python -m benchmarks.curation``: seconds and peak memory of validating a large curated file.

The file is generated, never committed: the project's own product records, copied under new
ids until the file reaches the size asked for, so every record validates and every quote is
in its seed. Each size is measured in a fresh Python process (``load_curation`` of a copy of
``data/`` holding the generated file as ``products/generated.yaml``): wall and CPU seconds
of the load (CPU time is the steadier figure on a busy machine), and the process's peak
resident memory (``VmHWM``) with the same figure before the load, so imports are told apart
from the load itself. Size 0 is ``data/`` alone: the fixed cost the generated file adds to
(most of it the Bioregistry's converter, built to check ``mappings.yaml``).

Examples::

    python -m benchmarks.curation                  # data/ alone, then with 5M more
    python -m benchmarks.curation --sizes 0,1M,5M,16M
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["products_yaml"]


def products_yaml(data_dir: Path, size: int) -> str:
    """A products file of about ``size`` characters, valid beside the records of ``data_dir``.

    Parameters
    ----------
    data_dir
        The curated folder whose ``products/*.yaml`` records are copied.
    size
        Characters to reach; the last copy is completed, so the text is a little longer.

    Returns
    -------
    str
        YAML text: ``products:``, the records copied under ids ending in ``-copy-N``.
    """
    blocks: list[str] = []
    defaults: set[str] = set()
    for path in sorted((data_dir / "products").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        default = re.search(r"^default_source: (\S+)$", text, re.MULTILINE)
        defaults.add(default.group(1) if default else "")
        body = text.split("\nproducts:\n", 1)[1]
        blocks.extend(block.rstrip("\n") for block in re.split(r"\n(?=  - id: )", body) if block.strip())
    if not blocks or len(defaults) != 1:
        raise ValueError(f"expected product records with one default source in {data_dir / 'products'}")
    out, total, copy = [f"default_source: {defaults.pop()}", "products:"], 0, 0
    while total < size:
        copy += 1
        for block in blocks:
            record = re.sub(r"^  - id: (\S+)", rf"  - id: \1-copy-{copy}", block, count=1)
            out.append(record)
            total += len(record) + 1
    return "\n".join(out) + "\n"


def parse_size(text: str) -> int:
    """Characters from ``500k``, ``5M`` or ``5000000`` (``0``: no generated file).

    Examples
    --------
    >>> parse_size("500k"), parse_size("5M"), parse_size("1.5m"), parse_size("0")
    (500000, 5000000, 1500000, 0)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise ValueError(f"size {text!r}: expected a number of characters such as 500k or 5M")
    return int(float(match[1]) * {"": 1, "k": 1_000, "m": 1_000_000}[match[2].lower()])


_CHILD = """
import json, resource, sys, time
from pathlib import Path
from nanokg.curation import DataErrors, load_curation

def peak_mb():
    # VmHWM is this process's own peak; ru_maxrss keeps the parent's across exec
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

before = peak_mb()
start, cpu = time.perf_counter(), time.process_time()
try:
    outcome = f"{len(load_curation(Path(sys.argv[1])).products)} products"
except DataErrors as exc:
    outcome = f"refused: {exc.errors[0]}"
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "before_mb": before, "outcome": outcome}))
"""


def measure(size: int, data_dir: Path) -> dict:
    """Load a copy of ``data_dir`` with a generated products file of ``size`` characters, in a child process."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data_dir, copy)
        text = products_yaml(data_dir, size) if size else ""
        if text:
            (copy / "products" / "generated.yaml").write_text(text, encoding="utf-8")
        done = subprocess.run([sys.executable, "-c", _CHILD, str(copy)], capture_output=True, text=True, check=True)
    return {"size_bytes": len(text.encode("utf-8")), **json.loads(done.stdout)}


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    from nanokg.settings import data_dir

    parser = argparse.ArgumentParser(prog="python -m benchmarks.curation", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes", default="0,5M", help="comma-separated file sizes in characters; 0: data/ alone (default 0,5M)"
    )
    parser.add_argument("--data", type=Path, default=None, help="curated folder (default: the project's data/)")
    args = parser.parse_args(argv)
    for size in (parse_size(s) for s in args.sizes.split(",") if s.strip()):
        row = measure(size, args.data or data_dir())
        print(
            f"{row['size_bytes'] / 1e6:.1f} MB: {row['seconds']:.1f} s ({row['cpu']:.1f} s CPU), "
            f"peak RSS {row['peak_mb']:.0f} MB "
            f"({row['before_mb']:.0f} MB before loading): {row['outcome']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
