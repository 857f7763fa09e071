#!/usr/bin/env bash
# Label sheet jobs on real Celery workers against the QR library's raw rate, and the
# verification of a 1,000-event chain: see bench/README.md. Arguments go to bench/labels.py.
# Figures, not a test: exits non-zero only when the setup failed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "bench: .venv missing: run scripts/bootstrap first" >&2
  exit 1
fi
exec .venv/bin/python bench/labels.py "$@"
