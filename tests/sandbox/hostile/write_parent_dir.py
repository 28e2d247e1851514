# Escapes the work dir with ../ : lands on the read-only root.
# expect: runtime_error
open("../pwned", "w").write("x")
print("ESCAPED")
