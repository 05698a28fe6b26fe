"""--diff-flamegraph refusals, as upstream: a missing or damaged baseline
before anything is profiled, a baseline of another mode or other capture
options when the report is written; every one a clear line and status 1,
and no report left behind."""
import os
import tempfile
import unittest

import binsupport as b

STACKS = "1 0x3 10 100 app.py|<module>|1;app.py|main|5\n1 0x3 5 200 app.py|<module>|1;app.py|f|7\n"


class DiffErrors(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="tachyon-diff-")
        self.stacks = self.p("s.txt")
        with open(self.stacks, "w") as f:
            f.write(STACKS)
        b.feed("--format", "binary", "-o", self.p("cur.bin"), self.stacks)

    def tearDown(self):
        self.tmp.cleanup()

    def p(self, name):
        return os.path.join(self.tmp.name, name)

    def refused(self, baseline, fragment, *replay_args):
        out = self.p("diff.html")
        r = b.tachyon("replay", "--diff-flamegraph", baseline, "-o", out, *replay_args, self.p("cur.bin"),
                      check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(fragment, r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_missing_baseline(self):
        self.refused(self.p("missing.bin"), "Baseline file not found: " + self.p("missing.bin"))

    def test_damaged_baseline(self):
        with open(self.p("bad.bin"), "wb") as f:
            f.write(b"HCAT" + bytes(100))
        self.refused(self.p("bad.bin"), "cannot use " + self.p("bad.bin") + " as the baseline")

    def test_other_mode(self):
        b.feed("--format", "binary", "--mode", "cpu", "-o", self.p("cpu.bin"), self.stacks)
        self.refused(self.p("cpu.bin"), "Baseline profiling mode does not match current mode")

    def test_other_capture_options(self):
        b.feed("--format", "binary", "--opcodes", "-o", self.p("opc.bin"), self.stacks)
        self.refused(self.p("opc.bin"), "Baseline capture configuration does not match current configuration: opcodes")

    def test_matching_baseline_and_usage(self):
        r = b.tachyon("replay", "--diff-flamegraph", self.p("cur.bin"), "-o", self.p("ok.html"), self.p("cur.bin"))
        with open(self.p("ok.html")) as f:
            page = f.read()
        self.assertRegex(page, r'"baseline_samples":\s*15\b')
        self.assertRegex(page, r'"elided_count":\s*0\b')
        r = b.tachyon("run", "--diff-flamegraph", "x.bin", "--collapsed", "x.py", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not allowed with argument --diff-flamegraph", r.stderr)


if __name__ == "__main__":
    unittest.main()
