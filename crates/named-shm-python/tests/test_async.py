"""asyncio waits: Event.wait_async, Semaphore.acquire_async, wait_any_async,
wait_all_async, with real peer processes, cancellation and timeouts."""

import asyncio
import threading

import pytest

import named_shm
from named_shm import Event, Mutex, Semaphore, wait_all_async, wait_any_async

from conftest import child, finish, wait_line


def test_event_wait_async_wakes_when_another_process_sets_it(uname):
    name = uname()
    ev = Event(name)
    p = child(
        """
        import sys, named_shm
        ev = named_shm.Event(sys.argv[1], open=True)
        input()
        ev.set()
        print("set", flush=True)
        """,
        name,
    )

    async def main():
        task = asyncio.ensure_future(ev.wait_async(60))
        await asyncio.sleep(0.05)
        assert not task.done()
        p.stdin.write("go\n")
        p.stdin.flush()
        return await task

    assert asyncio.run(main()) is True
    wait_line(p, "set")
    finish(p)
    assert not ev.is_set()  # auto-reset: the async wait consumed it


def test_wait_async_times_out_with_false_and_none(uname):
    ev = Event(uname())
    sem = Semaphore(uname("s"), 0, 1)

    async def main():
        return (
            await ev.wait_async(0.05),
            await sem.acquire_async(0),
            await wait_any_async([ev, sem], 0.05),
            await wait_all_async([ev, sem], 0.05),
        )

    assert asyncio.run(main()) == (False, False, None, False)
    assert sem.count == 0 and not ev.is_set()


def test_a_thousand_async_waits_need_no_thread_each_and_each_release_wakes_one(uname):
    sem = Semaphore(uname(), 0, 1000)
    threads_before = threading.active_count()

    async def main():
        tasks = [asyncio.ensure_future(sem.acquire_async(60)) for _ in range(1000)]
        await asyncio.sleep(0.2)
        assert not any(t.done() for t in tasks)
        assert threading.active_count() - threads_before <= 2, "one waiter thread per 127 words at most"
        sem.release(400)
        await asyncio.sleep(0.5)
        assert sum(t.done() for t in tasks) == 400
        sem.release(600)
        return await asyncio.gather(*tasks)

    assert asyncio.run(main()) == [True] * 1000
    assert sem.count == 0


def test_a_cancelled_wait_loses_no_set_of_an_auto_reset_event(uname):
    ev = Event(uname())

    async def main():
        doomed = asyncio.ensure_future(ev.wait_async(60))
        await asyncio.sleep(0.05)
        ev.set()
        doomed.cancel()  # whether or not the set reached it, nothing is lost
        with pytest.raises(asyncio.CancelledError):
            await doomed
        return await ev.wait_async(5)

    assert asyncio.run(main()) is True


def test_a_cancelled_acquire_takes_no_count(uname):
    sem = Semaphore(uname(), 0, 5)

    async def main():
        waits = [asyncio.ensure_future(sem.acquire_async(60)) for _ in range(3)]
        await asyncio.sleep(0.05)
        sem.release(1)
        for w in waits:
            w.cancel()
        results = await asyncio.gather(*waits, return_exceptions=True)
        taken = sum(r is True for r in results)
        return taken

    taken = asyncio.run(main())
    assert taken + sem.count == 1, "the one count went to a wait that completed, or back"


def test_wait_any_async_takes_the_lowest_signalled_index(uname):
    a, b = Event(uname("a")), Semaphore(uname("b"), 0, 2)
    b.release(2)

    async def main():
        first = await wait_any_async([a, b], 5)
        a.set()
        second = await wait_any_async([a, b], 5)
        return first, second

    assert asyncio.run(main()) == (1, 0)
    assert b.count == 1 and not a.is_set()


def test_wait_all_async_takes_all_at_once_or_nothing(uname):
    a, b = Event(uname("a")), Event(uname("b"))

    async def main():
        task = asyncio.ensure_future(wait_all_async([a, b], 10))
        a.set()
        await asyncio.sleep(0.1)
        assert not task.done() and a.is_set(), "nothing taken while b is clear"
        b.set()
        return await task

    assert asyncio.run(main()) is True
    assert not a.is_set() and not b.is_set()


def test_an_async_multi_wait_refuses_a_mutex_and_other_objects(uname):
    m, ev = Mutex(uname("m")), Event(uname("e"))

    async def main():
        with pytest.raises(ValueError) as e:
            await wait_any_async([ev, m], 1)
        assert "mutex" in str(e.value)
        with pytest.raises(TypeError):
            await wait_any_async([ev, "not an object"], 1)

    asyncio.run(main())


def test_closing_the_object_during_an_async_wait_does_not_break_the_wait(uname):
    name = uname()
    ev = Event(name)

    async def main():
        task = asyncio.ensure_future(ev.wait_async(0.3))
        await asyncio.sleep(0.05)
        ev.close()  # the pending wait holds its own reference
        return await task

    assert asyncio.run(main()) is False
    with pytest.raises(ValueError):
        ev.wait_async(0)
