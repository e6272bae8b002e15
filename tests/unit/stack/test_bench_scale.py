"""The scale benchmark's own arithmetic: memory from /proc, and its comparison of two runs against the
10 % target (the figures themselves are printed by `medcred scale bench`, never asserted)."""

from __future__ import annotations

import os

from stack.bench.batch import FLOW, Batch
from stack.bench.scale import Patients, comparison, resident_mb


def batch(rate_wall: float, flow_seconds: list[float]) -> Batch:
    made = Batch("x")
    for seconds in flow_seconds:
        made.add({FLOW: seconds})
    made.wall = rate_wall
    return made


def test_this_process_has_a_resident_memory_and_a_gone_one_has_none() -> None:
    mine = resident_mb(os.getpid())
    assert mine is not None and mine > 1
    assert resident_mb(None) is None
    assert resident_mb(2**22 + 12345) is None


def test_two_runs_are_compared_as_percent_slower_and_longer() -> None:
    small = batch(10.0, [1.0] * 10)  # 1 flow/s, p95 1 s
    same = comparison(small, batch(10.0, [1.0] * 10), 10_000)
    assert "+0.0 %" in same[0] and same[0].endswith("met") and same[1].endswith("met")
    slower = comparison(small, batch(12.5, [1.3] * 10), 10_000)  # 0.8 flows/s: 20 % slower; p95 30 % longer
    assert "+20.0 %" in slower[0] and slower[0].endswith("MISSED")
    assert "+30.0 %" in slower[1] and slower[1].endswith("MISSED")


def test_the_run_among_all_never_picks_an_account_an_earlier_run_used() -> None:
    """A wallet connected to the hospital once reuses that connection for a second invitation: the run among
    N had picked the first run's accounts again, and those flows ended 409."""
    made = Patients(None, None, "")  # type: ignore[arg-type]
    made.pick_among(10)
    first_run = [made.unused.pop() for _ in range(10)]
    made.used.update(first_run)
    made.pick_among(200)
    assert sorted(first_run) == list(range(10)) and not set(made.unused) & set(first_run)
    assert sorted(made.unused) == list(range(10, 200))
