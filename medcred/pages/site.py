"""A role's web app (the wallet, a desk): its pages, sign-in, sessions, CSRF checks, error pages, live events.

    router = page_router()                     # every unsafe method on it must carry the session's CSRF token

    @router.get("/")
    async def home(request: Request, session: Viewer) -> HTMLResponse:
        return render(request, "home.html", {"credentials": ...})

    site = PageSite(name="holder", prefix="/wallet", title="My health wallet", folder=PAGES,
                    sessions=SessionStore(...), sign_in=patient_of_token,
                    sign_in_label="Your patient token", routers=[router])
    site.install(app)                          # under the prefix; the controller frame does this

The site serves `<prefix>/signin` (GET, POST), `<prefix>/signout` (POST), `<prefix>/events` (the live
stream, `medcred.pages.live`) and its files at `<prefix>/static/common/` (this package's `static/`) and
`<prefix>/static/app/` (the role's own `static/`). Templates come from the role's `templates/` first, then
this package's (`base.html`, `signin.html`, `error.html`, `macros.html`).

Security, for every page of every role:
- The secret typed at sign-in (a patient's token, the staff key) is posted, never put in a URL, and
  exchanged at once for a random session id in an HttpOnly, SameSite=Strict cookie, Secure over https,
  whose path is the prefix. The session lives server-side (`SessionStore`): signing out ends it.
- A POST, PUT, PATCH or DELETE on a page router is refused (403) unless it carries the session's CSRF
  token (form field `csrf_token` or header `X-CSRF-Token`) and, when the browser names one, comes from
  the app's own origin (`Origin`, `Sec-Fetch-Site`). The sign-in form carries a token bound to a random
  pre-session cookie (double submit), so a login cannot be forged either.
- A page's error is a page (`error.html`, the same message the API would give, never a trace); a page
  asked for without a session sends the browser to sign in and back.
- Answers are `Cache-Control: no-store`; the headers of `medcred.security_headers` are on everything.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from medcred.errors import AuthenticationError, InvalidInputError, PermissionDeniedError
from medcred.pages.live import LiveHub
from medcred.pages.sessions import Session, SessionStore
from medcred.qr import qr_svg

__all__ = ["NAV", "PageSite", "Viewer", "page_router", "redirect", "render", "signed_in"]

HERE = Path(__file__).parent
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PRE_SESSION_SECONDS = 3600
NO_STORE = {"Cache-Control": "no-store"}

# A page's menu: (label, path under the prefix).
NAV = Sequence[tuple[str, str]]
SignIn = Callable[[str], Awaitable[str]]


@dataclass
class PageSite:
    """`name` names the cookies (`medcred-<name>-session`: browsers keep cookies by host, not port, so
    the three apps on one machine must not share a name); `sign_in(secret)` answers the subject the
    secret signs in (raises `AuthenticationError` for a wrong one)."""

    name: str
    prefix: str
    title: str
    folder: Path  # the role's pages package: templates/ and static/ inside
    sessions: SessionStore
    sign_in: SignIn
    sign_in_label: str
    sign_in_hint: str = ""
    nav: NAV = ()
    routers: Sequence[APIRouter] = ()
    hub: LiveHub | None = None

    def __post_init__(self) -> None:
        self.hub = self.hub or LiveHub()
        self.templates = Environment(
            loader=ChoiceLoader([FileSystemLoader(self.folder / "templates"), FileSystemLoader(HERE / "templates")]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        )  # fmt: skip
        self.templates.filters.update(qr=_qr_filter, when=format_when, until=format_until)
        self.templates.globals.update(site=self, url=self.url)

    @property
    def cookie(self) -> str:
        return f"medcred-{self.name}-session"

    @property
    def pre_cookie(self) -> str:
        return f"medcred-{self.name}-signin"

    @property
    def live(self) -> LiveHub:
        assert self.hub is not None
        return self.hub

    def url(self, path: str = "/") -> str:
        """`path` under the prefix: url("/requests") -> "/wallet/requests"."""
        return self.prefix + ("" if path == "/" else path) if path.startswith("/") else f"{self.prefix}/{path}"

    def install(self, app: FastAPI) -> None:
        app.state.pages = self
        app.state.error_page = self.error_page
        app.mount(self.url("/static/common"), StaticFiles(directory=HERE / "static"), name=f"{self.name}-common")
        if (self.folder / "static").is_dir():
            app.mount(self.url("/static/app"), StaticFiles(directory=self.folder / "static"), name=f"{self.name}-app")
        app.include_router(_own_routes(), prefix=self.prefix)
        for router in self.routers:
            app.include_router(router, prefix=self.prefix)

    def close(self) -> None:
        self.live.close()
        self.sessions.close()

    # -- pages -------------------------------------------------------------------------------------------

    def page(self, request: Request, template: str, context: Mapping[str, Any] | None = None, *,
             status: int = 200, session: Session | None = None) -> HTMLResponse:  # fmt: skip
        session = session or getattr(request.state, "session", None)
        # A live page fetching itself again (medcred.js) leaves the messages for the page the person opens next.
        live = request.headers.get("x-medcred-live") == "1"
        flash = self.sessions.take_flash(session) if session is not None and not live else []
        values = {"request": request, "session": session, "csrf": session.csrf if session else "",
                  "flash": flash, "nav": self.nav, **(context or {})}  # fmt: skip
        body = self.templates.get_template(template).render(values)
        return HTMLResponse(body, status_code=status, headers=NO_STORE)

    def covers(self, request: Request) -> bool:
        path = request.url.path
        return (path == self.prefix or path.startswith(self.prefix + "/")) and not path.startswith(self.url("/static/"))

    def error_page(self, request: Request, status: int, detail: str) -> Response | None:
        """The page for an error of a request under the prefix (`medcred.web`'s hook); None for others."""
        if not self.covers(request):
            return None
        if status == 401 and not request.url.path.startswith(self.url("/signin")):
            back = request.url.path if request.method == "GET" else self.prefix
            return RedirectResponse(f"{self.url('/signin')}?next={quote(back)}", status_code=303, headers=NO_STORE)
        message = detail if status < 500 or status in (502, 503, 504) else "Something went wrong on our side."
        return self.page(request, "error.html", {"status": status, "message": message}, status=status)

    def safe_next(self, value: str | None) -> str:
        """Where to go after sign-in: a path of this site only (never another host: no open redirect)."""
        if not value:
            return self.url("/")
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or not self.covers_path(parts.path) or value.startswith("//"):
            return self.url("/")
        return parts.path

    def covers_path(self, path: str) -> bool:
        return (path == self.prefix or path.startswith(self.prefix + "/")) and "\\" not in path


def site_of(request: Request) -> PageSite:
    site: PageSite = request.app.state.pages
    return site


async def signed_in(request: Request) -> Session:
    """The request's live session, or 401 (a page then sends the browser to sign in)."""
    site = site_of(request)
    session = site.sessions.find(request.cookies.get(site.cookie))
    if session is None:
        raise AuthenticationError("please sign in")
    request.state.session = session
    return session


# A page's signed-in person: `session: Viewer` in a route's parameters.
Viewer = Annotated[Session, Depends(signed_in)]


def _same_origin(request: Request) -> bool:
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:  # not a browser's form (a browser names the origin of every POST): the token decides
        return True
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin == own


async def _check_form(request: Request) -> None:
    """Every unsafe request on a page router: from this origin, with this session's CSRF token."""
    if request.method not in UNSAFE_METHODS:
        return
    session = await signed_in(request)
    if not _same_origin(request):
        raise PermissionDeniedError("this form was sent from another site; open the page and send it again")
    given = request.headers.get("x-csrf-token")
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            given = value if isinstance(value, str) else None
    if not site_of(request).sessions.csrf_valid(session, given):
        raise PermissionDeniedError("this form has expired or was not sent from its page; "
                                    "reload the page and try again")


def page_router() -> APIRouter:
    """A router of pages: kept out of the OpenAPI document, its unsafe methods checked by `_check_form`."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(_check_form)])


def render(request: Request, template: str, context: Mapping[str, Any] | None = None, *,
           status: int = 200) -> HTMLResponse:  # fmt: skip
    """`template` of the request's site with `context`, the session, its CSRF token and its flash messages."""
    return site_of(request).page(request, template, context, status=status)


def redirect(request: Request, path: str, *, flash: str | None = None) -> RedirectResponse:
    """303 to `path` under the prefix (after a form: the browser then GETs it), with an optional message."""
    site = site_of(request)
    session = getattr(request.state, "session", None)
    if flash and session is not None:
        site.sessions.flash(session, flash)
    return RedirectResponse(site.url(path), status_code=303, headers=NO_STORE)


# -- sign-in, sign-out, live events ------------------------------------------------------------------------

def _own_routes() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/signin")
    async def signin_page(request: Request, next: str | None = None, signed_out: bool = False) -> Response:
        site = site_of(request)
        if site.sessions.find(request.cookies.get(site.cookie)) is not None:
            return RedirectResponse(site.safe_next(next), status_code=303, headers=NO_STORE)
        return _signin_form(request, next=site.safe_next(next), notice="You are signed out." if signed_out else "")

    @router.post("/signin")
    async def signin(request: Request, secret: Annotated[str, Form(max_length=512)] = "",
                     csrf_token: Annotated[str, Form(max_length=256)] = "",
                     next: Annotated[str, Form(max_length=2048)] = "") -> Response:  # fmt: skip
        site = site_of(request)
        target = site.safe_next(next)
        pre_session = request.cookies.get(site.pre_cookie)
        if not _same_origin(request) or not site.sessions.pre_session_valid(pre_session, csrf_token):
            return _signin_form(request, next=target, status=403,
                                error="This sign-in form has expired. Please type your key again.")  # fmt: skip
        if not secret.strip():
            return _signin_form(request, next=target, status=422, error=f"Please type {site.sign_in_label.lower()}.")
        try:
            subject = await site.sign_in(secret.strip())
        except (AuthenticationError, InvalidInputError):
            wrong = f"That is not a valid {site.sign_in_label.lower()}."
            return _signin_form(request, next=target, status=401, error=wrong)
        sid = site.sessions.start(subject)
        response = RedirectResponse(target, status_code=303, headers=NO_STORE)
        _set_cookie(request, response, site.cookie, sid, max_age=int(site.sessions.lifetime))
        response.delete_cookie(site.pre_cookie, path=site.prefix)
        return response

    @router.post("/signout", dependencies=[Depends(_check_form)])
    async def signout(request: Request, session: Viewer) -> Response:
        site = site_of(request)
        site.sessions.end(session.sid)
        response = RedirectResponse(f"{site.url('/signin')}?signed_out=true", status_code=303, headers=NO_STORE)
        response.delete_cookie(site.cookie, path=site.prefix)
        return response

    @router.get("/events")
    async def events(request: Request, session: Viewer) -> Response:
        return site_of(request).live.stream(session.subject)

    return router


def _signin_form(request: Request, *, next: str, status: int = 200, error: str = "", notice: str = "") -> Response:
    site = site_of(request)
    value = secrets.token_urlsafe(24)
    context = {"next": next, "error": error, "notice": notice, "signin_token": site.sessions.pre_session_token(value)}
    response = site.page(request, "signin.html", context, status=status)
    _set_cookie(request, response, site.pre_cookie, value, max_age=PRE_SESSION_SECONDS)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path=site_of(request).prefix, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")  # fmt: skip


# -- template filters ---------------------------------------------------------------------------------------

def _qr_filter(data: str) -> Markup:
    return Markup(qr_svg(data))  # noqa: S704 - qr_svg builds the SVG itself from numbers only


def _parse(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_when(value: str | datetime | None) -> str:
    """A moment as people read it: "3 Dec 2026, 14:05 UTC" ("" when missing or not a time)."""
    moment = _parse(value)
    if moment is None:
        return str(value or "")
    moment = moment.astimezone(UTC)
    text = f"{moment.day} {moment:%b %Y}"
    if (moment.hour, moment.minute, moment.second) != (0, 0, 0):
        text += f", {moment:%H:%M} UTC"
    return text


def format_until(value: str | datetime | None, now: datetime | None = None) -> str:
    """Time left until a moment: "29 days left", "5 hours left", "expired"."""
    moment = _parse(value)
    if moment is None:
        return ""
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    if seconds <= 0:
        return "expired"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} left"
    return "less than a minute left"

