"""The gecko plugin: Firefox Profiler profiles checked with the profiler's
own loader (profiler-cli), with our structural checker, against pstats on
the same samples, on live targets of every interpreter, and side by side
with upstream 3.15's own --gecko output."""
import copy
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from check_gecko import check_profile
from geckotest import (Loader, TACHYON, add_counts, feed, fixture, interpreters, load_json, profile_to_feed,
                       pstats_counts, run, workload)

SID_ROOT = os.environ.get("TACHYON_SID_ROOT", "/var/cache/tachyon/sid-root")


def ms(us):
    return us / 1000.0


class FeedProfiles(unittest.TestCase):
    """A hand-made sample stream (fixtures/mix.txt) whose every marker and
    count is known, fed through the real host with tachyon_feed."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gecko-feed-")
        cls.path = os.path.join(cls.tmp, "mix.json")
        r = feed("gecko", fixture("mix.txt"), cls.path, "--opcodes")
        cls.stdout = r.stdout
        cls.prof = load_json(cls.path)
        feed("pstats", fixture("mix.txt"), os.path.join(cls.tmp, "mix.pstats"))
        cls.pstats = pstats_counts(os.path.join(cls.tmp, "mix.pstats"))
        cls.loader = Loader(cls.path)

    @classmethod
    def tearDownClass(cls):
        cls.loader.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def thread(self, tid):
        return next(t for t in self.prof["threads"] if t["tid"] == tid)

    def test_sound_and_announced(self):
        self.assertEqual(check_profile(self.prof), [])
        self.assertIn(f"Gecko profile written to {self.path}\nOpen in Firefox Profiler: https://profiler.firefox.com/",
                      self.stdout)
        with open(self.path, "rb") as f:
            raw = f.read()
        self.assertTrue(raw.isascii())
        self.assertFalse(raw.endswith(b"\n"))

    def test_tracks(self):
        # Thread 3 only ever had empty stacks: no track for it.
        self.assertEqual([(t["tid"], t["isMainThread"], t["name"]) for t in self.prof["threads"]],
                         [(1, True, "Thread-1"), (2, False, "Thread-2")])
        self.assertEqual(sorted(t["tid"] for t in self.loader.threads), [1, 2])

    def test_counts_equal_pstats(self):
        got = {}
        for t in self.loader.threads:
            add_counts(got, self.loader.functions(t["threadHandle"]))
        self.assertEqual(got, self.pstats)
        # The weighted sample counts twice, its time stays one entry.
        s = self.thread(1)["samples"]
        self.assertEqual(s["weight"], [1, 2, 1, 1, 1, 1])
        self.assertEqual(s["time"], [1, 2, 3, 4, 5, 6])
        self.assertIsNone(self.thread(2)["samples"]["weight"])

    def test_tables(self):
        strings = self.prof["shared"]["stringArray"]
        self.assertEqual(strings[0], "(root)")
        self.assertEqual(len(strings), len(set(strings)))
        t = self.thread(1)
        fn, ft = t["funcTable"], t["frameTable"]
        funcs = {strings[n]: i for i, n in enumerate(fn["name"])}
        # Recursion is one function and one frame; two lines are two frames.
        self.assertEqual(sorted(strings[n] for n in fn["name"]),
                         sorted({"<module>", "main", "compute", "fact", "_run_code", "__init__", "Node.__init__",
                                 "helper", "<native>", "callback"}))
        self.assertEqual(sorted(ft["line"][i] for i in range(ft["length"]) if ft["func"][i] == funcs["compute"]),
                         [20, 21])
        frozen = funcs["_run_code"]
        self.assertEqual((fn["isJS"][frozen], fn["fileName"][frozen], fn["lineNumber"][frozen]), (False, None, None))
        self.assertEqual(strings[t["resourceTable"]["name"][fn["resource"][frozen]]], "<frozen runpy>")
        shim = funcs["__init__"]
        self.assertEqual(fn["lineNumber"][shim], -1)
        native = funcs["<native>"]
        self.assertEqual((fn["isJS"][native], strings[fn["fileName"][native]]), (True, "~"))
        self.assertEqual([ft["line"][i] for i in range(ft["length"]) if ft["func"][i] == native], [None])
        self.assertEqual(strings[fn["fileName"][funcs["Node.__init__"]]], "util.py")
        # Each stack is interned once: the three samples in compute():20
        # (one of weight 2) share their stack.
        self.assertEqual(t["samples"]["stack"][0], t["samples"]["stack"][1])
        cats = [c["name"] for c in self.prof["meta"]["categories"]]
        self.assertEqual(cats, ["Other", "Python", "Native", "GC", "GIL", "CPU", "Code Type", "Opcodes", "Exception"])
        st = t["stackTable"]
        for i in range(st["length"]):
            want = "Python" if fn["isJS"][ft["func"][st["frame"][i]]] else "Native"
            self.assertEqual(cats[st["category"][i]], want)

    def test_state_markers(self):
        strings = self.prof["shared"]["stringArray"]
        mk = self.thread(2)["markers"]
        got = sorted((strings[mk["name"][i]], mk["startTime"][i], mk["endTime"][i], mk["category"][i],
                      json.dumps(mk["data"][i], sort_keys=True)) for i in range(mk["length"]))
        gil, cpu, code, gc, exc = 4, 5, 6, 3, 8
        want = [("Has GIL", 1, 3, gil), ("Python Code", 1, 3, code), ("On CPU", 1, 4, cpu),
                ("Native Code", 3, 4, code), ("No GIL", 3, 5, gil), ("Off CPU", 4, 5, cpu),
                ("Waiting for GIL", 4, 5, gil), ("No Exception", 1, 5, exc), ("Has Exception", 5, 6, exc),
                ("GC Collecting", 5, 6, gc), ("Has GIL", 5, 6, gil), ("On CPU", 5, 6, cpu),
                ("Python Code", 5, 6, code), ("No Exception", 6, 6, exc)]
        want = sorted((n, s, e, c, json.dumps({"type": n.replace(" ", ""), "duration": e - s, "tid": 2},
                                              sort_keys=True)) for n, s, e, c in want)
        self.assertEqual(got, want)
        # The loader sees the same intervals (its times start at the first sample).
        seen = sorted((n, round(s + 1, 6), round(d, 6)) for n, s, d, _, _ in self.loader.markers("t-1"))
        self.assertEqual(seen, sorted((n, s, e - s) for n, s, e, _, _ in want))

    def test_opcode_markers(self):
        schema = self.prof["meta"]["markerSchema"]
        self.assertEqual([s["name"] for s in schema], ["Opcode"])
        self.assertEqual([f["key"] for f in schema[0]["fields"]],
                         ["opname", "base_opname", "is_specialized", "line", "column", "function", "duration"])
        ops = [(m[0], m[1] + 1, m[2], m[4]) for m in self.loader.markers("t-0") if m[3] == "Opcode"]
        self.assertEqual(sorted(ops), sorted([
            ("BINARY_OP_ADD_INT (BINARY_OP)", 1, 2,
             {"opcode": 151, "opname": "BINARY_OP_ADD_INT (BINARY_OP)", "base_opname": "BINARY_OP",
              "is_specialized": True, "line": 20, "column": None, "function": "compute", "duration": 2}),
            ("STORE_FAST", 3, 1,
             {"opcode": 90, "opname": "STORE_FAST", "base_opname": "STORE_FAST", "is_specialized": False,
              "line": 21, "column": None, "function": "compute", "duration": 1})]))
        names = {m[0] for m in self.loader.markers("t-0")}
        self.assertEqual(names - {o[0] for o in ops}, {"Has GIL", "On CPU", "Python Code", "No Exception"})


class Robustness(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gecko-rob-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_checker_catches_broken_profiles(self):
        path = os.path.join(self.tmp, "g.json")
        feed("gecko", fixture("mix.txt"), path, "--opcodes")
        good = load_json(path)
        self.assertEqual(check_profile(good), [])

        def broken(edit, expect):
            prof = copy.deepcopy(good)
            edit(prof)
            problems = check_profile(prof)
            self.assertTrue(any(expect in p for p in problems), (expect, problems))

        t0 = lambda p: p["threads"][0]
        broken(lambda p: t0(p)["samples"]["stack"].__setitem__(0, 99), "out of range")
        broken(lambda p: t0(p)["stackTable"]["prefix"].__setitem__(0, 3), "not an earlier stack")
        broken(lambda p: t0(p)["frameTable"]["func"].append(0), "entries, length is")
        broken(lambda p: t0(p)["samples"]["time"].__setitem__(1, 0.5), "goes back in time")
        broken(lambda p: t0(p)["markers"]["endTime"].__setitem__(0, -1), "ends before it starts")
        broken(lambda p: t0(p)["funcTable"]["name"].__setitem__(0, 10 ** 6), "out of range")
        broken(lambda p: t0(p)["stackTable"]["category"].__setitem__(0, 42), "out of range")
        broken(lambda p: p["meta"].__setitem__("markerSchema", []), "without an Opcode marker schema")
        # And the loader itself refuses what it cannot process at all.
        bad = copy.deepcopy(good)
        del bad["threads"][0]["stackTable"]
        bad_path = os.path.join(self.tmp, "bad.json")
        with open(bad_path, "w") as f:
            json.dump(bad, f)
        with self.assertRaises(AssertionError):
            Loader(bad_path).close()

    def test_no_samples(self):
        empty = os.path.join(self.tmp, "empty.txt")
        with open(empty, "w") as f:
            f.write("# nothing\n")
        path = os.path.join(self.tmp, "e.json")
        feed("gecko", empty, path)
        prof = load_json(path)
        self.assertEqual((prof["threads"], prof["shared"]["stringArray"]), ([], ["(root)"]))
        self.assertEqual(check_profile(prof), [])
        # This is upstream's empty profile too; the loader has no thread to
        # select in it and says so rather than showing an empty profile.
        with self.assertRaisesRegex(AssertionError, "before it was loaded"):
            Loader(path).close()

    def test_profile_on_standard_output(self):
        # -o - sends the profile itself to stdout: nothing else may go there.
        r = feed("gecko", fixture("mix.txt"), "-")
        prof = json.loads(r.stdout)
        self.assertEqual(check_profile(prof), [])
        self.assertEqual(len(prof["threads"]), 2)

    def test_names_are_escaped(self):
        src = os.path.join(self.tmp, "names.txt")
        with open(src, "wb") as f:
            f.write(b'7 0x23 1 100 /app/na\xc3\xafve "q".py|say\\"hi"\t|3;/app/bad\xff.py|odd\x01name|4\n')
        path = os.path.join(self.tmp, "n.json")
        feed("gecko", src, path)
        with open(path, "rb") as f:
            self.assertTrue(f.read().isascii())
        prof = load_json(path)
        self.assertEqual(check_profile(prof), [])
        strings = prof["shared"]["stringArray"]
        for want in ('say\\"hi"\t', 'na\u00efve "q".py', "bad\ufffd.py", "odd\x01name"):
            self.assertIn(want, strings)
        with Loader(path) as ld:
            self.assertEqual({k[1] for k in ld.functions("t-0")}, {'say\\"hi"\t', "odd\x01name"})


class Live(unittest.TestCase):
    """Real targets of every interpreter: one run with every thread and
    --opcodes checks tracks, markers and counts; a short run without -a
    checks that only the main thread gets a track."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gecko-live-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def profile(self, python, *extra, seconds="1.2"):
        out = os.path.join(self.tmp, "live.json")
        r = run([TACHYON, "run", "--gecko", "-o", out, "--python", python, *extra, workload("states.py"), seconds])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"Gecko profile written to {out}\nOpen in Firefox Profiler: https://profiler.firefox.com/\n",
                      r.stdout)
        line = next(l for l in r.stdout.splitlines() if l.startswith("threads "))
        tids = [int(x) for x in line.split()[1:]]
        prof = load_json(out)
        self.assertEqual(check_profile(prof), [])
        return out, prof, tids

    def test_states_workload(self):
        for name, python in interpreters():
            with self.subTest(python=name):
                path, prof, (main_tid, sleeper_tid) = self.profile(python, "-a", "--opcodes")
                self.check_live(path, prof, main_tid, sleeper_tid)

    def check_live(self, path, prof, main_tid, sleeper_tid):
        with Loader(path) as ld:
            handles = {t["tid"]: t["threadHandle"] for t in ld.threads}
            self.assertEqual(set(handles), {main_tid, sleeper_tid})
            self.assertEqual([t["isMainThread"] for t in prof["threads"] if t["tid"] == main_tid], [True])
            # Every sample at its own time: the core merges none for gecko,
            # even for a thread that sleeps in the same place all along.
            self.assertEqual([t["samples"]["weight"] for t in prof["threads"]], [None, None])
            # The loader's per-function counts are exactly those the pstats
            # collector computes from the same samples.
            got = {}
            for h in handles.values():
                add_counts(got, ld.functions(h))
            stack_file = os.path.join(self.tmp, "live.txt")
            multi = profile_to_feed(prof, stack_file)
            feed("pstats", stack_file, os.path.join(self.tmp, "live.pstats"))
            want = pstats_counts(os.path.join(self.tmp, "live.pstats"))
            self.assertEqual(set(got), set(want))
            self.assertEqual({k: v[0] for k, v in got.items()}, {k: v[0] for k, v in want.items()})
            self.assertEqual({k: v for k, v in got.items() if k not in multi},
                             {k: v for k, v in want.items() if k not in multi})
            main_funcs = ld.functions(handles[main_tid])
            self.assertGreater(main_funcs[("states.py", "hot_loop")][1], 0)

            sleeper = ld.markers(handles[sleeper_tid])
            span = max(s + d for _, s, d, _, _ in sleeper) - min(s for _, s, _, _, _ in sleeper)

            def share(markers, name):
                return sum(d for n, _, d, _, _ in markers if n == name) / span if span else 0

            self.assertGreater(share(sleeper, "No GIL"), 0.7, sleeper[:20])
            # A thread woken from its nap is runnable, so "On CPU", until a
            # CPU is free, which on a loaded machine can take a while.
            self.assertGreater(share(sleeper, "Off CPU"), 0.5, sleeper[:20])

            main = ld.markers(handles[main_tid])
            names = {n for n, _, _, _, _ in main}
            for want in ("GC Collecting", "Has Exception", "Has GIL", "Python Code"):
                self.assertIn(want, names)
            self.assertTrue(all(d["tid"] == main_tid for _, _, _, t, d in main if t != "Opcode"))
            ops = [(d, dur) for _, _, dur, t, d in main if t == "Opcode"]
            self.assertTrue(ops)
            with open(workload("states.py"), encoding="utf-8") as f:
                hot_line = next(i for i, l in enumerate(f, 1) if "# HOT" in l)
            per_line = {}
            for d, dur in ops:
                per_line[(d["function"], d["line"])] = per_line.get((d["function"], d["line"]), 0) + dur
            self.assertEqual(max(per_line, key=per_line.get), ("hot_loop", hot_line), per_line)
            for d, _ in ops:
                self.assertEqual(set(d), {"opcode", "opname", "base_opname", "is_specialized", "line", "column",
                                          "function", "duration"})
                self.assertEqual(d["is_specialized"], d["opname"] != d["base_opname"])

    def test_main_thread_only_without_all_threads(self):
        for name, python in interpreters():
            with self.subTest(python=name):
                _, prof, (main_tid, _) = self.profile(python, seconds="0.3")
                self.assertEqual([(t["tid"], t["isMainThread"]) for t in prof["threads"]], [(main_tid, True)])

    def test_ctrl_c_still_writes(self):
        _, python = interpreters()[0]
        out = os.path.join(self.tmp, "int.json")
        p = subprocess.Popen([TACHYON, "run", "--gecko", "-a", "-o", out, "--python", python, workload("states.py"),
                              "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = p.stdout.readline()
            self.assertTrue(line.startswith("threads "), line)
            time.sleep(0.7)
            p.send_signal(signal.SIGINT)
            so, se = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertIn("Gecko profile written to " + out, so, se)
        self.assertEqual(os.listdir(self.tmp), ["int.json"], "no temporary file is left behind")
        prof = load_json(out)
        self.assertEqual(check_profile(prof), [])
        self.assertEqual(len(prof["threads"]), 2)
        with Loader(out) as ld:
            self.assertEqual(len(ld.threads), 2)

    def test_mode_is_refused(self):
        r = run([TACHYON, "run", "--gecko", "--mode", "cpu", workload("states.py")])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--mode option is incompatible with --gecko. Gecko format automatically includes both "
                      "GIL-holding and CPU status analysis.", r.stderr)


class Upstream(unittest.TestCase):
    """Side by side with upstream 3.15's --gecko on the same workload and
    the same interpreter: the same keys, categories, marker names and
    payload fields."""

    def upstream(self, out_dir):
        python = os.path.join(SID_ROOT, "usr/bin/python3.15")
        if not os.path.exists(python):
            raise AssertionError(f"{python} is missing: build the unstable root with scripts/sid-root.sh")
        inside = tempfile.mkdtemp(prefix="gecko-up-", dir=os.path.join(SID_ROOT, "tmp"))
        try:
            shutil.copy(workload("states.py"), inside)
            rel = "/" + os.path.relpath(inside, SID_ROOT)
            # upstream needs /proc inside the root: a private mount namespace
            # keeps that mount away from everything else.
            script = (f'mount -t proc proc "{SID_ROOT}/proc" && cd "{inside}" && '
                      f'chroot "{SID_ROOT}" sh -c "cd {rel} && python3.15 -m profiling.sampling run --gecko -a '
                      f'--opcodes -o {rel}/up.json {rel}/states.py 1.5"')
            r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                               capture_output=True, text=True, timeout=180)
            self.assertEqual(r.returncode, 0, r.stderr)
            shutil.copy(os.path.join(inside, "up.json"), out_dir)
            return load_json(os.path.join(out_dir, "up.json"))
        finally:
            shutil.rmtree(inside, ignore_errors=True)

    def test_same_shape_as_upstream(self):
        tmp = tempfile.mkdtemp(prefix="gecko-side-")
        try:
            up = self.upstream(tmp)
            ours_path = os.path.join(tmp, "ours.json")
            python = dict(interpreters())["3.15-sid"]
            r = run([TACHYON, "run", "--gecko", "-a", "--opcodes", "-o", ours_path, "--python", python,
                     workload("states.py"), "1.5"])
            self.assertEqual(r.returncode, 0, r.stderr)
            ours = load_json(ours_path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.assertEqual(check_profile(up), [])
        self.assertEqual(check_profile(ours), [])
        self.assertEqual(list(ours), list(up))
        self.assertEqual(list(ours["meta"]), list(up["meta"]))
        self.assertEqual(ours["meta"]["categories"], up["meta"]["categories"])
        self.assertEqual(ours["meta"]["markerSchema"], up["meta"]["markerSchema"])
        self.assertEqual(list(ours["shared"]), list(up["shared"]))
        self.assertEqual(ours["shared"]["sources"], up["shared"]["sources"])
        for key in ("version", "preprocessedProfileVersion", "product", "importedFrom", "extensions", "libs"):
            self.assertEqual(ours["meta"].get(key, ours.get(key)), up["meta"].get(key, up.get(key)), key)
        ut, ot = up["threads"][0], ours["threads"][0]
        self.assertEqual(list(ot), list(ut))
        for table in ("samples", "stackTable", "frameTable", "funcTable", "resourceTable", "nativeSymbols",
                      "markers"):
            self.assertEqual(list(ot[table]), list(ut[table]), table)
        self.assertEqual(len(ours["threads"]), len(up["threads"]))

        def payloads(prof):
            strings, out = prof["shared"]["stringArray"], {}
            for t in prof["threads"]:
                m = t["markers"]
                for i in range(m["length"]):
                    d = m["data"][i]
                    key = "Opcode" if d["type"] == "Opcode" else strings[m["name"][i]]
                    out.setdefault(key, (m["category"][i], list(d), d["type"]))
            return out

        up_p, our_p = payloads(up), payloads(ours)
        common = {"Has GIL", "No GIL", "On CPU", "Off CPU", "Python Code", "Has Exception", "No Exception",
                  "GC Collecting", "Opcode"}
        self.assertLessEqual(common, set(up_p))
        self.assertLessEqual(common, set(our_p))
        for name in set(up_p) & set(our_p):
            self.assertEqual(our_p[name], up_p[name], name)
        self.assertLessEqual(set(our_p), set(up_p) | {"Native Code", "Waiting for GIL"})


if __name__ == "__main__":
    unittest.main()
