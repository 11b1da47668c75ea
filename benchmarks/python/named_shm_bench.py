#!/usr/bin/env python3
"""The Python binding named_shm beside multiprocessing.shared_memory and the
Rust API, measured like the Rust binaries (warm-up, then rounds of N
iterations; median and spread over rounds) and written as the same JSON
lines, so bench-report puts them beside the others:

  rows 1 and 2   create+map+write+close and open+map+read+close of 4 KiB,
                 named_shm (imp "python named_shm") doing exactly the work of
                 shm_bench.py's multiprocessing rows (imp "python");
  row 5-python   an event ping-pong round trip between two Python processes:
                 named_shm.Event between unrelated processes, against
                 multiprocessing's Event and Semaphore between a parent and
                 its child and posix_ipc's named semaphores (when installed),
                 and the same named_shm ping-pong with this side awaiting
                 Event.wait_async in an asyncio loop (goal: at most 1.3x
                 the blocking one).

It then prints the ratios: named_shm against multiprocessing (goal: below
1, faster), against the Rust API's rows 1 and 2 read from --results (goal:
at most 1.3), and the ping-pong against the fastest alternative.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from multiprocessing import shared_memory

import named_shm

MSG = b"Message from first process, sixty-four bytes long, for the test."
SIZE = 4096
CASE1 = "create+map+write+unmap+close, fresh 4 KiB"
CASE2 = "open+map+read+unmap+close, existing 4 KiB"
CASE5 = "event ping-pong round trip, 2 Python processes"


def pct(sorted_vals, p):
    pos = p * (len(sorted_vals) - 1)
    lo, hi = int(pos), min(int(pos) + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo)


def record(row, case, imp, unit, samples, iters, note):
    s = sorted(samples)
    return {
        "row": row, "case": case, "imp": imp, "unit": unit,
        "median": statistics.median(s), "p10": pct(s, 0.1), "p90": pct(s, 0.9),
        "min": s[0], "max": s[-1], "repeats": len(s), "iters": iters,
        "errors": 0, "note": note,
    }


def measure(fn, iters, rounds, warm):
    for _ in range(warm):
        fn()
    out = []
    for _ in range(rounds):
        t = time.perf_counter_ns()
        for _ in range(iters):
            fn()
        out.append((time.perf_counter_ns() - t) / iters)
    return out


# --- rows 1 and 2 ------------------------------------------------------------


def rows_1_2(iters, rounds, warm, pid):
    name1 = "nshm-bench-%d-npy1" % pid

    def nshm_create():
        shm = named_shm.SharedMemory(name1, create=True, size=SIZE)
        shm.buf[: len(MSG)] = MSG
        shm.close()
        shm.unlink()

    def mp_create():
        shm = shared_memory.SharedMemory(name=name1, create=True, size=SIZE)
        shm.buf[: len(MSG)] = MSG
        shm.close()
        shm.unlink()

    name2 = "nshm-bench-%d-npy2" % pid

    def nshm_open():
        shm = named_shm.SharedMemory(name2)
        data = bytes(shm.buf[: len(MSG)])
        shm.close()
        return data

    def mp_open():
        shm = shared_memory.SharedMemory(name=name2)
        data = bytes(shm.buf[: len(MSG)])
        shm.close()
        return data

    res = {}
    res[("1", "nshm")] = measure(nshm_create, iters, rounds, warm)
    res[("1", "mp")] = measure(mp_create, iters, rounds, warm)
    keep = named_shm.SharedMemory(name2, create=True, size=SIZE)
    keep.buf[: len(MSG)] = MSG
    assert nshm_open() == MSG
    res[("2", "nshm")] = measure(nshm_open, iters, rounds, warm)
    keep.close()
    keep = shared_memory.SharedMemory(name=name2, create=True, size=SIZE)
    try:
        keep.buf[: len(MSG)] = MSG
        assert mp_open() == MSG
        res[("2", "mp")] = measure(mp_open, iters, rounds, warm)
    finally:
        keep.close()
        keep.unlink()
    return res


# --- row 5-python: ping-pong ---------------------------------------------------


def pong_named_shm(prefix, n):
    """The other process, started as an independent interpreter."""
    ping = named_shm.Event(prefix + "-ping", open=True)
    pong = named_shm.Event(prefix + "-pong", open=True)
    for _ in range(n):
        ping.wait()
        pong.set()


def pingpong_named_shm(n, rounds, pid):
    prefix = "nshm-bench-%d-pp" % pid
    ping = named_shm.Event(prefix + "-ping", create=True)
    pong = named_shm.Event(prefix + "-pong", create=True)
    out = []
    for _ in range(rounds):
        child = subprocess.Popen([sys.executable, __file__, "--pong", prefix, str(n + 10)])
        for _ in range(10):  # warm-up, and the child is running
            ping.set()
            pong.wait()
        t = time.perf_counter_ns()
        for _ in range(n):
            ping.set()
            pong.wait()
        out.append((time.perf_counter_ns() - t) / n)
        child.wait()
    ping.close()
    pong.close()
    return out


def pingpong_named_shm_asyncio(n, rounds, pid):
    """pingpong_named_shm with this side in an asyncio loop (wait_async)."""
    import asyncio

    prefix = "nshm-bench-%d-ppa" % pid
    ping = named_shm.Event(prefix + "-ping", create=True)
    pong = named_shm.Event(prefix + "-pong", create=True)

    async def one_round(child):
        for _ in range(10):
            ping.set()
            await pong.wait_async()
        t = time.perf_counter_ns()
        for _ in range(n):
            ping.set()
            await pong.wait_async()
        return (time.perf_counter_ns() - t) / n

    out = []
    for _ in range(rounds):
        child = subprocess.Popen([sys.executable, __file__, "--pong", prefix, str(n + 10)])
        out.append(asyncio.run(one_round(child)))
        child.wait()
    ping.close()
    pong.close()
    return out


def _mp_pong(a, b, n, kind):
    for _ in range(n):
        if kind == "event":
            a.wait()
            a.clear()
            b.set()
        else:
            a.acquire()
            b.release()


def pingpong_mp(n, rounds, kind):
    ctx = multiprocessing.get_context("fork")
    out = []
    for _ in range(rounds):
        if kind == "event":
            a, b = ctx.Event(), ctx.Event()
        else:
            a, b = ctx.Semaphore(0), ctx.Semaphore(0)
        p = ctx.Process(target=_mp_pong, args=(a, b, n + 10, kind))
        p.start()

        def one():
            if kind == "event":
                a.set()
                b.wait()
                b.clear()
            else:
                a.release()
                b.acquire()

        for _ in range(10):
            one()
        t = time.perf_counter_ns()
        for _ in range(n):
            one()
        out.append((time.perf_counter_ns() - t) / n)
        p.join()
    return out


def pong_posix_ipc(prefix, n):
    import posix_ipc

    a = posix_ipc.Semaphore("/" + prefix + "-a")
    b = posix_ipc.Semaphore("/" + prefix + "-b")
    for _ in range(n):
        a.acquire()
        b.release()


def pingpong_posix_ipc(n, rounds, pid):
    import posix_ipc

    prefix = "nshm-bench-%d-px" % pid
    a = posix_ipc.Semaphore("/" + prefix + "-a", posix_ipc.O_CREX)
    b = posix_ipc.Semaphore("/" + prefix + "-b", posix_ipc.O_CREX)
    out = []
    try:
        for _ in range(rounds):
            child = subprocess.Popen([sys.executable, __file__, "--pong-posix-ipc", prefix, str(n + 10)])
            for _ in range(10):
                a.release()
                b.acquire()
            t = time.perf_counter_ns()
            for _ in range(n):
                a.release()
                b.acquire()
            out.append((time.perf_counter_ns() - t) / n)
            child.wait()
    finally:
        for s in (a, b):
            s.unlink()
            s.close()
    return out


# --- main ----------------------------------------------------------------------


def rust_medians(path):
    """Rows 1 and 2 of the Rust API (imp "named-shm") from a results file."""
    out = {}
    if not path or not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if r.get("imp") == "named-shm" and r.get("row") in ("1", "2") and r.get("median"):
                out[r["row"]] = r["median"]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one short round per row (CI smoke test)")
    ap.add_argument("--repeats", type=int, default=11)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--out", help="append JSON lines to this file (default: stdout)")
    ap.add_argument("--results", help="a results file with the Rust rows, for the overhead ratio")
    ap.add_argument("--pong", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--pong-posix-ipc", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.pong:
        return pong_named_shm(a.pong[0], int(a.pong[1]))
    if a.pong_posix_ipc:
        return pong_posix_ipc(a.pong_posix_ipc[0], int(a.pong_posix_ipc[1]))

    iters = 20 if a.quick else a.iterations
    rounds = 1 if a.quick else a.repeats
    warm = 0 if a.quick else max(1, iters // 4)
    pp_n = 50 if a.quick else 2000
    pp_rounds = 1 if a.quick else 5
    out = open(a.out, "a") if a.out else sys.stdout
    pid = os.getpid()
    py = "Python %d.%d.%d" % sys.version_info[:3]
    recs = []

    res = rows_1_2(iters, rounds, warm, pid)
    recs.append(record("1", CASE1, "python named_shm", "ns/op", res[("1", "nshm")], iters, py + " named_shm"))
    recs.append(record("2", CASE2, "python named_shm", "ns/op", res[("2", "nshm")], iters, py + " named_shm"))

    pp = {}
    pp["named_shm.Event (unrelated processes)"] = pingpong_named_shm(pp_n, pp_rounds, pid)
    pp["named_shm.Event asyncio (unrelated processes)"] = pingpong_named_shm_asyncio(pp_n, pp_rounds, pid)
    pp["multiprocessing.Event (parent-child)"] = pingpong_mp(pp_n, pp_rounds, "event")
    pp["multiprocessing.Semaphore (parent-child)"] = pingpong_mp(pp_n, pp_rounds, "semaphore")
    try:
        import posix_ipc  # noqa: F401

        pp["posix_ipc.Semaphore (named)"] = pingpong_posix_ipc(pp_n, pp_rounds, pid)
    except ImportError:
        print("  posix_ipc is not installed: its ping-pong is skipped", file=sys.stderr)
    for imp, samples in pp.items():
        recs.append(record("5-python", CASE5, "python " + imp, "ns/rtt", samples, pp_n, py))

    for r in recs:
        print("  row %-8s %-46s %-44s %10.2f µs" % (r["row"], r["case"][:46], r["imp"], r["median"] / 1e3),
              file=sys.stderr)
        out.write(json.dumps(r) + "\n")
    out.flush()

    med = {k: statistics.median(v) for k, v in res.items()}
    rust = rust_medians(a.results)
    print("\n  named_shm (Python) ratios, median against median:", file=sys.stderr)
    for row, what in (("1", "create+map+write+close"), ("2", "open+map+read+close")):
        line = "    row %s %-24s %6.2fx multiprocessing.shared_memory (goal < 1)" % (
            row, what, med[(row, "nshm")] / med[(row, "mp")])
        if row in rust:
            line += ", %5.2fx the Rust API (goal <= 1.3)" % (med[(row, "nshm")] / rust[row])
        print(line, file=sys.stderr)
    ours = statistics.median(pp["named_shm.Event (unrelated processes)"])
    others = {k: statistics.median(v) for k, v in pp.items() if not k.startswith("named_shm")}
    best = min(others, key=others.get)
    print("    ping-pong: named_shm %.1f µs, fastest alternative %s %.1f µs (%.2fx)" % (
        ours / 1e3, best, others[best] / 1e3, ours / others[best]), file=sys.stderr)
    aio = statistics.median(pp["named_shm.Event asyncio (unrelated processes)"])
    print("    ping-pong with asyncio (wait_async): %.1f µs, %.2fx the blocking one (goal <= 1.3)" % (
        aio / 1e3, aio / ours), file=sys.stderr)


if __name__ == "__main__":
    main()
