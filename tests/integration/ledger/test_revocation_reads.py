"""LedgerClient.get_revoked_indices on the session's pool: what it says of registries it does not know.

The indices of a real registry are read in tests/integration/flows/test_revocation.py (the wallet's
revocation check goes through this read)."""

from __future__ import annotations

import secrets

import base58
import pytest

from ledger.client import LedgerClient
from medcred.errors import LedgerError


async def test_a_registry_the_ledger_does_not_know_is_an_error(ledger_client: LedgerClient) -> None:
    did = base58.b58encode(secrets.token_bytes(16)).decode()
    unknown = f"{did}:4:{did}:3:CL:12:default:CL_ACCUM:0"
    with pytest.raises(LedgerError, match="no revocation entry"):
        await ledger_client.get_revoked_indices(unknown)


async def test_a_malformed_registry_id_is_an_error(ledger_client: LedgerClient) -> None:
    with pytest.raises(LedgerError, match="not a revocation registry id"):
        await ledger_client.get_revoked_indices("not-a-registry")
