# UDP datagram to a public DNS server.
# expect: blocked_syscall
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("8.8.8.8", 53))
print("ESCAPED")
