# Kills its parent: getppid() is 0 in the pid namespace and the program has a session of its
# own, so kill(0) reaches only itself, and the pid namespace's init ignores its own SIGKILL.
# expect: ok
# stdout: still here
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
try:
    os.killpg(os.getpgid(0), signal.SIGKILL)
except OSError:
    pass
print("still here")
