"""Patient accounts: sub-wallet creation (RAW key, askar-anoncreds), token storage and bearer auth."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import base58
import httpx
import pytest
from aries_askar import Store

from holder import accounts, create_app
from medcred.web import secrets_match
from tests.unit.holder.conftest import STAFF, FakeAgent, Holder, settings_in


async def test_creating_a_patient_makes_an_askar_anoncreds_sub_wallet_with_a_raw_key(holder: Holder) -> None:
    patient = await holder.patient()
    (body,) = holder.agent.created
    assert body["wallet_type"] == "askar-anoncreds"
    assert body["key_management_mode"] == "managed"
    assert body["wallet_key_derivation"] == "RAW"
    assert body["wallet_name"] == f"patient-{patient.patient_id}"
    assert body["label"] == "medcred wallet"
    assert "wallet_webhook_urls" not in body  # default dispatch: the agent's own webhook URL, with x-wallet-id
    assert len(base58.b58decode(body["wallet_key"])) == 32
    wallet_call = next(r for r in holder.agent.requests if r.url.path == "/multitenancy/wallet")
    assert "authorization" not in wallet_call.headers  # made with the admin key, not a tenant token


async def test_the_raw_key_format_is_the_one_askar_accepts(tmp_path: Path) -> None:
    key = accounts.new_raw_key().get_secret_value()
    store = await Store.provision(f"sqlite://{tmp_path}/wallet.db", "RAW", key)
    await store.close()
    store = await Store.open(f"sqlite://{tmp_path}/wallet.db", "RAW", key)
    await store.close()


async def test_only_the_token_digest_is_stored(holder: Holder) -> None:
    patient = await holder.patient()
    dump = "\n".join(sqlite3.connect(holder.settings.folder() / "holder.db").iterdump())
    assert patient.token not in dump
    assert hashlib.sha256(patient.token.encode()).hexdigest() in dump
    agent_token = next(t for t, w in holder.agent.wallets.items() if w == patient.wallet_id)
    assert agent_token in dump  # the sub-wallet's own token is needed for every agent call


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer staff-key"}])
async def test_creating_a_patient_needs_the_staff_key(holder: Holder, headers: dict[str, str]) -> None:
    response = await holder.http.post("/patients", headers=headers)
    assert response.status_code == 401
    assert holder.agent.created == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer a b"},
     {"Authorization": "Bearer short"}, {"Authorization": "Bearer " + "x" * 43}, STAFF],
)  # fmt: skip
async def test_me_needs_a_known_well_formed_bearer_token(holder: Holder, headers: dict[str, str]) -> None:
    await holder.patient()
    response = await holder.http.get("/me/credentials", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_valid_token_reaches_the_patients_own_sub_wallet(holder: Holder) -> None:
    patient = await holder.patient()
    response = await holder.http.get("/me/credentials", headers=patient.headers)
    assert response.status_code == 200, response.text
    agent_token = next(t for t, w in holder.agent.wallets.items() if w == patient.wallet_id)
    assert holder.agent.requests[-1].headers["authorization"] == f"Bearer {agent_token}"


async def test_tokens_are_compared_in_constant_time(holder: Holder, monkeypatch: pytest.MonkeyPatch) -> None:
    patient = await holder.patient()
    compared: list[tuple[str | None, str]] = []

    def spy(given: str | None, expected: str) -> bool:
        compared.append((given, expected))
        return secrets_match(given, expected)

    monkeypatch.setattr(accounts, "secrets_match", spy)
    assert (await holder.http.get("/me/credentials", headers=patient.headers)).status_code == 200
    digest = hashlib.sha256(patient.token.encode()).hexdigest()
    assert compared == [(digest, digest)]


async def test_accounts_survive_a_restart(tmp_path: Path) -> None:
    agent = FakeAgent()
    first = create_app(settings_in(tmp_path), admin_transport=httpx.MockTransport(agent))
    async with first.router.lifespan_context(first):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://h") as http:
            token = (await http.post("/patients", headers=STAFF)).json()["token"]
    second = create_app(settings_in(tmp_path), admin_transport=httpx.MockTransport(agent))
    async with second.router.lifespan_context(second):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://h") as http:
            response = await http.get("/me/credentials", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


async def test_an_agent_refusing_the_sub_wallet_token_is_a_502_not_the_patients_401(holder: Holder) -> None:
    patient = await holder.patient()
    holder.agent.wallets.clear()  # e.g. the agent's token was rotated behind our back
    response = await holder.http.get("/me/credentials", headers=patient.headers)
    assert response.status_code == 502
    assert json.dumps(response.json()).find(patient.token) == -1
