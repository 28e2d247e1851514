# bpf() syscall.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).syscall(321, 0, 0, 0)
print("ESCAPED")
