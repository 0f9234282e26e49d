# Sourced by the other scripts: create .venv (once) and install fantasy with the given extras.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FANTASY_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

ensure_venv() {
  local extras="$1"
  local stamp
  stamp="$VENV/.fantasy-$extras-$(cksum < "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  [ -f "$stamp" ] && return 0
  echo "setting up $VENV (fantasy[$extras]) ..." >&2
  local log="$VENV/install.log"
  # pip's output goes to a log, shown only when the install fails.
  if ! { "$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade pip &&
         "$VENV/bin/python" -m pip install --disable-pip-version-check -e "$ROOT[$extras]"; } \
         >"$log" 2>&1; then
    cat "$log" >&2
    echo "install failed (log: $log)" >&2
    return 1
  fi
  touch "$stamp"
}
