"""PyTorch's side of the benchmark: one workload in this process, driven over stdin/stdout.

    /usr/bin/python3 bench/impls/torch/worker.py <threads>

Started by bench/impls/torch/index.ts (inside the harness's worker process for this
implementation and workload). It prints a hello message with what it runs on, then answers:
  {"op": "load", "workload": "W2", "config": {...}, "data": skeleton, "bytes": n} + data bytes
  {"op": "step"}                 -> {"loss": x}
  {"op": "time", "steps": n}     -> {"seconds": s, "lastLoss": x}   (timed here, not over the pipe)
  {"op": "reset"}                -> {}                              (W5: back to the initial values)
  {"op": "multiply"}             -> {"bytes": n} + C as float32     (W4)
  {"op": "timeProducts", "count": n} -> {"seconds": s}             (W4)
  {"op": "memory"}               -> {"peakRssBytes": b}
A failure answers {"error": "..."}. The process ends when the harness closes stdin.
"""

import sys
import time
import traceback
from typing import Any, Callable, Optional

import runtime

runtime.die_with_parent()

from w1 import W1  # noqa: E402 (torch loads after the death signal is set)
from w2 import W2  # noqa: E402
from w3 import W3  # noqa: E402
from w4 import W4  # noqa: E402
from w5 import W5  # noqa: E402
from w6 import W6  # noqa: E402
from wire import read_message, with_arrays, write_message  # noqa: E402

WORKLOADS: dict[str, Callable[[dict, dict], Any]] = {"W1": W1, "W2": W2, "W3": W3, "W4": W4, "W5": W5, "W6": W6}


def timed_steps(workload: Any, steps: int) -> dict[str, float]:
    last = float("nan")
    start = time.perf_counter()
    for _ in range(steps):
        last = workload.step()
    return {"seconds": time.perf_counter() - start, "lastLoss": last}


def timed_products(workload: Any, count: int) -> dict[str, float]:
    start = time.perf_counter()
    for _ in range(count):
        workload.multiply()
    return {"seconds": time.perf_counter() - start}


def answer(workload: Any, message: dict[str, Any], blob: bytearray) -> tuple[Any, dict[str, Any], Optional[bytes]]:
    """(the workload, possibly just loaded; the reply; bytes after the reply)."""
    op = message["op"]
    if op == "load":
        make = WORKLOADS[message["workload"]]
        return make(message["config"], with_arrays(message["data"], blob)), {}, None
    if op == "memory":
        return workload, {"peakRssBytes": runtime.peak_rss_bytes()}, None
    if workload is None:
        raise RuntimeError(f"'{op}' before any workload was loaded")
    if op == "step":
        return workload, {"loss": workload.step()}, None
    if op == "time":
        return workload, timed_steps(workload, int(message["steps"])), None
    if op == "reset":
        workload.reset()
        return workload, {}, None
    if op == "multiply":
        return workload, {}, workload.multiply().tobytes()
    if op == "timeProducts":
        return workload, timed_products(workload, int(message["count"])), None
    raise RuntimeError(f"unknown op '{op}'")


def main() -> None:
    threads = int(sys.argv[1])
    runtime.set_threads(threads)
    out, inp = sys.stdout.buffer, sys.stdin.buffer
    write_message(out, {"notes": runtime.notes(threads)})
    workload = None
    while (received := read_message(inp)) is not None:
        message, blob = received
        try:
            workload, reply, data = answer(workload, message, blob)
        except Exception as e:  # reported to the harness, which records the figure as failed
            traceback.print_exc(file=sys.stderr)
            reply, data = {"error": f"{type(e).__name__}: {e}"}, None
        write_message(out, reply, data)


if __name__ == "__main__":
    main()
