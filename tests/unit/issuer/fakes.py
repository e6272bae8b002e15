"""A fake ACA-Py admin API and a fake ledger web server for the issuer's unit tests (httpx.MockTransport).

The fake agent keeps just enough state to answer the routes the issuer uses, and records every request.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

ISSUER_DID = "Th7MpTaRZVRYnPiabds81Y"
NEW_DID = "WgWxqztrNooG92RXvxSTWv"
NEW_VERKEY = "FYmoFw55GeQH7SRFa37dkx1d2dZ3zUF8ckg7wmL7ofN4"


def ok(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def not_found(text: str = "404: Not Found") -> httpx.Response:
    return httpx.Response(404, text=text)


@dataclass
class FakeAgent:
    """In-memory admin API: DIDs, schemas, credential definitions, registries, invitations, offers, revocations."""

    public_did: str | None = None
    registry_404s: int = 2  # how many polls a new credential definition's registry answers 404
    public_404s: int = 0  # how many times POST /wallet/did/public answers 404 (ledger read lag)
    schema_misses: int = 0  # how many times POST /anoncreds/credential-definition cannot read its schema yet
    offer_misses: int = 0  # how many times send-offer cannot read the schema from the ledger (a validator down)
    offers_lost: int = 0  # how many times send-offer makes the exchange, then fails to answer (503)
    offers_refused_down: int = 0  # how many times send-offer answers 503 without making anything
    states: dict[str, str] = field(default_factory=dict)  # cred_ex_id -> its state on the agent, when set
    schemas: dict[tuple[str, str], str] = field(default_factory=dict)  # (name, version) -> id
    cred_defs: dict[str, list[str]] = field(default_factory=dict)  # schema id -> cred def ids
    wallet: list[dict[str, str]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    offers: dict[str, dict[str, Any]] = field(default_factory=dict)  # cred_ex_id -> offer body
    revocation_ids: dict[str, dict[str, str]] = field(default_factory=dict)  # cred_ex_id -> rev ids
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)  # connection_id -> record
    on_offer: Callable[[str], None] | None = None  # called with the new cred_ex_id before answering
    ended: list[tuple[str, str]] = field(default_factory=list)  # (problem-report | delete, cred_ex_id)
    down: bool = False  # every issue-credential record call answers 503 (the agent is restarting)
    _pending_registry: dict[str, int] = field(default_factory=dict)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path, query = unquote(request.url.path), request.url.params
        body = json.loads(request.content) if request.content else None
        route = (request.method, path)
        if route == ("GET", "/status/ready"):
            return ok({"ready": True})
        if route == ("GET", "/wallet/did/public"):
            return ok({"result": {"did": self.public_did, "verkey": "vk"} if self.public_did else None})
        if route == ("GET", "/wallet/did"):
            return ok({"results": self.wallet})
        if route == ("POST", "/wallet/did/create"):
            info = {"did": NEW_DID, "verkey": NEW_VERKEY, "method": body["method"]}
            self.wallet.append(info)
            return ok({"result": info})
        if route == ("POST", "/wallet/did/public"):
            if self.public_404s > 0:
                self.public_404s -= 1
                return not_found("DID not posted to ledger")
            self.public_did = query["did"]
            return ok({"result": {"did": self.public_did}})
        if route == ("GET", "/anoncreds/schemas"):
            found = self.schemas.get((query.get("schema_name", ""), query.get("schema_version", "")))
            mine = found is not None and found.startswith(f"{query.get('schema_issuer_id')}:")
            return ok({"schema_ids": [found] if mine else []})
        if route == ("POST", "/anoncreds/schema"):
            schema = body["schema"]
            schema_id = f"{schema['issuerId']}:2:{schema['name']}:{schema['version']}"
            self.schemas[(schema["name"], schema["version"])] = schema_id
            return ok({"schema_state": {"state": "finished", "schema_id": schema_id}})
        if route == ("GET", "/anoncreds/credential-definitions"):
            return ok({"credential_definition_ids": self.cred_defs.get(query.get("schema_id", ""), [])})
        if route == ("POST", "/anoncreds/credential-definition"):
            if self.schema_misses > 0:
                self.schema_misses -= 1
                return httpx.Response(400, text=f"Schema not found: {body['credential_definition']['schemaId']}")
            definition = body["credential_definition"]
            cred_def_id = f"{definition['issuerId']}:3:CL:{next(self._counter)}:{definition['tag']}"
            self.cred_defs.setdefault(definition["schemaId"], []).append(cred_def_id)
            self._pending_registry[cred_def_id] = self.registry_404s
            return ok({"credential_definition_state": {"state": "finished", "credential_definition_id": cred_def_id}})
        if request.method == "GET" and path.startswith("/anoncreds/revocation/active-registry/"):
            cred_def_id = path.rsplit("/", 1)[-1]
            if self._pending_registry.get(cred_def_id, 0) > 0:
                self._pending_registry[cred_def_id] -= 1
                return not_found("No active registry")
            return ok({"result": {"revoc_reg_id": f"{cred_def_id}:rev", "state": "active"}})
        if request.method == "GET" and path.startswith("/connections/"):
            found = self.connections.get(path.removeprefix("/connections/"))
            return ok(found) if found is not None else not_found()
        if route == ("POST", "/out-of-band/create-invitation"):
            message_id = f"invitation-{next(self._counter)}"
            invitation = {"@id": message_id, "handshake_protocols": body.get("handshake_protocols")}
            url = f"http://127.0.0.1:8020?oob={message_id}"
            return ok({"invi_msg_id": message_id, "oob_id": "oob-1", "invitation": invitation, "invitation_url": url})
        if route == ("POST", "/issue-credential-2.0/send-offer") and self.offer_misses > 0:
            self.offer_misses -= 1
            return httpx.Response(400, text="400: Could not determine schema attributes. If you did not create the "
                                            "schema, then you need to provide the schema_id.")  # fmt: skip
        if route == ("POST", "/issue-credential-2.0/send-offer") and self.offers_refused_down > 0:
            self.offers_refused_down -= 1
            return httpx.Response(503, text="agent unavailable")
        if route == ("POST", "/issue-credential-2.0/send-offer"):
            cred_ex_id = f"cred-ex-{next(self._counter)}"
            self.offers[cred_ex_id] = body
            if self.on_offer is not None:
                self.on_offer(cred_ex_id)
            if self.offers_lost > 0:
                self.offers_lost -= 1
                return httpx.Response(503, text="agent unavailable")
            return ok({"cred_ex_id": cred_ex_id, "state": "offer-sent", "connection_id": body["connection_id"]})
        if route == ("GET", "/issue-credential-2.0/records"):
            if self.down:
                return httpx.Response(503, text="agent unavailable")
            return ok({"results": [
                {"cred_ex_record": self._exchange(cred_ex_id, offer)} for cred_ex_id, offer in self.offers.items()
                if offer["connection_id"] == query.get("connection_id")
            ]})  # fmt: skip
        if path.startswith("/issue-credential-2.0/records/") and self.down:
            return httpx.Response(503, text="agent unavailable")
        if route[0] in ("POST", "DELETE") and path.startswith("/issue-credential-2.0/records/"):
            cred_ex_id = path.removeprefix("/issue-credential-2.0/records/").removesuffix("/problem-report")
            if cred_ex_id not in self.offers:
                return not_found()
            if request.method == "DELETE":
                del self.offers[cred_ex_id]
            self.ended.append(("delete" if request.method == "DELETE" else "problem-report", cred_ex_id))
            return ok({})
        if request.method == "GET" and path.startswith("/issue-credential-2.0/records/"):
            cred_ex_id = path.rsplit("/", 1)[-1]
            if cred_ex_id not in self.offers:
                return not_found()
            state = {"state": self.states[cred_ex_id]} if cred_ex_id in self.states else {}
            record = {"cred_ex_id": cred_ex_id} | state
            return ok({"cred_ex_record": record, "anoncreds": self.revocation_ids.get(cred_ex_id)})
        if route == ("POST", "/anoncreds/revocation/revoke"):
            return ok({})
        return httpx.Response(404, text=f"fake agent has no route {request.method} {path}")

    def _exchange(self, cred_ex_id: str, offer: dict[str, Any]) -> dict[str, Any]:
        return {"cred_ex_id": cred_ex_id, "connection_id": offer["connection_id"], "role": "issuer",
                "state": self.states.get(cred_ex_id, "offer-sent"),
                "cred_offer": {"comment": offer.get("comment")}}  # fmt: skip

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and unquote(r.url.path) == path]

    def publishing_calls(self) -> list[httpx.Request]:
        publishing = {"/wallet/did/create", "/wallet/did/public", "/anoncreds/schema",
                      "/anoncreds/credential-definition"}  # fmt: skip
        return [r for r in self.requests if r.method == "POST" and r.url.path in publishing]


@dataclass
class FakeLedger:
    """The ledger web server's POST /register: records each call, answers `status`."""

    status: int = 200
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status != 200:
            return httpx.Response(self.status, json={"detail": "no"})
        body = json.loads(request.content)
        return ok({"did": body["did"], "verkey": body["verkey"], "seq_no": 42})
