#!/usr/bin/env bash
# The main job on the bundled sample: set up, ingest 2,100 real arXiv records (tag, embed, index), search.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export PAPERKG_HOME=${PAPERKG_HOME:-$PWD/.paperkg-demo}
.venv/bin/paperkg ingest data/sample/arxiv-sample.jsonl.gz
.venv/bin/paperkg stats
.venv/bin/paperkg search "sparse-view 3D reconstruction with diffusion models" -k 5
.venv/bin/paperkg search "diphoton production at hadron colliders" -k 5 --mode lexical
.venv/bin/paperkg related 2512.25073 -k 5
.venv/bin/paperkg entity "diffusion model"
echo
echo "Data home: $PAPERKG_HOME"
echo "Start the API:  PAPERKG_HOME=$PAPERKG_HOME .venv/bin/paperkg serve --port 8000   (docs at http://127.0.0.1:8000/docs)"
