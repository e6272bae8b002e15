"""Consent receipts signed by a real ACA-Py 1.7 agent, verified without it (`holder.receipts.verify_receipt`).

The agent is multitenant like the holder's, without a ledger (a did:key needs none), on free ports in the
test's own folder; the fixture always stops it. Each patient is an askar-anoncreds sub-wallet.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest

from agents.config import AgentConfig
from agents.process import AgentProcess
from holder import HolderSettings, create_app
from holder.context import HolderAdminClient
from holder.receipts import GRANT, TYP, verify_receipt
from medcred.errors import AgentError, InvalidInputError
from tests.integration.agents.test_agent_process import ADMIN_KEY, make_config

pytestmark = pytest.mark.integration

JWT_SECRET = "integration-jwt-secret-41d7"
VERIFIER = "EWWExmvTPTTaet8ipxYg3T"


@pytest.fixture
def config(tmp_path: Path) -> AgentConfig:
    return make_config(tmp_path / "agent", multitenant=True, jwt_secret=JWT_SECRET)


def part(token: str, index: int) -> dict[str, object]:
    encoded = token.split(".")[index]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    return decoded


def tampered(token: str, claims: dict[str, object]) -> str:
    header, _, signature = token.split(".")
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{payload}.{signature}"


async def test_a_sub_wallets_did_key_signs_a_receipt_anyone_can_check(agent: AgentProcess, config: AgentConfig) -> None:
    async with HolderAdminClient(config.admin_url, ADMIN_KEY) as admin:
        wallet = await admin.multitenancy_create_wallet("patient-1", "patient-key-1", label="medcred wallet")
        tenant = admin.for_tenant(wallet.token)
        did = (await tenant.create_wallet_did(method="key", key_type="ed25519"))["did"]
        assert did.startswith("did:key:z6Mk")
        claims = {"type": GRANT, "grant_id": "g-1", "patient": did, "verifier_did": VERIFIER,
                  "credential_types": ["vaccination"], "reveal": ["vaccine_code"], "prove": ["dose_number"],
                  "purpose": "school", "iat": 1778328000, "exp": 1780920000}  # fmt: skip
        token = await tenant.wallet_jwt_sign(did, claims, {"typ": TYP})
        assert part(token, 0) == {"typ": TYP, "alg": "EdDSA", "kid": f"{did}#{did.removeprefix('did:key:')}"}
        assert verify_receipt(token) == claims
        assert (await tenant.request("POST", "/wallet/jwt/verify", json={"jwt": token}))["valid"] is True

        forged = tampered(token, {**claims, "reveal": ["vaccine_code", "lot_number"]})
        with pytest.raises(InvalidInputError, match="signature does not verify"):
            verify_receipt(forged)
        assert (await tenant.request("POST", "/wallet/jwt/verify", json={"jwt": forged}))["valid"] is False

        other = await admin.multitenancy_create_wallet("patient-2", "patient-key-2", label="medcred wallet")
        with pytest.raises(AgentError):  # another sub-wallet cannot sign with the patient's key (ACA-Py: 500)
            await admin.for_tenant(other.token).wallet_jwt_sign(did, claims, {"typ": TYP})


async def test_the_holder_controller_grants_and_withdraws_with_real_receipts(
    agent: AgentProcess, config: AgentConfig, tmp_path: Path
) -> None:
    settings = HolderSettings(
        data_dir=tmp_path / "holder", api_key="staff-key", agent_admin_api_key=ADMIN_KEY,  # type: ignore[arg-type]
        agent_admin_port=config.admin_port, agent_inbound_port=config.inbound_port,
        audit_anchoring=False,  # this agent runs without a ledger
    )  # fmt: skip
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://holder") as http:
            token = (await http.post("/patients", headers={"X-API-Key": "staff-key"})).json()["token"]
            me = {"Authorization": f"Bearer {token}"}
            body = {"verifier_did": f"did:sov:{VERIFIER}", "credential_types": ["vaccination"],
                    "reveal": ["vaccine_code", "occurrence_date"], "prove": ["dose_number"],
                    "purpose": "school enrolment", "expires_in_days": 7}  # fmt: skip
            response = await http.post("/me/consents", json=body, headers=me)
            assert response.status_code == 201, response.text
            granted = response.json()
            claims = verify_receipt(granted["receipt"])
            assert claims["patient"] == granted["patient_did"] and claims["grant_id"] == granted["grant_id"]
            response = await http.post(f"/me/consents/{granted['grant_id']}/withdraw", headers=me)
            assert response.status_code == 200, response.text
            withdrawal = verify_receipt(response.json()["withdrawal_receipt"])
            assert withdrawal["type"] == "medcred-consent-withdrawal"
            assert withdrawal["patient"] == granted["patient_did"]
