# reboot() syscall.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).syscall(169, 0xfee1dead, 672274793, 0x1234567, 0)
print("ESCAPED")
