"""The three controllers' OpenAPI documents say how to authenticate and what every error looks like."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import holder
import issuer
import verifier
from tests.unit.holder.conftest import settings_in
from tests.unit.issuer.conftest import issuer_settings
from tests.unit.verifier.conftest import make_settings

Document = dict[str, Any]

API_KEY = {"type": "apiKey", "in": "header", "name": "X-API-Key"}
PUBLIC = {("get", "/health"), ("get", "/.well-known/jwks.json"), ("get", "/.well-known/crl/{kid}.json"),
          ("post", "/shl/{share_id}"), ("get", "/shl/{share_id}/files/{file_id}"),
          ("get", "/shl/{share_id}/proofs")}  # fmt: skip


def make_app(role: str, folder: Path) -> FastAPI:
    if role == "issuer":
        return issuer.create_app(issuer_settings(folder))
    if role == "holder":
        return holder.create_app(settings_in(folder))
    return verifier.create_app(make_settings(folder))


@pytest.fixture(params=["issuer", "holder", "verifier"])
def document(request: pytest.FixtureRequest, tmp_path: Path) -> Document:
    openapi: Document = make_app(request.param, tmp_path).openapi()
    return openapi


def operations(document: Document) -> list[tuple[str, str, Document]]:
    return [(method, path, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def test_every_kind_of_key_is_a_security_scheme(tmp_path: Path) -> None:
    schemes = {role: make_app(role, tmp_path / role).openapi()["components"]["securitySchemes"]
               for role in ("issuer", "holder", "verifier")}  # fmt: skip
    for role, declared in schemes.items():
        assert {k: v for k, v in declared["StaffKey"].items() if k in API_KEY} == API_KEY, role
        assert {k: v for k, v in declared["WebhookKey"].items() if k in API_KEY} == API_KEY, role
    assert {k: v for k, v in schemes["issuer"]["PortalKey"].items() if k in API_KEY} == API_KEY
    assert schemes["holder"]["PatientToken"]["type"] == "http"
    assert schemes["holder"]["PatientToken"]["scheme"].lower() == "bearer"


def test_every_operation_but_the_public_ones_names_its_scheme_and_its_401(document: Document) -> None:
    for method, path, op in operations(document):
        if (method, path) in PUBLIC:
            assert "security" not in op, (method, path)
            continue
        assert op.get("security"), (method, path)
        assert "401" in op["responses"], (method, path)
    webhooks = document["paths"]["/webhooks/topic/{topic}/"]["post"]
    assert webhooks["security"] == [{"WebhookKey": []}]


def test_the_shared_bounds_and_the_agents_absence_are_documented(document: Document) -> None:
    """Any JSON body may be too deep (400) or too large (413); any call needing the agent may meet it down
    (503 with Retry-After): every operation that can meet them says so."""
    for method, path, op in operations(document):
        if "requestBody" in op:
            assert {"400", "413"} <= set(op["responses"]), (method, path)
        if op.get("security"):
            assert "Retry-After" in op["responses"]["503"]["headers"], (method, path)


def test_every_error_has_the_one_error_body(document: Document) -> None:
    """422 too: an operation that takes input documents it; and one with a body its 400 (unreadable)."""
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["ErrorBody"]["properties"]["detail"]["type"] == "string"
    assert schemas["ErrorBody"]["required"] == ["detail"]
    for method, path, op in operations(document):
        if op.get("parameters") or op.get("requestBody"):
            assert "422" in op["responses"], (method, path)
        if op.get("requestBody"):
            assert "400" in op["responses"], (method, path)
        for status, response in op["responses"].items():
            if status.startswith("2") or (path, status) == ("/health", "503"):
                continue
            body = schemas[response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]]
            assert body["properties"]["detail"] == {"type": "string", "title": "Detail"}, (method, path, status)
            assert "detail" in body["required"], (method, path, status)


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("put", "/patients/{patient_ref}", {"400"}),
        ("post", "/patients/{patient_ref}/credentials", {"400", "404", "409", "502"}),
        ("post", "/patients/{patient_ref}/records", {"400", "404", "413"}),
        ("get", "/credentials", {"400", "404"}),
        ("post", "/portal/patient/shares", {"400", "404", "409"}),
        ("post", "/shl/{share_id}", {"400", "401", "404", "410", "413"}),
        ("get", "/shl/{share_id}/files/{file_id}", {"403", "404", "410"}),
    ],
)
def test_the_issuers_routes_document_their_own_errors(
    tmp_path: Path, method: str, path: str, statuses: set[str]
) -> None:
    op = make_app("issuer", tmp_path).openapi()["paths"][path][method]
    assert statuses <= set(op["responses"])


def test_the_wallets_records_pass_on_the_hospitals_refusals(tmp_path: Path) -> None:
    paths = make_app("holder", tmp_path).openapi()["paths"]
    assert {"409", "4XX", "502"} <= set(paths["/me/records"]["get"]["responses"])
    assert {"400", "409", "502", "504"} <= set(paths["/me/invitations"]["post"]["responses"])


async def test_a_validation_error_answers_the_declared_body(tmp_path: Path) -> None:
    app = make_app("verifier", tmp_path)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://verifier.test") as http:
        response = await http.post("/webhooks/topic/x/", content=b"[]", headers={"X-API-Key": "nope"})
        assert response.status_code == 401 and isinstance(response.json()["detail"], str)
        staff = {"X-API-Key": make_settings(tmp_path).secret("api_key").get_secret_value()}
        response = await http.get("/verifications/x", params={"wait": "soon"}, headers=staff)
    assert response.status_code == 422
    assert response.json() == {
        "detail": "query.wait: Input should be a valid number, unable to parse string as a number"
    }


def _resolved(document: Document, schema: Document) -> Document:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _has_example(document: Document, media: Document) -> bool:
    if media.get("example") is not None or media.get("examples"):
        return True
    schema = _resolved(document, media.get("schema", {}))
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives:
        return all(_has_example(document, {"schema": alternative}) for alternative in alternatives)
    return bool(schema.get("examples")) or schema.get("example") is not None


def test_every_request_body_has_an_example(document: Document) -> None:
    missing = [
        (method, path) for method, path, op in operations(document)
        if "requestBody" in op and not all(
            _has_example(document, media) for media in op["requestBody"].get("content", {}).values()
        )
    ]  # fmt: skip
    assert missing == []


def test_the_credential_examples_are_valid_requests(tmp_path: Path) -> None:
    from issuer.attributes import allergy_attributes, vaccination_attributes
    from issuer.fhir import parse_patient
    from issuer.models import ALLERGY_EXAMPLE, PATIENT_EXAMPLE, VACCINATION_EXAMPLE

    patient = parse_patient(PATIENT_EXAMPLE, today=date(2026, 6, 1))
    assert vaccination_attributes(VACCINATION_EXAMPLE["fhir"], patient)["dose_number"] == "2"
    assert allergy_attributes(ALLERGY_EXAMPLE["fhir"], patient)["criticality"] == "high"
