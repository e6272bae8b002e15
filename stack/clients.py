"""Typed HTTP clients of the three controllers, as a hospital, a patient's app and a clinic use them.

The demo, the benchmark and the integration tests all drive the network through these, so they read
like the flows they perform:

    url = await hospital.invite("p-1")
    await wallet.accept_invitation(url)
    credential_id = await hospital.issue("p-1", "vaccination", fhir=immunization)

Non-2xx answers raise `ControllerError` carrying the status and the controller's `detail`, and for a
503 the seconds its `Retry-After` asks the caller to wait before trying again.
"""

from __future__ import annotations

from typing import Any

import httpx

from medcred.errors import MedcredError, TimeoutError_

__all__ = ["ControllerError", "HospitalClient", "PatientClient", "VerifierClient", "WalletAdminClient"]

Json = dict[str, Any]


class ControllerError(MedcredError):
    def __init__(self, status_code: int, detail: Any, retry_after: int | None = None) -> None:
        super().__init__(f"{status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail
        self.retry_after = retry_after  # seconds, from a Retry-After header (a 503 while an agent is down)


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdecimal() else None


class _Client:
    def __init__(self, http: httpx.AsyncClient, base_url: str, headers: dict[str, str]) -> None:
        self._http, self._base, self._headers = http, base_url.rstrip("/"), headers

    async def call(self, method: str, path: str, *, json: Any = None, params: Json | None = None,
                   timeout: float = 60.0, headers: dict[str, str] | None = None) -> Any:
        response = await self._http.request(
            method, self._base + path, json=json, params=params, headers=self._headers | (headers or {}),
            timeout=timeout,
        )  # fmt: skip
        if response.is_error:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text[:200]
            raise ControllerError(response.status_code, detail, _retry_after(response))
        return response.json() if response.content else None

    async def download(self, path: str, *, timeout: float = 60.0) -> httpx.Response:
        """GET a document that is not JSON (a file, an SVG); the answer itself, once it is a success."""
        response = await self._http.get(self._base + path, headers=self._headers, timeout=timeout)
        if response.is_error:
            raise ControllerError(response.status_code, response.text[:200], _retry_after(response))
        return response


class HospitalClient(_Client):
    """The issuer controller (staff key)."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, api_key: str) -> None:
        super().__init__(http, base_url, {"X-API-Key": api_key})

    async def put_patient(self, patient_ref: str, patient: Json) -> Json:
        result: Json = await self.call("PUT", f"/patients/{patient_ref}", json=patient)
        return result

    async def invite(self, patient_ref: str) -> str:
        result: Json = await self.call("POST", f"/patients/{patient_ref}/invitation")
        return str(result["invitation_url"])

    async def issue(self, patient_ref: str, kind: str, *, fhir: Json | None = None, expiry: str | None = None,
                    connect_timeout: float = 20.0, health_card: bool = False,
                    idempotency_key: str | None = None) -> str:  # fmt: skip
        """Issue a credential (a vaccination also as a SMART Health Card: `health_card`); waits (bounded)
        while the patient's connection is still being made. The same `idempotency_key` again is the same one."""
        body: Json = {"type": kind, **({"fhir": fhir} if fhir is not None else {}),
                      **({"expiry": expiry} if expiry is not None else {}),
                      **({"health_card": True} if health_card else {})}
        result: Json = await self.call("POST", f"/patients/{patient_ref}/credentials", json=body,
                                       params={"wait_connection": connect_timeout},
                                       headers={"Idempotency-Key": idempotency_key} if idempotency_key else None)
        return str(result["credential_id"])

    async def credentials(self, patient_ref: str | None = None) -> list[Json]:
        """Every credential the hospital issued, or one patient's."""
        params = {"patient_ref": patient_ref} if patient_ref is not None else None
        result: list[Json] = await self.call("GET", "/credentials", params=params)
        return result

    async def credential(self, credential_id: str, wait: float | None = None) -> Json:
        params = {"wait": wait} if wait is not None else None
        result: Json = await self.call("GET", f"/credentials/{credential_id}", params=params)
        return result

    async def wait_issued(self, credential_id: str, timeout: float = 30.0) -> Json:
        view = await self.credential(credential_id, wait=timeout)
        if view["state"] != "done":
            raise TimeoutError_(f"credential {credential_id} ended in state {view['state']}: {view.get('reason')}")
        return view

    async def revoke(self, credential_id: str) -> Json:
        result: Json = await self.call("POST", f"/credentials/{credential_id}/revoke")
        return result


class WalletAdminClient(_Client):
    """The holder controller's staff side: opening patient accounts."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, api_key: str) -> None:
        super().__init__(http, base_url, {"X-API-Key": api_key})

    async def create_patient(self) -> tuple[str, str]:
        result: Json = await self.call("POST", "/patients")
        return str(result["patient_id"]), str(result["token"])


class PatientClient(_Client):
    """One patient's wallet, through the holder controller (bearer token)."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, token: str) -> None:
        super().__init__(http, base_url, {"Authorization": f"Bearer {token}"})

    async def accept_invitation(self, invitation_url: str) -> Json:
        result: Json = await self.call("POST", "/me/invitations", json={"invitation_url": invitation_url})
        return result

    async def credentials(self) -> list[Json]:
        result: list[Json] = await self.call("GET", "/me/credentials")
        return result

    async def proof_requests(self) -> list[Json]:
        result: list[Json] = await self.call("GET", "/me/proof-requests")
        return result

    async def present(self, request_id: str) -> Json:
        result: Json = await self.call("POST", f"/me/proof-requests/{request_id}/present")
        return result

    async def decline(self, request_id: str) -> Json:
        result: Json = await self.call("POST", f"/me/proof-requests/{request_id}/decline")
        return result

    async def grant_consent(self, verifier_did: str, credential_types: list[str], *, reveal: list[str],
                            prove: list[str] | None = None, purpose: str = "care", auto_answer: bool = False,
                            expires_at: str | None = None, expires_in_days: int | None = None) -> Json:
        body: Json = {"verifier_did": verifier_did, "credential_types": credential_types, "reveal": reveal,
                      "prove": prove or [], "purpose": purpose, "auto_answer": auto_answer}
        if expires_at is not None:
            body["expires_at"] = expires_at
        if expires_in_days is not None:
            body["expires_in_days"] = expires_in_days
        result: Json = await self.call("POST", "/me/consents", json=body)
        return result

    async def consents(self) -> list[Json]:
        result: list[Json] = await self.call("GET", "/me/consents")
        return result

    async def withdraw_consent(self, grant_id: str) -> Json:
        result: Json = await self.call("POST", f"/me/consents/{grant_id}/withdraw")
        return result

    async def consent_receipt(self, grant_id: str) -> Json:
        result: Json = await self.call("GET", f"/me/consents/{grant_id}/receipt")
        return result


class VerifierClient(_Client):
    """The clinic's or insurer's verifier controller (staff key)."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, api_key: str) -> None:
        super().__init__(http, base_url, {"X-API-Key": api_key})

    async def did(self) -> str:
        result: Json = await self.call("GET", "/verifier")
        return str(result["did"])

    async def start(self, template: str) -> Json:
        result: Json = await self.call("POST", "/verifications", json={"template": template})
        return result

    async def result(self, verification_id: str, wait: float | None = None) -> Json:
        params = {"wait": wait} if wait is not None else None
        result: Json = await self.call("GET", f"/verifications/{verification_id}", params=params)
        return result
