# TCP connection to 127.0.0.1: AF_INET sockets are blocked.
# expect: blocked_syscall
import socket
socket.create_connection(("127.0.0.1", 22), timeout=1)
print("ESCAPED")
