"""A fake multitenant ACA-Py admin API (httpx.MockTransport) and the holder app over ASGI in front of it."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import base58
import httpx
import pytest_asyncio
from fastapi import FastAPI
from nacl.signing import SigningKey

from agents.events import WebhookEvent
from holder import HolderSettings, create_app

type Json = dict[str, Any]

STAFF = {"X-API-Key": "staff-key"}
ISSUER = "Th7MpTaRZVRYnPiabds81Y"
VACCINATION_SCHEMA = f"{ISSUER}:2:medcred-vaccination:1.0"
VACCINATION_CRED_DEF = f"{ISSUER}:3:CL:12:default"
REV_REG = f"{ISSUER}:4:{VACCINATION_CRED_DEF}:CL_ACCUM:0"

VACCINATION_REQUEST: Json = {
    "name": "vaccination-status",
    "version": "1.0",
    "nonce": "8734512",
    "requested_attributes": {
        "vaccine": {
            "names": ["vaccine_code", "occurrence_date"],
            "restrictions": [{"cred_def_id": VACCINATION_CRED_DEF}],
        }
    },
    "requested_predicates": {
        "doses": {
            "name": "dose_number",
            "p_type": ">=",
            "p_value": 2,
            "restrictions": [{"cred_def_id": VACCINATION_CRED_DEF}],
        }
    },
    "non_revoked": {"to": 1767225600},
}


def vaccination(cred_id: str, dose: int, date: str) -> Json:
    """A stored credential's info as ACA-Py 1.7 (askar-anoncreds) answers it."""
    return {
        "referent": cred_id, "schema_id": VACCINATION_SCHEMA, "cred_def_id": VACCINATION_CRED_DEF,
        "rev_reg_id": REV_REG, "cred_rev_id": "3",
        "attrs": {"vaccine_code": "208", "occurrence_date": date, "dose_number": str(dose), "lot_number": "LOT-9"},
    }  # fmt: skip


def candidate(info: Json, referents: list[str]) -> Json:
    return {"cred_info": info, "interval": VACCINATION_REQUEST["non_revoked"], "presentation_referents": referents}


def proof_invitation(request: Json, thread_id: str, label: str = "City Clinic", public_did: str | None = None) -> Json:
    """A verifier's connectionless OOB invitation carrying a present-proof 2.0 request (as ACA-Py makes it);
    with `public_did`, its service is that DID (`did:sov:<nym>`) rather than an inline block."""
    encoded = base64.b64encode(json.dumps(request).encode()).decode()
    message = {
        "@type": "https://didcomm.org/present-proof/2.0/request-presentation", "@id": thread_id,
        "~thread": {"pthid": "f2a1c8a6-0000-4000-8000-000000000001"},
        "formats": [{"attach_id": "anoncreds", "format": "anoncreds/proof-request@v1.0"}],
        "request_presentations~attach": [{"@id": "anoncreds", "data": {"base64": encoded}}],
    }  # fmt: skip
    inline = {"id": "#inline", "type": "did-communication", "recipientKeys": ["did:key:z6MkTest"],
              "serviceEndpoint": "http://127.0.0.1:8040"}  # fmt: skip
    return {
        "@type": "https://didcomm.org/out-of-band/1.1/invitation", "@id": "f2a1c8a6-0000-4000-8000-000000000001",
        "label": label,
        "services": [f"did:sov:{public_did}" if public_did else inline],
        "requests~attach": [{"@id": "request-0", "mime-type": "application/json", "data": {"json": message}}],
    }  # fmt: skip


def connection_invitation(label: str = "City Hospital") -> Json:
    return {
        "@type": "https://didcomm.org/out-of-band/1.1/invitation", "@id": "0c7e0b9e-0000-4000-8000-000000000002",
        "label": label, "handshake_protocols": ["https://didcomm.org/didexchange/1.1"],
        "services": ["did:peer:4zQmTest"],
    }  # fmt: skip


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def did_key_of(key: SigningKey) -> str:
    """The did:key of an Ed25519 key: multibase base58btc of the multicodec 0xed01 and the raw public key."""
    return "did:key:z" + base58.b58encode(b"\xed\x01" + bytes(key.verify_key)).decode()


def jwt_sign(key: SigningKey, headers: Json, payload: Json) -> str:
    """A JWS made the way ACA-Py 1.7's `jwt_sign` makes it (json.dumps, base64url without padding)."""
    did = did_key_of(key)
    headers = {"typ": "JWT", **headers, "alg": "EdDSA", "kid": f"{did}#{did.removeprefix('did:key:')}"}
    signing_input = f"{b64url(json.dumps(headers).encode())}.{b64url(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode()).signature)}"


def url_of(invitation: Json) -> str:
    oob = base64.urlsafe_b64encode(json.dumps(invitation).encode()).decode().rstrip("=")
    return f"http://127.0.0.1:8040?oob={oob}"


@dataclass
class FakeAgent:
    """Just enough of a multitenant ACA-Py 1.7 admin API; every tenant route needs a known bearer token."""

    requests: list[httpx.Request] = field(default_factory=list)
    created: list[Json] = field(default_factory=list)  # bodies of POST /multitenancy/wallet
    wallets: dict[str, str] = field(default_factory=dict)  # token -> wallet id
    proofs: dict[str, dict[str, Json]] = field(default_factory=dict)  # wallet id -> pres_ex_id -> record
    credentials: dict[str, list[Json]] = field(default_factory=dict)  # wallet id -> credential infos
    candidates: dict[str, list[Json]] = field(default_factory=dict)  # pres_ex_id -> candidates
    default_candidates: list[Json] = field(default_factory=list)  # for a pres_ex_id not in `candidates`
    revoked: dict[str, bool | None] = field(default_factory=dict)  # credential id -> revoked (None: agent error)
    connections: dict[str, Json] = field(default_factory=dict)
    sent: list[tuple[str, Json]] = field(default_factory=list)  # send-presentation (pres_ex_id, body)
    reports: list[tuple[str, str]] = field(default_factory=list)  # problem reports (pres_ex_id, description)
    deliver: Callable[[WebhookEvent], object] | None = None  # webhooks: the app's WebhookRouter.dispatch
    request_arrives: str = "at-once"  # "by-webhook": the record appears later, with its webhook; "never"
    connection_state: str = "active"  # what a connection made by receive-invitation is in: "request", "abandoned"
    reuse: bool = False  # receive-invitation uses the wallet's existing connection to the inviter (handshake reuse)
    keys: dict[str, dict[str, SigningKey]] = field(default_factory=dict)  # wallet id -> did:key -> its key
    signed: list[tuple[str, Json]] = field(default_factory=list)  # (wallet id, POST /wallet/jwt/sign body)

    def add_request(self, wallet_id: str, request: Json, thread_id: str | None = None,
                    connection_id: str | None = None) -> str:  # fmt: skip
        pres_ex_id = str(uuid.uuid4())
        self.proofs.setdefault(wallet_id, {})[pres_ex_id] = {
            "pres_ex_id": pres_ex_id, "thread_id": thread_id or str(uuid.uuid4()), "role": "prover",
            "state": "request-received", "connection_id": connection_id, "created_at": "2026-05-09T07:36:57Z",
            "by_format": {"pres_request": {"anoncreds": request}},
        }  # fmt: skip
        return pres_ex_id

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path, method = request.url.path, request.method
        if path == "/status/ready":
            return httpx.Response(200, json={"ready": True})
        if request.headers.get("x-api-key") is None:
            return httpx.Response(401, text="no key")
        if (method, path) == ("POST", "/multitenancy/wallet"):
            return self._create_wallet(json.loads(request.content))
        wallet_id = self.wallets.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        if wallet_id is None:
            return httpx.Response(401, text="Unauthorized")
        return self._tenant(wallet_id, method, path.split("/")[1:], request)

    def _create_wallet(self, body: Json) -> httpx.Response:
        self.created.append(body)
        wallet_id, token = str(uuid.uuid4()), f"jwt-{uuid.uuid4()}"
        self.wallets[token] = wallet_id
        return httpx.Response(200, json={"wallet_id": wallet_id, "token": token, "settings": {}})

    def _tenant(self, wallet_id: str, method: str, parts: list[str], request: httpx.Request) -> httpx.Response:
        records = self.proofs.setdefault(wallet_id, {})
        match method, parts:
            case "POST", ["out-of-band", "receive-invitation"]:
                return self._receive(wallet_id, json.loads(request.content))
            case "POST", ["wallet", "did", "create"]:
                return self._create_did(wallet_id, json.loads(request.content))
            case "POST", ["wallet", "jwt", "sign"]:
                return self._jwt_sign(wallet_id, json.loads(request.content))
            case "GET", ["credentials"]:
                return httpx.Response(200, json={"results": self.credentials.get(wallet_id, [])})
            case "GET", ["credential", "revoked", cred_id]:
                status = self.revoked.get(cred_id, False)
                if status is None:
                    return httpx.Response(500, text="ledger unreachable")
                return httpx.Response(200, json={"revoked": status})
            case "GET", ["connections", conn_id] if conn_id in self.connections:
                return httpx.Response(200, json=self.connections[conn_id])
            case "GET", ["present-proof-2.0", "records"]:
                wanted = {k: v for k, v in request.url.params.items() if k in ("state", "role", "thread_id")}
                found = [r for r in records.values() if all(r.get(k) == v for k, v in wanted.items())]
                return httpx.Response(200, json={"results": found})
            case _, ["present-proof-2.0", "records", pres_ex_id, *action] if pres_ex_id in records:
                return self._record(records[pres_ex_id], method, action, request)
        return httpx.Response(404, text="Record not found")

    def _create_did(self, wallet_id: str, body: Json) -> httpx.Response:
        if body != {"method": "key", "options": {"key_type": "ed25519"}}:
            return httpx.Response(400, text="unsupported")
        key = SigningKey.generate()
        did = did_key_of(key)
        self.keys.setdefault(wallet_id, {})[did] = key
        verkey = base58.b58encode(bytes(key.verify_key)).decode()
        return httpx.Response(
            200,
            json={
                "result": {
                    "did": did,
                    "verkey": verkey,
                    "posture": "wallet_only",
                    "key_type": "ed25519",
                    "method": "key",
                    "metadata": {},
                }
            },
        )

    def _jwt_sign(self, wallet_id: str, body: Json) -> httpx.Response:
        self.signed.append((wallet_id, body))
        key = self.keys.get(wallet_id, {}).get(body.get("did", ""))
        if key is None:  # ACA-Py 1.7 answers 500 for a DID of another wallet
            return httpx.Response(500, text="Server got itself in trouble")
        return httpx.Response(200, json=jwt_sign(key, body.get("headers") or {}, body["payload"]))

    def _record(self, record: Json, method: str, action: list[str], request: httpx.Request) -> httpx.Response:
        pres_ex_id = record["pres_ex_id"]
        match method, action:
            case "GET", []:
                return httpx.Response(200, json=record)
            case "GET", ["credentials"]:
                return httpx.Response(200, json=self.candidates.get(pres_ex_id, self.default_candidates))
            case "POST", ["send-presentation"]:
                if record["state"] != "request-received":
                    return httpx.Response(400, text="wrong state")
                self.sent.append((pres_ex_id, json.loads(request.content)))
                record["state"] = "presentation-sent"
                return httpx.Response(200, json=record)
            case "POST", ["problem-report"]:
                self.reports.append((pres_ex_id, json.loads(request.content)["description"]))
                record["state"] = "abandoned"
                return httpx.Response(200, json={})
        return httpx.Response(404, text="no such route")

    def _receive(self, wallet_id: str, invitation: Json) -> httpx.Response:
        if invitation.get("handshake_protocols") and self.reuse and "conn-1" in self.connections:
            return httpx.Response(200, json={"oob_id": "oob-3", "state": "reuse-accepted", "connection_id": "conn-1"})
        if invitation.get("handshake_protocols"):
            rfc23_state = RFC23_STATES.get(self.connection_state, "request-sent")
            self.connections["conn-1"] = {"connection_id": "conn-1", "their_label": invitation.get("label"),
                                          "state": self.connection_state, "rfc23_state": rfc23_state}  # fmt: skip
            # ACA-Py deletes the out-of-band record once its connection is made, and answers it as `deleted`.
            return httpx.Response(200, json={"oob_id": "oob-1", "state": "deleted", "connection_id": "conn-1"})
        message = invitation["requests~attach"][0]["data"]["json"]
        request = json.loads(base64.b64decode(message["request_presentations~attach"][0]["data"]["base64"]))
        if self.request_arrives == "at-once":
            self.add_request(wallet_id, request, thread_id=message["@id"])
        elif self.request_arrives == "by-webhook":  # the agent routes the attachment asynchronously
            pres_ex_id = self.add_request(wallet_id, request, thread_id=message["@id"])
            record = self.proofs[wallet_id].pop(pres_ex_id)

            def later() -> None:
                self.proofs[wallet_id][pres_ex_id] = record
                assert self.deliver is not None
                self.deliver(WebhookEvent("present_proof_v2_0", dict(record), wallet_id=wallet_id))

            asyncio.get_running_loop().call_later(0.05, later)
        return httpx.Response(200, json={"oob_id": "oob-2", "state": "prepare-response"})


RFC23_STATES = {"active": "completed", "abandoned": "abandoned"}  # a connection's `rfc23_state` beside its `state`


@dataclass
class FakeClock:
    """The consents' clock, moved by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 5, 9, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class PatientHandle:
    patient_id: str
    token: str
    wallet_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Holder:
    http: httpx.AsyncClient
    agent: FakeAgent
    app: FastAPI
    settings: HolderSettings
    clock: FakeClock = field(default_factory=FakeClock)
    events: list[tuple[str, str, Json]] = field(default_factory=list)  # what the consent hook heard

    async def patient(self) -> PatientHandle:
        response = await self.http.post("/patients", headers=STAFF)
        assert response.status_code == 201, response.text
        body = response.json()
        return PatientHandle(body["patient_id"], body["token"], list(self.agent.wallets.values())[-1])


def settings_in(folder: Path) -> HolderSettings:
    return HolderSettings(data_dir=folder, api_key="staff-key", proof_request_wait=2.0, audit_anchoring=False)  # type: ignore[arg-type]


@pytest_asyncio.fixture
async def holder(tmp_path: Path) -> AsyncIterator[Holder]:
    settings = settings_in(tmp_path)
    agent = FakeAgent()
    clock, events = FakeClock(), []
    app = create_app(settings, admin_transport=httpx.MockTransport(agent), clock=clock,
                     on_consent_event=lambda *event: events.append(event))  # fmt: skip
    agent.deliver = app.state.link.webhooks.dispatch
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://holder.test") as http:
            yield Holder(http, agent, app, settings, clock, events)
