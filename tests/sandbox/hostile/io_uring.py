# io_uring_setup() syscall.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).syscall(425, 8, None)
print("ESCAPED")
