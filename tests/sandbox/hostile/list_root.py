# Looks around: only what the interpreter needs is there.
# expect: ok
# stdout: ['bin', 'dev', 'lib', 'lib64', 'tmp', 'usr'] ['null']
import os
print(sorted(os.listdir("/")), sorted(os.listdir("/dev")))
