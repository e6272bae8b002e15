"""What every holder service works with: the settings, the agent link, the store, and tenant views.

    context = HolderContext(settings, link, portal, audit=audit, ledger=...)    # create_app makes it

Each patient's agent calls go through `Tenants.of(patient)` (`context.tenant(patient)`): the admin client
acting with that patient's sub-wallet token, so the agent itself keeps patients apart (another tenant's
record is a 404). The flows' services (`holder.accounts`, `holder.wallet`, `holder.records`,
`holder.disclosures`) take only the pieces they use; the context remains for what the proof requests and
consents share (the store and the requests that arrived).
`context.portal` is the client of the hospital's patient portal (`holder.portal`); it and the store
are opened in the lifespan (`open`, `close`), everything else is given when the context is made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agents.admin import AdminClient
from agents.audit import NO_AUDIT, AuditRecorder
from agents.controller import AgentLink
from agents.events import EventWaiter
from holder.arrivals import ArrivedRequests
from holder.models import Patient
from holder.portal import HospitalPortal
from holder.settings import HolderSettings
from ledger.client import LedgerClient
from medcred.errors import AgentError, AuthenticationError, ConfigurationError
from medcred.store import DocumentStore

__all__ = ["HolderAdminClient", "HolderContext", "Tenants"]

STORE_FILE = "holder.db"


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
    settings: HolderSettings
    link: AgentLink
    portal: HospitalPortal = field(repr=False)
    audit: AuditRecorder = field(default=NO_AUDIT, repr=False)
    # The holder's own ledger client (its audit trail's, once started with anchoring on) or None:
    # revocation checks read the ledger through it (`holder.revocation`).
    ledger: Callable[[], LedgerClient | None] = field(default=lambda: None, repr=False)
    # Proof requests as their webhook brought them, until answered (`holder.arrivals`).
    arrived: ArrivedRequests = field(default_factory=ArrivedRequests, repr=False)
    _store: DocumentStore | None = field(default=None, repr=False)

    async def open(self) -> None:
        """Open the store (`<data folder>/holder.db`) and the hospital portal's client."""
        if self._store is None:
            self._store = DocumentStore(self.settings.folder() / STORE_FILE)
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

    @property
    def events(self) -> EventWaiter:
        return self.link.events

    def tenant(self, patient: Patient) -> HolderAdminClient:
        """The admin client acting on this patient's sub-wallet only."""
        return Tenants(self.link.admin).of(patient)
