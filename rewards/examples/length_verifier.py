#!/usr/bin/env python3
"""An example external verifier for rlvr: rewards completions whose length is close to a target.

Protocol: rlvr starts this program once and keeps it running. For each sample it writes one JSON
object on a line to stdin: {"prompt": str, "completion": str, "row": {...dataset fields...}}.
The program answers with one JSON object on a line on stdout: {"reward": number, "status": str,
"detail": str} ("status" and "detail" are optional). Anything written to stderr is captured into
the verdict's detail. Flush stdout after each answer.

Usage: length_verifier.py [TARGET_CHARS]   (the row may override it with "target_length")
"""
import json
import sys


def main() -> None:
    default_target = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    for line in sys.stdin:
        sample = json.loads(line)
        row = sample.get("row") or {}
        target = int(row.get("target_length", default_target))
        length = len(sample["completion"])
        reward = max(0.0, 1.0 - abs(length - target) / max(target, 1))
        status = "correct" if reward >= 0.9 else "wrong"
        answer = {"reward": reward, "status": status, "detail": f"length {length} vs target {target}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
