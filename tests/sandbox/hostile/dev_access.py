# Opens a block device.
# expect: runtime_error
open("/dev/sda", "rb")
print("ESCAPED")
