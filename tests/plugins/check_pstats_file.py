"""Run by each interpreter under test: load a pstats file written by the
pstats plugin with the interpreter's own pstats module and check it.

usage: python check_pstats_file.py FILE EXPECTED_REPR
EXPECTED_REPR is the repr() of a dict with:
  stats: the exact {(file, line, func): (cc, nc, tt, ct, callers)} expected
  total_calls, prim_calls, total_tt: the totals pstats computes
  show: a function name print_stats() and print_callers() must mention
"""
import ast
import io
import marshal
import math
import pstats
import sys


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def same_stats(got, want):
    if set(got) != set(want):
        return "keys differ: %r vs %r" % (sorted(got), sorted(want))
    for key, (cc, nc, tt, ct, callers) in want.items():
        gcc, gnc, gtt, gct, gcallers = got[key]
        if (gcc, gnc) != (cc, nc) or not close(gtt, tt) or not close(gct, ct):
            return "%r: %r != %r" % (key, got[key][:4], (cc, nc, tt, ct))
        if set(gcallers) != set(callers):
            return "%r callers: %r != %r" % (key, sorted(gcallers), sorted(callers))
        for caller, value in callers.items():
            g = gcallers[caller]
            if g[:2] != value[:2] or not close(g[2], value[2]) or not close(g[3], value[3]):
                return "%r <- %r: %r != %r" % (key, caller, g, value)
    return None


def main():
    path, want = sys.argv[1], ast.literal_eval(sys.argv[2])
    with open(path, "rb") as f:
        raw = marshal.load(f)
    problem = same_stats(raw, want["stats"])
    if problem:
        sys.exit("raw marshal content: " + problem)

    stats = pstats.Stats(path, stream=io.StringIO())
    problem = same_stats(stats.stats, want["stats"])
    if problem:
        sys.exit("pstats.Stats: " + problem)
    if stats.total_calls != want["total_calls"] or stats.prim_calls != want["prim_calls"]:
        sys.exit("totals: %d/%d" % (stats.total_calls, stats.prim_calls))
    if not close(stats.total_tt, want["total_tt"]):
        sys.exit("total_tt: %r" % stats.total_tt)

    for sort in ("cumulative", "tottime", "calls", "name"):
        out = io.StringIO()
        s = pstats.Stats(path, stream=out)
        s.strip_dirs().sort_stats(sort).print_stats()
        s.print_callers()
        s.print_callees()
        text = out.getvalue()
        if want["show"] not in text or "function calls" not in text:
            sys.exit("printed output lacks %r:\n%s" % (want["show"], text))
    print("ok", sys.version.split()[0])


if __name__ == "__main__":
    main()
