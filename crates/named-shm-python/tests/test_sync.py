"""Events, mutexes and semaphores between unrelated processes."""

import signal
import subprocess
import time

import pytest

import named_shm
from named_shm import AbandonedMutexError, Event, Mutex, Semaphore, wait_all, wait_any

from conftest import child, finish, wait_line


def test_event_set_in_one_process_wakes_a_wait_in_another(uname):
    name = uname()
    ev = Event(name)
    assert ev.created
    p = child(
        """
        import sys, named_shm
        ev = named_shm.Event(sys.argv[1], open=True)
        print("waiting", flush=True)
        print("woke" if ev.wait(60) else "timed out", flush=True)
        """,
        name,
    )
    wait_line(p, "waiting")
    ev.set()
    wait_line(p, "woke")
    finish(p)
    assert not ev.is_set()  # auto-reset: consumed by the waiter


def test_manual_reset_event_stays_set_until_reset(uname):
    ev = Event(uname(), manual_reset=True, initial_state=True)
    assert ev.manual_reset and ev.is_set()
    assert ev.wait(0) and ev.wait(0)
    ev.reset()
    assert not ev.wait(0)


def test_wait_timeout_returns_false(uname):
    ev = Event(uname())
    assert ev.wait(0) is False
    assert ev.wait(0.02) is False


def test_negative_timeout_is_a_value_error(uname):
    ev = Event(uname())
    with pytest.raises(ValueError) as e:
        ev.wait(-1)
    assert e.value.winerror == 87


def test_create_and_open_keywords_insist(uname):
    name = uname()
    with pytest.raises(FileNotFoundError) as e:
        Event(name, open=True)
    assert e.value.winerror == 2 and name in str(e.value)
    ev = Event(name, create=True)
    with pytest.raises(FileExistsError) as e:
        Event(name, create=True)
    assert e.value.winerror == 183
    assert not Event(name).created
    with pytest.raises(ValueError):
        Event(name, create=True, open=True)
    ev.close()
    assert ev.closed
    with pytest.raises(ValueError):
        ev.set()


def test_a_name_of_another_kind_is_refused_with_winerror_6(uname):
    name = uname()
    ev = Event(name)
    with pytest.raises(OSError) as e:
        Mutex(name)
    assert e.value.winerror == 6
    with pytest.raises(OSError):
        named_shm.SharedMemory(name)
    ev.close()


def test_mutex_counts_exactly_across_processes(uname):
    """Four processes increment a counter in shared memory under the mutex."""
    name = uname()
    shm = named_shm.SharedMemory(name + "-mem", create=True, size=8)
    m = Mutex(name + "-mx")
    n, per = 4, 500
    code = """
        import sys, named_shm
        shm = named_shm.SharedMemory(sys.argv[1] + "-mem")
        m = named_shm.Mutex(sys.argv[1] + "-mx", open=True)
        for _ in range(int(sys.argv[2])):
            with m:
                v = int.from_bytes(shm.buf[:8], "little")
                shm.buf[:8] = (v + 1).to_bytes(8, "little")
        shm.close()
        """
    ps = [child(code, name, per, stdin=subprocess.DEVNULL) for _ in range(n)]
    for p in ps:
        finish(p)
    assert int.from_bytes(shm.buf[:8], "little") == n * per
    shm.close()
    m.close()


def test_mutex_is_recursive_and_owned_by_the_thread(uname):
    import threading

    m = Mutex(uname())
    assert m.acquire() and m.acquire(0)
    m.release()
    errors = []

    def other():
        try:
            m.release()
        except PermissionError as e:
            errors.append(e.winerror)
        errors.append(m.acquire(0))  # still held by the main thread

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert errors == [288, False]
    m.release()
    with pytest.raises(PermissionError):
        m.release()


def test_abandoned_mutex_raises_with_the_mutex_owned_after_kill_9(uname):
    name = uname()
    p = child(
        """
        import sys, named_shm
        m = named_shm.Mutex(sys.argv[1])
        m.acquire()
        print("holding", flush=True)
        sys.stdin.readline()
        """,
        name,
    )
    wait_line(p, "holding")
    m = Mutex(name)
    assert m.acquire(0) is False
    p.send_signal(signal.SIGKILL)
    p.wait()
    with pytest.raises(AbandonedMutexError) as e:
        m.acquire(30)
    assert isinstance(e.value, OSError)
    assert e.value.winerror == 735 and e.value.mutex is m and e.value.index is None
    assert name in str(e.value)
    # The caller owns it now: a release works, and the next acquire is normal.
    m.release()
    assert m.acquire(0) is True
    m.release()


def test_abandoned_mutex_in_a_with_block_raises_before_the_body(uname):
    name = uname()
    p = child(
        """
        import sys, named_shm
        m = named_shm.Mutex(sys.argv[1])
        m.acquire()
        print("holding", flush=True)
        sys.stdin.readline()
        """,
        name,
    )
    wait_line(p, "holding")
    m = Mutex(name)
    p.kill()
    p.wait()
    ran = False
    with pytest.raises(AbandonedMutexError):
        with m:
            ran = True
    assert not ran
    m.release()


def test_semaphore_counts_exactly_across_processes(uname):
    name = uname()
    s = Semaphore(name, 0, 1000)
    p = child(
        """
        import sys, named_shm
        s = named_shm.Semaphore(sys.argv[1], open=True)
        for _ in range(300):
            s.release()
        """,
        name,
        stdin=subprocess.DEVNULL,
    )
    finish(p)
    assert s.count == 300
    taken = 0
    while s.acquire(0):
        taken += 1
    assert taken == 300


def test_semaphore_release_past_maximum_is_a_value_error(uname):
    s = Semaphore(uname(), 1, 2)
    assert s.maximum == 2
    assert s.release() == 1
    with pytest.raises(ValueError) as e:
        s.release()
    assert e.value.winerror == 298
    assert s.count == 2
    with s:
        assert s.count == 1
    assert s.count == 2


def test_wait_any_returns_the_lowest_signalled_index(uname):
    a, b = Event(uname("a")), Event(uname("b"))
    assert wait_any([a, b], 0) is None
    b.set()
    assert wait_any([a, b], 5) == 1
    a.set()
    b.set()
    assert wait_any([a, b], 5) == 0
    assert wait_any([a, b], 5) == 1


def test_wait_all_takes_everything_or_nothing(uname):
    ev = Event(uname("e"))
    sem = Semaphore(uname("s"), 1, 1)
    assert wait_all([ev, sem], 0.02) is False
    assert sem.count == 1  # nothing taken
    ev.set()
    assert wait_all([ev, sem], 5) is True
    assert sem.count == 0 and not ev.is_set()


def test_wait_any_reports_an_abandoned_mutex_by_index(uname):
    name = uname()
    p = child(
        """
        import sys, named_shm
        m = named_shm.Mutex(sys.argv[1])
        m.acquire()
        print("holding", flush=True)
        sys.stdin.readline()
        """,
        name,
    )
    wait_line(p, "holding")
    ev = Event(uname("ev"))
    m = Mutex(name)
    p.kill()
    p.wait()
    with pytest.raises(AbandonedMutexError) as e:
        wait_any([ev, m], 30)
    assert e.value.index == 1 and e.value.mutex is m
    m.release()


def test_wait_any_rejects_other_objects(uname):
    with pytest.raises(TypeError):
        wait_any([Event(uname()), "x"])


def test_ctrl_c_interrupts_a_blocking_wait(uname):
    name = uname()
    # Someone else holds the mutex, so acquiring it blocks.
    holder = child(
        """
        import sys, named_shm
        m = named_shm.Mutex(sys.argv[1] + "-mx")
        m.acquire()
        print("holding", flush=True)
        sys.stdin.readline()
        """,
        name,
    )
    wait_line(holder, "holding")
    for what in ("ev.wait()", "m.acquire()", "sem.acquire(3600)", "named_shm.wait_any([ev, m])"):
        p = child(
            """
            import sys, named_shm
            ev = named_shm.Event(sys.argv[1] + "-ev")
            m = named_shm.Mutex(sys.argv[1] + "-mx")
            sem = named_shm.Semaphore(sys.argv[1] + "-sem")
            print("ready", flush=True)
            try:
                WAIT
                print("returned", flush=True)
            except KeyboardInterrupt:
                print("interrupted", flush=True)
            """.replace("WAIT", what),
            name,
        )
        wait_line(p, "ready")
        time.sleep(0.2)  # let it block
        start = time.monotonic()
        p.send_signal(signal.SIGINT)
        wait_line(p, "interrupted")
        print("%s: KeyboardInterrupt after %.0f ms" % (what, (time.monotonic() - start) * 1e3))
        finish(p)
    holder.stdin.write("\n")
    holder.stdin.flush()
    finish(holder)


def test_objects_pickle_by_name(uname):
    import pickle

    ev = Event(uname())
    copy = pickle.loads(pickle.dumps(ev))
    assert copy.name == ev.name and not copy.created
    copy.set()
    assert ev.wait(0)
