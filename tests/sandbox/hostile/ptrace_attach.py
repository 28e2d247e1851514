# ptrace(PTRACE_ATTACH) on its own child.
# expect: blocked_syscall
import ctypes, os, time
pid = os.fork()
if pid == 0:
    time.sleep(5)
    os._exit(0)
ctypes.CDLL(None).ptrace(16, pid, 0, 0)
print("ESCAPED")
