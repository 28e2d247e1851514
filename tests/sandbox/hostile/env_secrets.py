# Reads environment secrets: the environment is empty.
# expect: ok
# stdout: no secrets
import os
leaked = [k for k, v in os.environ.items() if k != "LC_CTYPE"]
print("no secrets" if not leaked else f"ESCAPED {leaked}")
