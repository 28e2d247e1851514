# IPv6 socket.
# expect: blocked_syscall
import socket
socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
print("ESCAPED")
