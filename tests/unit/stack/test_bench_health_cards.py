"""The benchmark's SMART Health Card lines: cards issued and verified per second, each against its target
(the figures themselves are never asserted: only that every card verified and the lines say so)."""

from __future__ import annotations

import re

from stack.bench.health_cards import card_lines


async def test_the_card_lines_report_issued_and_verified_rates_and_no_failure() -> None:
    lines = await card_lines(5)
    assert lines[0].startswith("SMART Health Cards, in this process, one at a time: 5 two-dose cards of")
    assert re.match(r"  cards issued/s .* \d+/s .*target >= 500/s +(met|MISSED)$", lines[1])
    assert re.match(r"  cards verified/s .* \d+/s .*target >= 500/s +(met|MISSED)$", lines[2])
    assert len(lines) == 3  # no "FAILED" line: every card verified
