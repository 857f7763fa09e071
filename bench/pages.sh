#!/usr/bin/env bash
# Lighthouse scores and page weight of the storefront's pages: see bench/README.md.
# Figures, not a test: exits non-zero only when the setup failed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap
scripts/system-packages
cd bench/lighthouse
if [ ! -x node_modules/.bin/lighthouse ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
cd ../..
exec .venv/bin/python bench/pages.py "$@"
