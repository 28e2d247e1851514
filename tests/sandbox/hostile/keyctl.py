# keyctl() syscall.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).syscall(250, 0, 0, 0)
print("ESCAPED")
