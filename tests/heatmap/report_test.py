"""Checks of the heatmap report's content, read back from the pages the
plugin writes through tachyon_feed (and one live run of tachyon), no
browser needed. Counts are checked against the collapsed output of the
same samples, computed here independently of the plugin.

Environment: TACHYON_FEED (the tachyon_feed binary), TACHYON_PLUGIN_DIR (the
built plugins), TACHYON_BIN (the tachyon executable), HM_TEST_OUT (a
scratch folder in the build tree)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
FEED = os.environ.get("TACHYON_FEED", "")
PLUGINS = os.environ.get("TACHYON_PLUGIN_DIR", "")
TACHYON = os.environ.get("TACHYON_BIN", "")
OUT = os.environ.get("HM_TEST_OUT") or tempfile.mkdtemp(prefix="hm-report-")
SID_ROOT = os.environ.get("TACHYON_SID_ROOT", "/var/cache/tachyon/sid-root")
# The interpreters under test are the integration suite's: one list, one
# override (TACHYON_TEST_PYTHONS / TACHYON_TEST_PYTHON_SET), and a missing
# interpreter fails.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "integration"))
from support import interpreters  # noqa: E402
os.makedirs(OUT, exist_ok=True)

ROW = re.compile(r'<div class="ln( hit)?" id="line-(\d+)" data-n="\d+">'
                 r'(?:<span class="cs">(\d*)</span><span class="cc">(\d*)</span><span class="nav"></span>'
                 r'<span class="src">(.*?)</span>|(.*?))</div>\n')


def setUpModule():
    # Everything this needs is part of the build: missing is a failure, not a skip.
    for what, path in (("TACHYON_FEED", FEED), ("TACHYON_BIN", TACHYON), ("TACHYON_PLUGIN_DIR", PLUGINS)):
        if not path or not os.path.exists(path):
            raise AssertionError("%s does not name a built file: %r" % (what, path))


def feed(args, cwd=None, fmt="heatmap", check=True):
    cmd = [FEED, "--plugin-dir", PLUGINS, "--format", fmt] + args
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    if check and res.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (" ".join(cmd), res.returncode, res.stderr))
    return res


def island(html):
    m = re.search(r'<script type="application/json" id="heat-data">(.*?)</script>', html, re.S)
    assert m, "no data island"
    return json.loads(m.group(1))


class Page:
    """One file_NNNN.html: its data island and its rows by line number."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.html = f.read()
        self.data = island(self.html)
        self.rows = {}
        for m in ROW.finditer(self.html):
            text = m.group(5) if m.group(1) else m.group(6)
            self.rows[int(m.group(2))] = (bool(m.group(1)), int(m.group(3) or 0), int(m.group(4) or 0), text)


class Report:
    def __init__(self, folder):
        self.folder = folder
        with open(os.path.join(folder, "index.html"), encoding="utf-8") as f:
            self.index_html = f.read()
        self.index = island(self.index_html)
        self.pages = {}
        for row in self.index["files"]:
            self.pages[row[0]] = Page(os.path.join(folder, "file_%04d.html" % row[6]))

    def page(self, suffix):
        hits = [p for name, p in self.pages.items() if name.endswith(suffix)]
        assert len(hits) == 1, "%d pages end with %s" % (len(hits), suffix)
        return hits[0]


def fixture_stacks(out):
    with open(os.path.join(FIXTURES, "app.stacks"), encoding="utf-8") as f:
        text = f.read().replace("@DIR@", FIXTURES).replace("@OUT@", out)
    with open(os.path.join(out, "short.py"), "w", encoding="utf-8") as f:
        f.write("def moved():\n    pass\n# three lines\n")
    path = os.path.join(out, "app.stacks")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def expected_from_collapsed(text):
    """{(basename, line): [self, cumulative]} from collapsed stacks, by the
    heatmap's rules: special files left out, self for the innermost frame
    only, cumulative once per stack."""
    counts = {}
    for raw in text.splitlines():
        stack, _, n = raw.rpartition(" ")
        n = int(n)
        frames = []
        for fr in stack.split(";")[1:]:
            parts = fr.rsplit(":", 2)
            if len(parts) != 3 or parts[0].startswith(("<", "[", "~")) or int(parts[2]) < 0:
                frames.append(None)
            else:
                frames.append((parts[0], int(parts[2])))
        seen = set()
        for i, key in enumerate(frames):
            if key is None:
                continue
            c = counts.setdefault(key, [0, 0])
            if key not in seen:
                seen.add(key)
                c[1] += n
            if i == len(frames) - 1:
                c[0] += n
    return counts


class FixtureReport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = os.path.join(OUT, "report")
        shutil.rmtree(cls.out, ignore_errors=True)
        os.makedirs(cls.out)
        stacks = fixture_stacks(cls.out)
        cls.res = feed(["--opcodes", "--pid", "77", "-o", os.path.join(cls.out, "hm.html"), stacks])
        cls.report = Report(os.path.join(cls.out, "hm"))
        collapsed = os.path.join(cls.out, "collapsed.txt")
        feed(["-o", collapsed, stacks], fmt="collapsed")
        with open(collapsed, encoding="utf-8") as f:
            cls.expected = expected_from_collapsed(f.read())

    def test_counts_match_the_collapsed_output(self):
        got = {}
        for name, page in self.report.pages.items():
            for line, (hit, s, c, _) in page.rows.items():
                if hit:
                    got[(os.path.basename(name), line)] = [s, c]
        self.assertEqual(got, self.expected)
        # The recursion through walk's line 23 counts once per stack.
        self.assertEqual(self.expected[("app.py", 23)], [0, 200])

    def test_files_ranked_and_totalled(self):
        files = self.report.index["files"]
        self.assertEqual([os.path.basename(f[0]) for f in files], ["app.py", "helpers.py", "gone.py", "short.py"])
        self.assertEqual([f[6] for f in files], [0, 1, 2, 3], "pages numbered by rank")
        for f in files:
            lines = [v for (b, _), v in self.expected.items() if b == os.path.basename(f[0])]
            self.assertEqual(f[3], sum(v[1] for v in lines), f[0])
            self.assertEqual(f[4], sum(v[0] for v in lines), f[0])
            self.assertEqual(f[5], len(lines), f[0])
        self.assertEqual(self.report.index["total"], 1060)
        # Share of samples with the file anywhere on the stack (once per stack).
        self.assertIn('id="card-share">100.00%<', self.report.page("/app.py").html)
        self.assertIn('id="card-share">80.19%<', self.report.page("/helpers.py").html)
        self.assertNotIn("frozen", self.report.index_html)

    def test_hot_line_is_the_hottest(self):
        app = self.report.page("/app.py")
        best = max(app.rows.items(), key=lambda kv: kv[1][1])
        self.assertEqual(best[0], 16)
        self.assertEqual(best[1][1], 600)
        self.assertIn("total = (total * 31 + b) &amp; 0xFFFFFFFF", best[1][3])
        self.assertEqual(self.report.index["hot"][0][:4], [0, 16, 600, 600])
        # The whole source is shown, numbered, cold lines included.
        with open(os.path.join(FIXTURES, "app.py"), encoding="utf-8") as f:
            self.assertEqual(len(app.rows), len(f.read().splitlines()))
        self.assertFalse(app.rows[1][0])

    def test_callers_and_callees_cross_files(self):
        app = self.report.page("/app.py").data
        helpers = self.report.page("/helpers.py").data
        # checksum's def line (13, found in the source above its first sampled
        # line, 15) lists its caller digest in helpers.py, and links go there.
        callers = dict((line, targets) for line, targets in app["callers"])
        self.assertEqual(callers[13], [[1, 7, "digest", os.path.join(FIXTURES, "pkg", "helpers.py"), 700]])
        callees = dict((line, targets) for line, targets in helpers["callees"])
        self.assertEqual(callees[7], [[0, 13, "checksum", os.path.join(FIXTURES, "app.py"), 700]])
        # Without a def line in view (an unreadable file), the first sampled line stands in.
        self.assertEqual(dict((l, t) for l, t in self.report.page("/gone.py").data["callers"])[5][0][2], "<module>")
        # <module>'s line calls three functions, most samples first.
        top = dict((line, targets) for line, targets in app["callees"])[35]
        self.assertEqual([t[2] for t in top], ["main", "vanish", "moved"])
        self.assertEqual([t[4] for t in top], [1000, 30, 10])
        self.assertEqual([t[1] for t in top], [26, 5, 1], "def lines (short.py changed: its def is line 1)")
        # walk calls itself from line 23; the native leaf frame is skipped.
        self.assertEqual(callees_of(app, 22), [["leaf_work", 150]])

    def test_bytecode_per_line(self):
        app = self.report.page("/app.py").data
        self.assertTrue(app["opcodes"])
        ops = dict((line, o) for line, o in app["ops"])
        self.assertEqual(ops[16], [["BINARY_OP_MULTIPLY_INT", "BINARY_OP", 300], ["BINARY_OP", "BINARY_OP", 200],
                                   ["STORE_FAST", "STORE_FAST", 100]])
        self.assertEqual(ops[15], [["FOR_ITER_RANGE", "FOR_ITER", 100]])

    def test_unreadable_and_changed_sources_get_a_note(self):
        gone = self.report.page("/gone.py")
        self.assertIn("Source not available: /nonexistent/gone.py", gone.html)
        self.assertEqual(sorted(gone.rows), [5])
        self.assertEqual(gone.rows[5][1:3], (30, 30))
        short = self.report.page("/short.py")
        self.assertIn("Source changed: line 40 of", short.html)
        self.assertEqual(sorted(short.rows), [1, 2, 3, 40])
        notes = {os.path.basename(f[0]): f[7] for f in self.report.index["files"]}
        self.assertIsNone(notes["app.py"])
        self.assertTrue(notes["gone.py"] and notes["short.py"])

    def test_end_of_run_lines(self):
        folder = os.path.join(self.out, "hm")
        self.assertIn("Heatmap output written to %s/\n  - Index: %s/index.html\n  - 4 source files analyzed\n"
                      % (folder, folder), self.res.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.out, "hm.html")))

    def test_pages_block_the_network(self):
        for html in [self.report.index_html] + [p.html for p in self.report.pages.values()]:
            self.assertIn("default-src 'none'", html)
            self.assertNotRegex(html, r'(src|href)="(https?:)?//')


def callees_of(data, line):
    for at, targets in data["callees"]:
        if at == line:
            return [[t[2], t[4]] for t in targets]
    return []


class EdgeCases(unittest.TestCase):
    def setUp(self):
        self.out = tempfile.mkdtemp(prefix="case-", dir=OUT)

    def write(self, name, data):
        path = os.path.join(self.out, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_nothing_to_show_writes_nothing(self):
        stacks = self.write("s.stacks", b"1 0x3 5 100 <frozen x>|f|1;<string>|<module>|1\n1 0x3 5 200 ~|<GC>|-1\n")
        res = feed(["-o", os.path.join(self.out, "empty"), stacks])
        self.assertIn("No heatmap data to export", res.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.out, "empty")))

    def test_default_directory_name(self):
        stacks = self.write("s.stacks", ("1 0x3 5 100 %s|f|1\n" % os.path.join(FIXTURES, "app.py")).encode())
        feed(["--pid", "4321", stacks], cwd=self.out)
        self.assertTrue(os.path.isfile(os.path.join(self.out, "heatmap_4321", "index.html")))
        self.assertTrue(os.path.isfile(os.path.join(self.out, "heatmap_4321", "file_0000.html")))

    def test_index_groups_files_as_modules(self):
        lines = []
        for n, path in enumerate(["app.py", "pkg/helpers.py", "/usr/lib/python3.13/json/decoder.py",
                                  "/usr/lib/python3/dist-packages/requests/api.py",
                                  "/opt/venv/lib/python3.12/site-packages/numpy/core/__init__.py",
                                  "/srv/tool/run.py"]):
            lines.append("1 0x3 %d %d %s|f|3\n" % (n + 1, 100 * (n + 1), path))
        stacks = self.write("s.stacks", "".join(lines).encode())
        feed(["-o", os.path.join(self.out, "g"), stacks], cwd=FIXTURES)
        files = {f[0]: (f[1], f[2]) for f in Report(os.path.join(self.out, "g")).index["files"]}
        self.assertEqual(files, {
            "app.py": ("app", 0), "pkg/helpers.py": ("pkg.helpers", 0),
            "/usr/lib/python3.13/json/decoder.py": ("json.decoder", 1),
            "/usr/lib/python3/dist-packages/requests/api.py": ("requests.api", 2),
            "/opt/venv/lib/python3.12/site-packages/numpy/core/__init__.py": ("numpy.core", 2),
            "/srv/tool/run.py": ("srv.tool.run", 3)})

    def test_hostile_contents_and_names_stay_text(self):
        folder = os.path.join(self.out, "ev\"il <b>&'d\u00efr \u65e5")
        os.makedirs(folder)
        evil = os.path.join(folder, "x<script>alert(1)<\\script>.py")
        long_line = "s = '" + "\u00e9" * 60000 + "'\n"
        src = ("</script><script>window.pwned=1</script>\n"
               "<img src=x onerror=\"window.pwned=2\">\n"
               "greeting = '\u65e5\u672c\u8a9e \u03c0 caf\u00e9'\n" + long_line).encode() + b"bad = b'\xff\xfe\x00'\n"
        with open(evil, "wb") as f:
            f.write(src)
        stacks = self.write("s.stacks", ("1 0x3 5 100 %s|<b>f</b>|1\n1 0x3 7 200 %s|g|5\n" % (evil, evil)).encode())
        feed(["-o", os.path.join(self.out, "h"), stacks])
        page = Report(os.path.join(self.out, "h")).pages[evil]
        body = page.html.split("<body", 1)[1]
        self.assertNotIn("<script>window.pwned", body)
        self.assertNotIn("<img", body)
        self.assertIn("&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;", body)
        self.assertIn("\u65e5\u672c\u8a9e \u03c0 caf\u00e9", body)
        self.assertIn("\ufffd", page.rows[5][3], "invalid UTF-8 and NUL shown as U+FFFD")
        self.assertIn("more bytes", page.rows[4][3], "a very long line is cut")
        self.assertEqual(page.data["file"], evil)
        # The island and the tags around it stay intact: exactly one of each script.
        self.assertEqual(body.count("</script>"), 2)

    def test_a_sampled_line_without_code_means_the_file_changed(self):
        path = self.write("edited.py", b"def f():\n\n    # was code once\n    return 1\n")
        for line, flagged in ((3, True), (2, True), (4, False)):
            stacks = self.write("s.stacks", ("1 0x3 4 100 %s|f|%d\n" % (path, line)).encode())
            feed(["-o", os.path.join(self.out, "e%d" % line), stacks])
            page = Report(os.path.join(self.out, "e%d" % line)).pages[path]
            self.assertEqual("Source changed: line %d of" % line in page.html, flagged, line)
            self.assertEqual(page.rows[line][1:3], (4, 4))

    def test_large_file_is_shown_whole(self):
        path = self.write("big.py", "".join("x_%d = %d\n" % (i, i) for i in range(1, 50001)).encode())
        stacks = self.write("s.stacks", ("1 0x3 9 100 %s|f|49999\n" % path).encode())
        feed(["-o", os.path.join(self.out, "b"), stacks])
        page = Report(os.path.join(self.out, "b")).pages[path]
        self.assertEqual(len(page.rows), 50000)
        self.assertEqual(page.rows[49999][1:3], (9, 9))

    def test_standard_output_is_refused(self):
        stacks = self.write("s.stacks", ("1 0x3 5 100 %s|f|1\n" % os.path.join(FIXTURES, "app.py")).encode())
        res = feed(["-o", "-", stacks], check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("cannot go to standard output", res.stderr)


class Live(unittest.TestCase):
    """tachyon run --heatmap on the fixture workload, on every interpreter
    the project supports (the integration suite's list: a missing one
    fails), and side by side with upstream 3.15's own --heatmap."""

    def run_ours(self, python, out, seconds="0.8", extra=()):
        res = subprocess.run([TACHYON, "run", "--python", python, "--plugin", PLUGINS, "--heatmap", "-o", out]
                             + list(extra) + [os.path.join(FIXTURES, "app.py"), seconds],
                             capture_output=True, text=True, timeout=180, cwd=FIXTURES)
        self.assertEqual(res.returncode, 0, res.stderr)
        return res

    def test_every_interpreter_finds_the_hot_line(self):
        for name, python in interpreters():
            with self.subTest(python=name):
                out = tempfile.mkdtemp(prefix="live-", dir=OUT)
                folder = os.path.join(out, "live")
                res = self.run_ours(python, folder + ".html", extra=["--opcodes"])
                # As upstream: the run summary, then where the report went, on stdout.
                # (Start-up may add a standard-library file or two.)
                self.assertRegex(res.stdout, r"Captured \d+ samples in [\d.]+ seconds\n(.*\n)*Heatmap output "
                                 r"written to %s/\n  - Index: %s/index.html\n  - \d+ source files analyzed\n"
                                 % (re.escape(folder), re.escape(folder)))
                self.assertNotIn("Profile written to", res.stderr, "the folder is named by the plugin, not as -o")
                report = Report(folder)
                app = report.page("/app.py")
                kinds = {os.path.basename(f[0]): f[2] for f in report.index["files"]}
                self.assertEqual((kinds["app.py"], kinds["helpers.py"]), (0, 0), "files under the working directory")
                best = max(app.rows.items(), key=lambda kv: kv[1][1])
                self.assertEqual(best[0], 16, "checksum's loop body is the hottest line: %r" % (best,))
                self.assertEqual(report.index["hot"][0][:2], [app.data["page"], 16], "first of the hottest lines")
                self.assertTrue(dict((l, o) for l, o in app.data["ops"]).get(16), "bytecode of the hot line")
                self.assertIn(13, dict(app.data["callers"]), "checksum's callers on its def line")

    def test_a_recorded_run_matches_its_collapsed_output(self):
        # One live run, recorded, then replayed into both formats: the very
        # same samples, so every line's counts must agree exactly.
        out = tempfile.mkdtemp(prefix="replay-", dir=OUT)
        rec = os.path.join(out, "run.bin")
        res = subprocess.run([TACHYON, "run", "--python", interpreters()[0][1], "--binary", "--opcodes", "-o", rec,
                              os.path.join(FIXTURES, "app.py"), "0.8"],
                             capture_output=True, text=True, timeout=180, cwd=FIXTURES)
        self.assertEqual(res.returncode, 0, res.stderr)
        for fmt, dest in (("--collapsed", "run.txt"), ("--heatmap", "run.html")):
            res = subprocess.run([TACHYON, "replay", "--plugin", PLUGINS, fmt, "-o", os.path.join(out, dest), rec],
                                 capture_output=True, text=True, timeout=180, cwd=FIXTURES)
            self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("Heatmap output written to %s/" % os.path.join(out, "run"), res.stdout)
        with open(os.path.join(out, "run.txt"), encoding="utf-8") as f:
            expected = expected_from_collapsed(f.read())
        got = {}
        report = Report(os.path.join(out, "run"))
        for name, page in report.pages.items():
            for line, (hit, s, c, _) in page.rows.items():
                if hit:
                    got[(os.path.basename(name), line)] = [s, c]
        self.assertEqual(got, expected)
        self.assertEqual(max(got, key=lambda k: got[k][0]), ("app.py", 16))
        self.assertTrue(dict(report.page("/app.py").data["ops"]).get(16), "opcodes survive the recording")

    def upstream(self, out_dir):
        python = os.path.join(SID_ROOT, "usr/bin/python3.15")
        if not os.path.exists(python):
            raise AssertionError("%s is missing: build the unstable root with scripts/sid-root.sh" % python)
        inside = tempfile.mkdtemp(prefix="hm-up-", dir=os.path.join(SID_ROOT, "tmp"))
        try:
            shutil.copytree(FIXTURES, os.path.join(inside, "w"))
            rel = "/" + os.path.relpath(inside, SID_ROOT)
            # upstream needs /proc inside the root: a private mount namespace
            # keeps that mount away from everything else.
            script = ('mount -t proc proc "%s/proc" && chroot "%s" sh -c "cd %s/w && python3.15 -m '
                      'profiling.sampling run --heatmap -o %s/up app.py 1.5"' % (SID_ROOT, SID_ROOT, rel, rel))
            r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                               capture_output=True, text=True, timeout=180)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("  - 2 source files analyzed", r.stdout)
            counts = {}
            for page in os.listdir(os.path.join(inside, "up")):
                if not page.startswith("file_"):
                    continue
                with open(os.path.join(inside, "up", page), encoding="utf-8") as f:
                    html = f.read()
                name = os.path.basename(re.search(r"<title>(.*?) - Heatmap</title>", html).group(1))
                counts[name] = {int(m.group(1)): (int(m.group(2)), int(m.group(3))) for m in re.finditer(
                    r'id="line-(\d+)" title="Self: (\d+), Total: (\d+)"', html)}
            return counts
        finally:
            shutil.rmtree(inside, ignore_errors=True)

    def test_side_by_side_with_upstream(self):
        up = self.upstream(OUT)
        folder = tempfile.mkdtemp(prefix="side-", dir=OUT) + "/ours"
        self.run_ours(dict(interpreters())["3.15-sid"], folder, seconds="1.5")
        report = Report(folder)
        ours = {os.path.basename(n): {l: (r[1], r[2]) for l, r in p.rows.items() if r[0]}
                for n, p in report.pages.items()}
        self.assertEqual(sorted(ours), sorted(up), "the same files")

        def shares(counts):
            total = max(c for lines in counts.values() for _, c in lines.values())  # <module>'s line
            return {(f, l): (s / total, c / total) for f, lines in counts.items() for l, (s, c) in lines.items()}

        o, u = shares(ours), shares(up)
        for label, side in (("ours", o), ("upstream", u)):
            self.assertEqual(max(side, key=lambda k: side[k][0]), ("app.py", 16), label + ": hottest line")
        # The same interpreter and workload give the same picture: every line
        # that holds 3% of the samples in one report is in the other, with a
        # share within 15 points (both runs are sampled on a loaded machine).
        for key in set(o) | set(u):
            a, b = o.get(key, (0, 0)), u.get(key, (0, 0))
            if max(a[1], b[1]) >= 0.03:
                self.assertIn(key, o, "missing from ours: %r (upstream %r)" % (key, b))
                self.assertIn(key, u, "missing from upstream: %r (ours %r)" % (key, a))
                self.assertLess(abs(a[0] - b[0]), 0.15, "self share of %r: ours %r, upstream %r" % (key, a, b))
                self.assertLess(abs(a[1] - b[1]), 0.15, "total share of %r: ours %r, upstream %r" % (key, a, b))

    def test_cli_accepts_the_format_and_refuses_standard_output(self):
        res = subprocess.run([TACHYON, "run", "--plugin", PLUGINS, "--heatmap", "-o", "-", "x.py"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn("--heatmap writes a directory of files, not standard output: give -o DIR", res.stderr)
        res = subprocess.run([TACHYON, "run", "--help"], capture_output=True, text=True, timeout=60)
        self.assertIn("for heatmap: directory name (default: heatmap_PID)", res.stdout + res.stderr)
        res = subprocess.run([TACHYON, "plugins", "--plugin", PLUGINS], capture_output=True, text=True, timeout=60)
        self.assertIn("heatmap", res.stdout)


if __name__ == "__main__":
    unittest.main()
