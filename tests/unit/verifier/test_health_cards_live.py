"""Live fetching of an issuer's key set and CRL (MEDCRED_VERIFIER_HEALTH_CARD_LIVE_KEYS), against a fake
issuer behind httpx.MockTransport: a card verifies with the fetched keys, is revoked as soon as the fetched
CRL says so, and an issuer that fails, redirects or answers too much is `issuer_unreachable` (never a 500)."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio

from medcred.health_cards import SigningKey, card_payload, minimal_bundle, sign
from tests.unit.verifier.conftest import STAFF, FakeAgent, make_settings
from tests.unit.verifier.test_health_cards import DOSE, PATIENT
from verifier import create_app

ISS = "https://issuer.example"
KEY = SigningKey.generate()


@dataclass
class FakeIssuer:
    revoked: list[str] = field(default_factory=list)
    answer: httpx.Response | None = None  # instead of the key set and CRL
    paths: list[str] = field(default_factory=list)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if self.answer is not None:
            return self.answer
        if request.url.path == "/.well-known/jwks.json":
            return httpx.Response(200, json={"keys": [KEY.public_jwk(crl_version=1 if self.revoked else 0)]})
        if request.url.path == f"/.well-known/crl/{KEY.kid}.json":
            return httpx.Response(200, json={"kid": KEY.kid, "method": "rid", "ctr": 1, "rids": self.revoked})
        return httpx.Response(404)


async def public(host: str, port: int) -> list[str]:
    return ["93.184.215.14"]  # the issuer's name resolves to a public address


type Verify = Callable[[str], Awaitable[dict[str, Any]]]


@pytest_asyncio.fixture
async def live(tmp_path: Path) -> AsyncIterator[tuple[FakeIssuer, Verify]]:
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"participating_issuers": [{"iss": ISS, "name": "Issuer"}]}))  # names only
    issuer = FakeIssuer()
    settings = make_settings(tmp_path, health_card_trust_list=trust, health_card_live_keys=True,
                             health_card_fetch_max_bytes=4096)  # fmt: skip
    app = create_app(settings, admin_transport=httpx.MockTransport(FakeAgent()),
                     share_transport=httpx.MockTransport(issuer), share_resolver=public)  # fmt: skip
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://verifier"))  # fmt: skip

        async def verify(card: str) -> dict[str, Any]:
            response = await http.post("/health-cards/verify", json={"shc": card}, headers=STAFF)
            assert response.status_code == 200, response.text
            (result,) = response.json()["results"]
            return result  # type: ignore[no-any-return]

        yield issuer, verify


def card(rid: str = "r1") -> str:
    return sign(card_payload(ISS, int(time.time()) - 60, minimal_bundle(PATIENT, [DOSE]), rid), KEY)


async def test_a_card_verifies_with_the_fetched_key_set_and_is_revoked_by_the_fetched_crl(
    live: tuple[FakeIssuer, Verify],
) -> None:
    issuer, verify = live
    result = await verify(card())
    assert result["verified"] is True and result["issuer"] == {"iss": ISS, "name": "Issuer"}, result
    assert issuer.paths == ["/.well-known/jwks.json"]  # crlVersion 0: no CRL to read
    issuer.revoked.append("r1")
    result = await verify(card())
    assert (result["verified"], result["reason"]) == (False, "revoked")
    assert issuer.paths[-1] == f"/.well-known/crl/{KEY.kid}.json"
    assert (await verify(card("r2")))["verified"] is True


async def test_an_issuer_that_fails_redirects_or_answers_too_much_is_unreachable(
    live: tuple[FakeIssuer, Verify],
) -> None:
    issuer, verify = live
    for answer, detail in (
        (httpx.Response(503), "answered 503"),
        (httpx.Response(302, headers={"Location": "https://elsewhere.example/jwks.json"}), "redirects"),
        (httpx.Response(200, content=b"x" * 5000), "over 4096 bytes"),
        (httpx.Response(200, content=b"[1, 2]"), "not a JSON object"),
    ):
        issuer.answer = answer
        result = await verify(card())
        assert (result["verified"], result["reason"]) == (False, "issuer_unreachable"), result
        assert detail in result["detail"]
