"""Peak-memory measurement shared by the benchmarks (Linux /proc, getrusage elsewhere).

Each benchmark runs a contender in a fresh process, resets the peak after building its input,
and reads the peak after the call, so the figure is the contender's own.
"""

from __future__ import annotations

import sys


def status_kb(field: str) -> int | None:
    """A ``/proc/self/status`` field in kB (``VmRSS``, ``VmHWM``), or None without /proc."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_mb() -> float:
    """Peak resident memory of this process in MB (since the last reset, where supported)."""
    kb = status_kb("VmHWM")
    if kb is None:  # no /proc: lifetime peak from getrusage (kB on Linux, bytes on macOS)
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if sys.platform == "darwin":
            kb //= 1024
    return kb * 1024 / 1e6
