"""Errors are the exceptions Python users catch, with .winerror and a message
naming the object."""

import os
import subprocess
import sys

import pytest

import named_shm
from named_shm import Event, Mutex, Semaphore, SharedMemory, wait_all, wait_any


def test_not_found_is_file_not_found_error_with_winerror_2(uname):
    name = uname()
    with pytest.raises(FileNotFoundError) as e:
        SharedMemory(name)
    assert e.value.winerror == 2 and name in str(e.value)
    assert isinstance(e.value, OSError) and e.value.errno == 2


def test_exists_is_file_exists_error_with_winerror_183(uname):
    name = uname()
    with SharedMemory(name, create=True, size=10):
        with pytest.raises(FileExistsError) as e:
            SharedMemory(name, create=True, size=10)
        assert e.value.winerror == 183 and name in str(e.value)


@pytest.mark.parametrize(
    "bad, code",
    [("a\\b", 3), ("x" * (named_shm.MAX_NAME_LEN + 1), 206), ("", 123)],
    ids=["unknown-prefix", "too-long", "empty"],
)
def test_bad_names_are_value_errors_with_windows_codes(bad, code):
    with pytest.raises(ValueError) as e:
        SharedMemory(bad, create=True, size=10)
    assert e.value.winerror == code
    with pytest.raises(ValueError):
        Event(bad)


def test_bad_arguments_are_value_errors_with_winerror_87(uname):
    for call in (
        lambda: Semaphore(uname(), 5, 2),  # initial above maximum
        lambda: Semaphore(uname(), 0, 0),
        lambda: wait_any([]),
        lambda: SharedMemory(uname(), create=True, size=10, mode=0o70000),
        lambda: Event(uname()).wait(float("nan")),
    ):
        with pytest.raises(ValueError) as e:
            call()
        assert e.value.winerror == 87, e.value


def test_the_same_object_twice_in_wait_all_is_a_value_error(uname):
    ev = Event(uname())
    with pytest.raises(ValueError):
        wait_all([ev, ev], 0)


def test_more_than_64_objects_is_a_value_error(uname):
    evs = [Event(uname(str(i))) for i in range(named_shm.MAXIMUM_WAIT_OBJECTS + 1)]
    with pytest.raises(ValueError):
        wait_any(evs, 0)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a child as nobody")
def test_another_users_private_object_is_permission_error_with_winerror_5(uname):
    name = "Global\\" + uname()
    try:
        shm = SharedMemory(name, create=True, size=10)  # mode 0600, owned by root
    except PermissionError as e:
        pytest.skip("cannot create Global\\ objects here: %s" % e)
    code = (
        "import os, sys, named_shm\n"
        "os.setuid(65534)\n"
        "try:\n"
        "    named_shm.SharedMemory(sys.argv[1])\n"
        "except PermissionError as e:\n"
        "    print(e.winerror, sys.argv[1] in str(e))\n"
    )
    r = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True)
    shm.close()
    if "Permission denied" in r.stderr and "python" in r.stderr.lower() and not r.stdout:
        pytest.skip("nobody cannot run this interpreter: " + r.stderr.strip()[-200:])
    assert r.stdout.split() == ["5", "True"], r.stderr


def test_wrong_kind_is_os_error_with_winerror_6(uname):
    name = uname()
    with SharedMemory(name, create=True, size=10):
        for make in (Event, Mutex, Semaphore):
            with pytest.raises(OSError) as e:
                make(name)
            assert e.value.winerror == 6 and name in str(e.value)
