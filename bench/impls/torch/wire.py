"""The pipe between the harness (Node, bench/impls/torch/pipe.ts) and this worker.

Each message is one line of JSON; when it has a "bytes" field, that many raw bytes follow the line.
The harness sends a workload's data as a JSON skeleton whose arrays are placeholders
{"$array": dtype, "offset": o, "length": n} into the bytes that follow (little-endian, in order),
so the float32 data arrives bit for bit, without text conversion.
"""

import json
import math
from typing import Any, BinaryIO, Optional

import numpy as np

DTYPES = {"float32": np.float32, "int32": np.int32}


def read_message(stream: BinaryIO) -> Optional[tuple[dict[str, Any], bytearray]]:
    """The next message and the bytes after it; None at the end of the stream."""
    line = stream.readline()
    if not line:
        return None
    message = json.loads(line)
    size = int(message.get("bytes", 0))
    blob = bytearray(size)
    view = memoryview(blob)
    got = 0
    while got < size:
        n = stream.readinto(view[got:])
        if not n:
            raise EOFError(f"the harness closed the pipe {size - got} bytes short")
        got += n
    return message, blob


def with_arrays(skeleton: Any, blob: bytearray) -> Any:
    """The skeleton with every array placeholder replaced by a numpy view of the blob (writable)."""
    if isinstance(skeleton, list):
        return [with_arrays(v, blob) for v in skeleton]
    if isinstance(skeleton, dict):
        if "$array" in skeleton:
            dtype = DTYPES[skeleton["$array"]]
            return np.frombuffer(blob, dtype=dtype, count=skeleton["length"], offset=skeleton["offset"])
        return {k: with_arrays(v, blob) for k, v in skeleton.items()}
    return skeleton


def write_message(stream: BinaryIO, message: dict[str, Any], blob: Optional[bytes] = None) -> None:
    """JSON has no NaN or infinity: a non-finite number (a diverged loss) is sent as null."""
    message = {k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in message.items()}
    if blob is not None:
        message = {**message, "bytes": len(blob)}
    stream.write(json.dumps(message).encode() + b"\n")
    if blob is not None:
        stream.write(blob)
    stream.flush()
