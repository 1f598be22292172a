import sys

print("The Seller Central sandbox is not built yet.", file=sys.stderr)
sys.exit(1)
