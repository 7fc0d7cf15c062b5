#!/usr/bin/env python3
"""A synthetic pool trace shaped like `mpirun -n 9 sleepjobs-mpi --scale 0.2`.

Stands in for a real trace (MPIPOOL_TIMELINE=path) until the pool writes one:
19 jobs of 0.2 * 5 * random.random() seconds after random.seed(1234), one job
per chunk, list-scheduled in order onto 8 workers (ranks 1..8 of one host) the
way the master hands them out: each chunk goes to the worker whose result came
back first, about 1 ms after it came back (send, hand-off, start). Overheads
are drawn from their own seeded generator, so the output is the same every run.

    timeline_sleepjobs.py > Tests/Fixtures/timeline-sleepjobs.json
"""
import json
import random

WORKERS = 8
SCALE = 0.2

random.seed(1234)
durations = [SCALE * 5 * random.random() for _ in range(19)]
noise = random.Random(7)


def us(seconds):
    """Seconds -> microseconds rounded to the nanosecond, as the pool writes them."""
    return round(seconds * 1e6, 3)


events = [{"ph": "M", "name": "process_name", "pid": 1, "args": {"name": "host node01"}}]
events += [{"ph": "M", "name": "thread_name", "pid": 1, "tid": r, "args": {"name": f"rank {r}"}}
           for r in range(WORKERS + 1)]
submit = 0.0021
events.append({"ph": "i", "cat": "master", "name": "submit", "pid": 1, "tid": 0, "ts": us(submit), "s": "t",
               "args": {"submission": 1, "task": "sleep", "items": len(durations)}})

# When each worker's last result reached the master (they all start free).
free = [submit + 0.0001 * w for w in range(WORKERS)]
last_end = [None] * WORKERS
slices, gaps, instants = [], [], []
for job, seconds in enumerate(durations):
    w = min(range(WORKERS), key=lambda i: (free[i], i))
    rank = w + 1
    send = free[w] + 0.0004 + 0.0002 * noise.random()          # the master notices and sends
    start = send + 0.0004 + 0.0003 * noise.random()            # on the wire, decoded
    compute = seconds + 0.00002 * noise.random()               # the sleep and the task call
    end = start + compute + 0.00003                            # encoded
    received = end + 0.0002 + 0.0001 * noise.random()          # back on the master
    instants.append({"ph": "i", "cat": "master", "name": "send", "pid": 1, "tid": 0, "ts": us(send), "s": "t",
                     "args": {"chunk": job, "rank": rank}})
    instants.append({"ph": "i", "cat": "master", "name": "result", "pid": 1, "tid": 0, "ts": us(received), "s": "t",
                     "args": {"chunk": job, "rank": rank}})
    slices.append({"ph": "X", "cat": "chunk", "name": "sleep", "pid": 1, "tid": rank, "ts": us(start),
                   "dur": round(us(end) - us(start), 3),
                   "args": {"chunk": job, "submission": 1, "first": job, "count": 1,
                            "bytesIn": 16, "bytesOut": 48, "computeMs": round(compute * 1e3, 6)}})
    if last_end[w] is not None:
        gaps.append({"ph": "X", "cat": "idle", "name": "idle", "pid": 1, "tid": rank, "ts": us(last_end[w]),
                     "dur": round(us(start) - us(last_end[w]), 3)})
    last_end[w] = end
    free[w] = received

trace = {"displayTimeUnit": "ms",
         "otherData": {"mpipool": 1, "ranks": WORKERS + 1, "workers": WORKERS,
                       "clock": "synthetic: list-scheduled by Tests/Fixtures/timeline_sleepjobs.py"},
         "traceEvents": events + instants + slices + gaps}
print("{\"displayTimeUnit\": \"ms\",")
print(" \"otherData\": " + json.dumps(trace["otherData"]) + ",")
print(" \"traceEvents\": [")
print(",\n".join("  " + json.dumps(e, separators=(",", ":")) for e in trace["traceEvents"]))
print(" ]}")
