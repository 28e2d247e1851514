# perf_event_open() syscall.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).syscall(298, 0, 0, -1, -1, 0)
print("ESCAPED")
