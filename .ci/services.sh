#!/usr/bin/env bash
# Prepare what the service tests need: the PostgreSQL binaries (Debian package; each test starts its
# own server on 127.0.0.1) and doccano's own virtualenv (built once, cached).
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "== installing PostgreSQL (Debian package)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
if [ -f .ci/doccano_venv.sh ]; then
  echo "== doccano venv"
  bash .ci/doccano_venv.sh
fi
