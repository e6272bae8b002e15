"""agents.acapy_plugin.multitenant_open: requests that reach the holder's sub-wallets at once, first thing
after its start, open the one store of sub-wallets once; the others wait for it, then find it open; an
open that failed is tried again by the next request."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from acapy_agent.multitenant.single_wallet_askar_manager import SingleWalletAskarMultitenantManager

from agents.acapy_plugin import multitenant_open


class Manager(SingleWalletAskarMultitenantManager):
    def __init__(self) -> None:  # no profile: `get_wallet_profile` below stands in for ACA-Py's
        self._multitenant_profile = None


@pytest.fixture
def opens(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """ACA-Py's `get_wallet_profile` as a stand-in that records each open of the store (slow, as a real one
    is: the window where others come in), the patch installed over it."""
    opened: list[str] = []

    async def get_wallet_profile(self: Manager, context: object, record: str, *_: Any, **__: Any) -> str:
        if self._multitenant_profile is None:
            opened.append(record)
            await asyncio.sleep(0.05)
            if record == "fails":
                raise RuntimeError("Error opening store")
            self._multitenant_profile = "store"  # type: ignore[assignment]
        return f"profile of {record}"

    monkeypatch.setattr(SingleWalletAskarMultitenantManager, "get_wallet_profile", get_wallet_profile)
    monkeypatch.setattr(multitenant_open, "written_against", lambda *_: True)
    multitenant_open.install()
    yield opened


def test_the_patch_is_written_against_the_installed_acapy() -> None:
    assert multitenant_open.differing_sources() == []


async def test_requests_at_once_open_the_store_once_and_each_gets_its_profile(opens: list[str]) -> None:
    manager = Manager()
    profiles = await asyncio.gather(*(manager.get_wallet_profile(None, f"w{n}") for n in range(10)))  # type: ignore[arg-type]
    assert opens == ["w0"]
    assert profiles == [f"profile of w{n}" for n in range(10)]
    assert await manager.get_wallet_profile(None, "later") == "profile of later"  # type: ignore[arg-type]
    assert opens == ["w0"]


async def test_an_open_that_failed_is_tried_again_by_the_next(opens: list[str]) -> None:
    manager = Manager()
    first, second = await asyncio.gather(
        manager.get_wallet_profile(None, "fails"), manager.get_wallet_profile(None, "w1"),  # type: ignore[arg-type]
        return_exceptions=True,
    )  # fmt: skip
    assert isinstance(first, RuntimeError) and second == "profile of w1"
    assert opens == ["fails", "w1"]


async def test_each_manager_has_its_own_first_open(opens: list[str]) -> None:
    await asyncio.gather(Manager().get_wallet_profile(None, "a"), Manager().get_wallet_profile(None, "b"))  # type: ignore[arg-type]
    assert sorted(opens) == ["a", "b"]
