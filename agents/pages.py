"""A role's web app, made the same way for the three: its sessions in its store `pages` (`<data folder>/pages.db`
or PostgreSQL), their secrets generated into the data folder beside the other keys (`session_secret`, `csrf_secret`).

    site = page_site(settings, prefix="/wallet", title="My health wallet", folder=Path(__file__).parent,
                     sign_in=patient_of_token, sign_in_label="Patient token",
                     nav=[("Credentials", "/"), ...], routers=[routes.router])
    app = create_controller_app(..., pages=site)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fastapi import APIRouter

from agents.controller import AgentLink
from agents.events import WebhookEvent
from agents.settings import RoleSettings
from medcred.errors import AuthenticationError
from medcred.pages import NAV, LiveHub, PageSite, SessionStore
from medcred.pages.site import SignIn
from medcred.store import open_store
from medcred.web import secrets_match

__all__ = ["STAFF", "desk_site", "page_site", "staff_sign_in"]

STAFF = "staff"  # the subject of a desk's sessions: whoever holds the staff key


def page_site(
    settings: RoleSettings, *, prefix: str, title: str, folder: Path, sign_in: SignIn,
    sign_in_label: str, sign_in_hint: str = "", nav: NAV = (), routers: Sequence[APIRouter] = (),
    hub: LiveHub | None = None,
) -> PageSite:  # fmt: skip
    sessions = SessionStore(
        open_store(settings, "pages"),
        settings.secret("session_secret").get_secret_value(),
        settings.secret("csrf_secret").get_secret_value(),
        hours=settings.session_hours,
    )
    return PageSite(name=settings.role, prefix=prefix, title=title, folder=folder, sessions=sessions,
                    sign_in=sign_in, sign_in_label=sign_in_label, sign_in_hint=sign_in_hint, nav=nav,
                    routers=routers, hub=hub)  # fmt: skip


def staff_sign_in(settings: RoleSettings) -> SignIn:
    """A desk's sign-in: the staff key (`X-API-Key` of the API), compared in constant time."""
    expected = settings.secret("api_key").get_secret_value()

    async def sign_in(secret: str) -> str:
        if not secrets_match(secret, expected):
            raise AuthenticationError("wrong staff key")
        return STAFF

    return sign_in


def desk_site(settings: RoleSettings, link: AgentLink, *, folder: Path, nav: NAV,
              routers: Sequence[APIRouter]) -> PageSite:  # fmt: skip
    """A staff desk (the hospital's, the clinic's): signed in with the staff key, its pages told whenever one
    of the agent's webhooks was handled (a connection completed, an issuance or a presentation moved on)."""
    _, prefix = settings.web_app
    site = page_site(settings, prefix=prefix, title=f"{settings.label} desk", folder=folder,
                     sign_in=staff_sign_in(settings), sign_in_label="Staff key", nav=nav, routers=routers)  # fmt: skip

    def changed(event: WebhookEvent) -> None:
        site.live.notify(STAFF, event.topic)

    link.webhooks.observe(changed)
    return site
