"""Scripts written for multiprocessing.shared_memory run unchanged with the
import swapped, and SharedMemory objects travel to multiprocessing workers."""

import os
import subprocess
import sys
import textwrap

import pytest

MP_IMPORT = "from multiprocessing import shared_memory"
NSHM_IMPORT = "import named_shm as shared_memory"

# The example of the multiprocessing.shared_memory documentation.
DOCS_EXAMPLE = textwrap.dedent(
    """
    from multiprocessing import shared_memory
    import array
    shm_a = shared_memory.SharedMemory(create=True, size=10)
    print(type(shm_a.buf).__name__)
    buffer = shm_a.buf
    print(len(buffer))
    buffer[:4] = bytearray([22, 33, 44, 55])
    buffer[4] = 100
    shm_b = shared_memory.SharedMemory(shm_a.name)
    print(array.array('b', shm_b.buf[:5]).tolist())
    shm_b.buf[:5] = b'howdy'
    print(bytes(shm_a.buf[:5]))
    shm_b.close()
    shm_a.close()
    shm_a.unlink()
    """
)

# A pool whose workers get the SharedMemory object itself (pickled by name),
# under the spawn start method: each worker is a fresh interpreter.
POOL_EXAMPLE = textwrap.dedent(
    """
    import multiprocessing
    from multiprocessing import shared_memory

    def square_into(args):
        shm, i = args
        shm.buf[i] = (i * i) % 256  # one unpickled object serves a whole chunk
        return i

    if __name__ == "__main__":
        ctx = multiprocessing.get_context("spawn")
        shm = shared_memory.SharedMemory(create=True, size=64)
        with ctx.Pool(4) as pool:
            done = sorted(pool.map(square_into, [(shm, i) for i in range(64)]))
        print(done == list(range(64)))
        print(list(shm.buf[:10]))
        shm.close()
        shm.unlink()
    """
)


def run_script(tmp_path, text, use_named_shm):
    if use_named_shm:
        assert MP_IMPORT in text
        text = text.replace(MP_IMPORT, NSHM_IMPORT)
    path = tmp_path / ("nshm.py" if use_named_shm else "mp.py")
    path.write_text(text)
    r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return r.stdout, r.stderr


@pytest.mark.parametrize("script", [DOCS_EXAMPLE, POOL_EXAMPLE], ids=["docs-example", "pool-example"])
def test_script_runs_unchanged_with_the_import_swapped(tmp_path, script):
    mp_out, mp_err = run_script(tmp_path, script, use_named_shm=False)
    out, err = run_script(tmp_path, script, use_named_shm=True)
    assert out == mp_out
    assert err == ""  # no tracker, no warnings
    if mp_err:
        print("multiprocessing.shared_memory wrote on stderr:\n" + mp_err)


def test_pool_workers_see_the_parents_bytes_and_leave_no_name(tmp_path):
    out, err = run_script(tmp_path, POOL_EXAMPLE, use_named_shm=True)
    assert out.splitlines() == ["True", str([(i * i) % 256 for i in range(10)])]
    root = os.environ.get("NAMED_SHM_DIR")
    if root:
        left = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.startswith("psm_")]
        assert left == []
