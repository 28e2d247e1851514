# clone() with CLONE_NEWNS|CLONE_NEWUSER through the raw syscall.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).syscall(56, 0x10000000 | 0x00020000 | 17, 0, 0, 0, 0)
print("ESCAPED")
