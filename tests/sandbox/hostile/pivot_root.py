# pivot_root via the raw syscall.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).syscall(155, b"/tmp", b"/tmp")
print("ESCAPED")
