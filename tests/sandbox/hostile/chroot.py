# chroot, the first step of the classic chroot escape.
# expect: blocked_syscall
import os
os.chroot("/usr")
print("ESCAPED")
