# Reads the project's files: /work is not in the view.
# expect: runtime_error
import os
for path in ("/work/shared/DESIGN.md", "/work/wt/sandbox/README.md", "/root/.bashrc"):
    try:
        open(path).read()
        print("ESCAPED", path)
    except OSError:
        pass
raise SystemExit(1)
