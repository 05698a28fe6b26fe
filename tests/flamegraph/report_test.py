"""Checks of the flame graph report's data, read back from the HTML file the
plugin writes through tachyon_feed (no browser needed).

Environment: TACHYON_FEED (the tachyon_feed binary), TACHYON_PLUGIN_DIR (the
built plugins), FG_TEST_OUT (a scratch folder in the build tree)."""
import json
import os
import re
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
WORKLOAD = os.path.join(FIXTURES, "workload.py")
FEED = os.environ.get("TACHYON_FEED", "")
PLUGINS = os.environ.get("TACHYON_PLUGIN_DIR", "")
OUT = os.environ.get("FG_TEST_OUT") or tempfile.mkdtemp(prefix="fg-report-")

HAS_GIL, ON_CPU, UNKNOWN, GIL_REQUESTED, MAIN, IN_GC = 0x1, 0x2, 0x4, 0x8, 0x20, 0x40


def feed(args, cwd=None, check=True):
    cmd = [FEED, "--plugin-dir", PLUGINS, "--format", "flamegraph"] + args
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    if check and res.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (" ".join(cmd), res.returncode, res.stderr))
    return res


def load(path):
    with open(path, encoding="utf-8") as f:
        html = f.read()
    m = re.search(r'<script type="application/json" id="profile-data">(.*?)</script>', html, re.S)
    assert m, "no data island in " + path
    return html, m.group(1), json.loads(m.group(1))


class Tree:
    """A decoded preorder tree: nodes as dicts with loc, total, self, kids."""

    def __init__(self, doc, raw):
        flat = raw["nodes"]
        self.doc = doc
        self.nodes = []
        stack = []
        for i in range(0, len(flat), 4):
            node = {"loc": flat[i], "total": flat[i + 1], "self": flat[i + 2], "kids": [], "want": flat[i + 3]}
            idx = len(self.nodes)
            self.nodes.append(node)
            if stack:
                parent = stack[-1]
                self.nodes[parent]["kids"].append(idx)
                if len(self.nodes[parent]["kids"]) == self.nodes[parent]["want"]:
                    stack.pop()
            if node["want"]:
                stack.append(idx)
        assert not stack, "child counts do not add up"
        self.ops = {}
        o = raw["ops"]
        for i in range(0, len(o), 4):
            self.ops.setdefault(o[i], []).append((doc["strings"][o[i + 1]], doc["strings"][o[i + 2]], o[i + 3]))
        self.hot = raw["hot"]

    def func(self, idx):
        return self.doc["strings"][self.doc["locs"][self.nodes[idx]["loc"]][1]]

    def find(self, name):
        return [i for i in range(len(self.nodes)) if self.func(i) == name]


def write_stacks(name, text):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def fixture_stacks():
    with open(os.path.join(FIXTURES, "workload.stacks"), encoding="utf-8") as f:
        text = f.read()
    text = text.replace("@WORKLOAD@", WORKLOAD).replace("@THREADING@", "/nonexistent/threading.py")
    return write_stacks("report-workload.stacks", text)


@unittest.skipUnless(FEED and os.path.exists(FEED), "tachyon_feed is not built")
class FixtureReport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(OUT, exist_ok=True)
        cls.path = os.path.join(OUT, "report-fixture.html")
        feed(["-o", cls.path, "--opcodes", "--interval", "1000", "--pid", "4242", fixture_stacks()])
        cls.html, cls.raw_json, cls.doc = load(cls.path)
        cls.all = Tree(cls.doc, cls.doc["all"]["tree"])

    def test_page_is_self_contained(self):
        self.assertNotRegex(self.html, r'(?i)<(script|link|img)[^>]+(src|href)=')
        self.assertNotIn("http://", self.html.replace("http://www.w3.org/2000/svg", ""))
        self.assertNotIn("https://", self.html)
        self.assertIn("canvas", self.html)
        self.assertEqual(self.html.count("</script>"), 2)
        self.assertIn("Content-Security-Policy", self.html)

    def test_totals_and_tree(self):
        a = self.all
        self.assertEqual(a.nodes[0]["total"], 1000)
        (hot,) = a.find("hot_loop")
        self.assertEqual(a.nodes[hot]["total"], 500)
        self.assertEqual(a.nodes[hot]["self"], 500)
        (compute,) = a.find("compute")
        self.assertEqual((a.nodes[compute]["total"], a.nodes[compute]["self"]), (600, 100))
        # main at line 49 and at line 50 are distinct nodes: merged by file, function and line.
        self.assertEqual(sorted(a.nodes[i]["total"] for i in a.find("main")), [200, 600])
        for n in a.nodes:  # nothing is pruned at these sizes
            self.assertEqual(n["total"], n["self"] + sum(a.nodes[k]["total"] for k in n["kids"]))
        # Children come hottest first.
        for n in a.nodes:
            totals = [a.nodes[k]["total"] for k in n["kids"]]
            self.assertEqual(totals, sorted(totals, reverse=True))

    def test_threads(self):
        threads = self.doc["threads"]
        self.assertEqual([t["id"] for t in threads], ["1", "2"])
        self.assertEqual([t["main"] for t in threads], [True, False])
        main, worker = Tree(self.doc, threads[0]["tree"]), Tree(self.doc, threads[1]["tree"])
        self.assertEqual((main.nodes[0]["total"], worker.nodes[0]["total"]), (800, 200))
        self.assertEqual(worker.find("hot_loop"), [])
        self.assertEqual(main.hot[0][1:], [500, 500])

    def test_thread_statistics(self):
        s = self.doc["all"]["status"]
        self.assertEqual(s, {"samples": 1000, "gil_held": 850, "gil_released": 150, "gil_wait": 30,
                             "gc": 50, "on_cpu": 800, "cpu_known": 1000, "exception": 0})
        w = self.doc["threads"][1]["status"]
        self.assertEqual((w["gil_held"], w["gil_wait"], w["on_cpu"]), (50, 30, 50))

    def test_sampling_statistics_and_meta(self):
        st, meta = self.doc["stats"], self.doc["meta"]
        self.assertEqual((st["attempts"], st["successes"], st["missed"]), (1000, 1000, 0))
        self.assertEqual(meta["interval_us"], 1000)
        self.assertEqual(meta["pid"], 4242)
        self.assertEqual(meta["mode"], "wall")
        self.assertEqual(meta["duration_ns"], 600000000)
        self.assertTrue(meta["opcodes"])
        self.assertEqual(meta["min_percent"], 0.1)

    def test_opcode_breakdown(self):
        (hot,) = self.all.find("hot_loop")
        ops = sorted(self.all.ops[hot], key=lambda o: -o[2])
        self.assertEqual(ops, [("BINARY_OP_ADD_INT", "BINARY_OP", 250),
                               ("BINARY_OP_MULTIPLY_INT", "BINARY_OP", 150),
                               ("STORE_FAST", "STORE_FAST", 100)])
        (compute,) = self.all.find("compute")
        self.assertEqual(self.all.ops[compute], [("CALL_PY_EXACT_ARGS", "CALL", 100)])

    def test_source_context(self):
        strings, locs = self.doc["strings"], self.doc["locs"]
        src = {e[0]: (e[1], [strings[i] for i in e[2:]]) for e in self.doc["src"]}
        (hot,) = self.all.find("hot_loop")
        first, lines = src[self.all.nodes[hot]["loc"]]
        self.assertEqual(first, 13)
        self.assertEqual(lines[2].strip(), "total += i * i")
        self.assertEqual(len(lines), 5)
        # A file that does not exist gives no context, and no error.
        missing = [i for i, l in enumerate(locs) if strings[l[0]] == "/nonexistent/threading.py"]
        self.assertTrue(missing)
        self.assertFalse(set(missing) & set(src))

    def test_strings_are_deduplicated(self):
        strings = self.doc["strings"]
        self.assertEqual(len(strings), len(set(strings)))
        self.assertEqual(sum(1 for s in strings if s == WORKLOAD), 1)

    def test_data_cannot_close_the_script(self):
        self.assertNotIn("<", self.raw_json)

    def test_hotspots(self):
        strings, locs = self.doc["strings"], self.doc["locs"]
        names = [(strings[locs[h[0]][1]], h[1], h[2]) for h in self.doc["all"]["tree"]["hot"]]
        self.assertEqual(names[0], ("hot_loop", 500, 500))
        self.assertIn(("compute", 100, 600), names)


@unittest.skipUnless(FEED and os.path.exists(FEED), "tachyon_feed is not built")
class Variants(unittest.TestCase):
    def test_without_opcodes_no_breakdown(self):
        path = os.path.join(OUT, "report-noop.html")
        feed(["-o", path, fixture_stacks()])
        doc = load(path)[2]
        self.assertFalse(doc["meta"]["opcodes"])
        self.assertEqual(doc["all"]["tree"]["ops"], [])

    def test_single_thread_tree_written_once(self):
        stacks = write_stacks("report-one.stacks", "7 0x3 4 10 a.py|f|1;a.py|g|2\n7 0x3 1 20 a.py|f|1\n")
        path = os.path.join(OUT, "report-one.html")
        feed(["-o", path, stacks])
        doc = load(path)[2]
        self.assertEqual(len(doc["threads"]), 1)
        self.assertNotIn("tree", doc["threads"][0])
        self.assertEqual(doc["all"]["tree"]["nodes"][:4], [0, 5, 0, 1])

    def test_pruning(self):
        spec = "20000,3000,12,5"
        pruned, full = os.path.join(OUT, "report-pruned.html"), os.path.join(OUT, "report-full.html")
        feed(["-o", pruned, "--generate", spec])
        feed(["-o", full, "--plugin-opt", "flamegraph.min_percent=0", "--generate", spec])
        p, f = load(pruned)[2], load(full)[2]
        tp, tf = Tree(p, p["all"]["tree"]), Tree(f, f["all"]["tree"])
        self.assertGreater(len(tf.nodes), 2500)  # the nodes that got samples
        self.assertLess(len(tp.nodes), len(tf.nodes))
        total = tp.nodes[0]["total"]
        self.assertEqual(total, 20000)
        for n in tp.nodes[1:]:
            self.assertGreaterEqual(n["total"] * 1000, total)  # at least 0.1%
        kept_below = sum(1 for n in tf.nodes[1:] if n["total"] * 1000 >= total)
        self.assertEqual(kept_below + 1, len(tp.nodes))
        for t in (p, f):  # per-thread trees are pruned against their own total
            for th in t["threads"]:
                tt = Tree(t, th["tree"])
                self.assertEqual(tt.nodes[0]["total"], th["status"]["samples"])

    def test_default_output_name(self):
        with tempfile.TemporaryDirectory(dir=OUT) as cwd:
            feed(["--pid", "777", fixture_stacks()], cwd=cwd)
            self.assertTrue(os.path.exists(os.path.join(cwd, "flamegraph_777.html")))

    def test_bad_options(self):
        res = feed(["-o", os.path.join(OUT, "bad.html"), "--plugin-opt", "flamegraph.min_percent=lots",
                    fixture_stacks()], check=False)
        self.assertEqual(res.returncode, 2, res.stderr)
        res = feed(["-o", os.path.join(OUT, "bad.html"), "--plugin-opt", "flamegraph.min_percent=101",
                    fixture_stacks()], check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("min_percent", res.stderr)
        self.assertFalse(os.path.exists(os.path.join(OUT, "bad.html")))

    def test_hostile_and_odd_input(self):
        evil = "</script><!--<script>x=1</script>"
        stacks = write_stacks(
            "report-odd.stacks",
            "1 0x0 3 10 %s|%s|1;~|<GC>|-1\n" % (os.path.join(FIXTURES, "latin1.txt"), evil)
            + "1 0x4 2 20 \n"  # an empty stack, status unknown
            + "2 0x40 1 30 ~|<native>|-1\n")
        with open(os.path.join(FIXTURES, "latin1.txt"), "rb") as f:
            self.assertIn(b"\xe9", f.read())
        path = os.path.join(OUT, "report-odd.html")
        feed(["-o", path, stacks])
        html, raw, doc = load(path)
        self.assertEqual(html.count("</script>"), 2)
        self.assertIn(evil, doc["strings"])
        self.assertEqual(doc["all"]["status"]["samples"], 6)
        self.assertEqual(doc["all"]["status"]["gc"], 4)  # a <GC> frame or the IN_GC bit
        self.assertEqual(doc["all"]["status"]["cpu_known"], 4)
        t = Tree(doc, doc["all"]["tree"])
        self.assertEqual(t.nodes[0]["self"], 2)
        kinds = {doc["strings"][l[1]]: doc["meta"]["kinds"][l[3]] for l in doc["locs"][1:]}
        self.assertEqual(kinds["<GC>"], "gc")
        self.assertEqual(kinds["<native>"], "native")
        # A source file that is not UTF-8 still yields valid (replaced) text.
        src = [e for e in doc["src"] if doc["strings"][doc["locs"][e[0]][0]].endswith("latin1.txt")]
        self.assertEqual(len(src), 1)
        self.assertIn("caf?", doc["strings"][src[0][2]])


if __name__ == "__main__":
    unittest.main()
