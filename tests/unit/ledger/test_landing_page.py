"""The ledger web server's `/`: a landing page (validators, links, a register form) under a strict CSP.

The app is driven in-process (httpx's ASGI transport, no lifespan: no pool), its service a fake."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from ledger.identity import Signer
from ledger.settings import LedgerSettings
from ledger.trustee import Genesis
from ledger.web import create_app
from ledger.web.models import PoolStatus, RegisterRequest, RegisterResponse, ValidatorStatus
from medcred.errors import ConflictError
from medcred.security_headers import CONTENT_SECURITY_POLICY

KEY = "ledger-key-for-the-form-7c1d"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
       "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")  # fmt: skip


class FakeService:
    def __init__(self) -> None:
        self.registered: list[RegisterRequest] = []

    async def status(self) -> PoolStatus:
        validators = [ValidatorStatus(name=f"Node{n}", ready=True, mode="participating") for n in (1, 2, 3)]
        validators.append(ValidatorStatus(name="Node4", ready=False, problem="no answer within 2 s"))
        return PoolStatus(ready=True, validators=validators, validators_ready=3, write_quorum=3)

    async def register(self, body: RegisterRequest) -> RegisterResponse:
        if body.alias == "taken":
            raise ConflictError("DID is already on the ledger with another verkey")
        self.registered.append(body)
        signer = Signer.from_seed((body.seed or "0" * 32).encode())
        return RegisterResponse(did=signer.did, seed=body.seed, verkey=signer.verkey, seq_no=42)


@pytest.fixture
def service() -> FakeService:
    return FakeService()


def app_client(tmp_path: Path, service: FakeService, register_open: bool = False) -> httpx.AsyncClient:
    genesis = tmp_path / "genesis"
    genesis.write_text('{"txn": {}}\n')
    app = create_app(LedgerSettings(data_dir=tmp_path, register_open=register_open), Genesis(genesis, True), KEY)
    app.state.service = service
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ledger.test")


@pytest_asyncio.fixture
async def web(tmp_path: Path, service: FakeService) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(tmp_path, service) as client:
        yield client


class Page(HTMLParser):
    """What a page holds: links, forms with their fields, inline scripts and styles."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict[str, str]] = []
        self.fields: dict[str, str] = {}
        self.inline: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a":
            self.links.append(values["href"])
        elif tag == "form":
            self.forms.append(values)
        elif tag in ("input", "select"):
            self.fields[values["name"]] = values.get("type", tag)
        elif tag in ("script", "style"):
            self.inline.append(tag)
        if "style" in values or any(name.startswith("on") for name in values):
            self.inline.append(f"{tag} attribute")


async def test_the_landing_page_shows_each_validator_the_links_and_the_form(web: httpx.AsyncClient) -> None:
    response = await web.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    text = response.text
    for n in (1, 2, 3):
        assert re.search(rf"<td>Node{n}</td><td class='ready'>ready</td><td>participating</td>", text)
    assert "<td>Node4</td><td class='not-ready'>not ready</td><td>no answer within 2 s</td>" in text
    assert "3 of 4 validators ready" in text
    page = Page(text)
    assert {"/genesis", "/status", "/ledger/domain?format=html", "/ledger/pool?format=html"} <= set(page.links)
    assert page.forms == [{"method": "post", "action": "/register/form"}]
    assert page.fields["api_key"] == "password" and page.fields["seed"] == "password"
    assert {"did", "verkey", "alias", "role"} <= set(page.fields)
    assert page.inline == []  # no inline script or style anywhere: the CSP forbids them


async def test_every_answer_carries_the_strict_policy(web: httpx.AsyncClient) -> None:
    assert CONTENT_SECURITY_POLICY == CSP
    for response in [await web.get("/"), await web.get("/genesis"), await web.get("/ledger.css"),
                     await web.get("/status"), await web.get("/no-such-page"),
                     await web.post("/register", json={"seed": "x"})]:  # fmt: skip
        assert response.headers["content-security-policy"] == CSP, response.url
        assert response.headers["x-frame-options"] == "DENY", response.url


async def test_the_stylesheet_is_served_by_the_ledger_itself(web: httpx.AsyncClient) -> None:
    page = await web.get("/")
    assert "<link rel='stylesheet' href='/ledger.css'>" in page.text
    css = await web.get("/ledger.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css") and "body" in css.text


async def test_the_form_registers_with_the_key_typed_in(web: httpx.AsyncClient, service: FakeService) -> None:
    seed = "S" * 32
    response = await web.post("/register/form", data={"api_key": KEY, "seed": seed, "alias": "clinic", "role": "NONE"})
    assert response.status_code == 200, response.text
    signer = Signer.from_seed(seed.encode())
    assert signer.did in response.text and signer.verkey in response.text and "#42" in response.text
    assert seed not in response.text  # the seed is never shown back
    assert [(r.seed, r.alias, r.role) for r in service.registered] == [(seed, "clinic", "NONE")]


@pytest.mark.parametrize(
    ("form", "status", "says"),
    [
        ({"seed": "S" * 32}, 401, "not the ledger&#x27;s API key"),
        ({"api_key": "wrong", "seed": "S" * 32}, 401, "not the ledger&#x27;s API key"),
        ({"api_key": KEY, "seed": "S" * 32, "alias": "taken"}, 409, "another verkey"),
        ({"api_key": KEY, "seed": "S" * 65}, 400, "seed"),
        ({"api_key": KEY, "seed": "S" * 32, "admin": "yes"}, 400, "unknown form fields: admin"),
    ],
)
async def test_a_refused_form_says_why_in_a_page(
    web: httpx.AsyncClient, service: FakeService, form: dict[str, str], status: int, says: str
) -> None:
    response = await web.post("/register/form", data=form)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html") and says in response.text
    assert "S" * 32 not in response.text and service.registered == []


async def test_the_key_is_never_taken_from_the_url(web: httpx.AsyncClient, service: FakeService) -> None:
    response = await web.post(f"/register/form?api_key={KEY}", data={"seed": "S" * 32})
    assert response.status_code == 401 and service.registered == []


async def test_a_form_too_large_or_not_a_form_is_refused(web: httpx.AsyncClient) -> None:
    assert (await web.post("/register/form", data={"api_key": KEY, "alias": "a" * 5000})).status_code == 413
    assert (await web.post("/register/form", json={"api_key": KEY, "seed": "S" * 32})).status_code == 400


async def test_an_open_register_asks_for_no_key(tmp_path: Path, service: FakeService) -> None:
    async with app_client(tmp_path, service, register_open=True) as web:
        assert "api_key" not in Page((await web.get("/")).text).fields
        assert (await web.post("/register/form", data={"seed": "S" * 32})).status_code == 200
