"""The patient's wallet, the holder's web app under `/wallet` (mobile first): credentials, SMART Health Cards, adding a
hospital or a clinic by QR code or link, requests arriving live, consents, history, records.

    site = wallet_site(settings, accounts, link)     # create_app passes it to the controller frame

A patient signs in with their token (`holder.deps.wallet_sign_in`); the session's subject is their
patient id. Their open pages are told when one of their sub-wallet's webhooks was handled (a request
arrived, a connection completed), and fetch themselves again.
"""

from __future__ import annotations

from pathlib import Path

from agents.controller import AgentLink
from agents.events import WebhookEvent
from agents.pages import page_site
from holder.accounts import AccountService
from holder.deps import wallet_sign_in
from holder.pages import cards
from holder.pages.routes import router
from holder.settings import HolderSettings
from medcred.pages import PageSite

__all__ = ["wallet_site"]

NAV = [("Credentials", "/"), ("Cards", "/cards"), ("Add", "/add"), ("Requests", "/requests"), ("Consents", "/consents"),
       ("History", "/history"), ("Records", "/records")]  # fmt: skip


def wallet_site(settings: HolderSettings, accounts: AccountService, link: AgentLink) -> PageSite:
    _, prefix = settings.web_app
    site = page_site(settings, prefix=prefix, title="My health wallet", folder=Path(__file__).parent,
                     sign_in=wallet_sign_in(accounts), sign_in_label="Patient token",
                     sign_in_hint="The token you were given when your wallet was opened.", nav=NAV,
                     routers=[router, cards.router])  # fmt: skip

    def changed(event: WebhookEvent) -> None:
        if event.wallet_id is None:
            return
        patient = accounts.patient_for_wallet(event.wallet_id)
        if patient is not None:
            site.live.notify(patient.patient_id, event.topic)

    link.webhooks.observe(changed)
    return site
