"""Helpers of the binary-format tests: the built tachyon and tachyon_feed,
and upstream CPython 3.15's profiling.sampling in the Debian unstable root
(scripts/sid-root.sh), run in a private mount namespace with its own /proc
so nothing leaks to other users of the machine."""
import os
import re
import shlex
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("TACHYON_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
BUILD_DIR = os.environ.get("TACHYON_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
TACHYON = os.environ.get("TACHYON_BIN", os.path.join(BUILD_DIR, "tachyon"))
FEED = os.environ.get("TACHYON_FEED", os.path.join(BUILD_DIR, "tests", "tools", "tachyon_feed"))
SID_ROOT = os.environ.get("TACHYON_SID_ROOT", "/var/cache/tachyon/sid-root")
WORKLOAD = os.path.join(HERE, "workload.py")
PY313 = "/root/.pyenv/versions/3.13.0/bin/python3.13"


def tachyon(*args, timeout=120, check=True):
    r = subprocess.run([TACHYON] + [str(a) for a in args], capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"tachyon {' '.join(map(str, args))} failed ({r.returncode}):\n{r.stderr}")
    return r


def feed(*args):
    r = subprocess.run([FEED] + [str(a) for a in args], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError(f"tachyon_feed {args} failed:\n{r.stderr}")
    return r


def require_sid_root():
    if not os.access(os.path.join(SID_ROOT, "usr/bin/python3.15"), os.X_OK):
        raise AssertionError(f"upstream CPython 3.15 is missing: no {SID_ROOT}/usr/bin/python3.15 "
                             "(build it with scripts/sid-root.sh)")


class SidDir:
    """A scratch directory inside the unstable root: `host` is its path
    here, `inner` its path as processes in the root see it."""

    def __enter__(self):
        require_sid_root()
        self.host = tempfile.mkdtemp(prefix="tachyon-bin-", dir=os.path.join(SID_ROOT, "tmp"))
        self.inner = "/tmp/" + os.path.basename(self.host)
        shutil.copy(WORKLOAD, os.path.join(self.host, "workload.py"))
        return self

    def path(self, name):
        return os.path.join(self.host, name)

    def upstream(self, *args, timeout=120, check=True):
        """python3.15 -m profiling.sampling ARGS, run in this directory."""
        cmd = "cd %s && exec python3.15 -m profiling.sampling %s" % (
            shlex.quote(self.inner), " ".join(shlex.quote(str(a)) for a in args))
        script = "mount -t proc proc %s && exec chroot %s sh -c %s" % (
            shlex.quote(os.path.join(SID_ROOT, "proc")), shlex.quote(SID_ROOT), shlex.quote(cmd))
        env = dict(os.environ, LANG="C.UTF-8", NO_COLOR="1")
        env.pop("COLUMNS", None)
        r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                           capture_output=True, text=True, timeout=timeout, env=env)
        if check and r.returncode != 0:
            raise AssertionError(f"upstream {' '.join(map(str, args))} failed ({r.returncode}):\n"
                                 f"{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        return r

    def __exit__(self, *exc):
        shutil.rmtree(self.host, ignore_errors=True)


RUN_ID = re.compile(r'"run_id":"[0-9a-f]{32}"')


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def pstats_rows(text):
    """The table rows and summary of a pstats text report: everything after
    the column titles (the title line differs: upstream 3.15.2 never
    names the mode, tachyon's live report does)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "filename:lineno(function)" in line:
            return [l for l in lines[i + 1:] if not l.startswith("Replayed ")]
    raise AssertionError("no pstats table in:\n" + text)


def collapsed_totals(text):
    """{stack without the tid: count}."""
    totals = {}
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        key = stack.split(";", 1)[1] if stack.startswith("tid:") else stack
        totals[key] = totals.get(key, 0) + int(count)
    return totals
