#!/usr/bin/env bash
# GPU check for ssl_kb.losses: the loss tests with CUDA available (every test that takes the `device`
# fixture runs on cuda as well), then the info_nce / clip_loss benchmark in bf16 and fp32 up to
# B = 65,536, plus one run beyond the dense path's memory. Needs only torch, numpy, pytest and
# hypothesis (PYTHONPATH=src, nothing installed). Each step has a timeout, 110 s + 180 s, so the whole
# check ends within 5 minutes; the benchmark table is rewritten row by row, so a run cut short keeps what
# it measured. Results go to $OUT (if set) and to stdout; the last line gives the exit status and the
# elapsed time. Exit 0 all passed, 1 a step failed or timed out, 2 no CUDA.
#
#   OUT=/tmp/gpu-results scripts/gpu-check.sh
#   PYTHON=.venv/bin/python OUT=/tmp/gpu-results scripts/gpu-check.sh
#   scripts/gpu-check.sh --dry-run     # the same steps on the CPU at toy sizes (CI runs this)
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-$(command -v python || command -v python3)}"  # a Python whose torch has CUDA
OUT="${OUT:-}"
[ -n "$OUT" ] && mkdir -p "$OUT"
export PYTHONPATH="src${PYTHONPATH:+:$PYTHONPATH}"

if [ "${1:-}" = "--dry-run" ]; then
  device=cpu
  tests=(tests/losses src/ssl_kb/losses)
  bench=(--device cpu --dtype bf16,fp32 --batches 32 --max-batch 64 --chunk-size 16 --repeats 1
    --no-memory --beyond-dense --assume-memory-mib 0.25)
elif [ -n "${1:-}" ]; then
  echo "usage: scripts/gpu-check.sh [--dry-run]" >&2
  exit 2
else
  device=cuda
  tests=(tests/losses src/ssl_kb/losses)
  bench=(--device cuda --dtype bf16,fp32 --max-batch 65536 --chunk-size 8192 --repeats 3 --beyond-dense)
fi

"$PY" - "$device" <<'PYEOF' || { echo "gpu-check: CUDA is not available; nothing to check" >&2; exit 2; }
import sys
import torch
if sys.argv[1] == "cuda":
    if not torch.cuda.is_available():
        sys.exit(1)
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name()}")
else:
    print(f"torch {torch.__version__}, dry run on the CPU")
PYEOF

status=0
echo "== loss tests ($device; the gpu-marked ones included) =="
timeout 110 "$PY" -m pytest "${tests[@]}" -m "gpu or not gpu" -q -p no:cacheprovider \
  ${OUT:+--junitxml="$OUT/gpu-tests.xml"} 2>&1 | tee ${OUT:+"$OUT/gpu-tests.txt"} || status=1

echo "== benchmark: info_nce and clip_loss, dense and chunked vs the dense formula ($device) =="
timeout 180 "$PY" benchmarks/losses.py "${bench[@]}" ${OUT:+--out "$OUT/gpu-benchmark.md"} || status=1
echo "gpu-check: exit $status after ${SECONDS} s"
exit $status
