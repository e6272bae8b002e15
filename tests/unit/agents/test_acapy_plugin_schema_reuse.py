"""agents.acapy_plugin.schema_reuse: ACA-Py's models (de)serialise exactly as before on pooled schema
instances; no two loaded messages share decorators; any other ACA-Py source is left unpatched."""

from __future__ import annotations

import base64
import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from acapy_agent.connections.models.conn_record import ConnRecord
from acapy_agent.messaging.agent_message import AgentMessageSchema
from acapy_agent.messaging.models.base import BaseModel, BaseModelError
from acapy_agent.protocols.didexchange.v1_0.messages.complete import DIDXComplete
from acapy_agent.protocols.out_of_band.v1_0.models.oob_record import OobRecord
from acapy_agent.protocols.present_proof.v2_0.messages.pres_request import V20PresRequest
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord

from agents.acapy_plugin import schema_reuse

THREAD_A, THREAD_B = "5f1d3ae4-1c1e-4b38-9c0a-2a0e6f6f0a01", "5f1d3ae4-1c1e-4b38-9c0a-2a0e6f6f0a02"

PROOF_REQUEST = {
    "name": "vaccination-status", "version": "1.0", "nonce": "1234567890",
    "requested_attributes": {"vaccine": {"names": ["vaccine_code", "occurrence_date"],
                                         "restrictions": [{"cred_def_id": "WgWxqztrNooG92RXvxSTWv:3:CL:20:tag"}]}},
    "requested_predicates": {"dose": {"name": "dose_number", "p_type": ">=", "p_value": 2}},
}  # fmt: skip
PRES_REQUEST: dict[str, Any] = {
    "@type": "https://didcomm.org/present-proof/2.0/request-presentation",
    "@id": "0b6d7e2a-9f5a-4d8e-8a47-6d2b0b4f1c11",
    "will_confirm": True,
    "formats": [{"attach_id": "anoncreds", "format": "anoncreds/proof-request@v1.0"}],
    "request_presentations~attach": [
        {
            "@id": "anoncreds",
            "mime-type": "application/json",
            "data": {"base64": base64.b64encode(json.dumps(PROOF_REQUEST).encode()).decode()},
        }
    ],
    "~thread": {"thid": THREAD_A},
}
INVITATION: dict[str, Any] = {
    "@type": "https://didcomm.org/out-of-band/1.1/invitation",
    "@id": "8c1c2b6e-8e0f-4a53-9d7e-0f4c1c3a2b10",
    "label": "clinic",
    "handshake_protocols": [],
    "services": ["did:sov:WgWxqztrNooG92RXvxSTWv"],
    "requests~attach": [{"@id": "request-0", "mime-type": "application/json", "data": {"json": PRES_REQUEST}}],
}


COMPLETE = {"@type": "https://didcomm.org/didexchange/1.1/complete", "@id": "c0ffee00-0000-4000-8000-000000000001",
            "~thread": {"thid": THREAD_A, "pthid": THREAD_B}}  # fmt: skip
CONNECTION = {"connection_id": "7a1b3c5d-0000-4000-8000-000000000002", "state": "active", "accept": "auto",
              "their_role": "invitee", "my_did": "did:peer:4zQm", "invitation_msg_id": INVITATION["@id"]}  # fmt: skip
OOB = {"oob_id": "7a1b3c5d-0000-4000-8000-000000000003", "state": "await-response", "role": "sender",
       "invi_msg_id": INVITATION["@id"], "invitation": INVITATION}  # fmt: skip
PRES_EX = {"pres_ex_id": "7a1b3c5d-0000-4000-8000-000000000004", "thread_id": THREAD_A, "state": "request-sent",
           "role": "verifier", "pres_request": PRES_REQUEST}  # fmt: skip


def samples() -> list[tuple[type[BaseModel], dict[str, Any]]]:
    """Messages and records as an agent stores and sends them: nested messages and decorators included."""
    return [
        (V20PresRequest, PRES_REQUEST), (DIDXComplete, COMPLETE), (ConnRecord, CONNECTION), (OobRecord, OOB),
        (V20PresExRecord, PRES_EX),
    ]  # fmt: skip


@pytest.fixture
def acapy_as_shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """ACA-Py's own functions, restored after the test whatever it patched."""
    monkeypatch.setattr(BaseModel, "serialize", BaseModel.__dict__["serialize"])
    monkeypatch.setattr(BaseModel, "deserialize", BaseModel.__dict__["deserialize"])
    monkeypatch.setattr(AgentMessageSchema, "extract_decorators", AgentMessageSchema.__dict__["extract_decorators"])


@pytest.fixture
def reused(acapy_as_shipped: None) -> Iterator[None]:
    assert schema_reuse.install()
    yield


def round_trips(model: type[BaseModel], data: dict[str, Any]) -> list[Any]:
    loaded = model.deserialize(copy.deepcopy(data))
    again = model.deserialize(loaded.serialize())
    return [loaded.serialize(), loaded.serialize(as_string=True), again.serialize()]


def test_the_patch_was_written_against_the_installed_acapy() -> None:
    assert schema_reuse.differing_sources() == []


def test_models_serialise_exactly_as_acapy_does_on_its_own(acapy_as_shipped: None) -> None:
    expected = [round_trips(model, data) for model, data in samples()]
    assert schema_reuse.install()
    assert BaseModel.serialize is schema_reuse.serialize
    assert [round_trips(model, data) for model, data in samples()] == expected
    assert [round_trips(model, data) for model, data in samples()] == expected  # on the pooled instances now


def test_messages_loaded_by_one_instance_keep_their_own_decorators(reused: None) -> None:
    first = V20PresRequest.deserialize({**PRES_REQUEST, "~thread": {"thid": THREAD_A}})
    second = V20PresRequest.deserialize({**PRES_REQUEST, "@id": "0b6d7e2a-9f5a-4d8e-8a47-6d2b0b4f1c12",
                                         "~thread": {"thid": THREAD_B}})  # fmt: skip
    assert schema_reuse.POOL.idle(V20PresRequest._get_schema_class()) == 1  # both borrowed the same instance
    assert first._decorators is not second._decorators
    assert (first._thread_id, second._thread_id) == (THREAD_A, THREAD_B)
    assert first.serialize()["~thread"] == {"thid": THREAD_A}


def test_a_message_without_decorators_gets_none_from_the_one_before(reused: None) -> None:
    V20PresRequest.deserialize({**PRES_REQUEST, "~thread": {"thid": THREAD_A}, "~trace": {"target": "log"}})
    bare = V20PresRequest.deserialize({key: value for key, value in PRES_REQUEST.items() if key != "~thread"})
    assert bare._trace is None
    assert bare._thread_id == bare._id


def test_an_instance_is_lent_to_one_call_at_a_time() -> None:
    pool = schema_reuse.SchemaPool()
    schema_class = ConnRecord._get_schema_class()
    with pool.borrow(schema_class, "exclude") as outer, pool.borrow(schema_class, "exclude") as inner:
        assert outer is not inner  # a nested (or concurrent) call builds its own
    assert pool.idle(schema_class) == 2
    with pool.borrow(schema_class, "exclude") as again:
        assert again in (outer, inner)
    with pool.borrow(schema_class, "raise") as strict:
        assert strict not in (outer, inner)  # `unknown` is part of the key


def test_invalid_input_is_still_acapys_error(reused: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(BaseModelError, match="schema validation failed"):
        V20PresRequest.deserialize({**PRES_REQUEST, "formats": "not a list"})
    assert "V20PresRequest message validation error" in caplog.text
    assert V20PresRequest.deserialize(PRES_REQUEST)._thread_id == THREAD_A  # the instance was given back sound


def test_another_acapy_source_is_left_unpatched(
    acapy_as_shipped: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(schema_reuse.FINGERPRINTS, "AgentMessageSchema", "0" * 64)
    shipped = BaseModel.serialize
    with caplog.at_level(logging.WARNING):
        assert not schema_reuse.install()
    assert BaseModel.serialize is shipped
    assert "schema reuse not applied" in caplog.text and "AgentMessageSchema" in caplog.text
