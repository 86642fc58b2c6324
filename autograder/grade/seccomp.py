"""A seccomp filter that cuts a process off the network, for the boxes without a namespace.

The fallback boxes (sandbox.FallbackSandbox, gradescope.box.DroppedSandbox)
share the host's network. A process may, without any privilege, install a
seccomp filter (after PR_SET_NO_NEW_PRIVS), which every child inherits
across fork and exec and which nothing can remove. `network_filter()`
builds one (classic BPF, as the kernel's seccomp_data sees a system call):

  1. a system call of another ABI than this machine's native one (i386's
     int 0x80 on x86_64, arm32 on aarch64: their socketcall multiplexer
     would slip past the checks below) fails, whatever it is;
  2. on x86_64, an x32 call (number with __X32_SYSCALL_BIT) fails;
  3. socket() and socketpair() fail unless their family is AF_UNIX (the
     sandboxed Jupyter kernel's ZMQ ipc channels, Python's multiprocessing,
     and pipes, need no more);
  4. io_uring_setup fails (IORING_OP_SOCKET opens a socket without socket());
     so do pidfd_getfd, ptrace and process_vm_writev, which would borrow a
     socket from, or make a socket() in, a process of the same user that is
     not filtered.

Each refusal is EPERM, never a kill: the student's code gets a
PermissionError in the case that tried, and its hint names it. Everything
else is allowed. One exception: a netlink socket (the kernel's own
interface, no network) fails with EOPNOTSUPP, as where netlink is missing.
libzmq, under the sandboxed Jupyter kernel, binds ipykernel's IOPub pipe to
tcp://127.0.0.1; resolving that address it first lists the interfaces
(getifaddrs, over netlink) and aborts the kernel on any error there but
EINVAL and EOPNOTSUPP (measured: "Operation not permitted
(src/ip_resolver.cpp:542)", SIGABRT, with EPERM). With EOPNOTSUPP it goes
on, its tcp socket is refused, and the kernel runs without that pipe (the
output of its forked subprocesses is lost, as ipykernel warns).

What it does not cover: a Unix socket reaches any listener on the host's
file system or abstract namespace (a name service daemon such as nscd or
systemd-resolved would resolve names for it), and, where the grader is not
root, the box's user is the grader's, so its files (/proc/PID/mem included)
are within reach anyway: the fallback boxes' other limits.

`BOX_PRELUDE` is Python source that the fallback boxes' first program runs
before anything else: it installs the program found in its JSON
configuration (sys.argv[1], key "seccomp") and exits 126 if that fails, so a
box never runs with less than it was promised. `available()` tells the
grader beforehand (a trial in a child process, once) whether the kernel
takes the filter; `install(program)` installs it in the calling process.
"""

import json
import platform
import subprocess
import sys
from functools import cache

# Classic BPF (linux/filter.h, linux/bpf_common.h).
BPF_LD_W_ABS = 0x00 | 0x00 | 0x20  # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x05 | 0x10 | 0x00  # BPF_JMP | BPF_JEQ | BPF_K
BPF_JSET_K = 0x05 | 0x40 | 0x00  # BPF_JMP | BPF_JSET | BPF_K
BPF_RET_K = 0x06 | 0x00  # BPF_RET | BPF_K

# linux/seccomp.h
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
EPERM = 1
EOPNOTSUPP = 95
#: Offsets in struct seccomp_data: nr (int), arch (u32), instruction_pointer,
#: args[6] (u64 each; the low half of args[0] first, on little-endian machines).
NR_OFFSET = 0
ARCH_OFFSET = 4
ARG0_LOW_OFFSET = 16

AF_UNIX = 1
AF_NETLINK = 16
X32_SYSCALL_BIT = 0x40000000

#: Per machine: its audit arch (linux/audit.h) and the numbers of the system
#: calls refused (x86_64: arch/x86/entry/syscalls/syscall_64.tbl; aarch64: the
#: generic table, include/uapi/asm-generic/unistd.h).
ARCHES = {
    "x86_64": {
        "audit_arch": 0xC000003E,
        "family_checked": {"socket": 41, "socketpair": 53},
        "refused": {
            "ptrace": 101,
            "process_vm_writev": 311,
            "io_uring_setup": 425,
            "pidfd_getfd": 438,
        },
        "x32": True,
    },
    "aarch64": {
        "audit_arch": 0xC00000B7,
        "family_checked": {"socket": 198, "socketpair": 199},
        "refused": {
            "ptrace": 117,
            "process_vm_writev": 271,
            "io_uring_setup": 425,
            "pidfd_getfd": 438,
        },
        "x32": False,
    },
}
#: Other names platform.machine() gives the same machines.
ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}


def machine():
    """This machine's name as ARCHES knows it (or as platform.machine() says it)."""
    name = platform.machine().lower()
    return ALIASES.get(name, name)


def network_filter(arch=None):
    """(program, why): the filter for `arch` (this machine by default), or (None, why not).

    `program` is a list of [code, jt, jf, k] instructions (JSON-ready, as
    BOX_PRELUDE takes them); on a machine this module does not know, it is
    None and `why` says so.
    """
    arch = arch or machine()
    table = ARCHES.get(arch)
    if table is None:
        return None, f"no seccomp network filter for this machine ({arch})"
    # Instructions with symbolic jump targets ("deny", "allow", "family"),
    # resolved to offsets once the program is laid out.
    code = [
        (BPF_LD_W_ABS, 0, 0, ARCH_OFFSET),
        (BPF_JEQ_K, 0, "deny", table["audit_arch"]),  # another ABI: refused
        (BPF_LD_W_ABS, 0, 0, NR_OFFSET),
    ]
    if table["x32"]:
        code.append((BPF_JSET_K, "deny", 0, X32_SYSCALL_BIT))
    for number in table["family_checked"].values():
        code.append((BPF_JEQ_K, "family", 0, number))
    for number in table["refused"].values():
        code.append((BPF_JEQ_K, "deny", 0, number))
    code += [
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),  # any other call
        ("label", "family"),
        (BPF_LD_W_ABS, 0, 0, ARG0_LOW_OFFSET),  # the kernel reads the family as an int
        (BPF_JEQ_K, "allow", 0, AF_UNIX),
        (BPF_JEQ_K, "unsupported", "deny", AF_NETLINK),
        ("label", "unsupported"),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EOPNOTSUPP),
        ("label", "deny"),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM),
        ("label", "allow"),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
    ]
    return _resolve(code), ""


def _resolve(code):
    """Lay out `code`: drop the labels and turn jumps to them into forward offsets."""
    labels, program = {}, []
    for item in code:
        if item[0] == "label":
            labels[item[1]] = len(program)
        else:
            program.append(item)

    def offset(target, index):
        if isinstance(target, int):
            return target
        jump = labels[target] - index - 1
        if not 0 <= jump <= 255:  # classic BPF jumps forward only, by a byte
            raise ValueError(f"seccomp filter: jump to {target!r} out of reach")
        return jump

    return [[op, offset(jt, i), offset(jf, i), k] for i, (op, jt, jf, k) in enumerate(program)]


#: Defines _convkit_seccomp(program) -> "" once installed, else why not. Run by
#: `install` here and, as part of BOX_PRELUDE, by the fallback boxes' first
#: program (python -I -S: the standard library only).
INSTALLER = r"""
def _convkit_seccomp(program):
    import ctypes

    class _Instruction(ctypes.Structure):
        _fields_ = [
            ("code", ctypes.c_uint16),
            ("jt", ctypes.c_uint8),
            ("jf", ctypes.c_uint8),
            ("k", ctypes.c_uint32),
        ]

    class _Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction))]

    instructions = (_Instruction * len(program))(*[_Instruction(*i) for i in program])
    fprog = _Program(len(program), instructions)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError as error:
        return "no C library: %s" % error
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong,
                      ctypes.c_ulong]
    # PR_SET_NO_NEW_PRIVS (38), then PR_SET_SECCOMP (22), SECCOMP_MODE_FILTER (2).
    if prctl(38, 1, None, 0, 0) != 0:
        return "PR_SET_NO_NEW_PRIVS: %s" % os.strerror(ctypes.get_errno())
    if prctl(22, 2, ctypes.cast(ctypes.pointer(fprog), ctypes.c_void_p), 0, 0) != 0:
        return "PR_SET_SECCOMP: %s" % os.strerror(ctypes.get_errno())
    return ""
"""

#: The start of the fallback boxes' first program: the filter of its
#: configuration, if any, installed before anything else runs (exit 126 if not).
BOX_PRELUDE = (
    "import json, os, sys\n"
    + INSTALLER
    + r"""
_program = json.loads(sys.argv[1]).get("seccomp")
if _program:
    _failed = _convkit_seccomp(_program)
    if _failed:
        sys.stderr.write("box: cannot cut the network (seccomp): %s\n" % _failed)
        os._exit(126)
"""
)


def install(program):
    """Install `program` in this process (for good: only a child should); "" or why not."""
    namespace = {"os": __import__("os")}
    exec(INSTALLER, namespace)
    return namespace["_convkit_seccomp"](program)


#: What `available()`'s trial prints when the filter holds.
_TRIAL = r"""
import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM)
except PermissionError:
    a, b = socket.socketpair(socket.AF_UNIX)
    print("network cut")
else:
    print("network open")
"""


@cache
def available():
    """(program, why): the network filter if this kernel takes it (tried in a child), else
    (None, why not). Tried once per process."""
    program, why = network_filter()
    if program is None:
        return None, why
    config = json.dumps({"seccomp": program})
    try:
        trial = subprocess.run(
            [sys.executable, "-I", "-S", "-c", BOX_PRELUDE + _TRIAL, config],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"seccomp trial did not run: {error}"
    if trial.stdout.strip() == "network cut":
        return program, ""
    said = (trial.stderr.strip() or trial.stdout.strip() or "nothing").splitlines()[-1]
    return None, f"seccomp filter not taken here: {said[:300]}"
