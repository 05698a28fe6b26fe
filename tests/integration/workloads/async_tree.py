"""asyncio workload with known task shares (tests/integration/test_async.py).

Every task below does one busy chunk per event-loop round and yields with
sleep(0), so while all are alive the loop runs them round-robin and their
shares of the main thread's busy time follow their chunk lengths:
worker-a 3 ms, worker-b 1 ms, the two gathered tasks 1 ms each, inner
(awaited by the task "awaiter", inside asyncio.timeout) 1 ms: 3/7 and 1/7 each. "doomed" spins 1 ms
per round too until main cancels it a third of the way in. "idle-sleeper"
only ever waits. A second thread runs its own event loop with one task,
"side-worker", that mostly sleeps.

On a loaded machine a chunk lasts longer than asked whenever the thread is
preempted inside it, so the program also measures the wall time each task
spends in its chunks and prints the shares it measured at exit
("SHARES {json}"): that is what a wall-clock profiler must find. It also
prints the longest overrun of a chunk ("STALL seconds"): a long one means
the whole machine stalled, the profiler too."""
import asyncio
import collections
import json
import sys
import threading
import time


def busy(ms):
    end = time.perf_counter() + ms / 1000.0
    while time.perf_counter() < end:
        pass


SPENT = collections.Counter()
STALL = [0.0]   # the longest a chunk overran its length, in seconds


async def spin(ms, until):
    name = asyncio.current_task().get_name()
    while time.perf_counter() < until:
        start = time.perf_counter()
        busy(ms)
        took = time.perf_counter() - start
        SPENT[name] += took
        STALL[0] = max(STALL[0], took - ms / 1000.0)
        await asyncio.sleep(0)


async def gathered(until):
    await asyncio.gather(spin(1, until), spin(1, until))


async def awaiter(until):
    async with asyncio.timeout(3600):
        await asyncio.create_task(spin(1, until), name="inner")


async def doomed(until):
    await spin(1, until)


async def idle():
    await asyncio.sleep(3600)


async def main(duration):
    until = time.perf_counter() + duration
    sleeper = asyncio.create_task(idle(), name="idle-sleeper")
    async with asyncio.TaskGroup() as tg:
        tg.create_task(spin(3, until), name="worker-a")
        tg.create_task(spin(1, until), name="worker-b")
        tg.create_task(gathered(until), name="gatherer")
        tg.create_task(awaiter(until), name="awaiter")
        victim = tg.create_task(doomed(until), name="doomed")
        await asyncio.sleep(duration / 3)
        victim.cancel()
    sleeper.cancel()


async def side_work(until):
    while time.perf_counter() < until:
        busy(1)
        await asyncio.sleep(0.01)


async def side_main(duration):
    await asyncio.create_task(side_work(time.perf_counter() + duration), name="side-worker")


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    side = threading.Thread(target=lambda: asyncio.run(side_main(seconds)), name="side")
    side.start()
    asyncio.run(main(seconds))
    side.join()
    print("SHARES " + json.dumps(SPENT), flush=True)
    print(f"STALL {STALL[0]:.6f}", flush=True)
