# socket() with the x32 ABI bit set: a classic way around per-name filters.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).syscall(41 | 0x40000000, 2, 1, 0)
print("ESCAPED")
