"""free_port(): a port free for both TCP and UDP on 127.0.0.1 (a TURN
listener takes both), that no other test takes before this test's server
binds it.

Tests run side by side (make check-interop runs several scripts at once,
scripts/test both build trees at once), and a server binds its ports a
fraction of a second after they were picked: a port of the kernel's
ephemeral range could meanwhile become another test's client socket (a UDP
client's port is picked at random in that range) or another test's pick.
So each test holds one of SLOTS slots (an flock on LOCK_DIR/slot-N, held by
the test's shell, tests/interop/lib.sh, or by its Python process:
test_slot()) and takes its ports in turn from the slot's own block above
the ephemeral range, where neither client sockets nor other tests' servers
land. Its relay window (lib.sh relay_window, signal_lib.relay_window) is
the slot's own as well, below 32768. With no slot free, or no room above
the ephemeral range: a port from the ephemeral range, as before the slots.

The one implementation for the tests: Python imports it, and shell scripts
run it (tests/interop/lib.sh free_port), which prints the port or exits 1
with a message on stderr. Standard library only; /usr/bin/python3.
Environment (set by lib.sh): TURNROOM_TEST_SLOT, the slot the test holds;
TURNROOM_PORT_COUNTER, the file with the index of the block's next port.
"""

import fcntl
import os
import random
import socket
import sys

LOCK_DIR = "/tmp/turnroom-test-slots"
SLOTS = 24
RELAY_BASE, RELAY_SIZE = 20000, 500    # relay windows: 20000-31999
BLOCK_TOP = 65535

_slot = []      # [(lock file, slot)] when this process took a slot itself
_counter = [0]  # the block's next index when there is no counter file


def _ephemeral_max():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return BLOCK_TOP


def _block(slot):
    """(first, size): the slot's listening ports, or None without room."""
    low = _ephemeral_max() + 1
    size = (BLOCK_TOP + 1 - low) // SLOTS
    if size < 16:
        return None
    return low + slot * size, size


def test_slot(lock=True):
    """The slot this test holds (lib.sh's, or with lock one locked now for
    this process's lifetime), or None."""
    env = os.environ.get("TURNROOM_TEST_SLOT", "")
    if env.isdigit() and int(env) < SLOTS:
        return int(env)
    if _slot:
        return _slot[0][1]
    if not lock:
        return None
    try:
        os.makedirs(LOCK_DIR, exist_ok=True)
        os.chmod(LOCK_DIR, 0o1777)
    except OSError:
        pass
    first = random.randrange(SLOTS)
    for i in range(SLOTS):
        n = (first + i) % SLOTS
        try:
            f = open(os.path.join(LOCK_DIR, "slot-%d" % n), "a")
        except OSError:
            continue
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            continue
        _slot.append((f, n))
        return n
    return None


def relay_window(slot):
    """(min, max): the relay ports of a slot."""
    base = RELAY_BASE + slot * RELAY_SIZE
    return base, base + RELAY_SIZE - 1


def _bindable(port):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        t.bind(("127.0.0.1", port))
        u.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        u.close()
        t.close()


def _next_index(take):
    """Calls take(index) with the block's next index, under a lock on the
    counter file lib.sh names (shared by the test's processes); take
    returns the index after the one it used."""
    path = os.environ.get("TURNROOM_PORT_COUNTER")
    if not path:
        _counter[0] = take(_counter[0])
        return
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        text = f.read().strip()
        nxt = take(int(text) if text.isdigit() else 0)
        f.seek(0)
        f.truncate()
        f.write("%d\n" % nxt)


def _from_block(slot):
    """Every other port of the block: clients take a port's neighbour too
    (turnutils_peer and uclient's RTCP peer PORT + 1, coturn's alternate
    listener), and it must not be the next listener."""
    block = _block(slot)
    if block is None:
        return None
    first, size = block
    count = size // 2
    found = []

    def take(index):
        for k in range(count):
            port = first + 2 * ((index + k) % count)
            if _bindable(port):
                found.append(port)
                return (index + k + 1) % count
        return index
    _next_index(take)
    return found[0] if found else None


def _ephemeral(tries=100):
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


def free_port(lock=True):
    """The port; OSError when none was found. lock: may take a slot for
    this process (not for the command, which lives a moment)."""
    slot = test_slot(lock)
    port = _from_block(slot) if slot is not None else None
    return port if port is not None else _ephemeral()


if __name__ == "__main__":
    try:
        print(free_port(lock=False))
    except OSError as e:
        sys.exit(str(e))
