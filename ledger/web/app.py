"""The ledger web server's app factory: opens one pool connection for its whole life."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from ledger.client import LedgerClient
from ledger.identity import Signer, normalise_seed
from ledger.settings import LedgerSettings
from ledger.web.routes import router
from ledger.web.service import LedgerService
from medcred.errors import ConfigurationError
from medcred.web import install_error_handlers


def create_app(settings: LedgerSettings, genesis_path: Path, register_key: str | None) -> FastAPI:
    """`register_key` guards POST /register; None is allowed only with `settings.register_open`."""
    if register_key is None and not settings.register_open:
        raise ConfigurationError("the ledger web server needs an API key for /register (or register_open)")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        trustee = Signer.from_seed(normalise_seed(settings.trustee_seed.get_secret_value()))
        client = await LedgerClient.open(genesis_path, trustee)
        app.state.service = LedgerService(client, settings.status_timeout)
        try:
            yield
        finally:
            client.close()

    app = FastAPI(title="medcred ledger", version="1", lifespan=lifespan,
                  description="The local Indy pool, von-network compatible: genesis, status, register, browser.")
    app.state.genesis_path = genesis_path
    app.state.register_key = register_key or ""
    app.state.register_open = settings.register_open
    install_error_handlers(app)
    app.include_router(router)
    return app
