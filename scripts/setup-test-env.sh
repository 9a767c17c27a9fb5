#!/usr/bin/env bash
# Everything the test suite runs for real, installed before pytest starts (no test installs
# anything). Idempotent: each step is a no-op when what it installs is already there.
#   1. the project with its dev extras (pytest, playwright, the oxigraph server ...)
#   2. Debian packages: rapper, Virtuoso, chromium (scripts/install-system-packages.sh; root)
#   3. grlc 1.3 in its own virtualenv, build/grlc-venv (scripts/install-grlc.sh)
#   4. the query page's front-end, as pinned by web/package-lock.json (npm ci)
# Usage: bash scripts/setup-test-env.sh && python -m pytest
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python}

# 1. dev extras: every requirement of nanokg[dev] (and of the extras it pulls in) checked
#    against what is installed; pip runs only when one is missing or this checkout is not the one installed
if ! "$python" - "$PWD/src" <<'PY' 2>/dev/null
import importlib.metadata as m, sys
from pathlib import Path
from packaging.requirements import Requirement
import nanokg
assert Path(nanokg.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve())
seen, todo = set(), [("nanokg", "dev")]
while todo:
    name, extra = todo.pop()
    for text in m.requires(name) or []:
        req = Requirement(text)
        if req.marker and not req.marker.evaluate({"extra": extra or ""}):
            continue
        if req.name == "nanokg":
            todo += [("nanokg", e) for e in req.extras if ("nanokg", e) not in seen]
            seen.update(("nanokg", e) for e in req.extras)
            continue
        assert req.specifier.contains(m.version(req.name), prereleases=True), req
PY
then
  "$python" -m pip install --quiet -e '.[dev]'
fi

# 2. Debian packages (skipped one by one when installed)
bash scripts/install-system-packages.sh

# 3. grlc
bash scripts/install-grlc.sh

# 4. YASGUI: npm ci only when node_modules does not hold what the lock file pins
stamp=web/node_modules/.nanokg-lock.sha256
want=$(sha256sum web/package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --prefix web --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
