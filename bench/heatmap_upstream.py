"""Upstream's side of the heatmap benchmark (driven by heatmap_bench.sh):
feeds CPython 3.15's profiling.sampling HeatmapCollector the same synthetic
profile tachyon_feed --generate makes (the same splitmix64 sequence, call
tree, lines and sample choice), then exports it, and prints the CPU time of
each half. Run with upstream's interpreter from the folder holding main.py
and pkg/:

    python3.15 heatmap_upstream.py SAMPLES NODES DEPTH SEED OUT_DIR
"""
import sys
import time

from profiling.sampling.heatmap_collector import HeatmapCollector

MASK = (1 << 64) - 1


class SplitMix:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def generate(samples, nodes, depth_limit, seed):
    rng = SplitMix(seed)
    parent = [0] * nodes
    depth = [0] * nodes
    depth[0] = 1
    for i in range(1, nodes):
        r = rng.next()
        par = i - 1 if r % 4 != 0 else rng.next() % i
        while depth[par] >= depth_limit:
            par = parent[par]
        parent[i] = par
        depth[i] = depth[par] + 1
    frames = []
    for i in range(nodes):
        line = 1 + (i % 16) * 20 + rng.next() % 20
        if i == 0:
            frames.append(("main.py", (line, line, -1, -1), "<module>", None))
        else:
            frames.append(("pkg/mod%d.py" % (i // 16), (line, line, -1, -1), "func_%d" % i, None))
    stacks = {}
    for _ in range(samples):
        r = rng.next()
        node = (r >> 1) % (nodes // 20 + 1) if r & 1 else (r >> 1) % nodes
        stack = stacks.get(node)
        if stack is None:
            stack = []
            at = node
            while True:
                stack.append(frames[at])
                if at == 0:
                    break
                at = parent[at]
            stacks[node] = stack
        yield stack


def main():
    samples, nodes, depth, seed = (int(a) for a in sys.argv[1:5])
    out = sys.argv[5]
    stacks = list(generate(samples, nodes, depth, seed))
    collector = HeatmapCollector(100)
    collector.set_stats(100, samples / 10000, 10000.0, 0.0, 0.0)
    t0 = time.process_time()
    for stack in stacks:
        collector.process_frames(stack, 1)
    t1 = time.process_time()
    collector.export(out)
    t2 = time.process_time()
    print("upstream process_frames: %.2f s CPU for %d samples" % (t1 - t0, samples))
    print("upstream export: %.2f s CPU" % (t2 - t1))
    print("upstream total: %.2f s CPU" % (t2 - t0))


if __name__ == "__main__":
    main()
