#!/usr/bin/env bash
# GPU check for mlmcourse: training throughput at the BERT-base shape on one CUDA GPU, a 1-GPU run under
# Accelerate, and the attention benchmark (exact vs Nystrom) on the GPU. One script, one run.
#
#   bash benchmarks/gpu_check.sh                 # results in $OUT if set, else benchmarks/results/
#   STEPS=200 BATCH=128 bash benchmarks/gpu_check.sh
#
# What it runs:
# 2. `mlmcourse bench train` at BERT-base shape (12 layers x 768, vocabulary 30522), bf16 autocast, sequence length
#    128, SDPA attention, torch.compile off, then on: equal work (dense head on both sides: our loop + MaskedLM vs
#    Trainer + DataCollatorForLanguageModeling + BertForMaskedLM), the sparse head's own gain, medians of 3 rounds,
#    MFU against the GPU's data-sheet bf16 peak. One JSON object per run.
# 3. `mlmcourse train` under `accelerate launch --num_processes 1` on the GPU (the data-parallel path, one process).
# 4. `mlmcourse bench attention` on the GPU (exact SDPA vs Nystrom attention, 512 ... 8192 tokens).
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
         --steps "$STEPS" --repeats 3 --warmup-steps 20 --lr 2e-4 --threads 8 --no-end-to-end)
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
for side, s in (("ours", r["ours"]), ("huggingface", r["huggingface"]), ("ours, sparse head", r["sparse_head"])):
    mfu = "n/a" if s["mfu"] is None else f"{s['mfu']:.1%}"
    print(f"   {side:18s} {s['tokens_per_second']['median']:>12,.0f} tokens/s (median)   MFU {mfu}")
print(f"   ratio at equal work (ours / Hugging Face tokens/s): {r['ratio']:.2f}")
EOF
  fi
done

# 3. One GPU under Accelerate: the data-parallel code path with one process.
echo "== accelerate launch --num_processes 1: mlmcourse train on the toy world, 300 steps"
timeout "$LIMIT" "$PY" -m accelerate.commands.launch --num_processes 1 -m mlmcourse.cli train --device cuda \
  --max-steps 300 --eval-every 100 --no-progress --out "$RESULTS/accelerate_run" > "$RESULTS/gpu_accelerate.log" 2>&1 \
  || { echo "   failed; the last lines:"; tail -n 15 "$RESULTS/gpu_accelerate.log"; status=1; }
tail -n 4 "$RESULTS/gpu_accelerate.log"

# 4. Attention on the GPU: exact (SDPA) vs Nystrom.
echo "== bench attention on the GPU"
timeout "$LIMIT" "$PY" -m mlmcourse.cli bench attention --device cuda --json > "$RESULTS/gpu_attention.log" 2>&1 \
  || { echo "   failed; the last lines:"; tail -n 15 "$RESULTS/gpu_attention.log"; status=1; }
tail -n 1 "$RESULTS/gpu_attention.log" > "$RESULTS/gpu_attention.json"
exit $status
