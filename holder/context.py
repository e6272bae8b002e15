"""What every holder service works with: the settings, the agent link, the store, and tenant views.

Each patient's agent calls go through `context.tenant(patient)`: the admin client acting with that
patient's sub-wallet token, so the agent itself keeps patients apart (another tenant's record is a 404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from agents.admin import AdminClient
from agents.controller import AgentLink
from agents.events import EventWaiter
from holder.models import Patient
from holder.settings import HolderSettings
from medcred.errors import AgentError, AuthenticationError, ConfigurationError
from medcred.store import DocumentStore

__all__ = ["HolderAdminClient", "HolderContext"]

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


@dataclass
class HolderContext:
    settings: HolderSettings
    link: AgentLink
    staff_key: SecretStr
    _store: DocumentStore | None = field(default=None, repr=False)

    def open(self) -> None:
        if self._store is None:
            self._store = DocumentStore(self.settings.folder() / STORE_FILE)

    def close(self) -> None:
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

    def tenant(self, patient: Patient) -> AdminClient:
        """The admin client acting on this patient's sub-wallet only."""
        return self.link.admin.for_tenant(patient.agent_token)
