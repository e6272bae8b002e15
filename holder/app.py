"""The holder controller: patients' wallets on one multitenant ACA-Py agent (port 8002).

    app = create_app(HolderSettings())

Its lifespan waits for the agent, opens the store (`<data folder>/holder.db`), serves, and closes it.
`admin_transport` replaces the HTTP transport to the agent's admin API (unit tests pass an
`httpx.MockTransport`).
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from agents.controller import AgentLink, create_controller_app
from holder.context import HolderAdminClient, HolderContext
from holder.routes import me, patients
from holder.settings import HolderSettings

__all__ = ["create_app"]


def create_app(
    settings: HolderSettings | None = None, *, admin_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    settings = settings or HolderSettings()
    admin_key = settings.secret("agent_admin_api_key")
    link = AgentLink(settings.agent_admin_url, admin_key, settings.secret("webhook_api_key"))
    link.admin = HolderAdminClient(settings.agent_admin_url, admin_key, transport=admin_transport)
    context = HolderContext(settings=settings, link=link, staff_key=settings.secret("api_key"))

    async def start() -> None:
        context.open()

    async def stop() -> None:
        context.close()

    app = create_controller_app(
        title="medcred holder",
        description="Patients' wallets: invitations, credentials, and proof requests answered with consent.",
        link=link,
        routers=[patients.router, me.router],
        on_startup=start,
        on_shutdown=stop,
    )
    app.state.holder = context
    return app
