"""Round trips: the same samples written directly by the collapsed and
pstats plugins, and written by the binary plugin then replayed into them,
give identical files; the binary file holds exactly what was fed."""
import os
import subprocess
import sys
import tempfile
import unittest

import binsupport as b

STACKS = """\
# thread status weight time_us frames
1 0x3 1 100 app.py|<module>|1;app.py|main|10;app.py|inner|30
1 0x1 2 200 app.py|<module>|1;app.py|main|12;~|<native>|-1
2 0x0 1 300 worker.py|run|5;~|<GC>|-1
1 0x3 1 400 app.py|<module>|1;app.py|main|10|83|BINARY_OP|83|BINARY_OP
2 0x30 5 500 worker.py|run|5;worker.py|step|-1
1 0x3 3 900 app.py|<module>|1;app.py|main|10;app.py|inner|30
3 0x1 1 950 other.py|<module>|1;other.py|f|2;other.py|g|3;other.py|h|4
3 0x1 1 960 other.py|<module>|1;other.py|f|2;other.py|x|9
3 0x1 1 970 other.py|<module>|1;other.py|y|7
2 0x0 1 1300 
"""

DECODER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "decode_check.py")


# Every kind of frame and field a sample carries (3.13 opcode numbers).
SAMPLES = """\
1 0x23 1 100 app.py|<module>|1;app.py|main|10;app.py|inner|30|151|BINARY_OP_ADD_INT|45|BINARY_OP
1 0x61 1 250 app.py|<module>|1;app.py|main|12;~|<GC>|-1
7 0x0 1 300 worker.py|run|5;~|<native>|-1
1 0x33 1 400 app.py|<module>|1;app.py|main|10|171|CALL_LIST_APPEND|53|CALL
7 0x8 1 700 worker.py|run|5;<task>|<task>Task-1|-1;worker.py|step|-1
7 0x8 1 701 worker.py|run|5;<task>|<task>Task-1|-1;worker.py|step|-1
1 0x4 1 5000 
"""


class RoundTrip(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="tachyon-rt-")
        self.d = self.tmp.name
        self.stacks = os.path.join(self.d, "stacks.txt")
        with open(self.stacks, "w") as f:
            f.write(STACKS)

    def tearDown(self):
        self.tmp.cleanup()

    def p(self, name):
        return os.path.join(self.d, name)

    def check_round_trip(self, source, compression, feed_args=()):
        b.feed("--format", "collapsed", "-o", self.p("direct.txt"), *feed_args, source)
        b.feed("--format", "pstats", "-o", self.p("direct.pstats"), *feed_args, source)
        b.feed("--format", "binary", "--plugin-opt", "binary.compression=" + compression,
               "-o", self.p("rt.bin"), *feed_args, source)
        b.tachyon("replay", "--collapsed", "-o", self.p("replayed.txt"), self.p("rt.bin"))
        b.tachyon("replay", "-o", self.p("replayed.pstats"), self.p("rt.bin"))
        direct = b.read(self.p("direct.txt"), "rb")
        self.assertGreater(len(direct), 0)
        self.assertEqual(direct, b.read(self.p("replayed.txt"), "rb"))
        self.assertEqual(b.read(self.p("direct.pstats"), "rb"), b.read(self.p("replayed.pstats"), "rb"))
        with open(self.p("rt.bin"), "rb") as f:
            head = f.read(64)
        self.assertEqual(head[:4], b"HCAT")
        self.assertEqual(int.from_bytes(head[56:60], "little"), 1 if compression != "none" else 0)
        self.assertEqual(head[11], 0, "a finished file must not carry the not-finalized mark")

    def test_fixture_zstd(self):
        self.check_round_trip(self.stacks, "zstd")

    def test_fixture_none(self):
        self.check_round_trip(self.stacks, "none")

    def test_generated_profile(self):
        # Many threads, deep random stacks: every record encoding is used.
        b.feed("--format", "collapsed", "-o", self.p("g.txt"), "--generate", "20000,3000,40,7")
        b.feed("--format", "binary", "-o", self.p("g.bin"), "--generate", "20000,3000,40,7")
        b.tachyon("replay", "--collapsed", "-o", self.p("g2.txt"), self.p("g.bin"))
        self.assertEqual(b.read(self.p("g.txt"), "rb"), b.read(self.p("g2.txt"), "rb"))

    def test_plugins_see_what_the_live_session_gave_them(self):
        # A third-party plugin receives the same session facts, thread ids,
        # status bits, timestamps, frames and opcodes from a replay as from
        # the session that recorded it.
        with open(self.p("samples.txt"), "w") as f:
            f.write(SAMPLES)
        plugin = ["--plugin-dir", os.environ.get("SAMPLEDUMP_DIR", os.path.join(b.BUILD_DIR, "tests", "binary",
                                                                                "plugins"))]
        b.feed(*plugin, "--format", "sampledump", "--opcodes", "--interval", "250", "-o", self.p("live.txt"),
               self.p("samples.txt"))
        b.feed("--format", "binary", "--opcodes", "--interval", "250", "-o", self.p("s.bin"), self.p("samples.txt"))
        b.tachyon("replay", "--plugin", plugin[1], "--format", "sampledump", "-o", self.p("replayed.txt"),
                  self.p("s.bin"))
        live = b.read(self.p("live.txt"))
        self.assertIn("BINARY_OP_ADD_INT/BINARY_OP", live)
        self.assertIn("k1 ~:<GC>", live)
        self.assertIn("k3 <task>:<task>Task-1", live)
        # Each thread's samples come in their order; across threads the file
        # may interleave differently (a run of repeats is written when it
        # ends), which the ABI leaves unspecified.
        def per_thread(text):
            lines = text.splitlines()
            threads = {}
            for line in lines[1:]:
                threads.setdefault(line.split()[0], []).append(line)
            return lines[0], threads
        self.assertEqual(per_thread(live), per_thread(b.read(self.p("replayed.txt"))))

    def test_progress_bar_only_on_a_terminal(self):
        b.feed("--format", "binary", "-o", self.p("big.bin"), "--generate", "30000,300,20,5")
        r = b.tachyon("replay", "--collapsed", "-o", self.p("big.txt"), self.p("big.bin"))
        self.assertNotIn("%", r.stderr)
        # script(1) gives replay a terminal.
        cmd = " ".join([b.TACHYON, "replay", "--collapsed", "-o", self.p("big2.txt"), self.p("big.bin")])
        out = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True,
                             timeout=120).stdout
        self.assertIn("100.0% (30,000/30,000)", out)
        self.assertIn("Replayed 30000 samples", out)

    def test_weights_become_one_entry_per_observation(self):
        # Weighted samples (merged by the sampler) are written as that many
        # samples, one interval apart, as upstream records them.
        b.feed("--format", "binary", "--plugin-opt", "binary.compression=none", "--interval", "250",
               "-o", self.p("w.bin"), self.stacks)
        out = subprocess.run([sys.executable, DECODER, self.p("w.bin")], capture_output=True, text=True,
                             check=True).stdout
        samples = [line.split() for line in out.splitlines() if line.startswith("sample ")]
        weights = sum(int(l.split()[2]) for l in STACKS.splitlines()[1:])
        self.assertEqual(len(samples), weights)
        # thread 2's five-fold sample at t=500us: 500, 750, ... 1500 us after the start
        t2 = [int(s[3]) for s in samples if s[1] == "2"]
        # (the depth-0 sample stamped 1300 us cannot go back in time)
        self.assertEqual(t2, [300, 500, 750, 1000, 1250, 1500, 1500])


if __name__ == "__main__":
    unittest.main()
