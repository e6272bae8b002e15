"""agents.acapy_plugin.reuse_answered: a handshake reuse for an invitation the inviter no longer keeps (a
single-use one, used) is accepted at once on the connection it came over; one for an invitation that
waits is ACA-Py's own handling, untouched; any other failure is raised on as before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from acapy_agent.protocols.out_of_band.v1_0.manager import OutOfBandManager
from acapy_agent.storage.error import StorageNotFoundError

from agents.acapy_plugin import reuse_answered


class Connection:
    connection_id = "conn-1"


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[Any]]]:
    """`receive_reuse_message` wrapped over a stand-in whose outcome a test picks; what was handled and accepted."""
    seen: dict[str, list[Any]] = {"handled": [], "accepted": [], "outcome": []}

    async def original(self: object, reuse: object, receipt: object, connection: object) -> None:
        seen["handled"].append(reuse)
        if seen["outcome"]:
            raise seen["outcome"][0]

    async def accept(manager: object, reuse: object, connection: Connection) -> None:
        seen["accepted"].append((reuse, connection.connection_id))

    monkeypatch.setattr(OutOfBandManager, "receive_reuse_message", original)
    monkeypatch.setattr(reuse_answered, "written_against", lambda *_: True)
    monkeypatch.setattr(reuse_answered, "accept", accept)
    reuse_answered.install()
    yield seen


def test_the_patch_is_written_against_the_installed_acapy() -> None:
    assert reuse_answered.differing_sources() == []


async def test_a_reuse_of_an_invitation_no_longer_kept_is_accepted_on_its_connection(
    patched: dict[str, list[Any]],
) -> None:
    patched["outcome"].append(StorageNotFoundError("OobRecord record not found"))
    await OutOfBandManager.receive_reuse_message(object(), "reuse-1", None, Connection())  # type: ignore[arg-type]
    assert patched["handled"] == ["reuse-1"] and patched["accepted"] == [("reuse-1", "conn-1")]


async def test_a_reuse_acapy_handles_itself_is_left_to_it(patched: dict[str, list[Any]]) -> None:
    await OutOfBandManager.receive_reuse_message(object(), "reuse-2", None, Connection())  # type: ignore[arg-type]
    assert patched["handled"] == ["reuse-2"] and patched["accepted"] == []


async def test_another_failure_is_raised_on(patched: dict[str, list[Any]]) -> None:
    patched["outcome"].append(RuntimeError("no route"))
    with pytest.raises(RuntimeError, match="no route"):
        await OutOfBandManager.receive_reuse_message(object(), "reuse-3", None, Connection())  # type: ignore[arg-type]
    assert patched["accepted"] == []
