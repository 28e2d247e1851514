# Plants a symlink to a host path and writes through it: the path is not in the view.
# expect: runtime_error
import os
os.symlink("@SOURCE_DIR@/pwned_link_target", "link")
open("link", "w").write("x")
print("ESCAPED")
