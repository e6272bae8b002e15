"""medcred.pages on a small app of its own: sign-in, sessions, CSRF, error pages, live events, headers."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response

from medcred.errors import AuthenticationError, NotFoundError
from medcred.pages import PageSite, SessionStore, Viewer, page_router, redirect, render
from medcred.pages.site import format_until, format_when
from medcred.security_headers import CONTENT_SECURITY_POLICY, SecurityHeaders
from medcred.store import SqliteDocumentStore
from medcred.web import MAX_FORM_BYTES, install_error_handlers

FOLDER = Path(__file__).parent / "pages_fixture"
ORIGIN = "http://testserver"


def make_app(tmp_path: Path, *, clock=None) -> FastAPI:
    notes: dict[str, list[str]] = {}
    router = page_router()

    @router.get("/")
    async def home(request: Request, session: Viewer) -> HTMLResponse:
        return render(request, "home.html", {"notes": notes.get(session.subject, [])})

    @router.post("/notes")
    async def add(request: Request, session: Viewer, text: Annotated[str, Form()]) -> Response:
        notes.setdefault(session.subject, []).append(text)
        request.app.state.pages.live.notify(session.subject, "notes")
        return redirect(request, "/", flash="Note added.")

    @router.get("/missing")
    async def missing(session: Viewer) -> Response:
        raise NotFoundError("no such note")

    async def check(secret: str) -> str:
        if secret not in ("alice-token", "bob-token"):
            raise AuthenticationError("wrong token")
        return secret.removesuffix("-token")

    kwargs = {"clock": clock} if clock else {}
    sessions = SessionStore(SqliteDocumentStore(tmp_path / "pages.db"), "s" * 32, "c" * 32, hours=1, **kwargs)
    site = PageSite(name="test", prefix="/app", title="Test app", folder=FOLDER, sessions=sessions,
                    sign_in=check, sign_in_label="Patient token", nav=[("Home", "/")], routers=[router])
    app = FastAPI()
    install_error_handlers(app, max_form_bytes=MAX_FORM_BYTES)

    @app.get("/api/thing")
    async def api_thing() -> dict[str, str]:
        raise NotFoundError("no such thing")

    site.install(app)
    app.add_middleware(SecurityHeaders)
    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN, headers={"Origin": ORIGIN})


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} in the page"
    return match.group(1)


async def sign_in(web: httpx.AsyncClient, secret: str = "alice-token", next_: str = "/app") -> httpx.Response:  # noqa: S107
    form = await web.get("/app/signin")
    assert form.status_code == 200
    return await web.post("/app/signin", data={"secret": secret, "csrf_token": hidden(form.text, "csrf_token"),
                                               "next": next_})


async def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back(tmp_path: Path) -> None:
    async with client(make_app(tmp_path)) as web:
        page = await web.get("/app/")
        assert page.status_code == 303 and page.headers["location"] == "/app/signin?next=/app/"
        signed = await sign_in(web, next_="/app/")
        assert signed.status_code == 303 and signed.headers["location"] == "/app/"
        home = await web.get("/app/")
        assert home.status_code == 200 and "Home of alice" in home.text


async def test_the_session_cookie_is_httponly_strict_and_scoped_and_holds_no_token(tmp_path: Path) -> None:
    async with client(make_app(tmp_path)) as web:
        signed = await sign_in(web)
        cookie = next(value for name, value in signed.headers.multi_items() if name == "set-cookie"
                      and value.startswith("medcred-test-session="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/app" in cookie
        assert "alice-token" not in cookie and "Secure" not in cookie  # plain http here: https adds Secure
        assert "alice-token" not in signed.headers["location"]


async def test_a_wrong_secret_is_refused_on_the_form_itself(tmp_path: Path) -> None:
    async with client(make_app(tmp_path)) as web:
        refused = await sign_in(web, secret="mallory")
        assert refused.status_code == 401 and "That is not a valid patient token." in refused.text
        assert "medcred-test-session" not in refused.headers.get("set-cookie", "")


async def test_sign_in_without_its_form_token_is_refused(tmp_path: Path) -> None:
    async with client(make_app(tmp_path)) as web:
        await web.get("/app/signin")
        forged = await web.post("/app/signin", data={"secret": "alice-token", "csrf_token": "guess"})
        assert forged.status_code == 403 and "expired" in forged.text
        assert (await web.get("/app/")).status_code == 303


async def test_a_form_without_its_csrf_token_or_from_another_site_is_refused(tmp_path: Path) -> None:
    async with client(make_app(tmp_path)) as web:
        await sign_in(web)
        token = hidden((await web.get("/app/")).text, "csrf_token")
        assert (await web.post("/app/notes", data={"text": "x"})).status_code == 403
        assert (await web.post("/app/notes", data={"text": "x", "csrf_token": "wrong"})).status_code == 403
        other = await web.post("/app/notes", data={"text": "x", "csrf_token": token},
                               headers={"Origin": "http://evil.example"})
        assert other.status_code == 403 and "another site" in other.text
        fetch = await web.post("/app/notes", data={"text": "x", "csrf_token": token},
                               headers={"Sec-Fetch-Site": "cross-site"})
        assert fetch.status_code == 403
        assert "class=\"note\"" not in (await web.get("/app/")).text
        added = await web.post("/app/notes", data={"text": "first note", "csrf_token": token})
        assert added.status_code == 303
        home = await web.get("/app/")
        assert "first note" in home.text and "Note added." in home.text
        assert "Note added." not in (await web.get("/app/")).text  # a flash message is shown once


async def test_one_persons_session_never_shows_anothers_data(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with client(app) as alice, client(app) as bob:
        await sign_in(alice)
        await sign_in(bob, "bob-token")
        token = hidden((await alice.get("/app/")).text, "csrf_token")
        await alice.post("/app/notes", data={"text": "alice's secret", "csrf_token": token})
        assert "alice's secret" not in (await bob.get("/app/")).text
        bob_token = hidden((await bob.get("/app/")).text, "csrf_token")
        assert (await alice.post("/app/notes", data={"text": "x", "csrf_token": bob_token})).status_code == 403


async def test_signing_out_ends_the_session_on_the_server(tmp_path: Path) -> None:
    async with client(make_app(tmp_path)) as web:
        await sign_in(web)
        cookie = web.cookies.get("medcred-test-session")
        token = hidden((await web.get("/app/")).text, "csrf_token")
        out = await web.post("/app/signout", data={"csrf_token": token})
        assert out.status_code == 303 and out.headers["location"] == "/app/signin?signed_out=true"
        web.cookies.set("medcred-test-session", cookie or "", path="/app")  # the old cookie, kept by an attacker
        assert (await web.get("/app/")).status_code == 303


async def test_a_session_ends_when_it_expires(tmp_path: Path) -> None:
    now = [1_000_000.0]
    async with client(make_app(tmp_path, clock=lambda: now[0])) as web:
        await sign_in(web)
        assert (await web.get("/app/")).status_code == 200
        now[0] += 3601
        assert (await web.get("/app/")).status_code == 303


async def test_errors_are_pages_under_the_prefix_and_json_elsewhere(tmp_path: Path) -> None:
    async with client(make_app(tmp_path)) as web:
        await sign_in(web)
        page = await web.get("/app/missing")
        assert page.status_code == 404 and "text/html" in page.headers["content-type"]
        assert "no such note" in page.text and "Traceback" not in page.text
        unknown = await web.get("/app/no-such-page")
        assert unknown.status_code == 404 and "text/html" in unknown.headers["content-type"]
        api = await web.get("/api/thing")
        assert api.status_code == 404 and api.json() == {"detail": "no such thing"}


async def test_every_answer_has_the_strict_policy_and_pages_are_not_cached(tmp_path: Path) -> None:
    async with client(make_app(tmp_path)) as web:
        for response in [await web.get("/app/signin"), await web.get("/app/static/common/medcred.css"),
                         await web.get("/app/"), await web.get("/api/thing")]:
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            assert response.headers["x-frame-options"] == "DENY"
        signin = await web.get("/app/signin")
        assert signin.headers["cache-control"] == "no-store"
        assert "<script>" not in signin.text and " style=" not in signin.text and "onclick" not in signin.text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/app", "/elsewhere", "/app\\..\\x"])
async def test_sign_in_never_sends_the_browser_off_the_site(tmp_path: Path, target: str) -> None:
    async with client(make_app(tmp_path)) as web:
        signed = await sign_in(web, next_=target)
        assert signed.status_code == 303 and signed.headers["location"] == "/app"


async def test_a_live_page_hears_that_its_data_changed_and_nothing_else(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    hub = app.state.pages.live
    stream = hub.events("alice")
    assert await anext(stream) == "retry: 2000\n\n"
    pending = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)
    hub.notify("bob", "notes")
    hub.notify("alice", "notes")
    assert await asyncio.wait_for(pending, 2) == 'event: change\ndata: {"topic": "notes"}\n\n'
    hub.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(stream), 2)
    assert hub.listeners("alice") == 0


def test_times_read_as_people_say_them() -> None:
    from datetime import UTC, datetime, timedelta
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert format_when("2026-12-03T14:05:00Z") == "3 Dec 2026, 14:05 UTC"
    assert format_when("2021-04-01") == "1 Apr 2021"
    assert format_until(now + timedelta(days=29, hours=3), now) == "29 days left"
    assert format_until(now + timedelta(hours=1, minutes=5), now) == "1 hour left"
    assert format_until(now - timedelta(seconds=1), now) == "expired"


async def test_a_form_larger_than_the_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    async with client(make_app(tmp_path)) as web:
        await sign_in(web)
        token = hidden((await web.get("/app/")).text, "csrf_token")
        huge = await web.post("/app/notes", data={"csrf_token": token, "text": "x"},
                              files={"photo": ("qr.jpg", b"\0" * (MAX_FORM_BYTES + 1), "image/jpeg")})
        assert huge.status_code == 413 and "limit" in huge.json()["detail"]
