# UDP datagram to 127.0.0.1.
# expect: blocked_syscall
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"x", ("127.0.0.1", 53))
print("ESCAPED")
