# Sourced by the other scripts: create .venv (once) and install fantasy with the given extras.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FANTASY_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
ensure_venv() {
  local extras="$1"
  local stamp="$VENV/.fantasy-$extras-$(cat "$ROOT/pyproject.toml" | cksum | cut -d' ' -f1)"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ]; then
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT[$extras]"
    touch "$stamp"
  fi
}
