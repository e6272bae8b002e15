"""The clinic and insurer desk, the verifier's web app under `/desk`: start a check from a template, show
its QR code and watch the result arrive; SMART Health Cards checked from a QR photo, their text, file or
a link; recent results; a patient's shared records opened from a link.

    site = desk_site(settings, link)     # create_app passes it to the controller frame

Staff sign in with the staff key; their open pages are told whenever one of the agent's webhooks was
handled (a presentation arrived and was judged), and fetch themselves again.
"""

from __future__ import annotations

from pathlib import Path

from agents import pages
from agents.controller import AgentLink
from medcred.pages import PageSite
from verifier.pages import cards
from verifier.pages.routes import router
from verifier.settings import VerifierSettings

__all__ = ["desk_site"]

NAV = [("Check", "/"), ("Health cards", "/cards"), ("Results", "/results"), ("Shared records", "/shares")]


def desk_site(settings: VerifierSettings, link: AgentLink) -> PageSite:
    return pages.desk_site(settings, link, folder=Path(__file__).parent, nav=NAV, routers=[router, cards.router])
