# userfaultfd() syscall.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).syscall(323, 0)
print("ESCAPED")
