#!/usr/bin/env bash
# Whole checkouts over HTTP under gunicorn, beside the floor and the product list
# (cached and uncached, with and without checkouts): see bench/README.md. Arguments go
# to bench/checkout.py. Figures, not a test: exits 2 when a check failed (an oversell,
# an error), 1 when the setup failed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "bench: .venv missing: run scripts/bootstrap first" >&2
  exit 1
fi
exec .venv/bin/python bench/checkout.py "$@"
