"""The asyncio side of ``wait_async``, ``acquire_async``, ``wait_any_async``
and ``wait_all_async``.

A ``_PendingWait`` (Rust) holds the library's async wait. Its waker writes a
byte to a socket pair and never takes the GIL; the loop watches the other end
(``add_reader``) and polls the wait on its own thread. No thread is spent
per wait: one waiter thread per process serves every pending wait.
"""

import asyncio

__all__ = ["await_pending"]


async def await_pending(pending):
    """Awaits one pending wait; cancelling the task cancels the wait, and a
    count or ``set`` it was granted goes back to the object."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    fd = pending.fileno()

    def poll():
        if done.done():
            return
        try:
            finished, value = pending.poll()
        except BaseException as e:  # the wait's own error, raised in the awaiting task
            done.set_exception(e)
            return
        if finished:
            done.set_result(value)

    loop.add_reader(fd, poll)
    try:
        poll()
        return await done
    finally:
        loop.remove_reader(fd)
        pending.cancel()
