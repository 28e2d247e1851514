# One huge allocation: refused by RLIMIT_AS.
# expect: memory_limit
x = bytearray(8 << 30)
print("ESCAPED", len(x))
