"""The pstats text table: exact rows, percentages, units, every sort key,
limit, --no-summary, and colour only on a terminal without NO_COLOR."""
import os
import pty
import re
import subprocess
import unittest

from plugintest import ToolTest, clean_env, expected, feed, fixture, FEED, PLUGIN_DIR

BASIC = fixture("pstats_basic.txt")
ANSI = re.compile("\x1b\\[[0-9;]*m")


def table(*args, env=None, interval="1000"):
    return feed("pstats", BASIC, "--interval", interval, *args, env=env).stdout


def row_names(text):
    """The filename:lineno(function) column of the table rows, in order."""
    lines = text.split("\n")
    start = lines.index(next(l for l in lines if l.lstrip().startswith("nsamples"))) + 1
    names = []
    for line in lines[start:]:
        if not line.strip():
            break
        names.append(line.split("  ")[-1])
    return names


def run_on_tty(args, env):
    """Runs a command with stdout on a pseudo-terminal; returns its output."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO once the child closed its side
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    proc.wait(timeout=60)
    proc.stderr.close()
    if proc.returncode != 0:
        raise AssertionError("command failed: %r" % (args,))
    # The terminal turns "\n" into "\r\n".
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


class TableTest(ToolTest):
    def test_default_output_is_exact(self):
        self.assertEqual(table(), expected("pstats_basic_default.txt"))

    def test_sort_keys(self):
        by_direct = ["work.py:30(inner)", "work.py:20(compute)", "rec.py:3(fib)",
                     "io.py:5(read)", "main.py:10(main)", "~:0(<GC>)", "main.py:12(main)"]
        by_cumulative = ["main.py:10(main)", "work.py:20(compute)", "work.py:30(inner)",
                         "rec.py:3(fib)", "io.py:5(read)", "main.py:12(main)", "~:0(<GC>)"]
        # str() of the (file, line, name) keys: lines compare as text.
        by_name = ["io.py:5(read)", "main.py:10(main)", "main.py:12(main)", "rec.py:3(fib)",
                   "work.py:20(compute)", "work.py:30(inner)", "~:0(<GC>)"]
        cases = {
            "nsamples": by_direct, "tottime": by_direct, "sample-pct": by_direct,
            "cumtime": by_cumulative, "cumul-pct": by_cumulative,
            "nsamples-cumul": by_cumulative, "name": by_name,
        }
        for key, names in cases.items():
            with self.subTest(sort=key):
                out = table("--plugin-opt", "pstats.sort=" + key)
                self.assertEqual(row_names(out), names)

    def test_rows_do_not_depend_on_sort(self):
        default = set(table().split("\n")[2:9])
        for key in ("cumtime", "name"):
            rows = table("--plugin-opt", "pstats.sort=" + key).split("\n")[2:9]
            self.assertEqual(set(rows), default)

    def test_limit_and_summary_of_shown_rows(self):
        out = table("--plugin-opt", "pstats.limit=3")
        self.assertEqual(row_names(out), ["work.py:30(inner)", "work.py:20(compute)",
                                          "rec.py:3(fib)"])
        summary = out[out.index("Summary of Interesting Functions:"):]
        self.assertEqual(summary, (
            "Summary of Interesting Functions:\n"
            "\n"
            "Functions with Highest Direct/Cumulative Ratio (Hot Spots):\n"
            "  1.000 direct/cumulative ratio, 31.6% direct samples: work.py:(inner)\n"
            "  1.000 direct/cumulative ratio, 21.1% direct samples: rec.py:(fib)\n"
            "  0.455 direct/cumulative ratio, 26.3% direct samples: work.py:(compute)\n"
            "\n"
            "Functions with Highest Call Frequency (Indirect Calls):\n"
            "  6 indirect calls, 57.9% total stack presence: work.py:(compute)\n"
            "\n"
            "Functions with Highest Call Magnification (Cumulative/Direct):\n"
            "  2.2x call magnification, 6 indirect calls from 5 direct: work.py:(compute)\n"))

    def test_limit_zero_prints_no_rows_and_no_summary(self):
        out = table("--plugin-opt", "pstats.limit=0")
        self.assertEqual(row_names(out), [])
        self.assertIn("Legend:", out)
        self.assertNotIn("Summary of Interesting Functions", out)

    def test_no_summary_omits_legend_and_summary(self):
        out = table("--plugin-opt", "pstats.summary=false")
        full = expected("pstats_basic_default.txt")
        self.assertEqual(out, full[:full.index("\nLegend:")])
        self.assertNotIn("Legend:", out)
        self.assertNotIn("Summary", out)

    def test_units_follow_magnitude(self):
        # 100 ms a sample: tottime peaks at 0.6 s (ms), cumtime at 1.7 s (s).
        out = table(interval="100000")
        self.assertIn("  tottime (ms)  ", out)
        self.assertIn("  cumtime (s)  ", out)
        self.assertIn("            6/6      31.6       600.000      31.6         0.600  "
                      "work.py:30(inner)", out)
        self.assertIn("           1/17       5.3       100.000      89.5         1.700  "
                      "main.py:10(main)", out)
        # 10 us a sample: both columns in microseconds, titles padded by
        # characters (the mu is two bytes).
        out = table(interval="10")
        self.assertIn("       nsamples   sample%  tottime (\u03bcs)    cumul%  cumtime (\u03bcs)  "
                      "filename:lineno(function)", out)
        self.assertIn("            6/6      31.6        60.000      31.6        60.000  "
                      "work.py:30(inner)", out)
        # Exactly one second stays in seconds, exactly a millisecond in ms.
        out = table(interval="1000000")
        self.assertIn("tottime (s)", out)
        one = self.path("one.txt")
        with open(one, "w") as f:
            f.write("1 1 1 0 /app/a.py|f|1\n")
        out = feed("pstats", one, "--interval", "1000").stdout
        self.assertIn("  tottime (ms)  ", out)
        self.assertIn("            1/1     100.0         1.000     100.0         1.000  a.py:1(f)",
                      out)
        out = feed("pstats", one, "--interval", "999").stdout
        self.assertIn("  tottime (\u03bcs)  ", out)

    def test_dash_output_is_the_table(self):
        self.assertEqual(table("-o", "-"), expected("pstats_basic_default.txt"))

    def test_no_ansi_when_not_a_terminal(self):
        self.assertIsNone(ANSI.search(table()))

    def test_colour_only_on_terminal_without_no_color(self):
        args = [FEED, "--plugin-dir", PLUGIN_DIR, "--format", "pstats", "--interval", "1000",
                BASIC]
        coloured = run_on_tty(args, clean_env())
        self.assertIn("\x1b[1;34mProfile Stats:\x1b[0m\n", coloured)
        self.assertIn("\x1b[32mwork.py\x1b[0m:\x1b[33m30\x1b[0m(\x1b[36minner\x1b[0m)",
                      coloured)
        # Colour changes nothing else.
        self.assertEqual(ANSI.sub("", coloured), expected("pstats_basic_default.txt"))
        plain = run_on_tty(args, clean_env(NO_COLOR="1"))
        self.assertEqual(plain, expected("pstats_basic_default.txt"))

    def test_mode_in_header_and_empty_profile(self):
        out = feed("pstats", BASIC, "--interval", "1000", "--mode", "gil").stdout
        # As upstream 3.15, the title does not name the mode.
        self.assertTrue(out.startswith("Profile Stats:\n"))
        # The fixture's threads hold the GIL but are never on a CPU.
        out = feed("pstats", BASIC, "--mode", "cpu").stdout
        self.assertEqual(out, "No samples were collected.\n"
                              "This can happen in CPU mode when all threads are idle.\n")
        out = feed("pstats", BASIC, "--mode", "exception").stdout
        self.assertEqual(out, "No samples were collected.\n")

    def test_opcodes_merge_into_one_row(self):
        out = feed("pstats", fixture("pstats_opcodes.txt"), "--opcodes", "--interval",
                   "1000").stdout
        self.assertEqual(row_names(out), ["hot.py:7(loop)", "main.py:1(main)"])
        self.assertIn("            5/5     100.0         5.000     100.0         5.000  "
                      "hot.py:7(loop)", out)

    def test_bad_option_values_are_refused(self):
        for opt in ("pstats.sort=bogus", "pstats.limit=ten", "pstats.summary=maybe"):
            with self.subTest(opt=opt):
                proc = feed("pstats", BASIC, "--plugin-opt", opt, check=False)
                self.assertNotEqual(proc.returncode, 0)
                self.assertEqual(proc.stdout, "")


if __name__ == "__main__":
    unittest.main()
