#!/usr/bin/env bash
# Install grlc (the git repository linked data API constructor) from PyPI into its own
# virtualenv, build/grlc-venv by default (or the folder given as the first argument).
# grlc pins its own versions of rdflib, Flask, PyYAML ... which clash with nanokg's, so it
# never shares nanokg's environment. A second run costs nothing when grlc is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${1:-build/grlc-venv}"
spec='grlc>=1.3,<1.4'

if [ -x "$venv/bin/python" ] && "$venv/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as m, sys
version = m.version("grlc").split(".")
sys.exit(0 if version[:2] == ["1", "3"] else 1)
PY
then
  exit 0
fi

python3 -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec"
"$venv/bin/python" -c 'import importlib.metadata as m; print("grlc", m.version("grlc"), "in", __import__("sys").prefix)'
