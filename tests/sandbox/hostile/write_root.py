# Writes at / of the view: read-only.
# expect: runtime_error
open("/pwned", "w").write("x")
print("ESCAPED")
