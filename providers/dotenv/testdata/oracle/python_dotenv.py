# Differential-test oracle: parse each dotenv file named on the command line with python-dotenv,
# the way load_dotenv(path) reads it, and print {PATH: {"vars": {...}, "skipped": [lines]}} as
# JSON on stdout. A line python-dotenv cannot parse is skipped (it logs a warning): its line
# number is reported.
# Exit status 3 when python-dotenv is not installed, so the test can skip this oracle.
import json
import logging
import sys

try:
    from dotenv import dotenv_values
except ImportError:
    sys.exit(3)


class Skipped(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        if record.args:
            self.lines.append(record.args[0])


out = {}
logging.getLogger("dotenv.main").propagate = False
for path in sys.argv[1:]:
    handler = Skipped()
    logging.getLogger("dotenv.main").addHandler(handler)
    values = dotenv_values(path, interpolate=True, encoding="utf-8")
    logging.getLogger("dotenv.main").removeHandler(handler)
    out[path] = {"vars": {k: v for k, v in values.items() if v is not None}, "skipped": handler.lines}
json.dump(out, sys.stdout, ensure_ascii=False)
