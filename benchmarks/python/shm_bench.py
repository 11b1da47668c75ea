#!/usr/bin/env python3
"""Rows (1) and (2) of the project benchmark through Python's
multiprocessing.shared_memory, measured like the Rust binaries (warm-up, then
rounds of N iterations; median and spread over rounds) and written as the same
JSON lines, so bench-report puts them beside the others.

Python 3.11's SharedMemory registers every segment it creates or opens with
the resource tracker (a helper process it talks to through a pipe); that cost
is part of what a Python user pays, so it is measured, not avoided.
"""

import argparse
import json
import os
import statistics
import sys
import time
from multiprocessing import shared_memory

MSG = b"Message from first process, sixty-four bytes long, for the test."
SIZE = 4096


def pct(sorted_vals, p):
    pos = p * (len(sorted_vals) - 1)
    lo, hi = int(pos), min(int(pos) + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo)


def record(row, case, samples, iters):
    s = sorted(samples)
    return {
        "row": row, "case": case, "imp": "python", "unit": "ns/op",
        "median": statistics.median(s), "p10": pct(s, 0.1), "p90": pct(s, 0.9),
        "min": s[0], "max": s[-1], "repeats": len(s), "iters": iters,
        "errors": 0,
        "note": "Python %d.%d.%d multiprocessing.shared_memory" % sys.version_info[:3],
    }


def create_cycle(name):
    shm = shared_memory.SharedMemory(name=name, create=True, size=SIZE)
    shm.buf[: len(MSG)] = MSG
    shm.close()
    shm.unlink()


def open_cycle(name):
    shm = shared_memory.SharedMemory(name=name)
    data = bytes(shm.buf[: len(MSG)])
    shm.close()
    return data


def measure(fn, name, iters, rounds, quick):
    if not quick:
        for _ in range(max(1, iters // 4)):
            fn(name)
    out = []
    for _ in range(rounds):
        t = time.perf_counter_ns()
        for _ in range(iters):
            fn(name)
        out.append((time.perf_counter_ns() - t) / iters)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="one short round per row (CI smoke test)")
    ap.add_argument("--repeats", type=int, default=11)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--out", help="append JSON lines to this file (default: stdout)")
    a = ap.parse_args()
    iters = 20 if a.quick else a.iterations
    rounds = 1 if a.quick else a.repeats
    out = open(a.out, "a") if a.out else sys.stdout
    pid = os.getpid()

    name1 = "nshm-bench-%d-py1" % pid
    s1 = measure(create_cycle, name1, iters, rounds, a.quick)
    r1 = record("1", "create+map+write+unmap+close, fresh 4 KiB", s1, iters)

    name2 = "nshm-bench-%d-py2" % pid
    keep = shared_memory.SharedMemory(name=name2, create=True, size=SIZE)
    try:
        keep.buf[: len(MSG)] = MSG
        assert open_cycle(name2) == MSG
        s2 = measure(open_cycle, name2, iters, rounds, a.quick)
    finally:
        keep.close()
        keep.unlink()
    r2 = record("2", "open+map+read+unmap+close, existing 4 KiB", s2, iters)

    for r in (r1, r2):
        print("  row %-8s %-46s %-26s %10.2f µs" % (r["row"], r["case"], "python", r["median"] / 1e3),
              file=sys.stderr)
        out.write(json.dumps(r) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
