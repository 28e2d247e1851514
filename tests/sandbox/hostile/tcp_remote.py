# TCP connection to the internet.
# expect: blocked_syscall
import socket
socket.create_connection(("1.1.1.1", 80), timeout=1)
print("ESCAPED")
