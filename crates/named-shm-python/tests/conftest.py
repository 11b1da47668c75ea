"""Shared helpers: unique names, real child interpreters, the other layers."""

import gc
import itertools
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

_counter = itertools.count()


@pytest.fixture(autouse=True)
def collect_garbage():
    """Objects a test leaves in reference cycles (an exception's traceback
    holds the test's frame) are closed when the test ends, not at exit."""
    yield
    gc.collect()


def leftover_files(fragment):
    """Object files under the names root whose name contains fragment."""
    root = os.environ.get("NAMED_SHM_DIR", "/dev/shm")
    return [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if fragment in f]


@pytest.fixture
def uname(request):
    """A name no other test (or test run) uses: pid, counter, test name."""

    def make(tag=""):
        return "pyt-%d-%d-%s%s" % (os.getpid(), next(_counter), request.node.name[:40], tag)

    return make


def child(code, *args, stdin=subprocess.PIPE):
    """An independent interpreter (not a multiprocessing child) running code."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(code, *args, timeout=60):
    """Runs code in a fresh interpreter; returns (returncode, stdout, stderr)."""
    p = child(code, *args, stdin=subprocess.DEVNULL)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out, err


def wait_line(p, expect):
    """Reads the child's next stdout line and checks it."""
    line = p.stdout.readline().strip()
    if line != expect:
        p.kill()
        out, err = p.communicate()
        raise AssertionError("child said %r, not %r; stderr:\n%s" % (line, expect, err))
    return line


def finish(p, timeout=60):
    out, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, "child failed (%s):\n%s" % (p.returncode, err)
    return out


def nshm():
    path = os.environ.get("NAMED_SHM_NSHM") or shutil.which("nshm")
    if not path or not os.path.exists(path):
        pytest.skip("nshm is not built (scripts/test-python.sh builds it and sets NAMED_SHM_NSHM)")
    return path
