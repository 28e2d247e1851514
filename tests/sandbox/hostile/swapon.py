# swapon() syscall.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).swapon(b"/tmp/x", 0)
print("ESCAPED")
