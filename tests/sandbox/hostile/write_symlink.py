# Plants a symlink to a host path and writes through it: the path is not in the view.
# expect: runtime_error
import os
os.symlink("/work/pwned", "link")
open("link", "w").write("x")
print("ESCAPED")
