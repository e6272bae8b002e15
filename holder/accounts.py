"""Patient accounts: one ACA-Py sub-wallet each, and a bearer token that only the patient holds.

The token is `secrets.token_urlsafe(32)`, returned once; the store keeps its SHA-256 only. A token is
found by its digest (an attacker cannot steer a lookup by a digest) and then compared with the stored
digest in constant time. The sub-wallet's agent token and its RAW key are kept in the store (0600, in
the data folder); a production deployment would keep them in a KMS.

Sub-wallets use a RAW key (base58 of 32 random bytes, askar's `Store.generate_raw_key()` format) rather
than a passphrase: Argon2 derivation costs +128 MB and ~0.5 s on every open, RAW ~15 ms (docs/ACAPY.md).
No `wallet_webhook_urls` are given, so ACA-Py dispatches the sub-wallet's webhooks to the agent's own
`--webhook-url` (with its key) and names the sub-wallet in `x-wallet-id`.

    accounts = AccountService(admin, store, label)    # create_app makes it; `store()` is opened in the lifespan
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import base58
from pydantic import SecretStr

from agents.admin import AdminClient
from holder.models import Patient, PatientCreated
from medcred.errors import AuthenticationError
from medcred.store import DocumentStore
from medcred.web import secrets_match

__all__ = ["AccountService", "new_raw_key", "token_digest"]

log = logging.getLogger(__name__)

PATIENTS = "patients"
TOKENS = "patient_tokens"  # token digest -> patient id
WALLETS = "patient_wallets"  # sub-wallet id -> patient id (webhooks name the sub-wallet only)
TOKEN_FORMAT = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def new_raw_key() -> SecretStr:
    """A sub-wallet key for `wallet_key_derivation: "RAW"`: base58 of 32 random bytes."""
    return SecretStr(base58.b58encode(secrets.token_bytes(32)).decode())


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    def __init__(self, admin: AdminClient, store: Callable[[], DocumentStore], label: str) -> None:
        """`admin`: the agent's own admin client (it creates sub-wallets); `store()`: the holder's store,
        opened in the lifespan; `label`: the sub-wallets' label."""
        self._admin = admin
        self._store = store
        self._label = label

    async def open_account(self) -> PatientCreated:
        """Create the patient's sub-wallet on the agent and the account that holds its keys."""
        patient_id = str(uuid.uuid4())
        wallet_key = new_raw_key()
        sub_wallet = await self._admin.multitenancy_create_wallet(
            f"patient-{patient_id}", wallet_key, label=self._label, key_derivation="RAW"
        )
        token = secrets.token_urlsafe(32)
        patient = Patient(
            patient_id=patient_id,
            wallet_id=sub_wallet.wallet_id,
            token_sha256=token_digest(token),
            agent_token=sub_wallet.token,
            wallet_key=wallet_key,
            created_at=datetime.now(UTC),
        )
        store = self._store()
        store.put(PATIENTS, patient_id, patient.to_document())
        store.put(TOKENS, patient.token_sha256, {"patient_id": patient_id})
        store.put(WALLETS, patient.wallet_id, {"patient_id": patient_id})
        log.info("patient %s opened with sub-wallet %s", patient_id, sub_wallet.wallet_id)
        return PatientCreated(patient_id=patient_id, token=token)

    def authenticate(self, token: str | None) -> Patient:
        """The patient whose bearer token this is; `AuthenticationError` if missing, malformed or unknown."""
        if not token or not TOKEN_FORMAT.fullmatch(token):
            raise AuthenticationError("missing or malformed bearer token")
        digest = token_digest(token)
        store = self._store()
        entry = store.get(TOKENS, digest)
        document = store.get(PATIENTS, str(entry.get("patient_id"))) if entry else None
        if document is None or not secrets_match(digest, str(document.get("token_sha256", ""))):
            raise AuthenticationError("unknown bearer token")
        return Patient.model_validate(document)

    def patient(self, patient_id: str) -> Patient:
        """The patient of a signed-in wallet session (`holder.pages`); 401 if the account is gone."""
        document = self._store().get(PATIENTS, patient_id)
        if document is None:
            raise AuthenticationError("this wallet no longer exists; please sign in again")
        return Patient.model_validate(document)

    def patient_for_wallet(self, wallet_id: str) -> Patient | None:
        """The patient whose sub-wallet this is (accounts older than the index are found once, then indexed)."""
        store = self._store()
        entry = store.get(WALLETS, wallet_id)
        if entry is not None:
            document = store.get(PATIENTS, str(entry.get("patient_id")))
            return Patient.model_validate(document) if document is not None else None
        for patient_id, document in store.all(PATIENTS):
            if document.get("wallet_id") == wallet_id:
                store.put(WALLETS, wallet_id, {"patient_id": patient_id})
                return Patient.model_validate(document)
        return None
