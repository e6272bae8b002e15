"""The hospital desk, the issuer's web app under `/desk`: register patients, show their invitation QR,
issue vaccinations, allergies and health IDs and watch them reach the wallet, revoke, upload records.

    site = desk_site(settings, link)     # create_app passes it to the controller frame

Staff sign in with the staff key; their open pages are told whenever one of the agent's webhooks was
handled (a connection completed, an issuance moved on), and fetch themselves again.
"""

from __future__ import annotations

from pathlib import Path

from agents import pages
from agents.controller import AgentLink
from issuer.pages.routes import router
from issuer.settings import IssuerSettings
from medcred.pages import PageSite

__all__ = ["desk_site"]

NAV = [("Patients", "/"), ("Register", "/patients/new"), ("Credentials", "/credentials")]


def desk_site(settings: IssuerSettings, link: AgentLink) -> PageSite:
    return pages.desk_site(settings, link, folder=Path(__file__).parent, nav=NAV, routers=[router])
