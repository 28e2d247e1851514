# os.unshare (Python 3.12+) or the raw syscall.
# expect: blocked_syscall
import ctypes, os
if hasattr(os, "unshare"):
    os.unshare(os.CLONE_NEWNET)
ctypes.CDLL(None).syscall(272, 0x40000000)
print("ESCAPED")
