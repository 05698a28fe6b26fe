"""Conformance through replay: upstream CPython 3.15 captures of varied
workloads, replayed by upstream and by tachyon, must give byte-identical
collapsed output and the same pstats rows and counts."""
import unittest

import binsupport as b

# name, upstream `run` flags, workload kind
CAPTURES = [
    ("wall-zstd", [], "spin"),
    ("threads-none", ["-a", "--compression", "none"], "threads"),
    ("deep", [], "deep"),
    ("gc", [], "gc"),
    ("exception-mode", ["--mode", "exception"], "exc"),
    ("opcodes-native", ["--opcodes", "--native"], "spin"),
    ("async", ["-a"], "async"),
    ("cpu-mode-none", ["--mode", "cpu", "--compression", "none"], "cpu"),
]


class Conformance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = b.SidDir().__enter__()
        for name, flags, kind in CAPTURES:
            cls.dir.upstream("run", "--binary", "-o", name + ".bin", "-r", "2khz", *flags,
                             "workload.py", kind, "0.6")

    @classmethod
    def tearDownClass(cls):
        cls.dir.__exit__(None, None, None)

    def test_collapsed_byte_identical(self):
        for name, _, _ in CAPTURES:
            with self.subTest(capture=name):
                self.dir.upstream("replay", "--collapsed", "-o", name + ".up.txt", name + ".bin")
                b.tachyon("replay", "--collapsed", "-o", self.dir.path(name + ".ta.txt"), self.dir.path(name + ".bin"))
                up = b.read(self.dir.path(name + ".up.txt"), "rb")
                self.assertGreater(len(up.splitlines()), 0)
                self.assertEqual(up, b.read(self.dir.path(name + ".ta.txt"), "rb"))
                # -o naming our own standard output: the data alone there,
                # the replay's report on standard error.
                r = b.tachyon("replay", "--collapsed", "-o", "/dev/stdout", self.dir.path(name + ".bin"))
                self.assertEqual(r.stdout.encode(), up)
                self.assertIn("Replayed ", r.stderr)

    def test_pstats_rows_and_counts(self):
        for name, _, _ in CAPTURES:
            with self.subTest(capture=name):
                up = self.dir.upstream("replay", "--sort", "cumtime", "-l", "40", name + ".bin").stdout
                ta = b.tachyon("replay", "--sort", "cumtime", "-l", "40", self.dir.path(name + ".bin")).stdout
                self.assertEqual(b.pstats_rows(up), b.pstats_rows(ta))
                self.assertIn("Replayed ", ta)

    def test_jsonl_identical_but_run_id(self):
        # Replays are deterministic except for the random run_id.
        for name, _, _ in CAPTURES:
            with self.subTest(capture=name):
                self.dir.upstream("replay", "--jsonl", "-o", name + ".up.jsonl", name + ".bin")
                b.tachyon("replay", "--jsonl", "-o", self.dir.path(name + ".ta.jsonl"), self.dir.path(name + ".bin"))
                up = b.read(self.dir.path(name + ".up.jsonl"))
                ta = b.read(self.dir.path(name + ".ta.jsonl"))
                self.assertRegex(ta, r'"run_id":"[0-9a-f]{32}"')
                self.assertGreater(len(up.splitlines()), 3)
                self.assertEqual(b.RUN_ID.sub("", up), b.RUN_ID.sub("", ta))

    def test_replay_console(self):
        name = CAPTURES[0][0]
        r = b.tachyon("replay", "--collapsed", "-o", self.dir.path("console.txt"), self.dir.path(name + ".bin"))
        up = self.dir.upstream("replay", "--collapsed", "-o", "console-up.txt", name + ".bin").stdout
        count = up.split("Replaying ", 1)[1].split(" ", 1)[0]
        self.assertIn(f"Replaying {count} samples from ", r.stdout)
        self.assertIn("  Sample interval: 500 us\n  Compression: zstd\n", r.stdout)
        self.assertTrue(r.stdout.endswith(f"Replayed {count} samples\n"), r.stdout)


if __name__ == "__main__":
    unittest.main()
