#!/usr/bin/env bash
# GPU check for ssl_kb.losses: the loss tests with CUDA available (the `gpu` tests included), then the
# info_nce / clip_loss benchmark in bf16 and fp32 up to B = 65,536. Needs only torch, numpy, pytest and
# hypothesis. At most 120 s + 170 s (each step has a timeout; the benchmark table is written row by
# row, so a cut-short run keeps what it measured). Results go to $OUT (if set) and to stdout.
#
#   OUT=/tmp/gpu-results scripts/gpu-check.sh
#   PYTHON=.venv/bin/python OUT=/tmp/gpu-results scripts/gpu-check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python}"  # a Python whose torch has CUDA, e.g. PYTHON=.venv/bin/python
OUT="${OUT:-}"
[ -n "$OUT" ] && mkdir -p "$OUT"
export PYTHONPATH=src

"$PY" - <<'PYEOF' || { echo "gpu-check: CUDA is not available; nothing to check" >&2; exit 2; }
import sys
import torch
if not torch.cuda.is_available():
    sys.exit(1)
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name()}")
PYEOF

status=0
echo "== loss tests on CUDA (gpu and not gpu) =="
timeout 120 "$PY" -m pytest tests/losses src/ssl_kb/losses -m "gpu or not gpu" -q -p no:cacheprovider \
  ${OUT:+--junitxml="$OUT/gpu-tests.xml"} 2>&1 | tee ${OUT:+"$OUT/gpu-tests.txt"} || status=1

echo "== benchmark: info_nce and clip_loss, dense and chunked vs the dense formula =="
timeout 170 "$PY" benchmarks/losses.py --device cuda --dtype bf16,fp32 --max-batch 65536 \
  --chunk-size 8192 --repeats 3 ${OUT:+--out "$OUT/gpu-benchmark.md"} || status=1
exit $status
