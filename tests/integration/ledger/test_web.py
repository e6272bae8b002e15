"""The ledger web server and the tails server of the session's network, over real HTTP."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import AsyncIterator

import base58
import httpx
import pytest_asyncio

from ledger.client import LedgerClient
from ledger.identity import Signer
from ledger.network import LedgerNetwork
from medcred.security_headers import CONTENT_SECURITY_POLICY


@pytest_asyncio.fixture
async def web(ledger_network: LedgerNetwork) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"X-API-Key": ledger_network.register_key()}
    async with httpx.AsyncClient(base_url=ledger_network.settings.web_url, headers=headers, timeout=30) as client:
        yield client


async def test_genesis_lists_the_four_validators(web: httpx.AsyncClient) -> None:
    response = await web.get("/genesis")
    assert response.status_code == 200
    txns = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    aliases = sorted(t["txn"]["data"]["data"]["alias"] for t in txns)
    assert aliases == ["Node1", "Node2", "Node3", "Node4"]


async def test_status_reports_each_validator_ready(web: httpx.AsyncClient) -> None:
    body = (await web.get("/status")).json()
    assert body["ready"] is True
    assert [v["name"] for v in body["validators"]] == ["Node1", "Node2", "Node3", "Node4"]
    assert all(v["ready"] and v["mode"] == "participating" for v in body["validators"])


async def test_register_by_seed_is_read_back_from_the_pool(web: httpx.AsyncClient, ledger_client: LedgerClient) -> None:
    seed = secrets.token_hex(16)
    response = await web.post("/register", json={"seed": seed, "alias": "clinic", "role": "TRUST_ANCHOR"})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = Signer.from_seed(seed.encode())
    assert (body["did"], body["verkey"]) == (expected.did, expected.verkey)
    nym = await ledger_client.get_nym(body["did"])
    assert nym is not None and nym["verkey"] == expected.verkey and nym["role"] == "101"

    again = await web.post("/register", json={"seed": seed})
    assert again.status_code == 200 and again.json()["did"] == body["did"]


async def test_register_by_did_and_verkey_and_a_conflicting_key(web: httpx.AsyncClient) -> None:
    signer, other = Signer.from_seed(secrets.token_bytes(32)), Signer.from_seed(secrets.token_bytes(32))
    response = await web.post("/register", json={"did": signer.did, "verkey": signer.verkey, "role": "NONE"})
    assert response.status_code == 200, response.text
    clash = await web.post("/register", json={"did": signer.did, "verkey": other.verkey})
    assert clash.status_code == 409
    assert "another verkey" in clash.json()["detail"]


async def test_register_needs_the_api_key(ledger_network: LedgerNetwork) -> None:
    async with httpx.AsyncClient(base_url=ledger_network.settings.web_url) as anonymous:
        assert (await anonymous.post("/register", json={"seed": "x"})).status_code == 401
        wrong = await anonymous.post("/register", json={"seed": "x"}, headers={"X-API-Key": "wrong"})
        assert wrong.status_code == 401


async def test_bad_register_input_gets_400_with_a_reason(web: httpx.AsyncClient) -> None:
    cases = {
        "seed": {"seed": "x" * 33},
        "role": {"seed": "abc", "role": "EMPEROR"},
        "DID": {"did": "not-a-did!", "verkey": Signer.from_seed(secrets.token_bytes(32)).verkey},
        "verkey": {"did": Signer.from_seed(secrets.token_bytes(32)).did, "verkey": "0OIl"},
        "either": {"alias": "nobody"},
    }
    for word, body in cases.items():
        response = await web.post("/register", json=body)
        assert response.status_code == 400, (word, response.text)
        assert word in response.json()["detail"], (word, response.text)


async def test_the_browser_pages_the_domain_ledger(web: httpx.AsyncClient) -> None:
    first = (await web.get("/ledger/domain", params={"page": 1, "page_size": 3})).json()
    assert first["total"] >= 5  # trustee + 4 stewards, at least
    assert [t["seq_no"] for t in first["results"]] == [1, 2, 3]
    assert first["results"][0]["txn"]["txn"]["data"]["dest"] == "V4SGRU86Z58d6TV7PBUe6f"

    one = await web.get("/ledger/domain/1")
    assert one.status_code == 200 and one.json()["txn"]["data"]["dest"] == "V4SGRU86Z58d6TV7PBUe6f"

    page = await web.get("/ledger/pool", params={"format": "html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "pool ledger" in page.text and "Node1" in page.text


async def test_the_browser_refuses_what_does_not_exist(web: httpx.AsyncClient) -> None:
    assert (await web.get("/ledger/nope")).status_code == 400
    assert (await web.get("/ledger/domain", params={"page": 0})).status_code == 400
    assert (await web.get("/ledger/domain", params={"page_size": 1000})).status_code == 400
    assert (await web.get("/ledger/domain", params={"page": 100000})).status_code == 404
    assert (await web.get("/ledger/domain/999999")).status_code == 404
    assert (await web.get("/ledger/domain/0")).status_code == 400
    assert (await web.get("/ledger/domain", params={"format": "xml"})).status_code == 400


async def test_the_tails_server_rejects_a_file_whose_hash_does_not_match(ledger_network: LedgerNetwork) -> None:
    data = secrets.token_bytes(2048)
    right = base58.b58encode(hashlib.sha256(data).digest()).decode()
    wrong = base58.b58encode(hashlib.sha256(data + b"!").digest()).decode()
    async with httpx.AsyncClient(base_url=ledger_network.tails_url) as tails:
        rejected = await tails.put(f"/hash/{wrong}", files={"tails": (wrong, data, "application/octet-stream")})
        assert rejected.status_code == 400
        assert (await tails.get(f"/hash/{wrong}")).status_code == 404
        stored = await tails.put(f"/hash/{right}", files={"tails": (right, data, "application/octet-stream")})
        assert stored.status_code == 200
        assert (await tails.get(f"/hash/{right}")).content == data


async def test_the_landing_page_shows_the_pool_and_its_form_registers_a_did(
    ledger_network: LedgerNetwork, ledger_client: LedgerClient
) -> None:
    async with httpx.AsyncClient(base_url=ledger_network.settings.web_url, timeout=30) as browser:  # no key header
        landing = await browser.get("/")
        assert landing.status_code == 200 and landing.headers["content-type"].startswith("text/html")
        assert landing.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert landing.headers["x-frame-options"] == "DENY"
        for name in ("Node1", "Node2", "Node3", "Node4"):
            assert f"<td>{name}</td><td class='ready'>ready</td><td>participating</td>" in landing.text
        assert "href='/genesis'" in landing.text and "action='/register/form'" in landing.text
        assert (await browser.get("/ledger.css")).headers["content-type"].startswith("text/css")

        seed = secrets.token_hex(16)
        form = {"api_key": ledger_network.register_key(), "seed": seed, "alias": "form", "role": "NONE"}
        registered = await browser.post("/register/form", data=form)
        assert registered.status_code == 200, registered.text
        expected = Signer.from_seed(seed.encode())
        assert expected.did in registered.text and seed not in registered.text
        nym = await ledger_client.get_nym(expected.did)
        assert nym is not None and nym["verkey"] == expected.verkey

        refused = await browser.post("/register/form", data=form | {"api_key": "wrong"})
        assert refused.status_code == 401 and refused.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
