"""The pstats file written with -o: every installed interpreter's own
pstats module loads it, finds the totals and caller relationships the
fixture implies, and prints it."""
import os
import subprocess
import unittest

from plugintest import ToolTest, feed, fixture, interpreter_paths, mock, HERE

CHECKER = os.path.join(HERE, "check_pstats_file.py")
MS = 0.001

# pstats_basic.txt at 1 ms a sample. Keys keep full paths (pstats strips
# them on request), so the two compute functions stay apart here. Caller
# tuples are (samples with the edge on the stack, samples with the callee
# executing, its time, the edge's time).
MAIN10 = ("/app/main.py", 10, "main")
COMPUTE = ("/app/work.py", 20, "compute")
FIB = ("/app/rec.py", 3, "fib")
BASIC_STATS = {
    ("/app/work.py", 30, "inner"): (6, 6, 6 * MS, 6 * MS, {COMPUTE: (6, 6, 6 * MS, 6 * MS)}),
    COMPUTE: (2, 8, 2 * MS, 8 * MS, {MAIN10: (8, 2, 2 * MS, 8 * MS)}),
    MAIN10: (1, 17, 1 * MS, 17 * MS, {}),
    ("/lib/other/work.py", 20, "compute"): (3, 3, 3 * MS, 3 * MS, {MAIN10: (3, 3, 3 * MS, 3 * MS)}),
    FIB: (4, 4, 4 * MS, 4 * MS, {FIB: (4, 4, 4 * MS, 4 * MS), MAIN10: (4, 0, 0.0, 4 * MS)}),
    ("~", 0, "<GC>"): (1, 1, 1 * MS, 1 * MS, {MAIN10: (1, 1, 1 * MS, 1 * MS)}),
    ("/app/io.py", 5, "read"): (2, 2, 2 * MS, 2 * MS, {("/app/main.py", 12, "main"): (2, 2, 2 * MS, 2 * MS)}),
    ("/app/main.py", 12, "main"): (0, 2, 0.0, 2 * MS, {}),
}


def interpreters():
    return interpreter_paths()


class MarshalTest(ToolTest):
    def check_everywhere(self, path, want):
        found = interpreters()
        self.assertTrue(found)
        for python in found:
            with self.subTest(python=python):
                proc = subprocess.run([python, CHECKER, path, repr(want)], capture_output=True,
                                      text=True, timeout=120)
                self.assertEqual(proc.returncode, 0, proc.stderr + proc.stdout)
                self.assertTrue(proc.stdout.startswith("ok "), proc.stdout)

    def test_fixture_loads_in_every_interpreter(self):
        out = self.path("basic.pstats")
        proc = feed("pstats", fixture("pstats_basic.txt"), "--interval", "1000", "-o", out)
        self.assertEqual(proc.stdout, "", "the table must not be printed with -o")
        self.check_everywhere(out, {
            "stats": BASIC_STATS,
            "total_calls": 43,   # cumulative samples summed over functions
            "prim_calls": 19,    # direct samples: every sample once
            "total_tt": 19 * MS,
            "show": "inner",
        })

    def test_names_and_counts_beyond_the_feed_format(self):
        out = self.path("mock.pstats")
        mock("pstats", "pstats", fixture("mock_marshal.txt"), "-o", out, "--interval", "1000")
        main = ("/app/main.py", 1, "main")
        big = 8000000000
        long_name = "n" * 300
        want = {
            ("/app/bad\ufffd.py", 2, "f"): (big, big, big * MS, big * MS,
                                            {main: (big, big, big * MS, big * MS)}),
            ("/app/caf\u00e9.py", 3, "g\u20ac"): (1, 1, MS, MS, {main: (1, 1, MS, MS)}),
            ("/app/long.py", 4, long_name): (2, 2, 2 * MS, 2 * MS, {main: (2, 2, 2 * MS, 2 * MS)}),
            main: (0, big + 3, 0.0, (big + 3) * MS, {}),
        }
        self.check_everywhere(out, {"stats": want, "total_calls": 2 * (big + 3),
                                    "prim_calls": big + 3, "total_tt": (big + 3) * MS,
                                    "show": "caf\u00e9.py"})

    def test_checker_notices_a_wrong_relationship(self):
        # Guards the checker itself: a changed caller tuple must fail.
        out = self.path("basic.pstats")
        feed("pstats", fixture("pstats_basic.txt"), "--interval", "1000", "-o", out)
        wrong = dict(BASIC_STATS)
        wrong[COMPUTE] = (2, 8, 2 * MS, 8 * MS, {MAIN10: (2, 8, 2 * MS, 8 * MS)})
        python = interpreters()[0]
        proc = subprocess.run([python, CHECKER, out, repr({
            "stats": wrong, "total_calls": 43, "prim_calls": 19, "total_tt": 19 * MS,
            "show": "inner"})], capture_output=True, text=True, timeout=120)
        self.assertNotEqual(proc.returncode, 0)


if __name__ == "__main__":
    unittest.main()
