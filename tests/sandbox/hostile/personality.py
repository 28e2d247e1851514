# personality(ADDR_NO_RANDOMIZE) to switch off ASLR.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).personality(0x0040000)
print("ESCAPED")
