"""CPU time per process group, read from /proc (Linux): where a batch's CPU went.

    meter = CpuMeter({"issuer agent": pid, ...}); before = meter.sample(); ...; used = meter.since(before)

Each named pid counts with all its descendants; every other descendant of this process counts as
"validators"; this process itself (controllers, ledger web and tails servers, the bench client, all in
one event loop) as "this process". What the whole machine used beyond these (/proc/stat) is "others":
someone else's work competing for the same cores. Without /proc, samples are empty and nothing is reported.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

__all__ = ["ELSEWHERE", "CpuMeter"]

PROC = Path("/proc")
THIS_PROCESS = "this process"
OTHERS = "validators"
ELSEWHERE = "others"
_MACHINE = "machine"


def _machine_busy() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat: all but idle and iowait)."""
    ticks = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used) of a live process, or None."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, ..., utime (12th), stime
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    def __init__(self, named: Mapping[str, int | None]) -> None:
        self._named = {pid: name for name, pid in named.items() if pid is not None}

    def sample(self) -> dict[str, float]:
        """CPU seconds used so far, per group (only the processes alive now)."""
        if not PROC.is_dir():
            return {}
        stats = {int(p.name): s for p in PROC.iterdir() if p.name.isdigit() and (s := _stat(int(p.name)))}
        me = os.getpid()
        used: dict[str, float] = {_MACHINE: _machine_busy(), THIS_PROCESS: time.process_time()}
        for pid, (_, seconds) in stats.items():
            group, cursor = None, pid
            while cursor in stats and cursor != me:  # up to us; the nearest named ancestor names the group
                group = group or self._named.get(cursor)
                cursor = stats[cursor][0]
            if cursor == me and pid != me:
                name = group or OTHERS
                used[name] = used.get(name, 0.0) + seconds
        return used

    @staticmethod
    def since(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
        """CPU seconds per group between two samples, and what other processes used meanwhile (`others`)."""
        used = {name: max(0.0, after[name] - before.get(name, 0.0)) for name in after if name != _MACHINE}
        if _MACHINE in after and _MACHINE in before:
            used[ELSEWHERE] = max(0.0, after[_MACHINE] - before[_MACHINE] - sum(used.values()))
        return used
