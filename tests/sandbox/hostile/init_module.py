# init_module() syscall.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).syscall(175, 0, 0, b"")
print("ESCAPED")
