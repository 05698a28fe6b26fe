"""Upstream's side of bench/gecko_bench.sh: feeds CPython 3.15's own
GeckoCollector (profiling.sampling) a synthetic profile shaped like
tachyon_feed --generate SAMPLES,NODES,DEPTH,SEED (a random call tree, half
the samples in its hottest twentieth, 4 threads, the GIL held two times
in three), then exports it, and prints CPU time, peak RSS and file size.

usage (inside the unstable root): python3.15 gecko_upstream.py OUT SAMPLES,NODES,DEPTH,SEED
"""
import os
import random
import resource
import sys
import time

from profiling.sampling.gecko_collector import GeckoCollector


class Thread:
    __slots__ = ("thread_id", "status", "frame_info")

    def __init__(self, thread_id, status, frame_info):
        self.thread_id, self.status, self.frame_info = thread_id, status, frame_info


class Interp:
    __slots__ = ("threads",)

    def __init__(self, threads):
        self.threads = threads


def main():
    out, spec = sys.argv[1], sys.argv[2]
    samples, nodes, depth_max, seed = (int(x) for x in spec.split(","))
    rng = random.Random(seed)
    parent, depth, frames = [0] * nodes, [1] * nodes, []
    for i in range(1, nodes):
        par = i - 1 if rng.random() < 0.75 else rng.randrange(i)
        while depth[par] >= depth_max:
            par = parent[par]
        parent[i], depth[i] = par, depth[par] + 1
    for i in range(nodes):
        frames.append((f"pkg/mod{i % 97}.py", (i % 500 + 1, i % 500 + 1, 4, 20), f"func_{i}", None))
    stacks = []
    for i in range(nodes):
        chain, at = [], i
        while True:
            chain.append(frames[at])
            if at == 0:
                break
            at = parent[at]
        stacks.append(chain)
    collector = GeckoCollector(100)
    cpu0 = time.process_time()
    hot = nodes // 20 + 1
    for n in range(samples):
        node = rng.randrange(hot) if rng.random() < 0.5 else rng.randrange(nodes)
        tidx = rng.randrange(4)
        status = 2 | (0 if rng.randrange(3) == 0 else 1) | (32 if tidx == 0 else 0)
        collector.collect([Interp([Thread(1000 + tidx, status, stacks[node])])], timestamps_us=[(n + 1) * 100])
    cpu1 = time.process_time()
    collector.export(out)
    cpu2 = time.process_time()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"upstream GeckoCollector: {samples} samples, collect CPU {cpu1 - cpu0:.2f} s, export CPU "
          f"{cpu2 - cpu1:.2f} s, peak RSS {rss:.0f} MiB, file {os.path.getsize(out) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
