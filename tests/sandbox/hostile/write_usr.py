# Writes into the interpreter's library dir: read-only bind.
# expect: runtime_error
open("/usr/lib/pwned", "w").write("x")
print("ESCAPED")
