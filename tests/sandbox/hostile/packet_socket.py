# Raw packet socket.
# expect: blocked_syscall
import socket
socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
print("ESCAPED")
