#!/usr/bin/env python3
"""The bad-input suite (issue 9): tachyon driven as a hostile user would.

Every case asserts three things: the exit status, the one line that names
the problem (exactly one matching line, and no second error line beside
it), and that nothing else was lost or changed; for -o, what sits at the
path afterwards. Cases are rows of tables (usage errors) or small functions
(targets, signals, configuration, plugins, outputs); targets are a handful
of short scripts written once and reused.

Run: run_cases.py [SUBSTRING...] to run only the cases whose name contains
one of the substrings. Needs TACHYON_BIN and BADINPUT_FIXTURES (ctest sets
both)."""
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import support  # noqa: E402

TACHYON = os.path.abspath(support.TACHYON)
FIX = os.environ.get("BADINPUT_FIXTURES", os.path.join(support.BUILD_DIR, "tests", "badinput", "fixtures"))
PLUGINS = os.path.join(FIX, "plugins")
STRAYS = os.path.join(FIX, "strays")
FAKES = os.path.join(FIX, "pythons")
SANITIZE = os.environ.get("TACHYON_SANITIZE", "0") in ("1", "ON", "TRUE", "true")
INTERPRETERS = support.interpreters()      # fails (never skips) when none exists
PY = dict(INTERPRETERS).get("3.11-debian-static", INTERPRETERS[0][1])
# Under ASan a SIGSEGV reaches the sanitizer's handler: it reports and exits
# 1, or aborts when ASAN_OPTIONS says abort_on_error=1 (as tests/run.sh
# does); elsewhere tachyon dies of the signal itself.
_ABORTS = "abort_on_error=1" in os.environ.get("ASAN_OPTIONS", "")
SEGV_RC = (-signal.SIGABRT if _ABORTS else 1) if SANITIZE else -signal.SIGSEGV

USAGE_LINE = re.compile(r"^(usage: |\s{8,}\S)")


class Failure(AssertionError):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


# --- the shared targets, written once ---------------------------------------

WORK = tempfile.mkdtemp(prefix="tachyon-badinput-")
# Cases that drop privileges (setpriv) must reach the targets.
os.chmod(WORK, 0o755)
os.makedirs(os.path.join(WORK, "xdg-empty"))
SCRIPTS = {
    "work.py": "import time\n"
               "def work(seconds):\n"
               "    end = time.perf_counter() + seconds\n"
               "    while time.perf_counter() < end:\n"
               "        pass\n"
               "work(0.6)\n",
    "marker.py": "import sys, time\n"
                 "open(sys.argv[1], 'w').close()\n"
                 "end = time.perf_counter() + 0.3\n"
                 "while time.perf_counter() < end:\n"
                 "    pass\n",
    "exit3.py": "raise SystemExit(3)\n",
    "pass.py": "pass\n",
    "sleep.py": "import time\ntime.sleep(0.2)\n",
    "killself.py": "import os, signal, time\n"
                   "end = time.perf_counter() + 0.3\n"
                   "while time.perf_counter() < end:\n"
                   "    pass\n"
                   "os.kill(os.getpid(), signal.SIGKILL)\n",
    "longname.py": "import threading, time\n"
                   "def spin(seconds):\n"
                   "    end = time.perf_counter() + seconds\n"
                   "    while time.perf_counter() < end:\n"
                   "        pass\n"
                   "name = 'f' + 'x' * 70000\n"
                   "ns = {'spin': spin}\n"
                   "exec('def %s():\\n    spin(0.6)\\n' % name, ns)\n"
                   "t = threading.Thread(target=ns[name]); t.start()\n"
                   "def main_work():\n"
                   "    spin(0.6)\n"
                   "main_work(); t.join()\n",
    "exec_python.py": "import os, sys, time\n"
                      "def before_exec():\n"
                      "    end = time.perf_counter() + 0.3\n"
                      "    while time.perf_counter() < end:\n"
                      "        pass\n"
                      "before_exec()\n"
                      "os.execv(sys.executable, [sys.executable, os.path.join(os.path.dirname(__file__), 'after.py')])\n",
    "after.py": "import time\n"
                "def after_exec():\n"
                "    end = time.perf_counter() + 0.4\n"
                "    while time.perf_counter() < end:\n"
                "        pass\n"
                "after_exec()\n"
                "raise SystemExit(4)\n",
    "wrapper.py": "import os, sys\n"
                  "os.execv(sys.executable, [sys.executable, os.path.join(os.path.dirname(__file__), 'after.py')])\n",
    "exec_shell.py": "import os, time\n"
                     "def before_exec():\n"
                     "    end = time.perf_counter() + 0.3\n"
                     "    while time.perf_counter() < end:\n"
                     "        pass\n"
                     "before_exec()\n"
                     "os.execv('/bin/sh', ['sh', '-c', 'sleep 0.2; exit 5'])\n",
    "deep.py": "import sys, time\n"
               "sys.setrecursionlimit(10000)\n"
               "def leaf():\n"
               "    end = time.perf_counter() + 0.4\n"
               "    while time.perf_counter() < end:\n"
               "        pass\n"
               "def down(n):\n"
               "    if n == 0:\n"
               "        return leaf()\n"
               "    return down(n - 1)\n"
               "down(2500)\n",
}


def write_targets():
    for name, text in SCRIPTS.items():
        with open(os.path.join(WORK, name), "w") as f:
            f.write(text)
    # A module whose line table is over the decoder's 1 MiB cap.
    lines = ["import time", "def hot():", "    end = time.perf_counter() + 0.5",
             "    while time.perf_counter() < end:", "        pass"]
    lines += ["x%d = %d" % (i, i) for i in range(400000)]
    lines.append("hot()")
    with open(os.path.join(WORK, "bigmod.py"), "w") as f:
        f.write("\n".join(lines) + "\n")
    main = ("import time\n"
            "def appwork():\n"
            "    end = time.perf_counter() + 0.6\n"
            "    while time.perf_counter() < end:\n"
            "        pass\n"
            "appwork()\n")
    os.makedirs(os.path.join(WORK, "appdir"), exist_ok=True)
    with open(os.path.join(WORK, "appdir", "__main__.py"), "w") as f:
        f.write(main)
    with zipfile.ZipFile(os.path.join(WORK, "app.pyz"), "w") as z:
        z.writestr("__main__.py", main)


def target(name):
    return os.path.join(WORK, name)


# --- running tachyon -----------------------------------------------------------

class Result:
    def __init__(self, rc, out, err, seconds):
        self.rc, self.out, self.err, self.seconds = rc, out, err, seconds

    def __repr__(self):
        return "rc=%r\n--- stdout ---\n%s\n--- stderr ---\n%s" % (self.rc, self.out[-2000:], self.err[-3000:])


# Cases that name /dev/stdout get a /dev of their own (a tmpfs in a private
# mount namespace): a tachyon that still renamed over its -o would replace
# the machine's shared /dev/stdout otherwise, as the unfixed one did.
PRIVATE_DEV = ("mount -t tmpfs -o mode=755 tmpfs /dev && ln -s /proc/self/fd /dev/fd && "
               "ln -s /proc/self/fd/1 /dev/stdout && ln -s /proc/self/fd/2 /dev/stderr && "
               "mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 && "
               "mknod -m 666 /dev/urandom c 1 9 && exec \"$@\"")


def run(args, env=None, timeout=60, cwd=None, stdout=None, user=None, private_dev=False):
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    full_env.pop("TACHYON_PLUGIN_PATH", None)
    full_env.pop("TACHYON_CONFIG", None)
    full_env["XDG_CONFIG_HOME"] = os.path.join(WORK, "xdg-empty")
    if env:
        full_env.update(env)
    cmd = [TACHYON] + list(args)
    if user:
        cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"] + cmd
    if private_dev:
        cmd = ["unshare", "-m", "--propagation", "private", "sh", "-c", PRIVATE_DEV, "sh"] + cmd
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=stdout if stdout is not None else subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, env=full_env, cwd=cwd)
    out = p.stdout.decode("utf-8", "replace") if isinstance(p.stdout, bytes) else ""
    return Result(p.returncode, out, p.stderr.decode("utf-8", "replace"), time.monotonic() - start)


def expect(r, rc, message, extra_errors_ok=False):
    """Exit status rc; exactly one console line matching message; and no other
    line that reports an error (a doubled or second message). Errors go to
    stderr; end-of-run lines such as "Collapsed stack output written to ..."
    go to stdout with the summary, as upstream prints them."""
    check(r.rc == rc, "exit status %r, expected %r\n%r" % (r.rc, rc, r))
    lines = [l for l in r.err.splitlines() + r.out.splitlines() if not USAGE_LINE.match(l)]
    hits = [l for l in lines if re.search(message, l)]
    check(len(hits) == 1, "expected exactly one line matching %r\n%r" % (message, r))
    if extra_errors_ok:
        return hits[0]
    others = [l for l in lines if l is not hits[0] and re.search(r"(?i)\berror\b(?! rate)", l)]
    check(not others, "a second error line beside %r: %r\n%r" % (hits[0], others, r))
    return hits[0]


def expect_usage(r, message):
    expect(r, 2, message)
    check(r.err.startswith("usage: "), "a usage error starts with the usage line\n%r" % r)


def parse_collapsed(path):
    with open(path) as f:
        stacks = support.parse_collapsed(f.read())
    check(stacks, "no stacks in %s" % path)
    return stacks


def funcs_in(stacks):
    return {support.frame_func(fr) for frames, _ in stacks for fr in frames[1:]}


# --- the cases ----------------------------------------------------------------

CASES = []


def case(area):
    def register(fn):
        CASES.append(("%s.%s" % (area, fn.__name__), fn))
        return fn
    return register


def usage_table(area, rows):
    """rows: (name, args, message regex) each a usage error (exit 2)."""
    for name, args, message in rows:
        def fn(tmp, args=args, message=message):
            expect_usage(run(args), message)
        CASES.append(("%s.%s" % (area, name), fn))


usage_table("cli", [
    ("no_command", [], r"^tachyon: error: the following arguments are required: command$"),
    ("bad_command", ["frobnicate"], r"invalid choice: 'frobnicate'"),
    ("run_no_target", ["run"], r"^tachyon run: error: the following arguments are required: target$"),
    ("attach_no_pid", ["attach"], r"the following arguments are required: pid$"),
    ("attach_pid_word", ["attach", "abc"], r"argument pid: invalid int value: 'abc'"),
    ("attach_pid_zero", ["attach", "0"], r"argument pid: invalid int value: '0'"),
    ("attach_pid_huge", ["attach", "99999999999"], r"argument pid: invalid int value"),
    ("interval_zero", ["run", "-i", "0", "x.py"], r"-i/--interval: invalid positive int value: '0'"),
    ("interval_negative", ["run", "-i", "-5", "x.py"], r"-i/--interval: invalid positive int value: '-5'"),
    ("interval_over_an_hour", ["run", "-i", "3600000001", "x.py"], r"-i/--interval: 3600000001 microseconds is out of range"),
    ("interval_uint64_max", ["run", "-i", "18446744073709551615", "x.py"], r"-i/--interval: 18446744073709551615 microseconds is out of range"),
    ("interval_overflow", ["run", "-i", "99999999999999999999999", "x.py"], r"-i/--interval: invalid positive int value"),
    ("interval_hex", ["run", "-i", "0x10", "x.py"], r"-i/--interval: invalid positive int value: '0x10'"),
    ("rate_zero", ["run", "-r", "0", "x.py"], r"Sampling rate must be positive"),
    ("rate_bad_suffix", ["run", "-r", "10mhz", "x.py"], r"Invalid sampling rate format: 10mhz"),
    ("rate_too_low", ["run", "-r", "0.0001hz", "x.py"], r"Sampling rate too low: 0.0001hz"),
    ("rate_too_high", ["run", "-r", "5000khz", "x.py"], r"Sampling rate too high"),
    ("interval_then_rate", ["run", "-i", "100", "-r", "10khz", "x.py"], r"-r/--sampling-rate: not allowed with argument -i/--interval"),
    ("rate_then_interval", ["run", "-r", "10khz", "-i", "100", "x.py"], r"-i/--interval: not allowed with argument -r/--sampling-rate"),
    ("duration_zero", ["run", "-d", "0", "x.py"], r"-d/--duration: invalid positive number of seconds: '0'"),
    ("duration_negative", ["run", "-d", "-1", "x.py"], r"-d/--duration: invalid positive number"),
    ("duration_nan", ["run", "-d", "nan", "x.py"], r"-d/--duration: invalid positive number of seconds: 'nan'"),
    ("duration_inf", ["run", "-d", "inf", "x.py"], r"-d/--duration: invalid positive number of seconds: 'inf'"),
    ("duration_1e11", ["run", "-d", "1e11", "x.py"], r"-d/--duration: 1e11 seconds is out of range"),
    ("duration_word", ["run", "-d", "soon", "x.py"], r"-d/--duration: invalid positive number of seconds: 'soon'"),
    ("mode_bogus", ["run", "--mode", "bogus", "x.py"], r"argument --mode: invalid choice: 'bogus'"),
    ("two_formats", ["run", "--pstats", "--collapsed", "x.py"], r"argument --collapsed: not allowed with argument --pstats"),
    ("empty_format", ["run", "--format", "", "x.py"], r"argument --format: expected a format name"),
    ("unknown_format", ["run", "--format", "nosuch", "x.py"], r"no installed plugin provides the output format 'nosuch'"),
    ("sort_bogus", ["run", "--sort", "bogus", "x.py"], r"argument --sort: invalid choice: 'bogus'"),
    ("limit_negative", ["run", "-l", "-1", "x.py"], r"argument -l/--limit: invalid int value: '-1'"),
    ("empty_output", ["run", "-o", "", "x.py"], r"argument -o/--output: expected a path"),
    ("plugin_opt_shape", ["run", "--plugin-opt", "pstats", "x.py"], r"^tachyon run: error: argument --plugin-opt: 'pstats': expected NAME.KEY=VALUE$"),
    ("plugin_opt_unknown_plugin", ["run", "--plugin-opt", "nosuch.key=1", "x.py"], r"argument --plugin-opt: no installed plugin is named 'nosuch'"),
    ("plugin_missing_file", ["run", "--plugin", "/nonexistent/p.so", "x.py"], r"argument --plugin: /nonexistent/p.so: cannot access: No such file or directory"),
    ("plugin_not_a_plugin", ["run", "--plugin", os.path.join(STRAYS, "stray.so"), "x.py"], r"argument --plugin: .*stray.so: not a tachyon plugin: no tachyon_plugin_entry_v1 symbol"),
    ("plugin_not_elf", ["run", "--plugin", os.path.join(STRAYS, "notes.so"), "x.py"], r"argument --plugin: .*notes.so: not a tachyon plugin: not a 64-bit ELF shared object"),
    ("plugin_missing_for_plugins_cmd", ["plugins", "--plugin", "/nonexistent/p.so"], r"argument --plugin: /nonexistent/p.so: cannot access"),
    ("python_for_attach", ["attach", "--python", "/usr/bin/python3", "1"], r"unrecognized arguments: --python"),
    ("module_for_attach", ["attach", "-m", "1"], r"unrecognized arguments: -m"),
    ("unknown_option", ["run", "--bogus", "x.py"], r"unrecognized arguments: --bogus"),
])


# Options that are wrong must be refused before the target runs: the marker
# script creates its file as its first act.
def refused_before_start(args, message, rc=2):
    def fn(tmp):
        marker = os.path.join(tmp, "started")
        r = run(args + ["--python", PY, target("marker.py"), marker])
        if rc == 2:
            expect_usage(r, message)
        else:
            expect(r, rc, message)
        check(not os.path.exists(marker), "the target was started although the options were bad")
    return fn


CASES += [
    ("cli.plugin_opt_unknown_key_before_start",
     refused_before_start(["run", "--plugin-opt", "pstats.nokey=1"], r"plugin pstats: unknown option \"nokey\" \(from command line\)")),
    ("cli.plugin_opt_bad_value_before_start",
     refused_before_start(["run", "--plugin-opt", "pstats.limit=abc"], r"plugin pstats: option \"limit\" expects an integer, got \"abc\"")),
    ("outputs.missing_directory_before_start",
     refused_before_start(["run", "--collapsed", "-o", "/nonexistent/dir/out.txt"],
                          r"^Error: cannot write the output to /nonexistent/dir/out.txt: directory /nonexistent/dir: No such file or directory$", 1)),
    ("outputs.proc_version_before_start",
     refused_before_start(["run", "--collapsed", "-o", "/proc/version"],
                          r"^Error: cannot write the output to /proc/version: Permission denied \(a read-only kernel file\)$", 1)),
]


@case("outputs")
def socket_refused(tmp):
    import socket
    path = os.path.join(tmp, "sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    try:
        refused_before_start(["run", "--collapsed", "-o", path], r"cannot write the output to .*sock: it is a socket$", 1)(tmp)
        check(stat.S_ISSOCK(os.lstat(path).st_mode), "the socket was replaced")
    finally:
        s.close()


# --- targets --------------------------------------------------------------------

@case("targets")
def missing_script(tmp):
    expect(run(["run", "--python", PY, os.path.join(tmp, "nope.py")]), 1, r"^Error: Script '.*nope.py' not found.$")


@case("targets")
def missing_module(tmp):
    expect(run(["run", "--python", PY, "-m", "no_such_module_xyz"]), 1, r"^Error: Module 'no_such_module_xyz' not found.$")


@case("targets")
def missing_interpreter(tmp):
    expect(run(["run", "--python", "/nonexistent/python3", target("work.py")]), 1,
           r"^Error: cannot run /nonexistent/python3: No such file or directory$")


def fake_python_case(name, version):
    def fn(tmp):
        # A stall would be the 30 s start-up wait; the bound is far below it.
        r = run(["run", "--python", os.path.join(FAKES, name), target("work.py")], timeout=15)
        expect(r, 1, r"^Error: unsupported Python version %s: .*/%s \(tachyon profiles CPython 3.11 and later\)$"
               % (re.escape(version), re.escape(name)))
    return fn


CASES += [
    ("targets.python27_named_at_once", fake_python_case("python2.7", "2.7")),
    ("targets.python36_named_at_once", fake_python_case("python3.6", "3.6")),
    ("targets.python2_from_symbols", fake_python_case("oldpython", "2")),
]


@case("targets")
def attach_python2_process(tmp):
    p = subprocess.Popen([os.path.join(FAKES, "oldpython")])
    try:
        time.sleep(0.1)
        r = run(["attach", str(p.pid)], timeout=15)
        expect(r, 1, r"^Error: unsupported Python version 2: .*oldpython")
        check(p.poll() is None, "attach must leave the process running")
    finally:
        p.kill()
        p.wait()


@case("targets")
def attach_not_python(tmp):
    p = subprocess.Popen(["sleep", "5"])
    try:
        time.sleep(0.1)
        r = run(["attach", str(p.pid)], timeout=15)
        expect(r, 1, r"^Error: .*%d" % p.pid)
        check(p.poll() is None, "attach must leave the process running")
    finally:
        p.kill()
        p.wait()


@case("targets")
def attach_no_such_pid(tmp):
    expect(run(["attach", "4194303"]), 1, r"^Error: Process with PID '4194303' does not exist.$")


def exit_status_case(python, script, want):
    def fn(tmp):
        out = os.path.join(tmp, "out.txt")
        r = run(["run", "--collapsed", "-o", out, "--python", python, target(script)])
        # A fast machine may still catch the first line: either way the
        # status is the target's.
        expect(r, want, r"^(No samples were collected\.|Collapsed stack output written to .*out.txt)$")
    return fn


for label, path in INTERPRETERS:
    CASES.append(("targets.exit3_%s" % label, exit_status_case(path, "exit3.py", 3)))
    CASES.append(("targets.pass_%s" % label, exit_status_case(path, "pass.py", 0)))


@case("targets")
def target_killed_by_signal(tmp):
    out = os.path.join(tmp, "out.txt")
    r = run(["run", "--collapsed", "-o", out, "--python", PY, target("killself.py")])
    expect(r, 128 + signal.SIGKILL, r"^Collapsed stack output written to .*out.txt$")
    check(parse_collapsed(out), "output")


def runpy_target_case(name):
    def fn(tmp):
        out = os.path.join(tmp, "out.txt")
        r = run(["run", "-d", "3", "--collapsed", "-o", out, "--python", PY, target(name)])
        expect(r, 0, r"^Collapsed stack output written to .*out.txt$")
        check("appwork" in funcs_in(parse_collapsed(out)), "the app's own function was not sampled:\n%r" % r)
    return fn


CASES += [("targets.zipapp_sampled_at_once", runpy_target_case("app.pyz")),
          ("targets.directory_sampled_at_once", runpy_target_case("appdir"))]


@case("targets")
def long_function_name_costs_nothing(tmp):
    out = os.path.join(tmp, "out.txt")
    r = run(["run", "-a", "--collapsed", "-o", out, "--python", PY, target("longname.py")])
    expect(r, 0, r"^Collapsed stack output written to .*out.txt$")
    stacks = parse_collapsed(out)
    funcs = funcs_in(stacks)
    check("main_work" in funcs, "the main thread lost its profile")
    check(any("...[truncated, 70001 characters]" in f for f in funcs), "no truncated name with its marker")
    m = re.search(r"Error rate: ([0-9.]+)$", r.out + r.err, re.M)
    check(m and float(m.group(1)) < 50, "error rate: %r" % r)


@case("targets")
def huge_line_table_keeps_frames(tmp):
    out = os.path.join(tmp, "out.txt")
    r = run(["run", "--collapsed", "-o", out, "--python", PY, target("bigmod.py")])
    expect(r, 0, r"^Collapsed stack output written to .*out.txt$")
    check("hot" in funcs_in(parse_collapsed(out)), "frames of the huge module were dropped")


@case("targets")
def deep_stack_marked(tmp):
    out = os.path.join(tmp, "out.txt")
    r = run(["run", "--collapsed", "-o", out, "--python", PY, target("deep.py")])
    expect(r, 0, r"^Warning: \d+ stacks? deeper than 2048 frames were cut at the root end \(marked <truncated>\)$")
    stacks = parse_collapsed(out)
    check(any(frames[1] == "<truncated>" for frames, _ in stacks), "no <truncated> root frame")


def exec_python_case(python):
    def fn(tmp):
        out = os.path.join(tmp, "out.txt")
        r = run(["run", "--collapsed", "-o", out, "--python", python, target("exec_python.py")])
        expect(r, 4, r"^tachyon: process \d+ executed .*python3[.0-9]* \(Python 3\.\d+\.\d+\); following it$")
        funcs = funcs_in(parse_collapsed(out))
        check({"before_exec", "after_exec"} <= funcs, "samples before or after the exec missing: %r" % funcs)
    return fn


for label, path in INTERPRETERS:
    if label in ("3.11-debian-static", "3.13-pyenv"):
        CASES.append(("targets.exec_followed_%s" % label, exec_python_case(path)))


@case("targets")
def wrapper_exec_at_once_followed(tmp):
    out = os.path.join(tmp, "out.txt")
    r = run(["run", "--collapsed", "-o", out, "--python", PY, target("wrapper.py")])
    # The wrapper may have exec'd before tachyon first looked (then the new
    # program is simply the one profiled): the message is optional, the
    # new program's samples and its status are not.
    expect(r, 4, r"^Collapsed stack output written to .*out.txt$")
    check(len(re.findall(r"(?m)^tachyon: process \d+ executed .*; following it$", r.err)) <= 1, "followed twice")
    check("after_exec" in funcs_in(parse_collapsed(out)), "the exec'd program was not profiled")


@case("targets")
def exec_of_non_python_said(tmp):
    out = os.path.join(tmp, "out.txt")
    r = run(["run", "--collapsed", "-o", out, "--python", PY, target("exec_shell.py")])
    expect(r, 5, r"^tachyon: process \d+ executed /.*, which never ran Python code; samples end at the exec$")
    check("before_exec" in funcs_in(parse_collapsed(out)), "samples before the exec lost")


# --- bounded waits ----------------------------------------------------------------

@case("waits")
def huge_interval_ends_with_target(tmp):
    # Before the fix tachyon slept the whole 3000 s interval.
    out = os.path.join(tmp, "out.txt")
    r = run(["run", "-i", "3000000000", "--collapsed", "-o", out, "--python", PY, target("sleep.py")], timeout=20)
    expect(r, 0, r"^Collapsed stack output written to .*out.txt$")


@case("waits")
def attach_duration_caps_interval(tmp):
    with support.Target(PY, os.path.join(support.WORKLOADS, "forever.py"), ready_marker="ready") as t:
        out = os.path.join(tmp, "out.txt")
        r = run(["attach", "-d", "1", "-i", "30000000", "--collapsed", "-o", out, str(t.pid)], timeout=20)
        expect(r, 0, r"^Collapsed stack output written to .*out.txt$")
        check(t.proc.poll() is None, "attach must leave the target running")


@case("waits")
def tiny_duration_is_a_duration(tmp):
    out = os.path.join(tmp, "out.txt")
    r = run(["run", "-d", "0.000000000001", "--collapsed", "-o", out, "--python", PY, target("work.py")], timeout=20)
    check(r.rc == 0, repr(r))
    check(os.path.exists(out) or "No samples" in r.err, repr(r))


# --- signals ----------------------------------------------------------------------

@case("signals")
def sigkill_target_loop(tmp):
    """The target SIGKILLed under attach, on every interpreter: tachyon never
    hangs and always writes a valid profile of what it collected."""
    for label, path in INTERPRETERS:
        with support.Target(path, os.path.join(support.WORKLOADS, "forever.py"), ready_marker="ready") as t:
            out = os.path.join(tmp, "out-%s.txt" % label)
            # --realtime-stats prints its first line once sampling runs
            # (a slow sanitizer build attaches late): kill the target then.
            proc = subprocess.Popen([TACHYON, "attach", "--realtime-stats", "--collapsed", "-o", out, str(t.pid)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            first = proc.stdout.readline()
            check(first.startswith(b"Stats: "), "no sampling before the kill (%s): %r" % (label, first))
            time.sleep(0.1)
            t.proc.kill()
            try:
                o, e = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise Failure("tachyon hung after the target was killed (%s)" % label)
            r = Result(proc.returncode, o.decode(), e.decode(), 0)
            expect(r, 0, r"^Collapsed stack output written to .*out-%s.txt$" % re.escape(label))
            check("busy_forever" in funcs_in(parse_collapsed(out)), "profile lost (%s)" % label)


def stop_signal_case(sig):
    def fn(tmp):
        out = os.path.join(tmp, "out.txt")
        proc = subprocess.Popen([TACHYON, "run", "--realtime-stats", "--collapsed", "-o", out, "--python", PY,
                                 os.path.join(support.WORKLOADS, "forever.py")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # forever.py prints "ready" through our stdout, then the first
        # realtime line says sampling runs.
        for _ in range(3):
            line = proc.stdout.readline()
            if line.startswith(b"Stats: ") or not line:
                break
        check(line.startswith(b"Stats: "), "sampling did not start: %r" % line)
        time.sleep(0.1)
        proc.send_signal(sig)
        try:
            o, e = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise Failure("tachyon did not stop on %s" % sig.name)
        r = Result(proc.returncode, o.decode(), e.decode(), 0)
        expect(r, 0, r"^Collapsed stack output written to .*out.txt$")
        check("busy_forever" in funcs_in(parse_collapsed(out)), "profile lost")
        leftovers = subprocess.run(["pgrep", "-f", "forever.py"], capture_output=True, text=True).stdout.split()
        mine = [pid for pid in leftovers if os.path.exists("/proc/%s" % pid) and
                open("/proc/%s/status" % pid).read().find("PPid:\t%d\n" % proc.pid) >= 0]
        check(not mine, "the target outlived tachyon")
    return fn


CASES += [("signals.sigint_writes_output", stop_signal_case(signal.SIGINT)),
          ("signals.sigterm_writes_output", stop_signal_case(signal.SIGTERM)),
          ("signals.sighup_writes_output", stop_signal_case(signal.SIGHUP))]


@case("signals")
def target_sigterm_under_attach(tmp):
    with support.Target(PY, os.path.join(support.WORKLOADS, "forever.py"), ready_marker="ready") as t:
        out = os.path.join(tmp, "out.txt")
        proc = subprocess.Popen([TACHYON, "attach", "--realtime-stats", "--collapsed", "-o", out, str(t.pid)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        check(proc.stdout.readline().startswith(b"Stats: "), "sampling did not start")
        t.proc.terminate()
        o, e = proc.communicate(timeout=20)
        expect(Result(proc.returncode, o.decode(), e.decode(), 0), 0, r"^Collapsed stack output written to")
        check(parse_collapsed(out), "profile lost")


# --- configuration ------------------------------------------------------------------

def ini(tmp, text, name="t.ini", raw=None):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(raw if raw is not None else text.encode())
    return path


@case("config")
def bom_is_accepted(tmp):
    path = ini(tmp, None, raw=b"\xef\xbb\xbf[sampling]\ninterval = 250\n")
    r = run(["config", "--config", path])
    check(r.rc == 0, repr(r))
    check(re.search(r"^interval = 250\s+; .*t.ini:2$", r.out, re.M), repr(r))


def config_error_case(text, message, rc=1, args=None):
    def fn(tmp):
        path = ini(tmp, text)
        args_ = args or ["config"]
        r = run(args_[:1] + ["--config", path] + args_[1:])
        expect(r, rc, message)
    return fn


CASES += [
    ("config.unknown_section", config_error_case("[nope]\nx = 1\n", r"^Error: .*t.ini:1: unknown section \[nope\]")),
    ("config.interval_zero", config_error_case("[sampling]\ninterval = 0\n", r"^Error: .*t.ini:2: .*interval")),
    ("config.interval_over_an_hour", config_error_case("[sampling]\ninterval = 3600000001\n", r"^Error: .*t.ini:2: .*interval")),
    ("config.duration_1e11", config_error_case("[sampling]\nduration = 1e11\n", r"^Error: .*t.ini:2: .*duration")),
    ("config.duration_huge", config_error_case("[sampling]\nduration = 100000000000\n", r"^Error: .*t.ini:2: .*duration")),
    ("config.bad_format_names_file_and_line",
     config_error_case("[output]\nformat = nosuch\n",
                       r"^Error: .*t.ini:2: \[output\] format = nosuch: no installed plugin provides this format",
                       1, ["run", target("work.py")])),
    ("config.bad_plugin_value_names_file_and_line",
     config_error_case("[plugin.pstats]\nlimit = abc\n", r"plugin pstats: option \"limit\" expects an integer, got \"abc\" \(from .*t.ini:2\)",
                       2, ["run", "--python", PY, target("work.py")])),
]


@case("config")
def unknown_plugin_section_warns(tmp):
    path = ini(tmp, "[plugin.nosuch]\na = 1\nb = 2\n")
    out = os.path.join(tmp, "out.txt")
    r = run(["run", "--config", path, "--collapsed", "-o", out, "--python", PY, target("work.py")])
    expect(r, 0, r"^tachyon: warning: .*t.ini:2: \[plugin.nosuch\] configures a plugin that is not installed; ignored$")
    check(parse_collapsed(out), "the run itself must go on")


@case("config")
def missing_explicit_file(tmp):
    expect(run(["config", "--config", os.path.join(tmp, "none.ini")]), 1,
           r"^Error: cannot open configuration file .*none.ini \(from --config\): No such file or directory$")


@case("config")
def directory_as_config(tmp):
    expect(run(["config", "--config", tmp]), 1, r"^Error: configuration file .* is not a regular file$")


@case("config")
def fifo_as_config_does_not_hang(tmp):
    path = os.path.join(tmp, "fifo.ini")
    os.mkfifo(path)
    expect(run(["config"], env={"TACHYON_CONFIG": path}, timeout=15), 1, r"is not a regular file")


@case("config")
def unreadable_home_keeps_help(tmp):
    home = os.path.join(tmp, "home")
    os.makedirs(home)
    os.chmod(home, 0)
    os.chmod(tmp, 0o755)
    env = {"HOME": home, "XDG_CONFIG_HOME": ""}
    r = run(["run", "--help"], env=env, user=65534)
    expect(r, 0, r"^tachyon: warning: cannot open configuration file .*home/.config/tachyon/tachyon.ini: Permission denied; skipped$")
    check(r.out.startswith("usage: tachyon run"), repr(r))


# --- plugins -------------------------------------------------------------------------

@case("plugins")
def stray_library_help(tmp):
    r = run(["--help"], env={"TACHYON_PLUGIN_PATH": STRAYS})
    check(r.rc == 0 and r.out.startswith("usage: tachyon"), "a stray library broke --help: %r" % r)
    check(r.err == "", repr(r))


@case("plugins")
def stray_library_run_help(tmp):
    r = run(["run", "--help"], env={"TACHYON_PLUGIN_PATH": STRAYS})
    check(r.rc == 0 and "usage: tachyon run" in r.out, repr(r))


@case("plugins")
def stray_library_listed_as_rejected(tmp):
    r = run(["plugins"], env={"TACHYON_PLUGIN_PATH": STRAYS})
    check(r.rc == 0, repr(r))
    check(re.search(r"^  .*/stray.so: not a tachyon plugin: no tachyon_plugin_entry_v1 symbol$", r.out, re.M), repr(r))
    check(re.search(r"^  .*/notes.so: not a tachyon plugin: not a 64-bit ELF shared object$", r.out, re.M), repr(r))


@case("plugins")
def stray_library_config(tmp):
    r = run(["config"], env={"TACHYON_PLUGIN_PATH": STRAYS})
    check(r.rc == 0, repr(r))


@case("plugins")
def system_library_folder(tmp):
    # Every library there would have run its constructors before the fix;
    # now each is rejected from its symbol table alone.
    libdir = "/usr/lib/x86_64-linux-gnu"
    r = run(["plugins"], env={"TACHYON_PLUGIN_PATH": libdir}, timeout=120)
    check(r.rc == 0, repr(r))
    rejected = re.findall(r"^  %s/\S+: not a tachyon plugin" % re.escape(libdir), r.out, re.M)
    check(len(rejected) > 50, "expected the folder's libraries listed as rejected: %d" % len(rejected))


def hostile_case(name, rc, message, needs_output_absent=True):
    def fn(tmp):
        out = os.path.join(tmp, "out.txt")
        r = run(["run", "--plugin", os.path.join(PLUGINS, name + ".so"), "--format", name, "-o", out,
                 "--python", PY, target("work.py")])
        expect(r, rc, message, extra_errors_ok=SANITIZE)
        if needs_output_absent:
            check(os.listdir(tmp) == [], "files left behind: %r" % os.listdir(tmp))
    return fn


def segv(callback):
    return r"^tachyon: plugin %s crashed in %s with SIGSEGV \(invalid memory access\); no output was written$"


CASES += [
    ("plugins.segv_in_create", hostile_case("segv_create", SEGV_RC, segv("") % ("segv_create", r"create\(\)"))),
    ("plugins.segv_in_on_sample", hostile_case("segv_sample", SEGV_RC, segv("") % ("segv_sample", r"on_sample\(\)"))),
    ("plugins.segv_in_tick", hostile_case("segv_tick", SEGV_RC, segv("") % ("segv_tick", r"tick\(\)"))),
    ("plugins.segv_in_finish", hostile_case("segv_finish", SEGV_RC, segv("") % ("segv_finish", r"finish\(\)"))),
    ("plugins.segv_in_entry", hostile_case("segv_entry", SEGV_RC, segv("") % (r"/.*/segv_entry.so", r"tachyon_plugin_entry_v1\(\)"))),
    ("plugins.segv_in_constructor", hostile_case("segv_ctor", SEGV_RC, segv("") % (r"/.*/segv_ctor.so", r"its constructors \(dlopen\)"))),
    ("plugins.abort_in_finish", hostile_case("abort_finish", -signal.SIGABRT,
                                             r"^tachyon: plugin abort_finish crashed in finish\(\) with SIGABRT \(abort\); no output was written$")),
    ("plugins.abort_in_on_sample", hostile_case("abort_sample", -signal.SIGABRT,
                                                r"^tachyon: plugin abort_sample crashed in on_sample\(\) with SIGABRT")),
    ("plugins.exit_in_on_sample", hostile_case("exit_sample", 7,
                                               r"^tachyon: plugin exit_sample called exit\(\) in on_sample\(\); no output was written$")),
    ("plugins.exit_in_create", hostile_case("exit_create", 7, r"^tachyon: plugin exit_create called exit\(\) in create\(\)")),
    ("plugins.create_fails", hostile_case("fail_create", 1, r"^tachyon: plugin fail_create: create\(\) failed with code -4")),
    ("plugins.finish_fails", hostile_case("fail_finish", 1,
                                          r"^tachyon: plugin fail_finish: finish\(\) failed with code -3 \(.*\); its output was not written$")),
]


@case("plugins")
def finish_fails_keeps_previous_output(tmp):
    out = os.path.join(tmp, "out.txt")
    with open(out, "w") as f:
        f.write("previous report\n")
    r = run(["run", "--plugin", os.path.join(PLUGINS, "fail_finish.so"), "--format", "fail_finish", "-o", out,
             "--python", PY, target("work.py")])
    expect(r, 1, r"finish\(\) failed")
    check(open(out).read() == "previous report\n", "the previous report was touched")
    check(sorted(os.listdir(tmp)) == ["out.txt"], "temporary files left: %r" % os.listdir(tmp))


@case("plugins")
def crashing_entry_in_listing(tmp):
    r = run(["plugins", "--plugin", os.path.join(PLUGINS, "segv_entry.so")])
    expect(r, SEGV_RC, r"^tachyon: plugin /.*/segv_entry.so crashed in tachyon_plugin_entry_v1\(\) with SIGSEGV",
           extra_errors_ok=SANITIZE)


@case("plugins")
def calm_plugin_works(tmp):
    out = os.path.join(tmp, "out.txt")
    r = run(["run", "--plugin", os.path.join(PLUGINS, "calm.so"), "--format", "calm", "-o", out,
             "--python", PY, target("work.py")])
    expect(r, 0, r"^Profile written to .*out.txt$")
    check(re.match(r"calm samples [1-9]\d*\n$", open(out).read()), "calm output")


@case("plugins")
def duplicate_format_is_visible(tmp):
    r = run(["plugins", "--plugin", os.path.join(PLUGINS, "dup_pstats.so")])
    check(r.rc == 0, repr(r))
    check(re.search(r"^\s+\(used; also declared by pstats .*/pstats.so, which is hidden\)$", r.out, re.M), repr(r))
    check(re.search(r"^\s+\(hidden: dup_pstats .*/dup_pstats.so provides it, found first\)$", r.out, re.M), repr(r))


@case("plugins")
def duplicate_format_warns_at_run(tmp):
    out = os.path.join(tmp, "out.txt")
    r = run(["run", "--plugin", os.path.join(PLUGINS, "dup_pstats.so"), "-o", out, "--python", PY, target("work.py")])
    expect(r, 0, r"^tachyon: warning: format 'pstats' is declared by plugins dup_pstats \(.*\) and pstats \(.*\); using dup_pstats")
    check(open(out).read().startswith("dup_pstats samples"), "the documented winner did not write the output")


@case("plugins")
def plugin_option_error_once(tmp):
    r = run(["run", "--plugin-opt", "pstats.sort=bogus", "--python", PY, target("work.py")])
    line = expect(r, 2, r"plugin pstats: option \"sort\"")
    check(line.count("plugin pstats") == 1, "doubled prefix: %r" % line)


# --- outputs ---------------------------------------------------------------------------

def profile_to(out, fmt="--collapsed", script="work.py", **kw):
    return run(["run", fmt, "-o", out, "--python", PY, target(script)], **kw)


# Device nodes of our own (the same devices as /dev/null and /dev/full), so
# the cases do not depend on, or touch, the machine's shared /dev.
def device(tmp, name, minor):
    path = os.path.join(tmp, name)
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    return path


@case("outputs")
def null_device_stays_a_device(tmp):
    path = device(tmp, "null", 3)
    r = profile_to(path)
    expect(r, 0, r"^Collapsed stack output written to .*/null$")
    st = os.lstat(path)
    check(stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3), "the device was replaced")
    check(os.listdir(tmp) == ["null"], "files left: %r" % os.listdir(tmp))


@case("outputs")
def full_device_reports_enospc(tmp):
    path = device(tmp, "full", 7)
    r = profile_to(path)
    expect(r, 1, r"^collapsed: error: cannot write .*/full: No space left on device$")
    check(stat.S_ISCHR(os.lstat(path).st_mode), "the device was replaced")
    check(os.listdir(tmp) == ["full"], "files left: %r" % os.listdir(tmp))


@case("outputs")
def symlink_written_through(tmp):
    real = os.path.join(tmp, "real.txt")
    link = os.path.join(tmp, "link.txt")
    with open(real, "w") as f:
        f.write("old\n")
    os.chmod(real, 0o640)
    os.symlink("real.txt", link)
    r = profile_to(link)
    expect(r, 0, r"^Collapsed stack output written to .*link.txt$")
    check(os.path.islink(link) and os.readlink(link) == "real.txt", "the symlink was replaced")
    check("work" in funcs_in(parse_collapsed(real)), "the link's target has no profile")
    check(stat.S_IMODE(os.stat(real).st_mode) == 0o640, "the file's mode was not kept")
    check(sorted(os.listdir(tmp)) == ["link.txt", "real.txt"], "files left: %r" % os.listdir(tmp))


@case("outputs")
def dangling_symlink_written_through(tmp):
    link = os.path.join(tmp, "link.txt")
    os.makedirs(os.path.join(tmp, "d"))
    os.symlink("d/new.txt", link)
    r = profile_to(link)
    expect(r, 0, r"^Collapsed stack output written to")
    check(os.path.islink(link), "the symlink was replaced")
    check(parse_collapsed(os.path.join(tmp, "d", "new.txt")), "no profile behind the link")


@case("outputs")
def fifo_written_in_place(tmp):
    fifo = os.path.join(tmp, "pipe")
    os.mkfifo(fifo)
    got = []

    def reader():
        with open(fifo) as f:
            got.append(f.read())
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    r = profile_to(fifo)
    th.join(20)
    check(not th.is_alive(), "the FIFO's reader still waits")
    expect(r, 0, r"^Collapsed stack output written to .*pipe$")
    check(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced")
    check(got and "work" in got[0], "the reader got no profile")


@case("outputs")
def dev_stdout_to_file(tmp):
    path = os.path.join(tmp, "captured.txt")
    with open(path, "wb") as f:
        r = profile_to("/dev/stdout", stdout=f, private_dev=True)
    expect(r, 0, r"^Collapsed stack output written to /dev/stdout$")
    text = open(path).read()
    check("work" in text and "Captured" not in text, "report and summary mixed or lost: %r" % text[:300])
    check(os.path.isfile(path) and not os.path.islink(path), "stdout file replaced")


@case("outputs")
def proc_self_fd_to_pipe(tmp):
    r = profile_to("/proc/self/fd/1")
    expect(r, 0, r"^Collapsed stack output written to /proc/self/fd/1$")
    check("work" in r.out and "Captured" not in r.out, "pipe output: %r" % r.out[:300])


@case("outputs")
def dev_stdout_as_user(tmp):
    os.chmod(tmp, 0o777)
    r = run(["run", "--collapsed", "-o", "/dev/stdout", "--python", PY, target("work.py")], user=65534, cwd=tmp,
            private_dev=True)
    expect(r, 0, r"^Collapsed stack output written to /dev/stdout$")
    check("work" in r.out, "no profile on stdout: %r" % r)


@case("outputs")
def stdout_full(tmp):
    with open(device(tmp, "full", 7), "wb") as full:
        r = run(["run", "--python", PY, target("work.py")], stdout=full)
    expect(r, 1, r"^pstats: error: cannot write standard output: No space left on device$")


@case("outputs")
def existing_file_mode_kept(tmp):
    out = os.path.join(tmp, "out.txt")
    with open(out, "w") as f:
        f.write("old\n")
    os.chmod(out, 0o600)
    r = profile_to(out)
    expect(r, 0, r"^Collapsed stack output written to")
    check(stat.S_IMODE(os.stat(out).st_mode) == 0o600, "mode changed")
    check(parse_collapsed(out), "no profile")


@case("outputs")
def read_only_file_as_user(tmp):
    os.chmod(tmp, 0o777)
    out = os.path.join(tmp, "out.txt")
    with open(out, "w") as f:
        f.write("keep me\n")
    os.chmod(out, 0o444)
    marker = os.path.join(tmp, "started")
    r = run(["run", "--collapsed", "-o", out, "--python", PY, target("marker.py"), marker], user=65534)
    expect(r, 1, r"^Error: cannot write the output to .*out.txt: Permission denied$")
    check(open(out).read() == "keep me\n" and not os.path.exists(marker), "changed or started")


@case("outputs")
def unwritable_directory_as_user(tmp):
    d = os.path.join(tmp, "ro")
    os.makedirs(d)
    os.chmod(tmp, 0o755)
    os.chmod(d, 0o555)
    r = run(["run", "--collapsed", "-o", os.path.join(d, "out.txt"), "--python", PY, target("work.py")], user=65534)
    expect(r, 1, r"^Error: cannot write the output to .*ro/out.txt: directory .*ro: Permission denied$")
    check(os.listdir(d) == [], "files created")


@case("outputs")
def directory_gets_default_name(tmp):
    r = profile_to(tmp)
    expect(r, 0, r"^Collapsed stack output written to %s/collapsed_\d+.txt$" % re.escape(tmp))


@case("outputs")
def realtime_stats_without_terminal(tmp):
    out = os.path.join(tmp, "out.txt")
    r = run(["run", "--realtime-stats", "-d", "2.5", "--collapsed", "-o", out, "--python", PY,
             os.path.join(support.WORKLOADS, "forever.py")])
    expect(r, 0, r"^Collapsed stack output written to")
    check("\x1b" not in r.out + r.err and "\r" not in r.out + r.err, "terminal escapes written to a pipe")
    check(re.search(r"^Stats: [0-9.]+Hz", r.out, re.M), "no realtime stats line: %r" % r.out[:500])


# --- the runner -------------------------------------------------------------------------

def main(argv):
    wanted = argv[1:]
    write_targets()
    selected = [(n, fn) for n, fn in CASES if not wanted or any(w in n for w in wanted)]
    failed = []
    start = time.monotonic()
    for name, fn in selected:
        tmp = tempfile.mkdtemp(prefix="case-", dir=WORK)
        t0 = time.monotonic()
        try:
            fn(tmp)
            print("ok    %-55s %5.2fs" % (name, time.monotonic() - t0), flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported, then counted
            failed.append(name)
            detail = str(e) if isinstance(e, Failure) else traceback.format_exc()
            print("FAIL  %-55s\n%s" % (name, detail), flush=True)
        finally:
            for root, dirs, _ in os.walk(tmp):
                for d in dirs:
                    os.chmod(os.path.join(root, d), 0o755)
            shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(WORK, ignore_errors=True)
    print("%d cases, %d failed, %.1fs" % (len(selected), len(failed), time.monotonic() - start))
    if failed:
        print("failed: " + " ".join(failed))
    return 1 if failed or not selected else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
