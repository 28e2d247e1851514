# sethostname().
# expect: blocked_syscall
import socket
socket.sethostname("pwned")
print("ESCAPED")
