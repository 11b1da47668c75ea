"""SharedMemory: multiprocessing's surface, Windows' lifetime, the buffer rule."""

import gc
import os
import pickle
import signal
import subprocess

import pytest

import named_shm
from named_shm import SharedMemory

from conftest import child, finish, leftover_files, nshm, run, wait_line


def exists(name):
    """Whether the name is live, seen from another process."""
    rc, out, err = run(
        """
        import sys, named_shm
        try:
            named_shm.SharedMemory(sys.argv[1]).close()
            print("yes")
        except FileNotFoundError:
            print("no")
        """,
        name,
    )
    assert rc == 0, err
    return out.strip() == "yes"


def test_create_write_open_read_in_the_same_process(uname):
    name = uname()
    with SharedMemory(name, create=True, size=100) as shm:
        assert shm.name == name and shm.size == 100 and shm.created
        assert len(shm.buf) == 100 and not shm.buf.readonly
        assert bytes(shm.buf[:4]) == b"\0\0\0\0"
        shm.buf[:5] = b"hello"
        other = SharedMemory(name)
        assert not other.created
        assert other.size == named_shm.PAGE_SIZE  # whole pages when opened
        assert bytes(other.buf[:5]) == b"hello"
        other.close()


def test_name_none_makes_a_fresh_name_like_multiprocessing():
    a = SharedMemory(create=True, size=10)
    b = SharedMemory(create=True, size=10)
    try:
        assert a.name != b.name
        assert a.name.startswith("psm_") and len(a.name) == 12
    finally:
        a.close()
        b.close()


def test_name_none_without_create_is_a_value_error():
    with pytest.raises(ValueError):
        SharedMemory()


@pytest.mark.parametrize("size", [0, -1])
def test_bad_sizes_are_value_errors_with_winerror(uname, size):
    with pytest.raises(ValueError) as e:
        SharedMemory(uname(), create=True, size=size)
    assert e.value.winerror == 87


def test_read_only_open_gives_a_read_only_buf(uname):
    name = uname()
    with SharedMemory(name, create=True, size=16) as shm:
        shm.buf[0] = 7
        ro = SharedMemory(name, access="r")
        assert ro.access == "r" and ro.buf.readonly
        assert ro.buf[0] == 7
        with pytest.raises(TypeError):
            ro.buf[0] = 1
        ro.close()


def test_bad_access_is_a_value_error(uname):
    with pytest.raises(ValueError):
        SharedMemory(uname(), create=True, size=16, access="x")


def test_mode_is_the_objects_permission_as_nshm_reports(uname):
    name = uname()
    with SharedMemory(name, create=True, size=16, mode=0o640):
        out = subprocess.run([nshm(), "info", name], capture_output=True, text=True, check=True).stdout
        assert "0640" in out


def test_open_or_create_reports_created(uname):
    name = uname()
    a = SharedMemory.open_or_create(name, 64)
    b = SharedMemory.open_or_create(name, 64)
    try:
        assert a.created and not b.created
        a.buf[3] = 9
        assert b.buf[3] == 9
    finally:
        a.close()
        b.close()


def test_close_twice_and_unlink_are_harmless(uname):
    shm = SharedMemory(uname(), create=True, size=16)
    shm.close()
    shm.close()
    shm.unlink()
    assert shm.closed


def test_buf_after_close_is_released(uname):
    shm = SharedMemory(uname(), create=True, size=16)
    buf = shm.buf
    shm.close()  # the one memoryview multiprocessing also keeps is released, as there
    with pytest.raises(ValueError):
        buf[0]


def test_pickle_round_trip_opens_by_name(uname):
    name = uname()
    with SharedMemory(name, create=True, size=32) as shm:
        shm.buf[:3] = b"abc"
        copy = pickle.loads(pickle.dumps(shm))
        assert copy.name == name and not copy.created
        assert bytes(copy.buf[:3]) == b"abc"
        copy.close()
        ro = pickle.loads(pickle.dumps(SharedMemory(name, access="r")))
        assert ro.buf.readonly
        ro.close()


def test_repr_names_the_object(uname):
    name = uname()
    with SharedMemory(name, create=True, size=32) as shm:
        assert repr(shm) == 'SharedMemory(%r, size=32)' % name


# --- the buffer rule ------------------------------------------------------


def test_close_with_a_live_slice_raises_buffer_error_and_keeps_the_mapping(uname):
    shm = SharedMemory(uname(), create=True, size=64)
    part = shm.buf[8:16]
    with pytest.raises(BufferError):
        shm.close()
    assert not shm.closed
    part[0] = 42  # still mapped: no crash, the write lands
    assert shm.buf[8] == 42
    del part
    shm.close()
    assert shm.closed


def test_close_with_a_second_memoryview_raises_buffer_error(uname):
    shm = SharedMemory(uname(), create=True, size=64)
    mv = memoryview(shm.buf)
    with pytest.raises(BufferError):
        shm.close()
    mv.release()
    shm.close()


def test_close_with_a_buffer_export_of_buf_raises_buffer_error(uname):
    shm = SharedMemory(uname(), create=True, size=64)
    import ctypes

    arr = (ctypes.c_char * 64).from_buffer(shm.buf)  # exports from the memoryview itself
    with pytest.raises(BufferError):
        shm.close()
    del arr
    gc.collect()
    shm.close()


def test_dropping_the_object_keeps_slices_valid(uname):
    shm = SharedMemory(uname(), create=True, size=64)
    shm.buf[:4] = b"keep"
    part = shm.buf[:4]
    del shm
    gc.collect()
    assert bytes(part) == b"keep"  # the mapping lives with the slice
    part.release()


def test_buffer_object_cannot_be_made_from_python(uname):
    with SharedMemory(uname(), create=True, size=16) as shm:
        mv = shm.buf
        base = mv.obj
        with pytest.raises(TypeError):
            type(base)()


# --- lifetime ---------------------------------------------------------------


def test_name_lives_while_any_process_holds_it_and_dies_with_the_last_close(uname):
    name = uname()
    shm = SharedMemory(name, create=True, size=64)
    shm.buf[:2] = b"hi"
    holder = child(
        """
        import sys, named_shm
        s = named_shm.SharedMemory(sys.argv[1])
        print(bytes(s.buf[:2]).decode(), flush=True)
        sys.stdin.readline()
        s.close()
        """,
        name,
    )
    wait_line(holder, "hi")
    shm.close()  # the creator goes first: the name lives on in the holder
    assert exists(name)
    holder.stdin.write("\n")
    holder.stdin.flush()
    finish(holder)
    assert not exists(name)


def test_kill_9_of_every_holder_frees_the_name(uname):
    name = uname()
    holders = []
    for i in range(3):
        p = child(
            """
            import sys, named_shm
            s = named_shm.SharedMemory.open_or_create(sys.argv[1], 4096)
            s.buf[0] = 1
            print("held", flush=True)
            sys.stdin.readline()
            """,
            name,
        )
        wait_line(p, "held")
        holders.append(p)
    assert exists(name)
    for p in holders[:-1]:
        p.send_signal(signal.SIGKILL)
        p.wait()
    assert exists(name)
    holders[-1].send_signal(signal.SIGKILL)
    holders[-1].wait()
    assert not exists(name)
    # and the name is free for a new object of another size
    with SharedMemory(name, create=True, size=8192) as again:
        assert again.size == 8192 and again.buf[0] == 0


def test_the_name_is_taken_while_held_even_after_unlink(uname):
    name = uname()
    shm = SharedMemory(name, create=True, size=64)
    shm.unlink()  # does nothing: Windows lifetime
    with pytest.raises(FileExistsError):
        SharedMemory(name, create=True, size=64)
    shm.close()
    SharedMemory(name, create=True, size=64).close()


def test_no_output_on_stderr_at_interpreter_exit(uname):
    name = uname()
    rc, out, err = run(
        """
        import sys, named_shm
        a = named_shm.SharedMemory(sys.argv[1], create=True, size=4096)
        b = named_shm.SharedMemory(create=True, size=100)
        view = a.buf[:10]          # a live export at exit
        c = named_shm.SharedMemory(sys.argv[1])
        c.close()
        e = named_shm.Event(sys.argv[1] + "-ev")
        m = named_shm.Mutex(sys.argv[1] + "-mx")
        m.acquire()
        print("done")
        """,
        name,
    )
    assert rc == 0 and out.strip() == "done"
    assert err == ""
    assert not exists(name)


def test_handles_never_deallocated_are_closed_at_exit_leaving_no_file(uname):
    """A daemon thread's frame is never unwound at exit, so what it holds is
    never deallocated: the atexit hook closes those handles."""
    name = uname()
    rc, out, err = run(
        """
        import sys, threading, named_shm
        n = sys.argv[1]
        started = threading.Event()
        def worker():
            shm = named_shm.SharedMemory(n + "-shm", create=True, size=100)
            view = shm.buf[:10]     # an exported view too
            ev, mx = named_shm.Event(n + "-ev"), named_shm.Mutex(n + "-mx")
            sem = named_shm.Semaphore(n + "-sem", 1, 1)
            started.set()
            threading.Event().wait()  # forever: the frame is never unwound
        threading.Thread(target=worker, daemon=True).start()
        started.wait()
        print(len(named_shm.SharedMemory(n + "-shm").buf))
        """,
        name,
    )
    assert rc == 0 and out.strip() == "4096" and err == "", err
    assert leftover_files(name) == []


def test_10000_create_close_cycles_leak_no_descriptor_or_mapping(uname):
    name = uname()

    def counts():
        fds = len(os.listdir("/proc/self/fd"))
        with open("/proc/self/maps") as f:
            maps = sum(1 for _ in f)
        return fds, maps

    for _ in range(100):  # warm up whatever the interpreter caches
        SharedMemory(name, create=True, size=4096).close()
    before = counts()
    for i in range(10_000):
        shm = SharedMemory(name, create=True, size=4096)
        shm.buf[0] = i & 0xFF
        shm.close()
    after = counts()
    assert after[0] == before[0], "descriptors: %d before, %d after" % (before[0], after[0])
    assert after[1] <= before[1] + 2, "mappings: %d before, %d after" % (before[1], after[1])
    assert not exists(name)


def test_random_sequences_of_calls_never_crash_the_interpreter(uname):
    """Seeded random sequences of opens, slices, writes, closes, pickles and
    releases, in a child: every misuse is an exception, never a crash."""
    rc, out, err = run(
        """
        import gc, pickle, random, sys, threading, named_shm
        rng = random.Random(int(sys.argv[2]))
        name = sys.argv[1]
        handles, views = [], []
        errors = 0
        def closer(h):
            try:
                h.buf[:1].tobytes()
                h.close()
            except (BufferError, ValueError, RuntimeError):
                pass
        def op():
            global errors
            k = rng.randrange(10)
            try:
                if k == 0 or not handles:
                    handles.append(named_shm.SharedMemory.open_or_create(name, rng.choice([1, 100, 4096, 70000])))
                elif k == 1:
                    h = rng.choice(handles)
                    a = rng.randrange(-10, h.size + 10)
                    views.append(h.buf[a:a + rng.randrange(0, 64)])
                elif k == 2 and views:
                    v = rng.choice(views)
                    v[: min(len(v), 3)] = b"xyz"[: min(len(v), 3)]
                elif k == 3:
                    rng.choice(handles).close()
                elif k == 4 and views:
                    views.pop(rng.randrange(len(views))).release()
                elif k == 5:
                    handles.append(pickle.loads(pickle.dumps(rng.choice(handles))))
                elif k == 6 and handles:
                    handles.pop(rng.randrange(len(handles)))
                    gc.collect()
                elif k == 7 and views:
                    bytes(rng.choice(views))
                elif k == 8:
                    h = rng.choice(handles)
                    t = threading.Thread(target=closer, args=(h,))
                    t.start(); h.buf; t.join()
                elif k == 9:
                    memoryview(rng.choice(handles).buf).release()
            except (BufferError, ValueError, OSError, IndexError, TypeError, RuntimeError):
                errors += 1
        for _ in range(3000):
            op()
        views.clear()
        print("ok", errors)
        """,
        uname(),
        12345,
    )
    assert rc == 0 and out.startswith("ok") and err == "", err
