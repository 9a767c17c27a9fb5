"""Benchmarks of nanokg against the stores users would pick: see docs/benchmarks.md."""
