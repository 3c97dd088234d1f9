#!/usr/bin/env bash
# Creates .venv (if missing) and installs the course into it, editable, with its dev extras.
#
# torch comes first, chosen for the machine:
#   - an NVIDIA GPU (nvidia-smi answers): the default wheel, which is a CUDA build;
#   - no NVIDIA GPU: a pinned release that runs on the CPU (and on Apple's MPS). Set TORCH_INDEX_URL to a
#     CPU-only wheel index to avoid downloading CUDA libraries you cannot use on a Linux laptop.
# Then `pip install -e .[dev]`, whose `torch>=2.4` is already satisfied, so nothing large is fetched twice.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
TORCH_CPU_VERSION="${TORCH_CPU_VERSION:-2.13.0}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "[setup] creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
        echo "[setup] NVIDIA GPU found: installing the CUDA build of torch"
        "${PIP[@]}" install "torch>=2.4"
    elif [ -n "${TORCH_INDEX_URL:-}" ]; then
        echo "[setup] no NVIDIA GPU: installing torch==$TORCH_CPU_VERSION from $TORCH_INDEX_URL"
        "${PIP[@]}" install "torch==$TORCH_CPU_VERSION" --index-url "$TORCH_INDEX_URL"
    else
        echo "[setup] no NVIDIA GPU: installing torch==$TORCH_CPU_VERSION (runs on CPU / Apple MPS)"
        "${PIP[@]}" install "torch==$TORCH_CPU_VERSION"
    fi
fi

# Reinstall only when pyproject.toml changed since the last install.
STAMP="$VENV/.mlmcourse-installed"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
    echo "[setup] installing mlmcourse (editable) with its dev extras"
    "${PIP[@]}" install -q -e ".[dev]"
    touch "$STAMP"
fi
