"""The JSONL plugin: Python json.dumps formatting (compact, ASCII-escaped),
upstream's record types and fields, counts that agree with pstats, and a
live recording with the same record shapes as upstream's for the same
workload. (Replays of upstream captures are compared byte for byte, but
for run_id, in test_conformance.)"""
import json
import marshal
import os
import tempfile
import unittest

import binsupport as b

STACKS = """\
1 0x3 1 100 app.py|<module>|1;app.py|main|10;caf\u00e9.py|\u03bb_\U0001f600|30
1 0x1 2 200 app.py|<module>|1;app.py|main|12;~|<native>|-1
2 0x0 1 300 worker.py|run|5;~|<GC>|-1
1 0x3 3 900 app.py|<module>|1;app.py|main|10;caf\u00e9.py|\u03bb_\U0001f600|30
2 0x0 2 950 worker.py|run|5;worker.py|rec|7;worker.py|rec|7;worker.py|"quote\\\\"|8
2 0x0 1 1300 
"""


def records(path):
    with open(path, encoding="ascii") as f:
        return [json.loads(line) for line in f]


class Jsonl(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="tachyon-jsonl-")
        self.stacks = os.path.join(self.tmp.name, "stacks.txt")
        with open(self.stacks, "w", encoding="utf-8") as f:
            f.write(STACKS)

    def tearDown(self):
        self.tmp.cleanup()

    def p(self, name):
        return os.path.join(self.tmp.name, name)

    def test_formatting_is_pythons(self):
        b.feed("--format", "jsonl", "-o", self.p("x.jsonl"), "--interval", "250", self.stacks)
        with open(self.p("x.jsonl"), "rb") as f:
            raw = f.read()
        self.assertTrue(all(c < 0x80 for c in raw), "output must be ASCII")
        for line in raw.decode().splitlines():
            self.assertEqual(line, json.dumps(json.loads(line), separators=(",", ":")))
        recs = records(self.p("x.jsonl"))
        self.assertEqual([r["type"] for r in recs], ["meta", "string_table", "frame_table", "agg", "end"])
        self.assertEqual(recs[0]["sample_interval_usec"], 250)
        self.assertEqual(recs[0]["mode"], "wall")
        strings = [s["value"] for s in recs[1]["strings"]]
        # First use, leaf to root, function before path.
        self.assertEqual(strings[:4], ["\u03bb_\U0001f600", "caf\u00e9.py", "main", "app.py"])
        self.assertIn('"quote\\\\"', strings)

    def test_counts_agree_with_pstats(self):
        b.feed("--format", "jsonl", "-o", self.p("x.jsonl"), self.stacks)
        b.feed("--format", "pstats", "-o", self.p("x.pstats"), self.stacks)
        recs = records(self.p("x.jsonl"))
        strings = {s["str_id"]: s["value"] for r in recs if r["type"] == "string_table" for s in r["strings"]}
        frames = {f["frame_id"]: f for r in recs if r["type"] == "frame_table" for f in r["frames"]}
        entries = [e for r in recs if r["type"] == "agg" for e in r["entries"]]
        with open(self.p("x.pstats"), "rb") as f:
            pst = marshal.load(f)
        self_by_key = {}
        for e in entries:
            fr = frames[e["frame_id"]]
            key = (strings[fr["path_str_id"]], fr["line"], strings[fr["func_str_id"]])
            self_by_key[key] = self_by_key.get(key, 0) + e["self"]
            self.assertEqual(pst[key][1], e["cumulative"], key)   # one JSONL frame per key here
        self.assertEqual(self_by_key, {k: v[0] for k, v in pst.items()})
        total = recs[-1]["samples_total"]
        self.assertEqual(total, 1 + 2 + 1 + 3 + 2)               # the empty stack is not counted
        self.assertEqual(sum(e["self"] for e in entries), total)
        rec = [f for f in frames.values() if strings[f["func_str_id"]] == "rec"]
        self.assertEqual([e["cumulative"] for e in entries if e["frame_id"] == rec[0]["frame_id"]], [2])
        native = [f for f in frames.values() if strings[f["func_str_id"]] == "<native>"][0]
        self.assertEqual(set(native), {"frame_id", "path_str_id", "func_str_id", "line"})
        self.assertEqual(native["line"], 0)

    def test_live_recording_matches_upstream_shapes(self):
        if not os.access(b.PY313, os.X_OK):
            raise AssertionError("CPython 3.13 target interpreter missing: " + b.PY313)
        with b.SidDir() as d:
            d.upstream("run", "--jsonl", "-o", "up.jsonl", "-r", "2khz", "workload.py", "spin", "0.5")
            b.tachyon("run", "--jsonl", "-o", d.path("ta.jsonl"), "-r", "2khz", "--python", b.PY313,
                      b.WORKLOAD, "spin", "0.5")
            up, ta = records(d.path("up.jsonl")), records(d.path("ta.jsonl"))
        # How many 256-entry chunks a table takes depends on how many frames
        # each run saw (upstream's own launcher frames among them), so the
        # record kinds are compared run by run, and the chunking on its own.
        def kinds(recs):
            out = []
            for r in recs:
                if not out or out[-1] != r["type"]:
                    out.append(r["type"])
            return out
        self.assertEqual(kinds(up), kinds(ta))
        for kind, field in (("string_table", "strings"), ("frame_table", "frames"), ("agg", "entries")):
            sizes = [len(r[field]) for r in ta if r["type"] == kind]
            self.assertTrue(sizes and all(n == 256 for n in sizes[:-1]) and 0 < sizes[-1] <= 256, (kind, sizes))
        first_up, first_ta = {}, {}
        for r in up:
            first_up.setdefault(r["type"], r)
        for r in ta:
            first_ta.setdefault(r["type"], r)
        for kind in kinds(up):
            u, t = first_up[kind], first_ta[kind]
            self.assertEqual(set(u), set(t), kind)
            for field in ("strings", "frames", "entries"):
                if field in u:
                    self.assertEqual(set().union(*map(set, u[field])) - {"end_line"},
                                     set().union(*map(set, t[field])) - {"end_line"})
        self.assertEqual(ta[0]["mode"], "wall")
        entries = [e for r in ta if r["type"] == "agg" for e in r["entries"]]
        self.assertEqual(sum(e["self"] for e in entries), ta[-1]["samples_total"])
        self.assertGreater(ta[-1]["samples_total"], 200)


if __name__ == "__main__":
    unittest.main()
