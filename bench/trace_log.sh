#!/usr/bin/env bash
# The trace log's costs beside their targets (issue 22): proofs over HTTP in a log of a
# million leaves, verify_batch in it, and recording's CPU before and after the log.
# See bench/README.md. Arguments go to bench/trace_log.py.
# Figures, not a test: exits non-zero only when the setup failed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "bench: .venv missing: run scripts/bootstrap first" >&2
  exit 1
fi
exec .venv/bin/python bench/trace_log.py "$@"
