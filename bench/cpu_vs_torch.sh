#!/usr/bin/env bash
# rlvr beside plain PyTorch on the CPU, one run, the same weights: a learner step (forward,
# backward, AdamW on B x T tokens) and sampled decode (64-token prompts, NEW tokens, per batch
# size), each as tokens/s, with the ratio and rlvr's fraction of its floor.
#   bench/cpu_vs_torch.sh [MODEL_DIR]
# MODEL_DIR: a Hugging Face Qwen3-MoE directory; by default bench/peers/cpu_small_config.json's
# model (9.2M parameters, 8 experts top-2) is written to /tmp/rlvr_cpu_peer_model. The peer is
# bench/peers/torch_cpu_qwen3moe.py on Debian's python3-torch (skipped when it is absent).
# Ceilings for the floors: GEMM_GFLOPS (default 190) and COPY_GBS (default 11), as measured in
# ../shared/cpu_ceilings.md; B, T, NEW, BATCHES, THREADS as the peer reads them.
set -euo pipefail
cd "$(dirname "$0")/.."
export B=${B:-8} T=${T:-256} NEW=${NEW:-128} BATCHES=${BATCHES:-1,16,64} THREADS=${THREADS:-$(nproc)}
dir=${1:-/tmp/rlvr_cpu_peer_model}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
have_torch=0
/usr/bin/python3 -c 'import torch' 2>/dev/null && have_torch=1
if [ ! -f "$dir/model.safetensors" ]; then
  if [ $have_torch = 0 ]; then
    echo "cpu_vs_torch: no model in $dir, and writing one needs python3-torch (apt-get install python3-torch)" >&2
    exit 2
  fi
  /usr/bin/python3 bench/peers/make_model_dir.py bench/peers/cpu_small_config.json "$dir" 0 >/dev/null
fi
build/bench/bench_cpu_model "$dir" --B "$B" --T "$T" --new "$NEW" --batches "$BATCHES" \
  --gemm-gflops "${GEMM_GFLOPS:-190}" --copy-gbs "${COPY_GBS:-11}" > "$out/rlvr.jsonl"
if [ $have_torch = 1 ]; then
  /usr/bin/python3 bench/peers/torch_cpu_qwen3moe.py bench "$dir" > "$out/torch.jsonl"
else
  echo "cpu_vs_torch: python3-torch absent: rlvr's figures only" >&2
  : > "$out/torch.jsonl"
fi
python3 - "$out/rlvr.jsonl" "$out/torch.jsonl" <<'PY'
import json, sys
ours = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
peer = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
peer_train = next((p["tokens_per_s"] for p in peer if p.get("what") == "train step fp32"), None)
peer_decode = {p["batch"]: p["tokens_per_s"] for p in peer if "batch" in p}
info = next((p for p in peer if "torch" in p), {})
if info: print(f"peer: torch {info['torch']}, {info['threads']} threads")
print("| measure | rlvr tok/s | PyTorch tok/s | ratio | rlvr vs floor |")
print("| --- | --- | --- | --- | --- |")
for o in ours:
    if "batch" in o:
        name, theirs = f"{o['what']}, batch {o['batch']}", peer_decode.get(o["batch"])
        floor = f"{o['of_floor']:.2f} of {o['floor_tokens_per_s']:.0f} tok/s"
    else:
        name, theirs = f"{o['what']} ({o['B']} x {o['T']})", peer_train
        floor = f"{o['of_gemm_ceiling']:.2f} ({o['gflops']:.0f} GFLOP/s)"
    ratio = f"{o['tokens_per_s'] / theirs:.2f}x" if theirs else "-"
    print(f"| {name} | {o['tokens_per_s']:.0f} | {f'{theirs:.0f}' if theirs else '-'} | {ratio} | {floor} |")
PY
