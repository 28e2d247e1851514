# kexec_load() syscall.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).syscall(246, 0, 0, 0, 0)
print("ESCAPED")
