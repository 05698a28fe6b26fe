"""Shared helpers for the integration tests: which interpreters exist here,
how to run the built tachyon, and how to read its outputs."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = os.path.join(HERE, "workloads")
SOURCE_DIR = os.environ.get("TACHYON_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
BUILD_DIR = os.environ.get("TACHYON_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
TACHYON = os.environ.get("TACHYON_BIN", os.path.join(BUILD_DIR, "tachyon"))

# Every interpreter the project promises to profile that can run here.
CANDIDATES = [
    ("3.11-pyenv", "/root/.pyenv/versions/3.11.7/bin/python3.11"),
    ("3.12-pyenv", "/root/.pyenv/versions/3.12.1/bin/python3.12"),
    ("3.13-pyenv", "/root/.pyenv/versions/3.13.0/bin/python3.13"),
    ("3.11-debian-static", "/usr/bin/python3.11"),
]


def interpreters():
    found = [(name, path) for name, path in CANDIDATES if os.access(path, os.X_OK)]
    if not found:
        raise AssertionError("no CPython interpreter to test against: looked for "
                             + ", ".join(p for _, p in CANDIDATES))
    return found


def workload(name):
    return os.path.join(WORKLOADS, name)


def run_tachyon(args, timeout=120, env=None, **kw):
    """Run tachyon with args; returns the CompletedProcess (text mode)."""
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    if env:
        full_env.update(env)
    return subprocess.run([TACHYON] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=full_env, **kw)


def parse_collapsed(text):
    """[(frames root-first, count)], frames as given: 'tid:N' first, then
    'file:func:line' entries."""
    stacks = []
    for line in text.splitlines():
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        stacks.append((stack.split(";"), int(count)))
    return stacks


def frame_func(frame):
    """The function name of a collapsed 'file:func:line' frame."""
    parts = frame.rsplit(":", 2)
    return parts[1] if len(parts) == 3 else frame


class Target:
    """A Python process started for a test; always killed at the end."""

    def __init__(self, python, script, *args, ready_marker=None):
        self.proc = subprocess.Popen([python, script] + list(args), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        if ready_marker:
            line = self.proc.stdout.readline()
            if ready_marker not in line:
                self.kill()
                raise AssertionError(f"target did not become ready: {line!r}")

    @property
    def pid(self):
        return self.proc.pid

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="tachyon-test-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
