#!/usr/bin/env python3
"""A deliberately badly behaved external verifier for the tests: the completion says what to do.
"crash" exits with code 3 after writing to stderr, "segv" kills itself with SIGSEGV, "hang"
sleeps forever, "garbage" answers a line that is not JSON, "warn" answers and writes to stderr;
anything else is answered with reward 1 and the worker's pid (to see restarts)."""
import json
import os
import signal
import sys
import time

for line in sys.stdin:
    completion = json.loads(line)["completion"]
    if completion == "crash":
        sys.stderr.write("about to crash\n")
        sys.stderr.flush()
        sys.exit(3)
    if completion == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if completion == "hang":
        sys.stderr.write("hanging\n")
        sys.stderr.flush()
        time.sleep(3600)
    if completion == "garbage":
        print("this is not json", flush=True)
        continue
    if completion == "warn":
        sys.stderr.write("a warning\n")
        sys.stderr.flush()
    print(json.dumps({"reward": 1.0, "status": "correct", "detail": f"pid {os.getpid()}"}), flush=True)
