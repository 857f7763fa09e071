#!/usr/bin/env bash
# Benchmark of the catalogue API: see bench/README.md. Arguments go to bench/run.py
# (--reload to load the database again, --duration N, --products N, --cases bcd ...).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "bench: .venv missing: run scripts/bootstrap first" >&2
  exit 1
fi
exec .venv/bin/python bench/run.py "$@"
