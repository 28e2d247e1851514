# socket(AF_INET) through a raw syscall from ctypes, bypassing the socket module.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).syscall(41, 2, 1, 0)
print("ESCAPED")
