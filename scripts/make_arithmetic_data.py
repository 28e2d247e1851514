#!/usr/bin/env python3
"""Writes the synthetic arithmetic task of the default demo: data/arithmetic/{train,eval}.jsonl.

Each row: {"id", "prompt": "a+b=", "answer": "c", "completion": "\\boxed{c}"}; a, b < 10^digits.
Deterministic (fixed seed); eval problems never appear in train. Rerun only to change the task.
"""
import json
import random
import sys

def main(digits=2, n_train=4000, n_eval=200, seed=2026):
    rng = random.Random(seed)
    seen, rows = set(), []
    while len(rows) < n_train + n_eval:
        a, b = rng.randrange(10 ** digits), rng.randrange(10 ** digits)
        if (a, b) in seen:
            continue
        seen.add((a, b))
        rows.append({"prompt": f"{a}+{b}=", "answer": str(a + b), "completion": f"\\boxed{{{a + b}}}"})
    for name, part in (("train", rows[:n_train]), ("eval", rows[n_train:])):
        with open(f"data/arithmetic/{name}.jsonl", "w") as f:
            for i, r in enumerate(part):
                f.write(json.dumps({"id": f"{name}-{i}", **r}) + "\n")

if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
