"""The benchmark's arithmetic: percentiles, rates, overhead, and how a batch and a target are printed."""

from __future__ import annotations

import asyncio
import math

import pytest

from medcred.errors import TimeoutError_
from stack.bench.batch import FLOW, Batch, Laps, run_batch
from stack.bench.cpu import CpuMeter
from stack.bench.report import batch_lines, cpu_lines, overhead, percentile, target_line


def test_percentile_interpolates_between_closest_ranks() -> None:
    samples = [5.0, 1.0, 4.0, 2.0, 3.0]  # order does not matter
    assert percentile(samples, 50) == 3.0
    assert percentile(samples, 95) == pytest.approx(4.8)  # numpy.percentile's default gives the same
    assert percentile(samples, 0) == 1.0
    assert percentile(samples, 100) == 5.0
    assert percentile([1.0, 2.0], 50) == 1.5
    assert percentile([0.7], 95) == 0.7


def test_percentile_refuses_nothing_and_out_of_range() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_overhead_is_in_percent_of_the_baseline_and_signed() -> None:
    assert overhead(1.1, 1.0) == pytest.approx(10.0)  # latency: 10% slower
    assert overhead(0.9, 1.0) == pytest.approx(-10.0)  # faster: negative
    assert overhead(1.8, 2.0, higher_is_better=True) == pytest.approx(10.0)  # rate: 10% fewer flows/s
    assert overhead(1.0, 0.0) == math.inf


def test_batch_rate_counts_completed_flows_only() -> None:
    batch = Batch("x", wall=4.0, failures=["#3: TimeoutError_: late"])
    for seconds in (1.0, 2.0, 3.0):
        batch.add({"connect": seconds / 2, FLOW: seconds})
    assert batch.completed == 3 and batch.rate == 0.75
    assert Batch("empty").rate == 0.0


def test_batch_lines_show_rate_percentiles_in_ms_and_failures() -> None:
    batch = Batch("x", wall=2.0, failures=["#1: AgentError: boom"])
    batch.add({"connect": 0.1, "issue": 0.3, FLOW: 0.4})
    batch.add({"connect": 0.2, "issue": 0.5, FLOW: 0.7})
    lines = batch_lines(batch, "Through the controllers")
    assert lines[0].startswith("Through the controllers: 2 flows in 2.00 s = 1.00 flows/s")
    assert "1 FAILED" in lines[0] and "boom" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == ["connect", "issue", FLOW]  # the whole flow last
    assert "p50      150 ms" in lines[1] and "p95      195 ms" in lines[1] and "n=2" in lines[1]


def test_target_line_says_met_or_missed() -> None:
    assert target_line("flows/s", "2.10/s", True, ">= 2/s").endswith(" met")
    assert target_line("flows/s", "1.20/s", False, ">= 2/s").endswith(" MISSED")


def test_cpu_lines_divide_by_flows_and_give_the_ceiling() -> None:
    ours, others = cpu_lines({"issuer agent": 1.0, "holder agent": 3.0, "others": 2.5}, completed=10, cores=2, wall=5)
    assert "holder agent 0.300" in ours and "issuer agent 0.100" in ours
    assert "total 0.400" in ours and "5.00/s" in ours  # 2 cores / 0.4 CPU-s per flow; others not counted
    assert "0.50 of 2 cores" in others
    assert cpu_lines({}, completed=10, cores=2, wall=5) == []


def test_cpu_since_subtracts_and_leaves_the_machine_rest_to_others() -> None:
    assert CpuMeter.since({"a": 1.0}, {"a": 1.5, "b": 2.0}) == {"a": 0.5, "b": 2.0}
    before = {"machine": 100.0, "a": 1.0, "b": 1.0}
    after = {"machine": 104.0, "a": 2.0, "b": 1.5}  # 4 s busy in all, 1.5 s of it ours
    assert CpuMeter.since(before, after) == {"a": 1.0, "b": 0.5, "others": 2.5}


def test_cpu_meter_finds_this_process() -> None:
    sample = CpuMeter({}).sample()
    assert sample == {} or (sample["this process"] > 0 and sample["machine"] > 0)


async def test_run_batch_keeps_laps_counts_failures_and_bounds_concurrency() -> None:
    running = peak = 0

    async def flow(index: int, laps: Laps) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        if index == 2:
            raise TimeoutError_("late")
        laps.lap("step")

    batch = await run_batch("t", flow, count=6, concurrency=2)
    assert peak == 2
    assert batch.completed == 5 and len(batch.failures) == 1 and "late" in batch.failures[0]
    assert len(batch.samples["step"]) == 5
    assert all(whole >= step for whole, step in zip(batch.samples[FLOW], batch.samples["step"], strict=True))
    assert batch.wall > 0
