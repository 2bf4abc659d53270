#!/usr/bin/env bash
# Create .venv (if missing) and install paperkg with its test extras. CPU torch first where there is no GPU:
# a plain `torch` requirement would pull several GB of CUDA packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
# setuptools>=77 builds the SPDX licence field without warnings (also what tests/core/test_packaging.py needs)
.venv/bin/python -m pip install -q --upgrade pip "setuptools>=77"
if ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
        .venv/bin/pip install -q "torch>=2.2,<2.15"
    else
        .venv/bin/pip install -q "torch==2.13.0"
    fi
fi
# fast: int8 ONNX and OpenVINO (bf16 on AMX, int8 on VNNI) encoders, picked per host and gated (docs/benchmarks.md)
# setuptools' editable-install notice ("Please be careful with folders ... same name as your package") is
# information only: our package-dir maps paperkg onto top-level folders by design, so it is silenced here.
PYTHONWARNINGS="ignore:Editable installation" .venv/bin/pip install -q -e ".[test,fast]"
