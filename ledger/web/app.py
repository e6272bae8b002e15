"""The ledger web server's app factory: opens one pool connection for its whole life."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ledger.client import LedgerClient
from ledger.settings import LedgerSettings
from ledger.trustee import Genesis, trustee_signer
from ledger.web.routes import router
from ledger.web.service import LedgerService
from medcred.docs_ui import serve_docs
from medcred.errors import ConfigurationError
from medcred.security_headers import SecurityHeaders
from medcred.web import install_error_handlers


def create_app(settings: LedgerSettings, genesis: Genesis, register_key: str | None) -> FastAPI:
    """`register_key` guards POST /register; None is allowed only with `settings.register_open`. The trustee
    that writes the registrations: `settings.trustee_seed`, the development seed only on the local pool."""
    if register_key is None and not settings.register_open:
        raise ConfigurationError("the ledger web server needs an API key for /register (or register_open)")
    trustee = trustee_signer(settings.trustee_seed, genesis)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = await LedgerClient.open(genesis.path, trustee)
        app.state.service = LedgerService(client, settings.status_timeout)
        try:
            yield
        finally:
            client.close()

    app = FastAPI(title="medcred ledger", version="1", lifespan=lifespan,
                  description="The local Indy pool, von-network compatible: genesis, status, register, browser.",
                  docs_url=None, redoc_url=None, swagger_ui_oauth2_redirect_url=None)  # fmt: skip
    app.state.genesis_path = genesis.path
    app.state.register_key = register_key or ""
    app.state.register_open = settings.register_open
    install_error_handlers(app)
    app.include_router(router)
    serve_docs(app)  # /docs with no file from the internet, under the same policy
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, the error handlers' too
    return app
