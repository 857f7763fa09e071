#!/usr/bin/env bash
# The product page and a provenance page while the cache's Redis is stopped or frozen,
# beside their cached and uncached figures: see bench/README.md. Arguments go to
# bench/cache_outage.py. Figures, not a test: exits 2 when a check failed (a non-200,
# /healthz not degraded), 1 when the setup failed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "bench: .venv missing: run scripts/bootstrap first" >&2
  exit 1
fi
exec .venv/bin/python bench/cache_outage.py "$@"
