"""The console worker's file lock-down: after it has opened the store, it can open no file at all.

LadybugDB's read-only mode refuses writes to the graph, but not ``COPY (…) TO '/path'``, ``LOAD FROM
'/path'``, ``EXPORT DATABASE '/path'`` or ``LOAD EXTENSION '/path/lib.so'`` (measured on 0.22: the
first three read and write files from a read-only open), and it has no setting to turn file access
off.  The console's guard (``queries.console_guard``) refuses those words; this is the barrier behind
it, in the engine's own process: a seccomp filter, installed on every thread of the worker
(``SECCOMP_FILTER_FLAG_TSYNC``: the engine's threads already run), that answers EACCES to every call
that opens, creates, renames, removes or re-permissions a path, executes a program, makes a socket or
sets up io_uring (which could open files without those calls).  The worker keeps only the descriptors
it already holds: the database file and its pipes to the caller.  A filter cannot be removed, and a
worker serves one query and exits.

Linux on x86-64 and AArch64 only; elsewhere ``lock_down`` raises SandboxUnavailable and the console
refuses to run on the embedded store (CHAINGRAPH_CONSOLE_SANDBOX=off runs it with the guard alone).
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
import sys


class SandboxUnavailable(OSError):
    """The lock-down could not be installed on this system."""


# Syscall numbers: x86-64 (arch/x86/entry/syscalls/syscall_64.tbl) and the generic table AArch64 uses.
_X86_64 = {
    "open": 2, "creat": 85, "openat": 257, "openat2": 437, "open_by_handle_at": 304,
    "mkdir": 83, "mkdirat": 258, "rmdir": 84, "unlink": 87, "unlinkat": 263, "rename": 82, "renameat": 264,
    "renameat2": 316, "link": 86, "linkat": 265, "symlink": 88, "symlinkat": 266, "mknod": 133, "mknodat": 259,
    "truncate": 76, "chmod": 90, "fchmodat": 268, "fchmodat2": 452, "chown": 92, "lchown": 94, "fchownat": 260,
    "utime": 132, "utimes": 235, "futimesat": 261, "utimensat": 280,
    "setxattr": 188, "lsetxattr": 189, "removexattr": 197, "lremovexattr": 198,
    "execve": 59, "execveat": 322, "socket": 41, "mount": 165, "umount2": 166,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
}
_AARCH64 = {
    "openat": 56, "openat2": 437, "open_by_handle_at": 265, "mkdirat": 34, "unlinkat": 35, "renameat": 38,
    "renameat2": 276, "linkat": 37, "symlinkat": 36, "mknodat": 33, "truncate": 45, "fchmodat": 53,
    "fchmodat2": 452, "fchownat": 54, "utimensat": 88, "setxattr": 5, "lsetxattr": 6, "removexattr": 14,
    "lremovexattr": 15, "execve": 221, "execveat": 281, "socket": 198, "mount": 40, "umount2": 39,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
}
# machine -> (AUDIT_ARCH_*, denied calls, the seccomp syscall's number)
_ARCHES = {"x86_64": (0xC000003E, _X86_64, 317), "aarch64": (0xC00000B7, _AARCH64, 277)}

_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_X32_BIT = 0x40000000               # x86-64's x32 ABI numbers: refused (the filter checks native numbers)


def denied_calls() -> dict[str, int]:
    """The calls the filter refuses on this machine (empty where there is no filter)."""
    arch = _ARCHES.get(platform.machine())
    return dict(arch[1]) if arch else {}


def _program(audit_arch: int, numbers: list[int]) -> bytes:
    """Classic BPF: another ABI (32-bit calls on a 64-bit kernel) or a listed call -> EACCES; else allow."""
    deny = _RET_ERRNO | errno.EACCES
    body = [(_LD_W_ABS, 0, 0, 4),                                   # seccomp_data.arch
            (_JEQ_K, 1, 0, audit_arch),
            (_RET_K, 0, 0, deny),
            (_LD_W_ABS, 0, 0, 0)]                                   # seccomp_data.nr
    if audit_arch == _ARCHES["x86_64"][0]:
        body += [(_JGE_K, 0, 1, _X32_BIT), (_RET_K, 0, 0, deny)]
    for i, number in enumerate(numbers):                            # a match jumps to the final deny
        body.append((_JEQ_K, len(numbers) - i, 0, number))
    body += [(_RET_K, 0, 0, _RET_ALLOW), (_RET_K, 0, 0, deny)]
    return b"".join(struct.pack("HBBI", *ins) for ins in body)


def lock_down() -> None:
    """Install the filter on every thread of this process; from now on no path can be opened."""
    arch = _ARCHES.get(platform.machine())
    if not sys.platform.startswith("linux") or arch is None:
        raise SandboxUnavailable(f"no console file sandbox on {sys.platform}/{platform.machine()}")
    audit_arch, calls, seccomp_nr = arch
    code = _program(audit_arch, sorted(set(calls.values())))
    buffer = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = SockFprog(len(code) // 8, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(f"prctl(NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}")
    result = libc.syscall(ctypes.c_long(seccomp_nr), ctypes.c_uint(_SECCOMP_SET_MODE_FILTER),
                          ctypes.c_uint(_SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(prog))
    if result != 0:      # > 0: a thread that could not be synchronised; < 0: no seccomp here
        problem = os.strerror(ctypes.get_errno()) if result < 0 else f"thread {result} not synchronised"
        raise SandboxUnavailable(f"seccomp filter not installed: {problem}")
