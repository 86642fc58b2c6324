"""The seccomp network filter of the fallback boxes (autograder/grade/seccomp.py).

Each filtered process here is a child: the fallback boxes' own prelude
(seccomp.BOX_PRELUDE) run by this Python, with the filter in its
configuration, then the test's code. The test process itself is never
filtered, and is checked to be unaffected.
"""

import json
import socket
import subprocess
import sys
import textwrap

import pytest

from autograder.grade import seccomp
from tests import netprobe

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def program():
    """The filter of this machine, if the kernel takes it (else a skip; in CI, a failure)."""
    found, why = seccomp.available()
    if found is None:
        netprobe.cannot(why)
    return found


def filtered(program, code, *args):
    """Run Python `code` in a child under the filter; the CompletedProcess."""
    config = json.dumps({"seccomp": program})
    return subprocess.run(
        [sys.executable, "-c", seccomp.BOX_PRELUDE + textwrap.dedent(code), config, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_filter_is_built_for_x86_64_and_aarch64_and_not_for_an_unknown_machine():
    """Is there a filter for both machines, its jumps in reach, and none (saying so) for
    another?"""
    for arch in ("x86_64", "aarch64"):
        code, why = seccomp.network_filter(arch)
        assert why == ""
        assert code[1][3] == seccomp.ARCHES[arch]["audit_arch"]  # the ABI is checked first
        for i, (op, jt, jf, _) in enumerate(code):
            if op in (seccomp.BPF_JEQ_K, seccomp.BPF_JSET_K):
                assert i + 1 + max(jt, jf) < len(code)
        assert code[-1] == [seccomp.BPF_RET_K, 0, 0, seccomp.SECCOMP_RET_ALLOW]
    code, why = seccomp.network_filter("riscv64")
    assert code is None
    assert why == "no seccomp network filter for this machine (riscv64)"


def test_inet_sockets_are_refused_with_permission_error(program):
    """Under the filter, do AF_INET and AF_INET6 sockets raise PermissionError, and a netlink
    socket EOPNOTSUPP?"""
    run = filtered(
        program,
        """
        import socket
        for family, kind in [
            (socket.AF_INET, socket.SOCK_STREAM),
            (socket.AF_INET, socket.SOCK_DGRAM),
            (socket.AF_INET6, socket.SOCK_STREAM),
            (socket.AF_NETLINK, socket.SOCK_RAW),
        ]:
            try:
                socket.socket(family, kind).close()
                print("OPENED", family)
            except OSError as error:
                print(type(error).__name__, error.errno)
        """,
    )
    assert run.returncode == 0, run.stderr
    # Netlink fails as where it is missing (libzmq aborts on EPERM there: seccomp.py).
    assert run.stdout.split("\n")[:-1] == ["PermissionError 1"] * 3 + ["OSError 95"]


def test_a_tcp_connection_to_a_loopback_listener_gets_nothing_through(program):
    """Does a connection to a listener of this test on 127.0.0.1, by every address
    getaddrinfo gives for localhost, fail, the listener seeing none?"""
    with netprobe.Listener() as listener:
        run = filtered(
            program,
            """
            import socket, sys
            port = int(sys.argv[2])
            found = socket.getaddrinfo("localhost", port, type=socket.SOCK_STREAM)
            print("addresses", len(found))
            for family, kind, proto, _, address in found:
                try:
                    socket.create_connection(address[:2], timeout=5).close()
                    print("CONNECTED", address)
                except OSError as error:
                    print(type(error).__name__)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                print("CONNECTED")
            except OSError as error:
                print(type(error).__name__)
            """,
            str(listener.port),
        )
        assert run.returncode == 0, run.stderr
        lines = run.stdout.split("\n")[:-1]
        assert lines[0] != "addresses 0"
        assert lines[1:] == ["PermissionError"] * (len(lines) - 1)
        assert listener.count() == 0
        # The test process is not filtered: the same listener takes its connection.
        socket.create_connection(("127.0.0.1", listener.port), timeout=5).close()
        assert listener.count() == 1


def test_unix_sockets_pipes_and_numpy_still_work(program):
    """Under the filter, do a Unix socketpair, a Unix socket, a pipe to a child process and
    numpy still work?"""
    run = filtered(
        program,
        """
        import socket, subprocess, sys
        import numpy as np
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        a.sendall(b"ping")
        print(b.recv(4).decode())
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).close()
        child = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True)
        print(child.stdout.decode().strip())
        print(int(np.arange(10).reshape(2, 5).sum()))
        """,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["ping", "42", "45"]


def test_the_ways_around_socket_are_refused_too(program):
    """Are a socketpair of another family, io_uring_setup, pidfd_getfd, ptrace, a family with
    high bits set (only its low half counts) and, on x86_64, an x32 socket() refused?"""
    table = seccomp.ARCHES[seccomp.machine()]
    numbers = {**table["family_checked"], **table["refused"]}
    run = filtered(
        program,
        """
        import ctypes, json, sys
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        numbers = json.loads(sys.argv[2])
        buffer = ctypes.create_string_buffer(256)

        def call(name, number, *args):
            ctypes.set_errno(0)
            result = libc.syscall(ctypes.c_long(number), *map(ctypes.c_long, args))
            print(name, result, ctypes.get_errno())

        call("socketpair_inet", numbers["socketpair"], 2, 1, 0, ctypes.addressof(buffer))
        call("io_uring_setup", numbers["io_uring_setup"], 1, ctypes.addressof(buffer))
        call("pidfd_getfd", numbers["pidfd_getfd"], 0, 0, 0)
        call("ptrace", numbers["ptrace"], 0, 0, 0, 0)  # PTRACE_TRACEME
        call("inet_high_bits", numbers["socket"], (1 << 32) | 2, 1, 0)
        call("unix_high_bits", numbers["socket"], (2 << 32) | 1, 1, 0)
        if sys.argv[3] == "x86_64":
            call("x32_socket", numbers["socket"] | 0x40000000, 1, 1, 0)
        """,
        json.dumps(numbers),
        seccomp.machine(),
    )
    assert run.returncode == 0, run.stderr
    seen = {}
    for line in run.stdout.splitlines():
        name, result, errno = line.split()
        seen[name] = (int(result), int(errno))
    unix = seen.pop("unix_high_bits")
    assert unix[0] >= 0  # the kernel reads the family as an int: AF_UNIX, allowed
    assert seen == dict.fromkeys(seen, (-1, 1))  # every other call: EPERM
    assert len(seen) == (6 if seccomp.machine() == "x86_64" else 5)


def test_the_prelude_stops_the_box_when_the_filter_cannot_be_installed():
    """Does a box whose filter the kernel refuses stop (exit 126, saying why) before running
    anything, rather than run with the network?"""
    bad = [[seccomp.BPF_RET_K, 0, 0, seccomp.SECCOMP_RET_ALLOW]] * 5000  # over BPF_MAXINSNS
    run = filtered(bad, "print('RAN')")
    assert run.returncode == 126
    assert "RAN" not in run.stdout
    assert run.stderr.startswith("box: cannot cut the network (seccomp): PR_SET_SECCOMP")


def seccomp_status():
    """This process's Seccomp and Seccomp_filters lines of /proc/self/status."""
    with open("/proc/self/status", encoding="ascii") as status:
        return [line for line in status if line.startswith("Seccomp")]


def test_this_process_is_unaffected_after_a_filtered_child(program):
    """After a filtered child ran (and seccomp.available's trial), does the test process keep
    the seccomp state it had and still open an AF_INET socket?"""
    before = seccomp_status()
    assert filtered(program, "pass").returncode == 0
    seccomp.available.cache_clear()
    assert seccomp.available()[0] == program
    assert seccomp_status() == before
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
