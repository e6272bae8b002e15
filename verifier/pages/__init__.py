"""The clinic and insurer desk, the verifier's web app under `/desk`: start a check from a template, show
its QR code and watch the result arrive; recent results; a patient's shared records opened from a link.

    site = desk_site(settings, link)     # create_app passes it to the controller frame

Staff sign in with the staff key; their open pages are told whenever one of the agent's webhooks was
handled (a presentation arrived and was judged), and fetch themselves again.
"""

from __future__ import annotations

from pathlib import Path

from agents.controller import AgentLink
from agents.events import WebhookEvent
from agents.pages import STAFF, page_site, staff_sign_in
from medcred.pages import PageSite
from verifier.pages.routes import router
from verifier.settings import VerifierSettings

__all__ = ["desk_site"]

NAV = [("Check", "/"), ("Results", "/results"), ("Shared records", "/shares")]


def desk_site(settings: VerifierSettings, link: AgentLink) -> PageSite:
    _, prefix = settings.web_app
    site = page_site(settings, prefix=prefix, title=f"{settings.label} desk", folder=Path(__file__).parent,
                     sign_in=staff_sign_in(settings), sign_in_label="Staff key", nav=NAV, routers=[router])  # fmt: skip

    def changed(event: WebhookEvent) -> None:
        site.live.notify(STAFF, event.topic)

    link.webhooks.observe(changed)
    return site
