# AF_UNIX socketpair stays allowed: a legitimate program may use it.
# expect: ok
# stdout: ping
import socket
a, b = socket.socketpair()
a.sendall(b"ping")
print(b.recv(4).decode())
