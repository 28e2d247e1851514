# umount the read-only root.
# expect: blocked_syscall
import ctypes
ctypes.CDLL(None).umount2(b"/usr/lib", 2)
print("ESCAPED")
