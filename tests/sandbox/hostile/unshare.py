# unshare(CLONE_NEWUSER) through ctypes.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).unshare(0x10000000)
print("ESCAPED")
