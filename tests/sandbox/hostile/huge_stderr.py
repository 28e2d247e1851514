# Floods stderr: cut at the cap.
# expect: output_limit
import sys
line = "y" * 4096 + "\n"
while True:
    sys.stderr.write(line)
