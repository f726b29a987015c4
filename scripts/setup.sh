#!/usr/bin/env bash
# Build (or reuse) the two virtual environments: .venv for the app (Python >=3.11)
# and .venv-rasa for Rasa and the action server (Python 3.10). Idempotent: an
# environment is rebuilt only when its lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

ensure_uv() {
  if command -v uv >/dev/null 2>&1; then return; fi
  say "installing uv (the environment builder) with pip"
  python3 -m pip install --quiet --user uv
  export PATH="$HOME/.local/bin:$PATH"
  command -v uv >/dev/null 2>&1 || { say "uv could not be installed; run: python3 -m pip install uv"; exit 1; }
}

find_python310() {
  local candidate
  for candidate in python3.10 "$(command -v pyenv >/dev/null 2>&1 && pyenv root)"/versions/3.10.*/bin/python3.10; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  uv python find 3.10 2>/dev/null && return 0
  return 1
}

stamp_ok() { [ -f "$1/.lockhash" ] && [ "$(cat "$1/.lockhash")" = "$2" ]; }

ensure_uv

app_hash=$(cat pyproject.toml uv.lock | sha256sum | cut -c1-16)
if ! stamp_ok .venv "$app_hash"; then
  say "building the app environment (.venv)"
  uv sync --frozen --quiet
  echo "$app_hash" > .venv/.lockhash
fi

rasa_hash=$(sha256sum nlu/requirements.lock | cut -c1-16)
if ! stamp_ok .venv-rasa "$rasa_hash"; then
  if ! py310=$(find_python310); then
    cat >&2 <<'MSG'
[setup] Rasa 3.6 needs Python 3.10, and none was found (PATH, pyenv, uv).
[setup] Install one of these, then run the command again:
[setup]   uv python install 3.10          (needs access to python-build-standalone)
[setup]   pyenv install 3.10.13
[setup]   apt-get install python3.10 python3.10-venv   (Ubuntu 22.04)
MSG
    exit 1
  fi
  say "building the Rasa environment (.venv-rasa) with $py310; the first time takes a few minutes"
  rm -rf .venv-rasa
  uv venv --quiet -p "$py310" .venv-rasa
  uv pip sync --quiet --python .venv-rasa/bin/python nlu/requirements.lock
  echo "$rasa_hash" > .venv-rasa/.lockhash
fi
say "environments ready"
