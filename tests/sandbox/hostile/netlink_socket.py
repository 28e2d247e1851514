# Netlink socket (talks to the kernel's network stack).
# expect: blocked_syscall
import socket
socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
print("ESCAPED")
