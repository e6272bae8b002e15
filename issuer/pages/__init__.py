"""The hospital desk, the issuer's web app under `/desk`: register patients, show their invitation QR,
issue vaccinations, allergies and health IDs and watch them reach the wallet, revoke, upload records.

    site = desk_site(settings, link)     # create_app passes it to the controller frame

Staff sign in with the staff key; their open pages are told whenever one of the agent's webhooks was
handled (a connection completed, an issuance moved on), and fetch themselves again.
"""

from __future__ import annotations

from pathlib import Path

from agents.controller import AgentLink
from agents.events import WebhookEvent
from agents.pages import STAFF, page_site, staff_sign_in
from issuer.pages.routes import router
from issuer.settings import IssuerSettings
from medcred.pages import PageSite

__all__ = ["desk_site"]

NAV = [("Patients", "/"), ("Register", "/patients/new"), ("Credentials", "/credentials")]


def desk_site(settings: IssuerSettings, link: AgentLink) -> PageSite:
    _, prefix = settings.web_app
    site = page_site(settings, prefix=prefix, title=f"{settings.label} desk", folder=Path(__file__).parent,
                     sign_in=staff_sign_in(settings), sign_in_label="Staff key", nav=NAV, routers=[router])  # fmt: skip

    def changed(event: WebhookEvent) -> None:
        site.live.notify(STAFF, event.topic)

    link.webhooks.observe(changed)
    return site
