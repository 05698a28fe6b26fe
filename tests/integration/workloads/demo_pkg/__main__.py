"""`python -m demo_pkg`: a module target for `tachyon run -m`."""
import time


def module_work():
    end = time.perf_counter() + 1.0
    while time.perf_counter() < end:
        pass


module_work()
