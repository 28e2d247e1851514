# os.execve of /bin/sh: no shell in the view.
# expect: runtime_error
import os
os.execve("/bin/sh", ["sh", "-c", "echo ESCAPED"], {})
