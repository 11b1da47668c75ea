"""The same objects as every other layer: Python with nshm (the Rust API) and
with a C program built by scripts/wincc, in both directions, with the same
lifetime. Every peer is a separate process."""

import os
import shutil
import signal
import subprocess
import tempfile

import pytest

import named_shm
from named_shm import AbandonedMutexError, Event, Mutex, SharedMemory

from conftest import nshm, wait_line

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="session")
def peer():
    """tests/peer.c built with scripts/wincc."""
    if shutil.which(os.environ.get("CC", "gcc")) is None:
        pytest.skip("no C compiler (gcc), so the C layer cannot be built")
    wincc = os.environ.get("NAMED_SHM_WINCC")
    if not wincc or not os.path.exists(wincc):
        pytest.skip("scripts/wincc not found (scripts/test-python.sh sets NAMED_SHM_WINCC)")
    out = os.path.join(tempfile.mkdtemp(prefix="nshm-peer-"), "peer")
    subprocess.run([wincc, os.path.join(HERE, "peer.c"), "-o", out], check=True)
    yield out
    shutil.rmtree(os.path.dirname(out), ignore_errors=True)


def spawn(*cmd):
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def release(p):
    p.stdin.write("\n")
    p.stdin.flush()
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err


# --- nshm (the Rust API) -----------------------------------------------------


def test_python_creates_nshm_reads_and_the_name_dies_with_python_s_close(uname):
    name = uname()
    shm = SharedMemory(name, create=True, size=4096)
    shm.buf[:11] = b"from python"
    r = subprocess.run([nshm(), "read", name], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "from python", r.stderr
    shm.close()
    r = subprocess.run([nshm(), "read", name], capture_output=True, text=True)
    assert r.returncode != 0


def test_nshm_creates_python_reads_and_the_name_dies_with_nshm(uname):
    name = uname()
    p = spawn(nshm(), "create", name, "--size", "8K", "--text", "from rust", "--hold")
    p.stdout.readline()  # "created mapping ..."
    shm = SharedMemory(name)
    assert shm.size == 8192 and bytes(shm.buf[:9]) == b"from rust"
    shm.close()
    release(p)
    with pytest.raises(FileNotFoundError):
        SharedMemory(name)


def test_python_writes_into_an_object_nshm_holds(uname):
    name = uname()
    p = spawn(nshm(), "create", name, "--size", "4K", "--hold")
    p.stdout.readline()
    with SharedMemory(name) as shm:
        shm.buf[:6] = b"python"
    r = subprocess.run([nshm(), "read", name], capture_output=True, text=True)
    assert r.stdout.strip() == "python"
    release(p)


def test_nshm_sets_an_event_python_waits_for(uname):
    name = uname()
    ev = Event(name)
    subprocess.run([nshm(), "event", "set", name], check=True, capture_output=True)
    assert ev.wait(30)


def test_python_sets_an_event_nshm_waits_for(uname):
    name = uname()
    ev = Event(name, manual_reset=True)
    p = spawn(nshm(), "event", "wait", name, "--timeout", "60s")
    ev.set()
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err


def test_nshm_kill_9_frees_the_name_python_opened_too(uname):
    name = uname()
    p = spawn(nshm(), "create", name, "--size", "4K", "--hold")
    p.stdout.readline()
    shm = SharedMemory(name)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert SharedMemory(name).size == 4096  # Python still holds it
    shm.close()
    with pytest.raises(FileNotFoundError):
        SharedMemory(name)


# --- the C layer ---------------------------------------------------------------


def test_python_creates_c_reads_and_the_name_dies_with_python_s_close(peer, uname):
    name = uname()
    shm = SharedMemory(name, create=True, size=4096)
    shm.buf[:5] = b"to C\0"
    r = subprocess.run([peer, "read", name], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "to C", r.stderr
    shm.close()
    r = subprocess.run([peer, "read", name], capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout.strip() == "missing 2"


def test_c_creates_python_reads_and_the_name_dies_with_c(peer, uname):
    name = uname()
    p = spawn(peer, "write", name, "from C")
    wait_line(p, "ready")
    with SharedMemory(name) as shm:
        assert bytes(shm.buf[:7]) == b"from C\0"
    release(p)
    with pytest.raises(FileNotFoundError):
        SharedMemory(name)


def test_c_sets_an_event_python_waits_for(peer, uname):
    name = uname()
    ev = Event(name)
    subprocess.run([peer, "set", name], check=True)
    assert ev.wait(30)


def test_c_mutex_owner_killed_is_abandoned_for_python(peer, uname):
    name = uname()
    p = spawn(peer, "hold-mutex", name)
    wait_line(p, "holding")
    m = Mutex(name, open=True)
    assert m.acquire(0) is False
    p.send_signal(signal.SIGKILL)
    p.wait()
    with pytest.raises(AbandonedMutexError):
        m.acquire(30)
    m.release()


def test_local_prefix_names_the_same_object(uname):
    name = uname()
    with SharedMemory(name, create=True, size=64) as shm:
        shm.buf[0] = 5
        with SharedMemory("Local\\" + name) as same:
            assert same.buf[0] == 5
