"""A typed client of one ACA-Py agent's admin API: one thin helper per route the roles use.

Each helper names its ACA-Py 1.7 route and returns the agent's parsed answer; every call goes through
`AdminTransport.request()` (`agents.admin_transport`: authentication, error translation). An answer of
an unexpected shape is an `AgentError` too. For a multitenant sub-wallet, use `admin.for_tenant(token)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, SecretStr

from agents.admin_transport import AdminTransport, Secret, reveal, segment
from medcred.errors import AgentError

__all__ = ["CRED_PREVIEW_TYPE", "DIDEXCHANGE_1_1", "AdminClient", "SubWallet"]

DIDEXCHANGE_1_1 = "https://didcomm.org/didexchange/1.1"
CRED_PREVIEW_TYPE = "issue-credential/2.0/credential-preview"

type Json = dict[str, Any]


def _without_none(values: Mapping[str, Any]) -> Json:
    return {key: value for key, value in values.items() if value is not None}


class SubWallet(BaseModel):
    """A multitenant sub-wallet: its id and the bearer token its calls carry."""

    wallet_id: str
    token: SecretStr


class AdminClient(AdminTransport):
    """The admin API of one agent: `async with AdminClient(url, key) as admin: ...`."""

    async def _object(self, method: str, path: str, key: str | None = None, **kwargs: Any) -> Json:
        answer = await self.request(method, path, **kwargs)
        if key is not None and isinstance(answer, dict):
            answer = answer.get(key)
        if not isinstance(answer, dict):
            raise AgentError(f"agent answered {method} {path} without the expected object")
        return answer

    async def _list(self, method: str, path: str, key: str | None = None, **kwargs: Any) -> list[Any]:
        async with self.lists:  # a scan on the agent: a second connection of its pool (LISTS_AT_ONCE)
            answer = await self.request(method, path, **kwargs)
        if key is not None and isinstance(answer, dict):
            answer = answer.get(key)
        if not isinstance(answer, list):
            raise AgentError(f"agent answered {method} {path} without the expected list")
        return answer

    # -- server ------------------------------------------------------------------------------------

    async def status(self) -> Json:
        """GET /status"""
        return await self._object("GET", "/status")

    async def status_ready(self) -> bool:
        """GET /status/ready (open without a key): False while starting, or if unreachable."""
        try:
            return (await self._object("GET", "/status/ready")).get("ready") is True
        except AgentError:
            return False

    # -- connections -------------------------------------------------------------------------------

    async def create_oob_invitation(
        self,
        *,
        alias: str | None = None,
        my_label: str | None = None,
        handshake: bool = True,
        attachments: list[Json] | None = None,
        use_public_did: bool = False,
        multi_use: bool = False,
        auto_accept: bool = True,
        goal_code: str | None = None,
        goal: str | None = None,
    ) -> Json:
        """POST /out-of-band/create-invitation: the record, with `invitation` and `invitation_url`.

        `attachments=[{"id": pres_ex_id, "type": "present-proof"}]` with `handshake=False` carries a
        proof request without making a connection.
        """
        body = _without_none({
            "alias": alias, "my_label": my_label, "attachments": attachments, "goal_code": goal_code,
            "goal": goal, "use_public_did": use_public_did,
            "handshake_protocols": [DIDEXCHANGE_1_1] if handshake else None,
        })  # fmt: skip
        params = {"multi_use": multi_use, "auto_accept": auto_accept}
        return await self._object("POST", "/out-of-band/create-invitation", json=body, params=params)

    async def receive_invitation(
        self,
        invitation: Mapping[str, Any],
        *,
        alias: str | None = None,
        auto_accept: bool = True,
        use_existing_connection: bool = True,
    ) -> Json:
        """POST /out-of-band/receive-invitation: the OOB record (with `connection_id` once there is one)."""
        params = {"alias": alias, "auto_accept": auto_accept, "use_existing_connection": use_existing_connection}
        return await self._object("POST", "/out-of-band/receive-invitation", json=dict(invitation), params=params)

    async def delete_oob_invitation(self, invi_msg_id: str) -> None:
        """DELETE /out-of-band/invitations/{invi_msg_id}: the invitation's OOB record, and any connection
        made from it. ACA-Py itself never removes the record of an invitation that carries a request."""
        await self.request("DELETE", f"/out-of-band/invitations/{segment(invi_msg_id)}")

    async def get_connection(self, conn_id: str) -> Json:
        """GET /connections/{conn_id}"""
        return await self._object("GET", f"/connections/{segment(conn_id)}")

    # -- wallet ------------------------------------------------------------------------------------

    async def wallet_did_public(self) -> Json | None:
        """GET /wallet/did/public: the public DID's info, or None if there is none."""
        answer = await self._object("GET", "/wallet/did/public")
        result = answer.get("result")
        return result if isinstance(result, dict) else None

    async def create_wallet_did(self, method: str = "key", key_type: str = "ed25519") -> Json:
        """POST /wallet/did/create: the new DID's info (`did`, `verkey`, ...)."""
        body = {"method": method, "options": {"key_type": key_type}}
        return await self._object("POST", "/wallet/did/create", "result", json=body)

    async def wallet_dids(self) -> list[Json]:
        """GET /wallet/did"""
        return await self._list("GET", "/wallet/did", "results")

    # -- anoncreds: schemas, credential definitions, revocation ------------------------------------

    async def anoncreds_create_schema(self, issuer_id: str, name: str, version: str, attr_names: list[str]) -> Json:
        """POST /anoncreds/schema: the result, with `schema_state.schema_id`."""
        body = {"schema": {"issuerId": issuer_id, "name": name, "version": version, "attrNames": attr_names}}
        return await self._object("POST", "/anoncreds/schema", json=body)

    async def anoncreds_get_schemas(
        self, *, issuer_id: str | None = None, name: str | None = None, version: str | None = None
    ) -> list[str]:
        """GET /anoncreds/schemas: the ids of the schemas this agent created."""
        params = {"schema_issuer_id": issuer_id, "schema_name": name, "schema_version": version}
        return await self._list("GET", "/anoncreds/schemas", "schema_ids", params=params)

    async def anoncreds_create_cred_def(
        self,
        issuer_id: str,
        schema_id: str,
        tag: str,
        *,
        support_revocation: bool = True,
        revocation_registry_size: int | None = None,
        wait_for_revocation_setup: bool = True,
    ) -> Json:
        """POST /anoncreds/credential-definition: the result, with `credential_definition_state`."""
        options = _without_none(
            {"support_revocation": support_revocation, "revocation_registry_size": revocation_registry_size}
        )
        body = {
            "credential_definition": {"issuerId": issuer_id, "schemaId": schema_id, "tag": tag},
            "options": options,
            "wait_for_revocation_setup": wait_for_revocation_setup,
        }
        return await self._object("POST", "/anoncreds/credential-definition", json=body)

    async def anoncreds_get_cred_defs(
        self,
        *,
        issuer_id: str | None = None,
        schema_id: str | None = None,
        schema_name: str | None = None,
        schema_version: str | None = None,
    ) -> list[str]:
        """GET /anoncreds/credential-definitions: the ids of the definitions this agent created."""
        params = {"issuer_id": issuer_id, "schema_id": schema_id, "schema_name": schema_name,
                  "schema_version": schema_version}  # fmt: skip
        return await self._list("GET", "/anoncreds/credential-definitions", "credential_definition_ids", params=params)

    async def active_revocation_registry(self, cred_def_id: str) -> Json:
        """GET /anoncreds/revocation/active-registry/{cred_def_id}: NotFoundError until it is set up."""
        return await self._object("GET", f"/anoncreds/revocation/active-registry/{segment(cred_def_id)}", "result")

    async def revoke(
        self,
        *,
        cred_ex_id: str | None = None,
        rev_reg_id: str | None = None,
        cred_rev_id: str | None = None,
        comment: str | None = None,
    ) -> None:
        """POST /anoncreds/revocation/revoke, published at once (by cred_ex_id, or rev_reg_id + cred_rev_id)."""
        body = _without_none({
            "cred_ex_id": cred_ex_id, "rev_reg_id": rev_reg_id, "cred_rev_id": cred_rev_id,
            "comment": comment, "publish": True, "notify": False,
        })  # fmt: skip
        await self.request("POST", "/anoncreds/revocation/revoke", json=body)

    # -- issue-credential 2.0 ----------------------------------------------------------------------

    async def issue_credential_send_offer(
        self,
        connection_id: str,
        cred_def_id: str,
        attributes: Mapping[str, str],
        *,
        comment: str | None = None,
        auto_issue: bool = True,
        auto_remove: bool = False,
    ) -> Json:
        """POST /issue-credential-2.0/send-offer with the `anoncreds` filter: the exchange record."""
        body = _without_none({
            "connection_id": connection_id,
            "filter": {"anoncreds": {"cred_def_id": cred_def_id}},
            "credential_preview": {
                "@type": CRED_PREVIEW_TYPE,
                "attributes": [{"name": name, "value": value} for name, value in attributes.items()],
            },
            "comment": comment, "auto_issue": auto_issue, "auto_remove": auto_remove,
        })  # fmt: skip
        return await self._object("POST", "/issue-credential-2.0/send-offer", json=body)

    async def issue_credential_records(self, connection_id: str, role: str = "issuer") -> list[Json]:
        """GET /issue-credential-2.0/records on one connection: each `cred_ex_record` plus its details."""
        return await self._list("GET", "/issue-credential-2.0/records", "results",
                                params={"connection_id": connection_id, "role": role})  # fmt: skip

    async def issue_credential_record(self, cred_ex_id: str) -> Json:
        """GET /issue-credential-2.0/records/{cred_ex_id}: `cred_ex_record` plus one detail per format."""
        return await self._object("GET", f"/issue-credential-2.0/records/{segment(cred_ex_id)}")

    # -- holder ------------------------------------------------------------------------------------

    async def credentials(self, count: int = 100, offset: int = 0, wql: str | None = None) -> list[Json]:
        """GET /credentials (the agent returns 10 unless told how many)."""
        params = {"limit": count, "offset": offset, "wql": wql}
        return await self._list("GET", "/credentials", "results", params=params)

    async def credential_revoked(self, cred_id: str) -> bool:
        """GET /credential/revoked/{credential_id}"""
        return (await self._object("GET", f"/credential/revoked/{segment(cred_id)}")).get("revoked") is True

    # -- present-proof 2.0 -------------------------------------------------------------------------

    async def present_proof_create_request(
        self,
        anoncreds_request: Mapping[str, Any],
        *,
        auto_verify: bool = True,
        auto_remove: bool = False,
        comment: str | None = None,
    ) -> Json:
        """POST /present-proof-2.0/create-request (no connection: for an OOB invitation): the record."""
        body = _without_none({
            "presentation_request": {"anoncreds": dict(anoncreds_request)},
            "auto_verify": auto_verify, "auto_remove": auto_remove, "comment": comment,
        })  # fmt: skip
        return await self._object("POST", "/present-proof-2.0/create-request", json=body)

    async def present_proof_record(self, pres_ex_id: str) -> Json:
        """GET /present-proof-2.0/records/{pres_ex_id}"""
        return await self._object("GET", f"/present-proof-2.0/records/{segment(pres_ex_id)}")

    async def present_proof_records(
        self,
        *,
        state: str | None = None,
        role: str | None = None,
        connection_id: str | None = None,
        thread_id: str | None = None,
        limit: int = 100,
    ) -> list[Json]:
        """GET /present-proof-2.0/records"""
        params = {"state": state, "role": role, "connection_id": connection_id, "thread_id": thread_id,
                  "limit": limit}  # fmt: skip
        return await self._list("GET", "/present-proof-2.0/records", "results", params=params)

    async def present_proof_credentials_for_request(self, pres_ex_id: str, count: int = 100) -> list[Json]:
        """GET /present-proof-2.0/records/{pres_ex_id}/credentials: candidates, each with its referents."""
        path = f"/present-proof-2.0/records/{segment(pres_ex_id)}/credentials"
        return await self._list("GET", path, params={"limit": count})

    async def present_proof_send_presentation(self, pres_ex_id: str, body: Mapping[str, Any]) -> Json:
        """POST /present-proof-2.0/records/{pres_ex_id}/send-presentation; body `{"anoncreds": {...}}`."""
        path = f"/present-proof-2.0/records/{segment(pres_ex_id)}/send-presentation"
        return await self._object("POST", path, json=dict(body))

    async def present_proof_problem_report(self, pres_ex_id: str, description: str) -> None:
        """POST /present-proof-2.0/records/{pres_ex_id}/problem-report (the holder declines)."""
        path = f"/present-proof-2.0/records/{segment(pres_ex_id)}/problem-report"
        await self.request("POST", path, json={"description": description})

    # -- multitenancy ------------------------------------------------------------------------------

    async def multitenancy_create_wallet(
        self,
        wallet_name: str,
        wallet_key: Secret,
        *,
        label: str,
        wallet_type: str = "askar-anoncreds",
        webhook_urls: list[str] | None = None,
        key_derivation: str | None = None,
    ) -> SubWallet:
        """POST /multitenancy/wallet (managed key); `key_derivation="RAW"` with a random 32-byte key.

        Without `webhook_urls` the sub-wallet's webhooks go to the agent's own URL, with `x-wallet-id`.
        """
        body = _without_none({
            "wallet_name": wallet_name, "wallet_key": reveal(wallet_key), "wallet_type": wallet_type,
            "key_management_mode": "managed", "label": label, "wallet_webhook_urls": webhook_urls,
            "wallet_dispatch_type": "default" if webhook_urls else None, "wallet_key_derivation": key_derivation,
        })  # fmt: skip
        answer = await self._object("POST", "/multitenancy/wallet", json=body)
        if not isinstance(answer.get("wallet_id"), str) or not isinstance(answer.get("token"), str):
            raise AgentError("agent created a sub-wallet but answered without its id or token")
        return SubWallet(wallet_id=answer["wallet_id"], token=SecretStr(answer["token"]))

    async def multitenancy_wallet_token(self, wallet_id: str, wallet_key: Secret | None = None) -> SecretStr:
        """POST /multitenancy/wallet/{wallet_id}/token: a new token (the previous one stops working)."""
        body = {"wallet_key": reveal(wallet_key)} if wallet_key is not None else {}
        answer = await self._object("POST", f"/multitenancy/wallet/{segment(wallet_id)}/token", json=body)
        if not isinstance(answer.get("token"), str):
            raise AgentError("agent answered a token request without a token")
        return SecretStr(answer["token"])
