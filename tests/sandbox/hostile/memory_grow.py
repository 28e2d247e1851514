# Memory that grows a megabyte at a time until RLIMIT_AS stops it.
# expect: memory_limit
chunks = []
while True:
    chunks.append(bytearray(1 << 20))
