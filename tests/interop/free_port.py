"""free_port(): a port free for both TCP and UDP on 127.0.0.1 (a TURN
listener takes both), from the kernel's ephemeral range, so relay windows
kept below 32768 never collide with it.

The one implementation for the tests: Python imports it, and shell scripts
run it (tests/interop/lib.sh free_port), which prints the port or exits 1
with a message on stderr. Standard library only; /usr/bin/python3.
"""

import socket
import sys


def free_port(tries=100):
    """The port; OSError when none was found in `tries` attempts."""
    for _ in range(tries):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            u.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            u.close()
            t.close()
        return port
    raise OSError("no free port on 127.0.0.1")


if __name__ == "__main__":
    try:
        print(free_port())
    except OSError as e:
        sys.exit(str(e))
