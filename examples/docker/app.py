# A stand-in application for the Dockerfile: it uses its secrets and logs one by mistake.
import os
import time

print("connecting to", os.environ.get("DATABASE_URL", "(unset)"), flush=True)  # printed masked: ***
while True:
    time.sleep(3600)
