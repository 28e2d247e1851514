# subprocess with shell=True.
# expect: runtime_error
import subprocess
print("ESCAPED", subprocess.run("id", shell=True, capture_output=True).stdout)
