"""The benchmark's figures as printed: percentiles, one table per path, the comparison with the targets.

    percentile(samples, 95)       linear interpolation between closest ranks (numpy's default)
    overhead(controllers, direct) how much worse the first is, in percent of the second
    batch_lines(batch)            flows/s and p50/p95 per step of one path
    target_line(...)              a figure beside its target, "met" or "MISSED"
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from stack.bench.batch import FLOW, Batch
from stack.bench.cpu import ELSEWHERE

__all__ = [
    "CREDENTIALS_PER_S_TARGET", "FLOWS_PER_S_TARGET", "OVERHEAD_PERCENT_TARGET",
    "batch_lines", "cpu_lines", "overhead", "percentile", "target_line",
]  # fmt: skip

# The targets of the issue, on the 2-core development machine.
FLOWS_PER_S_TARGET = 2.0
CREDENTIALS_PER_S_TARGET = 6.0
OVERHEAD_PERCENT_TARGET = 5.0


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks; ValueError if empty."""
    if not samples:
        raise ValueError("no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0-100, not {q}")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def overhead(measured: float, baseline: float, *, higher_is_better: bool = False) -> float:
    """How much worse `measured` is than `baseline`, in percent of the baseline (negative: better)."""
    if baseline <= 0:
        return math.inf
    worse = baseline - measured if higher_is_better else measured - baseline
    return 100 * worse / baseline


def batch_lines(batch: Batch, title: str, unit: str = "flows") -> list[str]:
    """`title`: N done in W s = R unit/s, then p50 and p95 in ms for each step, the whole flow last."""
    lines = [f"{title}: {batch.completed} {unit} in {batch.wall:.2f} s = {batch.rate:.2f} {unit}/s"
             + (f"   ({len(batch.failures)} FAILED, first: {batch.failures[0]})" if batch.failures else "")]
    steps = [step for step in batch.samples if step != FLOW] + ([FLOW] if FLOW in batch.samples else [])
    for step in steps:
        values = batch.samples[step]
        lines.append(f"  {step:<10} p50 {percentile(values, 50) * 1000:8.0f} ms   "
                     f"p95 {percentile(values, 95) * 1000:8.0f} ms   n={len(values)}")
    return lines


def cpu_lines(used: Mapping[str, float], completed: int, cores: int, wall: float) -> list[str]:
    """CPU seconds per completed flow by process group, the flows/s all cores could sustain at that cost,
    and how many cores other processes of the machine took meanwhile."""
    ours = {name: seconds for name, seconds in used.items() if name != ELSEWHERE}
    if not ours or completed == 0:
        return []
    total = sum(ours.values())
    parts = "   ".join(f"{name} {seconds / completed:.3f}" for name, seconds in sorted(ours.items()))
    ceiling = cores * completed / total if total > 0 else math.inf
    lines = [f"  CPU s/flow: {parts}   total {total / completed:.3f} (all {cores} cores busy: {ceiling:.2f}/s)"]
    if ELSEWHERE in used and wall > 0:
        lines.append(f"  meanwhile other processes on the machine used {used[ELSEWHERE] / wall:.2f} of {cores} cores")
    return lines


def target_line(label: str, figure: str, met: bool, target: str) -> str:
    return f"  {label:<44} {figure:<34} target {target:<16} {'met' if met else 'MISSED'}"
