"""restrict_families.py UNIT COMMAND...: runs COMMAND with the socket
address families the systemd unit file UNIT allows, as systemd's
RestrictAddressFamilies= does (systemd.exec(5)): a seccomp filter on
which socket(2) of any other family fails with EAFNOSUPPORT. So a test
without systemd running still finds out whether the unit lets turnroom
start (getifaddrs(3) needs AF_NETLINK, for one).

Standard library only (ctypes); x86-64 and arm64. Exits 2 on a unit
without the setting or an unknown architecture.
"""

import ctypes
import os
import platform
import re
import struct
import sys

FAMILIES = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16,
            "AF_PACKET": 17}
# machine: (AUDIT_ARCH_*, __NR_socket)
ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
EAFNOSUPPORT = 97
LD_ABS = 0x20   # BPF_LD | BPF_W | BPF_ABS
JEQ_K = 0x15    # BPF_JMP | BPF_JEQ | BPF_K
RET_K = 0x06    # BPF_RET | BPF_K
# struct seccomp_data: nr, arch, instruction_pointer, args[6] (little
# endian: the low word of args[0], the family, is at 16).
OFF_NR, OFF_ARCH, OFF_ARG0 = 0, 4, 16


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def unit_families(path):
    allowed = None
    with open(path) as f:
        for line in f:
            m = re.match(r"RestrictAddressFamilies=(.*)", line.strip())
            if m:
                allowed = m.group(1).split()
    return allowed


def program(arch, nr_socket, families):
    ins = []

    def op(code, k, jt=0, jf=0):
        ins.append(struct.pack("=HBBI", code, jt, jf, k))

    n = len(families)
    op(LD_ABS, OFF_ARCH)
    op(JEQ_K, arch, 0, n + 4)           # another ABI: allow
    op(LD_ABS, OFF_NR)
    op(JEQ_K, nr_socket, 0, n + 2)      # not socket(2): allow
    op(LD_ABS, OFF_ARG0)
    for i, fam in enumerate(families):
        op(JEQ_K, fam, n - i, 0)        # listed: jump to allow
    op(RET_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT)
    op(RET_K, SECCOMP_RET_ALLOW)
    return b"".join(ins)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    names = unit_families(argv[0])
    if not names:
        print("%s: no RestrictAddressFamilies=" % argv[0], file=sys.stderr)
        return 2
    if platform.machine() not in ARCHES:
        print("restrict_families: unsupported machine %s" % platform.machine(),
              file=sys.stderr)
        return 2
    arch, nr_socket = ARCHES[platform.machine()]
    code = program(arch, nr_socket, [FAMILIES[n] for n in names])
    buf = ctypes.create_string_buffer(code, len(code))
    prog = SockFprog(len(code) // 8, ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p,
                           ctypes.c_ulong, ctypes.c_ulong]
    if (libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0 or
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
                       ctypes.byref(prog), 0, 0) != 0):
        print("restrict_families: seccomp: %s"
              % os.strerror(ctypes.get_errno()), file=sys.stderr)
        return 2
    os.execvp(argv[1], argv[1:])
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
