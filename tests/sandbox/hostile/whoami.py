# Checks its identity: nobody, not root.
# expect: ok
# stdout: uid=65534 euid=65534
import os
print(f"uid={os.getuid()} euid={os.geteuid()}")
