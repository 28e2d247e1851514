# Writes one huge file: RLIMIT_FSIZE refuses it (Python ignores SIGXFSZ, so EFBIG).
# expect: runtime_error
with open("big.bin", "wb") as f:
    block = b"z" * (1 << 20)
    for _ in range(1024):
        f.write(block)
print("ESCAPED")
