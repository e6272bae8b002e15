"""The frame every role controller (issuer, holder, verifier) is built in.

    link = AgentLink(settings.agent_admin_url, admin_key, webhook_key)
    app = create_controller_app(title="medcred issuer", link=link, staff_key=settings.secret("api_key"),
                                routers=[...], on_startup=bootstrap)
    router = APIRouter(prefix="/patients", dependencies=[Depends(require_staff)])   # staff only

The app's lifespan opens the admin client, waits until the agent is ready, runs the role's own
start-up (publishing schemas, say), then serves. It mounts the agent's webhook receiver at
`/webhooks/topic/{topic}/`, the one error handler, and `GET /health`:

    200 {"status": "ok", "agent": "up", "agent_ready": true}          it and its agent are ready
    503 {"status": "starting", "agent": ..., "agent_ready": ...}       its own start-up is not done
    503 {"status": "degraded", "agent": "down", "agent_ready": false}  its agent is down (or restarting)

`require_staff` is the one staff check of every role: `X-API-Key` must be the app's `staff_key`.
While the agent is down, calls that need it get 503 with `Retry-After` (`AgentUnavailableError`). Its
OpenAPI document names the error responses every operation shares (`medcred.api_docs`); its page,
`/docs`, is served whole by the app, with no file from the internet (`medcred.docs_ui`; no `/redoc`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, SecretStr

from agents.admin import AdminClient
from agents.audit import ServiceAudit
from agents.bus import EventBus, open_bus
from agents.deliveries import SharedDeliveries, open_deliveries
from agents.events import EventWaiter
from agents.settings import RoleSettings
from agents.webhooks import WebhookRouter
from medcred.api_docs import document_errors
from medcred.bounded_json import MAX_BODY_BYTES
from medcred.docs_ui import serve_docs
from medcred.errors import AgentError, TimeoutError_
from medcred.pages import PageSite
from medcred.security_headers import SecurityHeaders
from medcred.web import MAX_FORM_BYTES, STAFF_KEY, api_key_check, install_error_handlers

__all__ = ["AgentLink", "HealthView", "create_controller_app", "require_staff", "state_dependency"]

# Admit only the role's staff: `X-API-Key` must be the key the app was made with (constant time).
require_staff = api_key_check(STAFF_KEY, lambda request: request.app.state.staff_key)


class HealthView(BaseModel):
    status: Literal["ok", "starting"]
    agent_ready: bool


class AgentLink:
    """A controller's hold on its agent: the admin client, the webhook receiver, the event waiter."""

    def __init__(
        self, admin_url: str, admin_api_key: SecretStr, webhook_api_key: SecretStr, bus: EventBus | None = None,
        deliveries: SharedDeliveries | None = None,
    ) -> None:
        """`bus` and `deliveries`: how this instance and the others of its role tell each other of events
        and share out webhook deliveries (none: it runs alone)."""
        self.bus = bus or EventBus()
        self.deliveries = deliveries
        self.events = EventWaiter(share=self.bus.publish)
        self.webhooks = WebhookRouter(webhook_api_key, events=self.events,
                                      claims=deliveries)  # fmt: skip
        self.admin = AdminClient(admin_url, admin_api_key)

    @classmethod
    def for_role(
        cls, settings: RoleSettings, *, transport: httpx.AsyncBaseTransport | None = None,
        admin_class: type[AdminClient] = AdminClient,
    ) -> AgentLink:
        """The link to a role's own agent; `transport` replaces the network under the admin client (tests)."""
        admin_key = settings.secret("agent_admin_api_key")
        link = cls(settings.agent_admin_url, admin_key, settings.secret("webhook_api_key"),
                   open_bus(settings), open_deliveries(settings))  # fmt: skip
        link.admin = admin_class(
            settings.agent_admin_url, admin_key, transport=transport, retry_after=settings.agent_retry_after
        )
        return link

    async def open(self, ready_timeout: float = 60.0) -> None:
        await self.bus.open(self.webhooks.deliver_remote)
        await self.admin.open()
        deadline = time.monotonic() + ready_timeout
        while True:
            try:
                if await self.admin.status_ready():
                    return
            except AgentError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError_(f"the agent at {self.admin.base_url} was not ready within {ready_timeout:g} s")
            await asyncio.sleep(0.2)

    async def agent_ready(self) -> bool:
        try:
            return await self.admin.status_ready()
        except AgentError:
            return False

    async def close(self) -> None:
        await self.webhooks.drain()
        await self.bus.close()
        if self.deliveries is not None:
            self.deliveries.close()
        await self.admin.aclose()


def state_dependency(path: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency answering what the app keeps at `app.state.<path>` (a dotted path of attributes): how a
    route is given the one service it calls, `Annotated[WalletService, Depends(state_dependency("wallet"))]`."""
    names = path.split(".")

    async def dependency(request: Request) -> Any:
        value: Any = request.app.state
        for name in names:
            value = getattr(value, name)
        return value

    dependency.__name__ = "state_" + "_".join(names)
    return dependency


def create_controller_app(
    *,
    title: str,
    description: str,
    link: AgentLink,
    staff_key: SecretStr,
    routers: Sequence[APIRouter],
    on_startup: Callable[[], Awaitable[None]] | None = None,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
    audit: ServiceAudit | None = None,
    max_json_bytes: int = MAX_BODY_BYTES,
    pages: PageSite | None = None,
) -> FastAPI:
    """`staff_key`: what `require_staff` admits; `audit`: the role's audit trail, started before the role's
    own start-up and stopped after it; `max_json_bytes`: the largest JSON request body the app takes (`medcred.web`);
    `pages`: the role's web app (`agents.pages.page_site`), served under its prefix, closed at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await link.open()
        try:
            if audit is not None:
                await audit.start()
            if on_startup is not None:
                await on_startup()
            app.state.ready = True
            yield
        finally:
            app.state.ready = False
            if pages is not None:
                pages.close()
            if on_shutdown is not None:
                await on_shutdown()
            if audit is not None:
                await audit.stop()
            await link.close()  # its webhook handlers drained: nothing appends to the audit log after this
            if audit is not None:
                audit.close()

    app = FastAPI(title=title, description=description, version="1", lifespan=lifespan,
                  docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None)  # fmt: skip
    app.state.ready = False
    app.state.link = link
    app.state.staff_key = staff_key
    app.state.audit = audit
    install_error_handlers(app, max_json_bytes=max_json_bytes, max_form_bytes=MAX_FORM_BYTES)

    not_ready: dict[int | str, dict[str, Any]] = {
        503: {"model": HealthView, "description": "the controller or its agent is not ready"}
    }

    @app.get("/health", tags=["health"], response_model=HealthView, responses=not_ready)
    async def health() -> JSONResponse:
        """200 once the controller and its agent are ready; 503 while starting, or while the agent is down."""
        agent = await link.agent_ready()
        started = bool(app.state.ready)
        status = ("ok" if agent else "degraded") if started else "starting"
        body = {"status": status, "agent": "up" if agent else "down", "agent_ready": agent}
        return JSONResponse(body, status_code=200 if status == "ok" else 503)

    app.include_router(link.webhooks.api_router)
    for router in routers:
        app.include_router(router)
    if pages is not None:
        pages.install(app)
    document_errors(app)
    serve_docs(app)
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, the error handlers' too
    return app
