#!/usr/bin/env python3
"""An example one-shot external verifier for rlvr (mode = "oneshot"): rlvr runs this program once
per sample, writes the sample as one JSON object to stdin and closes it; the program prints one
JSON verdict and exits. Rewards a completion that mentions the row's "keyword" (case-insensitive).

Request: {"prompt": str, "completion": str, "row": {...dataset fields...}}
Answer:  {"reward": number, "status": str, "detail": str}   ("status" and "detail" are optional)
"""
import json
import sys


def main() -> None:
    sample = json.load(sys.stdin)
    keyword = str((sample.get("row") or {}).get("keyword", ""))
    if not keyword:
        print("the row has no 'keyword'", file=sys.stderr)
        print(json.dumps({"reward": 0.0, "status": "error", "detail": "no keyword"}))
        return
    found = keyword.lower() in sample["completion"].lower()
    verdict = {"reward": 1.0 if found else 0.0, "status": "correct" if found else "wrong",
               "detail": f"keyword '{keyword}' {'found' if found else 'missing'}"}
    sys.stdout.write(json.dumps(verdict))  # no line break: EOF ends the answer too


if __name__ == "__main__":
    main()
