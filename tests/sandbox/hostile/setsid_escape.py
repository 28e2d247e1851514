# setsid() in a child to leave the process group, then the parent exits.
# expect: ok
# stdout: parent done
import os, time
if os.fork() == 0:
    os.setsid()
    time.sleep(60)
    os._exit(0)
print("parent done")
