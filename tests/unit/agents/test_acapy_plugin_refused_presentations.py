"""agents.acapy_plugin.refused_presentations: when ACA-Py's `receive_pres` refuses a presentation, the
exchange still waiting for it is saved `abandoned` with the refusal as `error_msg` (ACA-Py then posts
its webhook); the refusal is raised on as before; an exchange no longer waiting is left alone."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from acapy_agent.protocols.present_proof.v2_0.formats.handler import V20PresFormatHandlerError
from acapy_agent.protocols.present_proof.v2_0.manager import V20PresManager

from agents.acapy_plugin import refused_presentations

REFUSAL = "Presented attribute revealed does not satisfy proof request restrictions [...]"


class Record:
    pres_ex_id = "P1"

    def __init__(self) -> None:
        self.saved: list[str | None] = []

    async def save_error_state(self, session: object, *, reason: str | None = None) -> None:
        self.saved.append(reason)


class Session:
    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """`receive_pres` wrapped over an original that refuses; the lookups the wrapper made."""
    looked_up: list[Any] = []

    async def refusing(self: object, message: object, connection: object, oob: object) -> None:
        raise V20PresFormatHandlerError(REFUSAL)

    monkeypatch.setattr(V20PresManager, "receive_pres", refusing)
    monkeypatch.setattr(refused_presentations, "written_against", lambda *_: True)
    refused_presentations.install()
    yield looked_up


def test_the_patch_is_written_against_the_installed_acapy() -> None:
    assert refused_presentations.differing_sources() == []


async def test_a_refused_presentation_abandons_the_waiting_exchange_with_the_reason(
    patched: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    record = Record()

    async def waiting(profile: object, thread_id: str, connection_id: str | None) -> Record:
        patched.append((thread_id, connection_id))
        return record

    monkeypatch.setattr(refused_presentations, "_waiting_record", waiting)
    manager = SimpleNamespace(_profile=SimpleNamespace(session=Session))
    with pytest.raises(V20PresFormatHandlerError):
        await V20PresManager.receive_pres(manager, SimpleNamespace(_thread_id="T1"), None, object())  # type: ignore[arg-type]
    assert patched == [("T1", None)]  # out of band: looked up without a connection id, as ACA-Py does
    assert record.saved == [REFUSAL + "."]  # ACA-Py's `roll_up` of the error


async def test_an_exchange_no_longer_waiting_is_left_alone(patched: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    async def not_waiting(profile: object, thread_id: str, connection_id: str | None) -> None:
        patched.append((thread_id, connection_id))

    monkeypatch.setattr(refused_presentations, "_waiting_record", not_waiting)
    manager = SimpleNamespace(_profile=SimpleNamespace(session=Session))
    connection = SimpleNamespace(connection_id="C1")
    with pytest.raises(V20PresFormatHandlerError):
        await V20PresManager.receive_pres(manager, SimpleNamespace(_thread_id="T1"), connection, None)  # type: ignore[arg-type]
    assert patched == [("T1", "C1")]
