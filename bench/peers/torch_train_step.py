#!/usr/bin/env python3
"""The PyTorch peer of bench/bench_gpu_train.cpp, on the same weights and tokens.

Loads the model bench_gpu_train --export DIR wrote (config.json + model.safetensors, Qwen3-MoE
layout) with Hugging Face transformers in bf16, eager, on the GPU, and times
  - a learner step on the exported token batch: forward, next-token cross-entropy, backward,
    torch.optim.AdamW (fused) step;
  - decode with model.generate at batch 1, 32 and 128 (64-token prompts, 32 new tokens, sampling).
CUDA events, warm-up first, median of the timed repetitions. Prints one table.
Usage: python3 bench/peers/torch_train_step.py DIR
"""
import json
import statistics
import sys

import torch
import transformers


def event_ms(fn):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end)


def load(model_dir):
    try:
        model = transformers.AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16,
                                                                  attn_implementation="eager")
    except TypeError:  # transformers before 4.56 names it torch_dtype
        model = transformers.AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.bfloat16,
                                                                  attn_implementation="eager")
    return model.cuda()


def main():
    model_dir = sys.argv[1]
    with open(f"{model_dir}/tokens.jsonl") as f:
        seqs = [json.loads(line)["tokens"] for line in f if line.strip()]
    tokens = torch.tensor(seqs, dtype=torch.long, device="cuda")
    model = load(model_dir)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)

    def step():
        opt.zero_grad(set_to_none=True)
        out = model(input_ids=tokens, labels=tokens)
        out.loss.backward()
        opt.step()

    times = [event_ms(step) for _ in range(7)][2:]
    rows = [(f"learner step bf16 eager ({tokens.numel()} tokens)", statistics.median(times), "ms")]

    model.eval()
    vocab = model.config.vocab_size
    with torch.no_grad():
        for batch in (1, 32, 128):
            prompts = torch.full((batch, 64), 7, dtype=torch.long, device="cuda")
            prompts[:, 0] = torch.arange(batch, device="cuda") % vocab
            gen = dict(max_new_tokens=32, min_new_tokens=32, do_sample=True, temperature=1.0, top_k=0, top_p=1.0)
            model.generate(prompts, **gen)  # warm-up
            ms = event_ms(lambda: model.generate(prompts, **gen))
            rows.append((f"decode bf16 generate batch {batch} (prefill included)", ms, f"{batch * 32 / (ms / 1e3):.0f} tok/s"))

    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, transformers {transformers.__version__}")
    print("| peer | ms (median) | note |\n| --- | --- | --- |")
    for what, ms, note in rows:
        print(f"| {what} | {ms:.3f} | {note} |")


if __name__ == "__main__":
    main()
