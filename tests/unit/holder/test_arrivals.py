"""holder.arrivals: a proof request kept as its webhook brought it, per sub-wallet, taken once, bounded."""

from __future__ import annotations

from typing import Any

from holder.arrivals import ArrivedRequests


def arrived(pres_ex_id: str, state: str = "request-received", *, request: bool = True) -> dict[str, Any]:
    by_format = {"pres_request": {"anoncreds": {"name": "proof"}}} if request else {}
    return {"pres_ex_id": pres_ex_id, "state": state, "role": "prover", "by_format": by_format}


def test_a_kept_request_is_taken_once_and_only_by_its_own_sub_wallet() -> None:
    kept = ArrivedRequests()
    assert kept.keep("wallet-a", arrived("p1"))
    assert kept.take("wallet-b", "p1") is None  # another patient's sub-wallet finds nothing
    assert kept.take("wallet-a", "p1") == arrived("p1")
    assert kept.take("wallet-a", "p1") is None
    assert len(kept) == 0


def test_only_an_arrival_that_carries_its_request_is_kept() -> None:
    kept = ArrivedRequests()
    assert not kept.keep("w", arrived("p1", "presentation-sent"))
    assert not kept.keep("w", arrived("p2", request=False))  # a webhook without --debug-webhooks
    assert not kept.keep("w", {"state": "request-received", "by_format": {"pres_request": {}}})  # no id
    assert len(kept) == 0


def test_the_oldest_requests_go_first_beyond_the_bound() -> None:
    kept = ArrivedRequests(max_kept=2)
    for pres_ex_id in ("p1", "p2", "p3"):
        kept.keep("w", arrived(pres_ex_id))
    assert kept.take("w", "p1") is None
    assert kept.take("w", "p2") is not None and kept.take("w", "p3") is not None
