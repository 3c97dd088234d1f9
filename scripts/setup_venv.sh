#!/usr/bin/env bash
# Creates .venv (if missing) and installs the course into it, editable, with its dev extras, at the tested versions.
#
# Versions: every install goes through `pip -c requirements/constraints.txt` (the lock, refreshed by `make lock`),
# so a new venv gets the versions the course is tested with. CONSTRAINTS= (empty) installs from pyproject.toml's
# ranges instead; CONSTRAINTS=path/to/other.txt uses another file.
#
# torch comes first, chosen for the machine, at the locked release:
#   - an NVIDIA GPU (nvidia-smi answers): the default wheel of that release, which is a CUDA build;
#   - no NVIDIA GPU: the same release, whose wheel runs on the CPU (and on Apple's MPS). Set TORCH_INDEX_URL to a
#     CPU-only wheel index to avoid downloading CUDA libraries you cannot use on a Linux laptop.
# Then `pip install -e .[dev]`, whose torch requirement is already satisfied, so nothing large is fetched twice.
#
# Offline (a room without network): WHEELHOUSE=folder installs everything from a folder of wheels made by
# `make wheelhouse` (pip --no-index --find-links folder), and nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
CONSTRAINTS="${CONSTRAINTS-requirements/constraints.txt}"

LOCK=()
SOURCE=()
if [ -n "${WHEELHOUSE:-}" ]; then
    SOURCE=(--no-index --find-links "$WHEELHOUSE")
    echo "[setup] offline: installing from the wheelhouse $WHEELHOUSE"
fi
if [ -n "$CONSTRAINTS" ]; then
    if [ ! -f "$CONSTRAINTS" ]; then
        echo "[setup] no constraints file $CONSTRAINTS (run \`make lock\`, or CONSTRAINTS= to install without one)" >&2
        exit 2
    fi
    LOCK=(-c "$CONSTRAINTS")
fi
# The torch release: the lock's, else TORCH_CPU_VERSION, else the release the course was last tested with.
LOCKED_TORCH="$( [ -n "$CONSTRAINTS" ] && sed -n 's/^torch==\([^ ;]*\).*/\1/p' "$CONSTRAINTS" | head -n 1 || true)"
TORCH_VERSION="${TORCH_CPU_VERSION:-${LOCKED_TORCH:-2.13.0}}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "[setup] creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
        echo "[setup] NVIDIA GPU found: installing the CUDA build of torch==$TORCH_VERSION"
        "${PIP[@]}" install "torch==$TORCH_VERSION" ${SOURCE[@]+"${SOURCE[@]}"}
    elif [ -n "${TORCH_INDEX_URL:-}" ] && [ -z "${WHEELHOUSE:-}" ]; then
        echo "[setup] no NVIDIA GPU: installing torch==$TORCH_VERSION from $TORCH_INDEX_URL"
        "${PIP[@]}" install "torch==$TORCH_VERSION" --index-url "$TORCH_INDEX_URL"
    else
        echo "[setup] no NVIDIA GPU: installing torch==$TORCH_VERSION (runs on CPU / Apple MPS)"
        "${PIP[@]}" install "torch==$TORCH_VERSION" ${SOURCE[@]+"${SOURCE[@]}"}
    fi
fi

# Reinstall only when pyproject.toml or the lock changed since the last install.
STAMP="$VENV/.mlmcourse-installed"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || { [ -n "$CONSTRAINTS" ] && [ "$CONSTRAINTS" -nt "$STAMP" ]; } \
        || [ "$(cat "$STAMP")" != "${CONSTRAINTS:-none}" ]; then
    echo "[setup] installing mlmcourse (editable) with its dev extras${CONSTRAINTS:+, versions from $CONSTRAINTS}"
    "${PIP[@]}" install -q -e ".[dev]" ${LOCK[@]+"${LOCK[@]}"} ${SOURCE[@]+"${SOURCE[@]}"}  # (bash 3.2-safe)
    echo "${CONSTRAINTS:-none}" > "$STAMP"
fi
