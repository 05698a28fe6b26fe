"""A process tree of every shape --subprocesses must follow. Each child
notes "SHAPE PID" in $TREE_MANIFEST and spins in a function named after
its shape (work_SHAPE) for a known time, so the test can find each
child's output and check its share. argv: [OTHER_PYTHON] (a CPython of
another version, for a child of that version)."""
import os
import sys
import time

# multiprocessing and subprocess are imported only where they are used, so
# the exec'd children spend their time in their own work, not in imports.
SPIN = 0.5
SHORT = 0.05


def note(shape):
    with open(os.environ["TREE_MANIFEST"], "a") as f:
        f.write(f"{shape} {os.getpid()}\n")


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def work_fork():
    note("fork")
    spin(SPIN)


def work_forkexec():
    note("forkexec")
    spin(SPIN)


def work_subprocess():
    note("subprocess")
    spin(SPIN)


def work_mp_fork():
    note("mp_fork")
    spin(SPIN)


def work_mp_spawn():
    note("mp_spawn")
    spin(SPIN)


def work_mp_forkserver():
    note("mp_forkserver")
    spin(SPIN)


def work_grandchild():
    note("grandchild")
    spin(SPIN)


def work_middle():
    import subprocess
    note("middle")
    child = subprocess.Popen([sys.executable, __file__, "grandchild"])
    spin(SPIN / 2)
    child.wait()


def work_other():
    note("other")
    spin(SPIN)


def work_short():
    note("short")
    spin(SHORT)


def parent_spin():
    spin(SPIN)


def forked(fn):
    pid = os.fork()
    if pid == 0:
        try:
            fn()
        finally:
            os._exit(0)
    return pid


def main(other_python):
    import multiprocessing
    import subprocess
    waits = []
    waits.append(forked(work_fork))
    pid = os.fork()
    if pid == 0:
        os.execv(sys.executable, [sys.executable, __file__, "forkexec"])
    waits.append(pid)
    waits.append(forked(work_short))    # lives 50 ms: it must still be caught
    procs = [subprocess.Popen([sys.executable, __file__, "subprocess"]),
             subprocess.Popen([sys.executable, __file__, "middle"]),
             subprocess.Popen(["sleep", "0.3"])]
    if other_python:
        procs.append(subprocess.Popen([other_python, __file__, "other"]))
    for method, fn in (("fork", work_mp_fork), ("spawn", work_mp_spawn), ("forkserver", work_mp_forkserver)):
        p = multiprocessing.get_context(method).Process(target=fn)
        p.start()
        procs.append(p)
    parent_spin()
    for pid in waits:
        os.waitpid(pid, 0)
    for p in procs:
        if isinstance(p, subprocess.Popen):
            p.wait()
        else:
            p.join()


if __name__ == "__main__":
    shape = sys.argv[1] if len(sys.argv) > 1 else ""
    if shape in ("forkexec", "subprocess", "middle", "grandchild", "other"):
        globals()["work_" + shape]()
    else:
        main(shape)
