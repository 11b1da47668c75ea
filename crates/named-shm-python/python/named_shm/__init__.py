"""Windows-semantics named shared memory, events, mutexes and semaphores.

``named_shm.SharedMemory`` is a drop-in for
``multiprocessing.shared_memory.SharedMemory`` with Windows' lifetime: a
name lives while any process has it open and ends with the last ``close()``
(or the last holder's exit, ``kill -9`` included). There is no resource
tracker, so nothing is unlinked under another process and nothing is
reported as leaked at exit; ``unlink()`` does nothing.

``Event``, ``Mutex`` and ``Semaphore`` are named objects that unrelated
processes open by name; ``wait_any`` and ``wait_all`` wait on several.
``Event.wait_async``, ``Semaphore.acquire_async``, ``wait_any_async`` and
``wait_all_async`` are their asyncio forms (no thread per wait).
The same names are seen by the Rust API, the C layer and ``nshm``.
See docs/python.md.
"""

import atexit

from ._named_shm import (
    MAX_NAME_LEN,
    MAXIMUM_WAIT_OBJECTS,
    PAGE_SIZE,
    AbandonedMutexError,
    Event,
    Mutex,
    Semaphore,
    SharedMemory,
    _close_all,
    _open_shared_memory,
    _open_sync,
    wait_all,
    wait_all_async,
    wait_any,
    wait_any_async,
)

__all__ = [
    "AbandonedMutexError",
    "Event",
    "MAX_NAME_LEN",
    "MAXIMUM_WAIT_OBJECTS",
    "Mutex",
    "PAGE_SIZE",
    "Semaphore",
    "SharedMemory",
    "wait_all",
    "wait_all_async",
    "wait_any",
    "wait_any_async",
]

# Python does not promise to deallocate every object at exit; closing the
# handles still open here frees their names as process exit does on Windows
# (memory a memoryview still uses stays mapped).
atexit.register(_close_all)
