"""Finds ASan/UBSan/LSan reports in server logs: the one pattern and scan
shared by the Python tests (signal_lib.Server.check_log), the interop shell
helpers (tests/interop/lib.sh) and the browser tests (tests/e2e/lib.sh).

As a command: sanitizer_scan.py [-A N] LOG...  prints "LOG: first report
line" (and N lines after it with -A) for each log that has a report and
exits 1 if any has; exits 0 when all are clean or absent.
"""

import re
import sys

# UBSan prints "runtime error:", ASan/LSan "ERROR: AddressSanitizer" and
# "ERROR: LeakSanitizer" (and AddressSanitizer:DEADLYSIGNAL on a crash).
SANITIZER_RE = re.compile(
    r"runtime error|AddressSanitizer|LeakSanitizer|ERROR: [A-Za-z]+Sanitizer")


def first_report(lines):
    """Index of the first line of a report in lines, or None."""
    for i, line in enumerate(lines):
        if SANITIZER_RE.search(line):
            return i
    return None


def scan(path, after=0):
    """The report lines of the log at path (its first line and `after`
    more), or [] if it is clean or cannot be read."""
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    i = first_report(lines)
    return [] if i is None else [l.rstrip() for l in lines[i:i + 1 + after]]


def main(argv):
    after = 0
    if len(argv) >= 2 and argv[0] == "-A":
        after = int(argv[1])
        argv = argv[2:]
    found = False
    for path in argv:
        report = scan(path, after)
        if report:
            found = True
            print("%s: %s" % (path, report[0].strip()))
            for line in report[1:]:
                print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
