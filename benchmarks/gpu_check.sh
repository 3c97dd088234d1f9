#!/usr/bin/env bash
# GPU check for mlmcourse (issue 5, section 6): training throughput at the BERT-base shape on one CUDA GPU.
#
#   bash benchmarks/gpu_check.sh                 # results in $OUT if set, else benchmarks/results/
#   STEPS=200 BATCH=128 bash benchmarks/gpu_check.sh
#
# What it runs: `mlmcourse bench train` (ours: mlmcourse.training.train + MaskedLM with the sparse head, vs
# Hugging Face Trainer + DataCollatorForLanguageModeling + BertForMaskedLM) at BERT-base shape (12 layers x 768,
# vocabulary 30522), bf16 autocast, sequence length 128, PyTorch SDPA attention, torch.compile off, then on.
# Each run writes one JSON object: tokens/s and MFU (against the GPU's data-sheet bf16 peak) for both sides.
# Needs: torch with CUDA, transformers, datasets, tokenizers, safetensors in the Python it finds (no network:
# the toy-world corpus is generated and the course tokenizer is read from data/tokenizer/).
# Time: about 1 minute per run without compile, 2-4 minutes with compile (compilation of both models).
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
RESULTS=${OUT:-benchmarks/results}
mkdir -p "$RESULTS"
STEPS=${STEPS:-150}
BATCH=${BATCH:-64}
LIMIT=${LIMIT:-280}   # seconds per run, so a hung compile cannot eat the whole GPU session
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
export TOKENIZERS_PARALLELISM=false PYTHONWARNINGS=ignore PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

# 1. The environment, and a stop with a clear message when there is no usable GPU.
"$PY" - <<'EOF' > "$RESULTS/gpu_environment.json" || { cat "$RESULTS/gpu_environment.json"; exit 1; }
import json, sys
try:
    import torch, transformers
    import mlmcourse.training  # noqa: F401  (the package and its dependencies import)
except Exception as error:
    print(json.dumps({"error": f"cannot import the course's dependencies: {error!r}"}))
    sys.exit(1)
facts = {"python": sys.version.split()[0], "torch": torch.__version__, "transformers": transformers.__version__,
         "cuda_available": torch.cuda.is_available()}
if torch.cuda.is_available():
    facts |= {"gpu": torch.cuda.get_device_name(0), "cuda": torch.version.cuda,
              "bf16": torch.cuda.is_bf16_supported(),
              "memory_gib": round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1)}
print(json.dumps(facts))
sys.exit(0 if torch.cuda.is_available() else 1)
EOF
cat "$RESULTS/gpu_environment.json"

# 2. The training benchmark, compile off and on. Each writes the bench's last stdout line (one JSON object).
status=0
for compile in off on; do
  flags=(--device cuda --preset base --precision bf16 --seq-len 128 --batch-size "$BATCH" --vocab-size 30522
         --steps "$STEPS" --eval-every "$STEPS" --warmup-steps 20 --lr 2e-4 --threads 8)
  [ "$compile" = on ] && flags+=(--compile)
  log="$RESULTS/gpu_train_compile_${compile}.log"
  echo "== bench train, compile $compile: ${flags[*]}"
  timeout "$LIMIT" "$PY" -m mlmcourse.cli bench train --json "${flags[@]}" > "$log" 2>&1
  code=$?
  tail -n 1 "$log" > "$RESULTS/gpu_train_compile_${compile}.json"
  if [ $code -ne 0 ]; then
    echo "   failed (exit $code); the last lines of $log:"; tail -n 15 "$log"; status=1
  else
    "$PY" - "$RESULTS/gpu_train_compile_${compile}.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for side in ("ours", "huggingface"):
    s = r[side]
    mfu = "n/a" if s["mfu"] is None else f"{s['mfu']:.1%}"
    print(f"   {side:12s} {s['tokens_per_second']:>12,.0f} tokens/s   MFU {mfu}")
print(f"   ratio (ours / Hugging Face tokens/s): {r['ratio']:.2f}")
EOF
  fi
done
exit $status
