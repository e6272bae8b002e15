"""medcred joining an Indy network it did not start (`medcred up --genesis-url`): a second local pool,
started here on its own ports as another operator would (not by medcred's network), whose trustee makes
the operator's steward DID. medcred runs no validators of its own; the steward's seed registers the
hospital's ENDORSER DID and every service's DIDs; a vaccination is issued, verified and, once revoked,
refused, all on that pool.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr

from holder import HolderSettings
from issuer import IssuerSettings
from ledger.client import LedgerClient
from ledger.identity import Role, Signer, normalise_seed
from ledger.pool import LocalPool
from ledger.settings import VON_TRUSTEE_SEED, LedgerSettings
from medcred import samples
from medcred.errors import ConfigurationError
from stack.clients import ControllerError, PatientClient
from stack.network import MedcredNetwork
from tests.integration.second_network import TAILS_PORT, role_settings
from verifier import VerifierSettings

OTHER_BASE_PORT = 9860  # the other operator's validators: 9861-9868
@pytest_asyncio.fixture
async def other_pool(tmp_path: Path) -> AsyncIterator[LocalPool]:
    pool = LocalPool(LedgerSettings(data_dir=tmp_path / "their-ledger", base_port=OTHER_BASE_PORT))
    await pool.start()
    try:
        yield pool
    finally:
        await pool.stop()


async def steward_seed(pool: LocalPool) -> str:
    """The other operator makes a steward DID for us with its trustee; we get only its seed."""
    trustee = Signer.from_seed(normalise_seed(pool.settings.trustee_seed.get_secret_value()))
    seed = secrets.token_hex(16)
    steward = Signer.from_seed(normalise_seed(seed))
    client = await LedgerClient.open(pool.genesis_path, trustee)
    try:
        await client.register_nym(steward.did, steward.verkey, "medcred operator", Role.STEWARD)
    finally:
        client.close()
    return seed


async def test_medcred_issues_verifies_and_revokes_on_a_network_it_did_not_start(
    other_pool: LocalPool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDCRED_TAILS_PORT", str(TAILS_PORT))
    seed = await steward_seed(other_pool)
    home = tmp_path / "medcred"
    network = MedcredNetwork(
        home, genesis=str(other_pool.genesis_path), endorser_seed=SecretStr(seed),
        issuer=role_settings(IssuerSettings, "issuer", records_kek=SecretStr(secrets.token_bytes(32).hex())),
        holder=role_settings(HolderSettings, "holder"), verifier=role_settings(VerifierSettings, "verifier"),
    )  # fmt: skip
    assert not network.ledger.validators
    async with network, httpx.AsyncClient(timeout=60) as http:
        assert not network.ledger.pool.exists()  # no validators, no pool of our own
        staff = network.staff_clients(http)
        hospital, wallets, clinic = staff.hospital, staff.wallets, staff.clinic
        ref = f"other-{secrets.token_hex(4)}"
        await hospital.put_patient(ref, samples.patient(ref))
        _, token = await wallets.create_patient()
        wallet = PatientClient(http, network.holder.url, token)
        await wallet.accept_invitation(await hospital.invite(ref))
        credential_id = await hospital.issue(ref, "vaccination", fhir=samples.immunization(ref, dose=2))
        await hospital.wait_issued(credential_id)

        async def check() -> dict[str, object]:
            started = await clinic.start("vaccination-status")
            accepted = await wallet.accept_invitation(started["invitation_url"])
            try:  # the wallet refuses to present a revoked credential, and tells the clinic why
                await wallet.present(accepted["proof_request_id"])
            except ControllerError as exc:
                assert exc.status_code == 409, exc
            return await clinic.result(started["verification_id"], wait=30)

        assert (await check())["state"] == "verified"
        await hospital.revoke(credential_id)
        refused = await check()
        assert refused["state"] == "failed" and "revoked" in str(refused["reason"]), refused

        # The hospital's DID is an ENDORSER on their pool, written by our steward: read it back there.
        issuer_did = (await hospital.call("GET", "/issuer"))["did"]
        reader = await LedgerClient.open(other_pool.genesis_path, Signer.from_seed(normalise_seed(seed)))
        try:
            nym = await reader.get_nym(issuer_did.rsplit(":", 1)[-1])
        finally:
            reader.close()
        assert nym is not None and nym["role"] == "101"  # ENDORSER


async def test_joining_another_network_refuses_what_cannot_work(tmp_path: Path) -> None:
    genesis = str(tmp_path / "their-genesis.txn")  # read only at start: these are refused before
    with pytest.raises(ConfigurationError, match="MEDCRED_LEDGER_ENDORSER_SEED"):
        MedcredNetwork(tmp_path / "a", genesis=genesis)
    # The well-known development trustee seed writes on medcred's own pool only, never on another network.
    with pytest.raises(ConfigurationError, match="development trustee seed"):
        MedcredNetwork(tmp_path / "b", genesis=genesis, endorser_seed=SecretStr(VON_TRUSTEE_SEED))
