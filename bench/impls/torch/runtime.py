"""What this process runs on: threads, and which BLAS kernels OpenBLAS picked (read through ctypes)."""

import ctypes
import os
import platform
import re
import resource
import signal
from typing import Optional

import torch

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Linux: SIGKILL this process when the harness's worker dies (e.g. stopped at its time limit)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def loaded_openblas() -> Optional[ctypes.CDLL]:
    """The OpenBLAS library torch loaded (found in this process's memory map), if any."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "openblas" in line}
    for path in sorted(p for p in paths if p.startswith("/")):
        lib = ctypes.CDLL(path)
        if hasattr(lib, "openblas_get_corename"):
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return lib
    return None


def aten_capability() -> str:
    """The SIMD level of PyTorch's own (non-BLAS) kernels, as torch.__config__.show() states it."""
    found = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    return found.group(1) if found else "unknown"


def set_threads(threads: int) -> None:
    """PyTorch's intra-op pool; OpenBLAS's own pool is sized by OPENBLAS_NUM_THREADS (set by the harness) and here."""
    torch.set_num_threads(threads)
    blas = loaded_openblas()
    if blas is not None:
        blas.openblas_set_num_threads(threads)


def notes(threads: int) -> dict[str, object]:
    blas = loaded_openblas()
    out: dict[str, object] = {
        "library": f"torch {torch.__version__}",
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "requestedThreads": threads,
        "atenCapability": aten_capability(),
        "mkldnn": torch.backends.mkldnn.is_available(),
    }
    if blas is None:
        out["blas"] = "no OpenBLAS loaded"
    else:
        out["blas"] = blas.openblas_get_config().decode()
        out["blasCore"] = blas.openblas_get_corename().decode()
        out["blasThreads"] = blas.openblas_get_num_threads()
    out["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE", "(unset)")
    return out


def peak_rss_bytes() -> int:
    """Linux reports ru_maxrss in KiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
