# Many files just under the size limit: the work dir tmpfs fills up.
# expect: runtime_error
block = b"z" * (1 << 20)
for i in range(200):
    with open(f"f{i}.bin", "wb") as f:
        for _ in range(15):
            f.write(block)
print("ESCAPED")
