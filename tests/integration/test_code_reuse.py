"""Cached code objects are re-checked once freed: a workload that keeps
freeing code objects and compiling new ones (often at the same addresses)
must show every function on its own lines.

From 3.14 the check rides on the interpreter's code-object generation, which
CPython bumps whenever a code object is freed (core/python/walk.c); 3.12 and
3.13 compare the code object's fields, including co_version, which CPython
draws from a counter for every new code object (core/python/code.c); 3.11
has no such counter and compares the other fields only.

What remains is the floor of reading memory that the target writes at the
same time: a frame or code object caught half rewritten. Measured on this
workload (2 cores, loaded): 3.12 at most 1 wrong frame in 11,000, 3.11 up to
15 in 9,900 (a new code object AND its name strings at the addresses of the
freed ones defeat its field compare). A profiler that trusted its cache
without the check shows 23-30% of these frames wrong, so the limits below
(0.05%, and 0.5% for 3.11, and never less than one frame) still fail it
by a factor of hundreds."""
import os
import unittest

from support import TempDir, interpreters, parse_collapsed, run_tachyon, workload


class CodeReuse(unittest.TestCase):
    def test_no_stale_code_objects(self):
        for name, python in interpreters():
            limit = 0.005 if name.startswith("3.11") else 0.0005
            with self.subTest(python=name):
                with TempDir() as d:
                    out = os.path.join(d, "c.txt")
                    r = run_tachyon(["run", "--python", python, "--collapsed", "-o", out,
                                     workload("code_churn.py"), "1.5"])
                    self.assertEqual(r.returncode, 0, r.stderr)
                    with open(out, encoding="utf-8") as f:
                        stacks = parse_collapsed(f.read())
                seen, wrong = 0, []
                for frames, n in stacks:
                    for f in frames[1:]:
                        if f.count(":") < 2:
                            continue   # <GC>, <native>
                        file, func, line = f.rsplit(":", 2)
                        if func.startswith("fn_"):
                            k = int(func[3:])
                            seen += n
                            # def, the statements before the loop, the loop and
                            # the test of the branch that never runs.
                            if file != f"gen_{k}.py" or not 2 <= int(line) <= k + 5:
                                wrong.extend([f] * n)
                self.assertGreater(seen, 1000, name)
                self.assertLessEqual(len(wrong), max(1.0, limit * seen),
                                     f"{name}: functions shown off their own lines (a stale code object): "
                                     f"{len(wrong)} of {seen}: {wrong[:10]}")


if __name__ == "__main__":
    unittest.main()
