"""agents.acapy_plugin.session_reuse, on a real Askar store under ACA-Py's own profile: a session just
closed is taken over by the next one of its profile; transactions, other profiles and closing the
store never meet a parked session; a session is never lent to two at once; any other source is left
unpatched."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from acapy_agent.askar.profile_anon import AskarAnonCredsProfile, AskarAnonCredsProfileSession
from acapy_agent.storage.askar import AskarStorage
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.storage.record import StorageRecord
from acapy_agent.utils.testing import create_test_profile
from aries_askar import Store

from agents.acapy_plugin import session_reuse

KIND = "medcred-test"


@pytest.fixture
def as_shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """ACA-Py's and Askar's own methods, restored after the test whatever it patched."""
    for cls, name in ((AskarAnonCredsProfileSession, "_setup"), (AskarAnonCredsProfileSession, "_teardown"),
                      (Store, "close")):  # fmt: skip
        monkeypatch.setattr(cls, name, cls.__dict__[name])


@pytest_asyncio.fixture
async def profile(as_shipped: None) -> AsyncIterator[AskarAnonCredsProfile]:
    assert session_reuse.install()
    made = await create_test_profile({"wallet.type": "askar-anoncreds", "auto_provision": True})
    assert isinstance(made, AskarAnonCredsProfile)
    try:
        yield made
    finally:
        await asyncio.wait_for(made.close(), 10)


async def put(profile: AskarAnonCredsProfile, value: str, *, transaction: bool = False) -> str:
    record_id = secrets.token_hex(8)
    opened = profile.transaction() if transaction else profile.session()
    async with opened as session:
        await session.inject(BaseStorage).add_record(StorageRecord(KIND, value, id=record_id))
        if transaction:
            await session.commit()
    return record_id


async def get(profile: AskarAnonCredsProfile, record_id: str) -> str | None:
    async with profile.session() as session:
        try:
            return (await session.inject(BaseStorage).get_record(KIND, record_id)).value
        except StorageNotFoundError:
            return None


def test_the_patch_was_written_against_the_installed_acapy_and_askar() -> None:
    assert session_reuse.differing_sources() == []


async def test_a_closed_session_is_taken_over_by_the_next_of_its_profile(profile: AskarAnonCredsProfile) -> None:
    async with profile.session() as first:
        handle = first.handle
        assert isinstance(first.inject(BaseStorage), AskarStorage)
    assert session_reuse.parked(profile.store) is handle
    async with profile.session() as second:
        assert second.handle is handle and not second.is_transaction
        assert session_reuse.parked(profile.store) is None
    record_id = await put(profile, "written in a session taken over")
    assert await get(profile, record_id) == "written in a session taken over"


async def test_transactions_commit_and_roll_back_as_before(profile: AskarAnonCredsProfile) -> None:
    committed = await put(profile, "committed", transaction=True)
    async with profile.transaction() as txn:
        await txn.inject(BaseStorage).add_record(StorageRecord(KIND, "rolled back", id="rolled-back"))
        await txn.rollback()
    assert await get(profile, committed) == "committed"
    assert await get(profile, "rolled-back") is None


async def test_a_transaction_closes_the_parked_session_before_it_opens(profile: AskarAnonCredsProfile) -> None:
    async with profile.session() as first:
        parked = first.handle
    assert session_reuse.parked(profile.store) is parked
    async with profile.transaction() as txn:
        assert txn.handle is not parked and txn.is_transaction
        assert session_reuse.parked(profile.store) is None and parked.handle is None  # closed
        await txn.commit()
    assert session_reuse.parked(profile.store) is None  # a transaction is never parked


async def test_another_profile_of_the_store_does_not_take_it_over(profile: AskarAnonCredsProfile) -> None:
    await profile.store.create_profile("other")
    other = AskarAnonCredsProfile(profile.opened, profile.context, profile_id="other")
    mine = await put(profile, "mine")
    parked = session_reuse.parked(profile.store)
    assert parked is not None
    async with other.session() as session:
        assert session.handle is not parked and parked.handle is None
        with pytest.raises(StorageNotFoundError):
            await session.inject(BaseStorage).get_record(KIND, mine)
    assert await get(profile, mine) == "mine"


async def test_nothing_is_parked_while_more_than_two_other_sessions_are_open(profile: AskarAnonCredsProfile) -> None:
    sessions = [await profile.session().__aenter__() for _ in range(4)]
    handles = [session.handle for session in sessions]
    await sessions[0].__aexit__(None, None, None)  # three others open
    assert session_reuse.parked(profile.store) is None and handles[0].handle is None
    await sessions[1].__aexit__(None, None, None)  # two others open
    assert session_reuse.parked(profile.store) is handles[1]
    for session in sessions[2:]:
        await session.__aexit__(None, None, None)  # one at most is parked: these close
    assert session_reuse.parked(profile.store) is handles[1]
    assert handles[2].handle is None and handles[3].handle is None


async def test_a_parked_session_unused_for_a_while_is_closed(
    profile: AskarAnonCredsProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_reuse, "IDLE_SECONDS", 0.01)
    await put(profile, "then nothing for a while")
    parked = session_reuse.parked(profile.store)
    assert parked is not None
    await asyncio.sleep(0.2)
    assert session_reuse.parked(profile.store) is None and parked.handle is None


async def test_closing_the_store_closes_its_parked_session_first(as_shipped: None) -> None:
    assert session_reuse.install()
    profile = await create_test_profile({"wallet.type": "askar-anoncreds", "auto_provision": True})
    assert isinstance(profile, AskarAnonCredsProfile)
    store = profile.store
    await put(profile, "last write before closing")
    parked = session_reuse.parked(store)
    assert parked is not None
    await asyncio.wait_for(profile.close(), 10)
    assert session_reuse.parked(store) is None and parked.handle is None and store.handle is None


async def test_many_sessions_and_transactions_at_once_each_have_their_own(profile: AskarAnonCredsProfile) -> None:
    """More at once than the store has connections (4 here), all completing (ACA-Py gives up on a
    connection after 10 s), each write read back. A session lent to two callers at once fails this."""

    async def one(n: int) -> tuple[str, str]:
        await asyncio.sleep(0.001 * (n % 7))
        record_id = await put(profile, f"value {n}", transaction=n % 3 == 0)
        return record_id, f"value {n}"

    written = await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(120))), 30)
    assert [await get(profile, record_id) for record_id, _ in written] == [value for _, value in written]


async def test_another_source_is_left_unpatched(
    as_shipped: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(session_reuse.FINGERPRINTS, "Store.close", "0" * 64)
    shipped = Store.close
    with caplog.at_level(logging.WARNING):
        assert not session_reuse.install()
    assert Store.close is shipped
    assert AskarAnonCredsProfileSession._setup is AskarAnonCredsProfileSession.__dict__["_setup"]
    assert "session reuse not applied" in caplog.text and "Store.close" in caplog.text
