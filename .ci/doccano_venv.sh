#!/usr/bin/env bash
# Build (or reuse) doccano 1.8.4's own virtualenv for the live doccano tests (pytest -m doccano).
# doccano's pins (pandas<2, Django 4, ...) clash with carner's, so it lives outside .venv.
# Path: $CARNER_DOCCANO_VENV, default ~/.cache/carner/doccano-1.8.4-venv. Idempotent: a complete venv
# (marker file written last) whose import check passes is kept; anything else is rebuilt.
# Prints the venv path on stdout when it is ready.
set -euo pipefail

VENV="${CARNER_DOCCANO_VENV:-$HOME/.cache/carner/doccano-1.8.4-venv}"
PY="${CARNER_DOCCANO_PYTHON:-python3.11}"   # doccano 1.8.4 allows 3.8-3.11 (pandas<2 rules out 3.12+)
MARKER="$VENV/.carner-complete"

check() {
  [ -f "$MARKER" ] && [ -x "$VENV/bin/doccano" ] && [ -x "$VENV/bin/gunicorn" ] && [ -x "$VENV/bin/celery" ] \
    && "$VENV/bin/python" -c "import backend, django, pandas, numpy, environs; assert int(numpy.__version__.split('.')[0]) < 2" \
       >/dev/null 2>&1
}

if check; then
  echo "$VENV"
  exit 0
fi

echo "building doccano venv in $VENV" >&2
rm -rf "$VENV"   # a venv hard-codes its path in its scripts: build in place, mark complete last
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "doccano==1.8.4" >&2
# Without these two pins doccano dies at import (numpy 2 vs pandas 1.5; marshmallow 4 vs environs).
"$VENV/bin/pip" install --quiet --disable-pip-version-check "numpy<2" "marshmallow<4" >&2
check_import_only() { "$VENV/bin/python" -c "import backend, django, pandas, numpy, environs"; }
check_import_only >&2
touch "$MARKER"
echo "$VENV"
