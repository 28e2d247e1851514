# Leaves busy children behind when it exits.
# expect: ok
# stdout: bye
import os
for _ in range(5):
    if os.fork() == 0:
        while True:
            pass
print("bye")
