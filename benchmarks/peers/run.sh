#!/usr/bin/env bash
# The peer benchmark from a fresh clone, in one command:
#
#   bash benchmarks/peers/run.sh [--quick] [run.py options...]
#
# Makes its own venv (FANTASY_BENCH_VENV, default .venv-bench in the repository) with
# fantasy[fast] (editable), orjson and the peers (openai and anthropic SDKs, pydantic-ai,
# LiteLLM), none of which is a project dependency; then runs benchmarks/peers/run.py,
# which prints the tables and the targets, and writes benchmarks/peers/results.json.
# A peer that cannot be installed is skipped with a note; the rest still runs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${FANTASY_BENCH_VENV:-$ROOT/.venv-bench}"
PYTHON="${PYTHON:-python3}"
PEERS=(openai anthropic "pydantic-ai-slim[openai,anthropic,google]" litellm)
WANT="fantasy[fast] orjson ${PEERS[*]}"

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "creating $VENV ..." >&2
    "$PYTHON" -m venv "$VENV"
fi
if [[ "$(cat "$VENV/.bench-installed" 2>/dev/null)" != "$WANT" ]]; then
    echo "installing into $VENV: $WANT ..." >&2
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT[fast]" orjson
    if ! "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PEERS[@]}"; then
        for peer in "${PEERS[@]}"; do
            "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$peer" \
                || echo "note: $peer could not be installed; it is skipped" >&2
        done
    fi
    echo "$WANT" > "$VENV/.bench-installed"
fi
exec "$VENV/bin/python" "$ROOT/benchmarks/peers/run.py" "$@"
