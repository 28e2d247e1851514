# Classic daemon: double fork, setsid, close stdio, sleep forever.
# expect: ok
# stdout: detached
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.close(1); os.close(2)
        while True:
            time.sleep(1)
    os._exit(0)
print("detached")
