# Signals guessed host pids: invisible from the pid namespace.
# expect: ok
# stdout: none reached
import os, signal
reached = []
for pid in range(2, 3000):
    try:
        os.kill(pid, 0)
        reached.append(pid)
    except OSError:
        pass
print("none reached" if not reached else f"ESCAPED {reached[:5]}")
