"""What the holder's services are given: tenant views of the agent, and the store and portal the lifespan opens.

    context = HolderContext(settings, portal)    # create_app makes it; open/aclose in the lifespan

Each patient's agent calls go through `Tenants.of(patient)`: the admin client acting with that patient's
sub-wallet token, so the agent itself keeps patients apart (another tenant's record is a 404). Every
service (`holder.accounts`, `holder.wallet`, `holder.records`, `holder.disclosures`, `holder.proofs`,
`holder.consent_service`, `holder.proof_requests`) takes only the pieces it uses; the context only opens
and closes the store (`<data folder>/holder.db`, read by the services through `lambda: context.store`)
and the hospital portal's client (`holder.portal`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agents.admin import AdminClient
from holder.models import Patient
from holder.portal import HospitalPortal
from holder.settings import HolderSettings
from medcred.errors import AgentError, AuthenticationError, ConfigurationError
from medcred.store import DocumentStore, open_store

__all__ = ["HolderAdminClient", "HolderContext", "Tenants"]

STORE_NAME = "holder"  # <data folder>/holder.db, or its rows in PostgreSQL


class HolderAdminClient(AdminClient):
    """The admin client whose 401s are the agent's refusal of *our* credentials, never the caller's.

    A 401 from the agent means our admin key or a sub-wallet token is wrong: a fault of this controller
    (502), not a reason to tell the patient that their own token is wrong.
    """

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return await super().request(method, path, **kwargs)
        except AuthenticationError as exc:
            raise AgentError(f"the holder agent refused the controller's credentials on {method} {path}") from exc

    async def wallet_jwt_sign(self, did: str, payload: Mapping[str, Any], headers: Mapping[str, Any]) -> str:
        """POST /wallet/jwt/sign: a compact JWS by the wallet's key of `did` (ACA-Py sets `alg` and `kid`)."""
        body = {"did": did, "headers": dict(headers), "payload": dict(payload)}
        answer = await self.request("POST", "/wallet/jwt/sign", json=body)
        if not isinstance(answer, str) or answer.count(".") != 2:
            raise AgentError("agent answered POST /wallet/jwt/sign without a compact JWS")
        return answer

    async def connections(self, *, their_public_did: str | None = None) -> list[dict[str, Any]]:
        """GET /connections: the (sub-)wallet's connection records (to that public DID only, if given)."""
        params = {"their_public_did": their_public_did} if their_public_did is not None else None
        records = await self._list("GET", "/connections", key="results", params=params)
        return [record for record in records if isinstance(record, dict)]


class Tenants:
    """The admin clients of the patients' sub-wallets, each acting with that patient's token only."""

    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin

    def of(self, patient: Patient) -> HolderAdminClient:
        """The admin client acting on this patient's sub-wallet only."""
        if not isinstance(self._admin, HolderAdminClient):
            raise ConfigurationError("the holder's agent link needs a HolderAdminClient")
        return self._admin.for_tenant(patient.agent_token)


@dataclass
class HolderContext:
    """What the lifespan opens and closes: the holder's store and the hospital portal's client."""

    settings: HolderSettings
    portal: HospitalPortal = field(repr=False)
    _store: DocumentStore | None = field(default=None, repr=False)

    async def open(self) -> None:
        """Open the store (`<data folder>/holder.db`) and the hospital portal's client."""
        if self._store is None:
            self._store = open_store(self.settings, STORE_NAME)
        await self.portal.open()

    async def aclose(self) -> None:
        await self.portal.aclose()
        if self._store is not None:
            self._store.close()
            self._store = None

    @property
    def store(self) -> DocumentStore:
        if self._store is None:
            raise ConfigurationError("the holder's store is used before the app started")
        return self._store
