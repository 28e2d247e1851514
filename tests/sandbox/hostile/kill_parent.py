# Kills its parent: getppid() is 0 in the pid namespace, so this hits its own group.
# expect: killed
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
print("ESCAPED")
