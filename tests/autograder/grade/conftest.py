"""Fixtures the sandbox and kernel tests share: who grades, and a service on the host."""

import pytest

from tests import netprobe


@pytest.fixture(scope="module", params=netprobe.IDENTITIES)
def grader(request):
    """Who runs the grader: root, then an unprivileged user (see tests/netprobe.py)."""
    found = netprobe.grader(request.param)
    yield found
    found.close()


@pytest.fixture(scope="module")
def scheduler():
    """A Dask scheduler running on the host's 127.0.0.1."""
    with netprobe.dask_scheduler() as running:
        yield running
