# Floods stdout: cut at the cap.
# expect: output_limit
import sys
line = "x" * 4096 + "\n"
while True:
    sys.stdout.write(line)
