# kill(-1, SIGKILL): reaches only its own pid namespace.
# expect: ok
# stdout: survived
import os, signal
child = os.fork()
if child == 0:
    import time
    time.sleep(30)
    os._exit(0)
os.kill(-1, signal.SIGKILL)
os.waitpid(child, 0)
print("survived")
