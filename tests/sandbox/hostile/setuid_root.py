# Tries to become root.
# expect: runtime_error
import os
os.setuid(0)
print("ESCAPED")
