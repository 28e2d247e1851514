# ptrace(PTRACE_TRACEME) through ctypes.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None, use_errno=True).ptrace(0, 0, 0, 0)
print("ESCAPED")
