"""FHIR out: a finished verification (an AnonCreds proof, or SMART Health Cards) as a FHIR R4 Bundle with a
Provenance, valid under fhir.resources, carrying only what was revealed or signed; 404 unknown, 409 not
verified; through GET /verifications/{id}/fhir and GET /health-cards/verifications/{id}/fhir."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from medcred.errors import ConflictError
from tests.unit.verifier.conftest import STAFF, Verifier
from tests.unit.verifier.presentations import record, webhook
from tests.unit.verifier.test_health_cards import EXAMPLE_ISS, EXAMPLE_JWS, clinic, our_card  # noqa: F401 (fixture)
from verifier.fhir_out import card_bundle, proof_bundle
from verifier.fhir_out.resources import METHOD_SYSTEM, PROVEN_EXTENSION
from verifier.health_cards.models import CardImmunizationView, CardIssuerView, CardResult, CardVerification
from verifier.models import Verification, VerificationState

ISSUER = "Th7MpTaRZVRYnPiabds81Y"
CHECKED = datetime(2026, 5, 9, 12, 0, tzinfo=UTC)
FHIR_JSON = "application/fhir+json"


def verification(template: str, revealed: dict[str, str], predicates: list[str], **changes: Any) -> Verification:
    fields: dict[str, Any] = {
        "verification_id": "v-1", "template": template, "pres_ex_id": "p-1", "created_at": CHECKED - timedelta(1),
        "expires_at": CHECKED, "state": VerificationState.VERIFIED, "verified": True, "completed_at": CHECKED,
        "revealed": revealed, "predicates": predicates, "issuer_did": ISSUER,
    }  # fmt: skip
    return Verification(**(fields | changes))


def resources(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The bundle checked by fhir.resources, then its resources by type."""
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        assert entry["fullUrl"].startswith("urn:uuid:")
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def roles(provenance: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {agent["type"]["coding"][0]["code"]: agent["who"] for agent in provenance["agent"]}


def test_a_vaccination_proof_is_an_immunization_of_the_revealed_values_and_a_provenance() -> None:
    bundle = proof_bundle(verification("vaccination-status", {"vaccine_code": "207", "occurrence_date": "2026-01-15"},
                                       ["dose_number >= 2"]), verifier="Riverside Clinic")  # fmt: skip
    found = resources(bundle)
    assert set(found) == {"Immunization", "Provenance"}
    (immunization,) = found["Immunization"]
    assert immunization == {
        "resourceType": "Immunization", "status": "completed", "vaccineCode": {"coding": [{"code": "207"}]},
        "occurrenceDateTime": "2026-01-15", "patient": {"display": "the holder of the credential (not revealed)"},
    }  # fmt: skip
    (provenance,) = found["Provenance"]
    assert provenance["target"] == [{"reference": bundle["entry"][0]["fullUrl"]}]
    assert provenance["recorded"] == "2026-05-09T12:00:00+00:00"
    assert provenance["activity"]["coding"][0] == {"system": METHOD_SYSTEM, "code": "anoncreds-proof",
                                                   "display": "AnonCreds zero-knowledge proof"}  # fmt: skip
    assert roles(provenance) == {"author": {"display": ISSUER, "identifier": {"system": "urn:ietf:rfc:3986",
                                                                              "value": ISSUER}},
                                 "verifier": {"display": "Riverside Clinic"}}  # fmt: skip
    assert provenance["extension"] == [{"url": PROVEN_EXTENSION, "valueString": "dose_number >= 2"}]


def test_an_allergy_proof_is_an_allergy_intolerance_and_an_eligibility_proof_a_patient_identifier() -> None:
    allergy = resources(proof_bundle(verification("allergy-check", {"substance_code": "227493005",
                                                                    "criticality": "high"}, []), verifier="C"))
    assert allergy["AllergyIntolerance"] == [{"resourceType": "AllergyIntolerance", "criticality": "high",
                                             "code": {"coding": [{"code": "227493005"}]},
                                             "patient": {"display": "the holder of the credential (not revealed)"}}]
    assert "extension" not in allergy["Provenance"][0]
    eligible = resources(proof_bundle(verification("insurance-eligibility", {"health_id_number": "HN-1234"},
                                                   ["age >= 18", "not expired"]), verifier="C"))  # fmt: skip
    assert eligible["Patient"] == [{"resourceType": "Patient", "identifier": [{"value": "HN-1234"}]}]
    assert [e["valueString"] for e in eligible["Provenance"][0]["extension"]] == ["age >= 18", "not expired"]


def test_revealed_values_that_are_not_fhir_primitives_become_text_and_the_bundle_stays_valid() -> None:
    odd = verification("allergy-check", {"substance_code": "  two  spaces ", "criticality": "fatal"}, [])
    (allergy,) = resources(proof_bundle(odd, verifier="C"))["AllergyIntolerance"]
    assert allergy["code"] == {"text": "two  spaces"} and "criticality" not in allergy
    (immunization,) = resources(proof_bundle(verification(
        "vaccination-status", {"vaccine_code": "207", "occurrence_date": "15/01/2026"}, []), verifier="C"
    ))["Immunization"]  # fmt: skip
    assert immunization["occurrenceString"] == "15/01/2026" and "occurrenceDateTime" not in immunization
    (unknown,) = resources(proof_bundle(verification("vaccination-status", {}, [], issuer_did=None),
                                        verifier="C"))["Provenance"]  # fmt: skip
    assert roles(unknown)["author"] == {"display": "issuer not known"}


@pytest.mark.parametrize("state", [VerificationState.PENDING, VerificationState.FAILED, VerificationState.DECLINED])
def test_a_verification_not_verified_has_no_fhir(state: VerificationState) -> None:
    with pytest.raises(ConflictError, match=f"is {state}, not verified"):
        proof_bundle(verification("vaccination-status", {}, [], state=state), verifier="C")


def card_result(**changes: Any) -> CardResult:
    dose = CardImmunizationView(vaccine_system="http://hl7.org/fhir/sid/cvx", vaccine_code="207",
                                date="2021-01-01", lot_number="0000001", performer="ABC General Hospital")
    fields: dict[str, Any] = {"verified": True, "issuer": CardIssuerView(iss=EXAMPLE_ISS, name="Example issuer"),
                              "patient_name": "John B. Anyperson", "patient_birth_date": "1951-01-20",
                              "immunizations": [dose, dose.model_copy(update={"date": "2021-01-29"})]}  # fmt: skip
    return CardResult(**(fields | changes))


def test_verified_cards_are_their_patients_and_immunizations_with_a_provenance_each() -> None:
    refused = CardResult(verified=False, reason="revoked", detail="revoked", patient_name="Not Exported")
    cards = CardVerification(verification_id="c-1", checked_at=CHECKED,
                             results=[card_result(), refused, card_result(patient_name="Ada Ng", immunizations=[])])
    bundle = card_bundle(cards, verifier="Riverside Clinic")
    found = resources(bundle)
    assert [p.get("name") for p in found["Patient"]] == [[{"text": "John B. Anyperson"}], [{"text": "Ada Ng"}]]
    assert "Not Exported" not in json.dumps(bundle)
    first = bundle["entry"][0]["fullUrl"]
    assert found["Immunization"][0] == {
        "resourceType": "Immunization", "status": "completed", "patient": {"reference": first},
        "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "207"}]},
        "occurrenceDateTime": "2021-01-01", "lotNumber": "0000001",
        "performer": [{"actor": {"display": "ABC General Hospital"}}],
    }  # fmt: skip
    provenances = found["Provenance"]
    assert len(provenances) == 2 and len(provenances[0]["target"]) == 3 and len(provenances[1]["target"]) == 1
    assert provenances[0]["activity"]["coding"][0]["code"] == "smart-health-card"
    assert roles(provenances[0])["author"] == {"display": "Example issuer",
                                               "identifier": {"system": "urn:ietf:rfc:3986", "value": EXAMPLE_ISS}}
    with pytest.raises(ConflictError, match="verified no card"):
        card_bundle(cards.model_copy(update={"results": [refused]}), verifier="C")


async def test_the_spec_example_cards_verification_is_fetched_as_fhir(clinic: Verifier) -> None:  # noqa: F811
    verified = await clinic.http.post("/health-cards/verify", json={"shc": EXAMPLE_JWS}, headers=STAFF)
    assert verified.status_code == 200 and verified.json()["results"][0]["verified"], verified.text
    vid = verified.json()["verification_id"]
    response = await clinic.http.get(f"/health-cards/verifications/{vid}/fhir", headers=STAFF)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == FHIR_JSON
    found = resources(response.json())
    assert found["Patient"][0] == {"resourceType": "Patient", "name": [{"text": "John B. Anyperson"}],
                                   "birthDate": "1951-01-20"}  # fmt: skip
    assert [i["lotNumber"] for i in found["Immunization"]] == ["0000001", "0000007"]
    assert roles(found["Provenance"][0])["author"]["identifier"]["value"] == EXAMPLE_ISS
    assert roles(found["Provenance"][0])["verifier"] == {"display": "Riverside Clinic"}

    refused = await clinic.http.post("/health-cards/verify", json={"shc": our_card(rid="gone")}, headers=STAFF)
    rid = refused.json()["verification_id"]
    assert (await clinic.http.get(f"/health-cards/verifications/{rid}/fhir", headers=STAFF)).status_code == 409
    assert (await clinic.http.get("/health-cards/verifications/nope/fhir", headers=STAFF)).status_code == 404
    assert (await clinic.http.get(f"/health-cards/verifications/{vid}/fhir")).status_code == 401


async def test_a_verified_proof_is_fetched_as_fhir_with_its_issuer_from_the_proof(verifier: Verifier) -> None:
    vid = (await verifier.create())["verification_id"]
    early = await verifier.http.get(f"/verifications/{vid}/fhir", headers=STAFF)
    assert early.status_code == 409 and "pending" in early.json()["detail"]
    pres_ex_id = verifier.pres_ex_id(vid)
    done = record(pres_ex_id, {"vaccine_code": "207", "occurrence_date": "2026-01-15"}, predicates={"dose_number": 0},
                  cred_def_id=f"{ISSUER}:3:CL:12:default")  # fmt: skip
    await verifier.webhook(webhook(pres_ex_id, "done", by_format=done["by_format"], verified="true"))
    response = await verifier.http.get(f"/verifications/{vid}/fhir", headers=STAFF)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == FHIR_JSON
    found = resources(response.json())
    assert found["Immunization"][0]["vaccineCode"] == {"coding": [{"code": "207"}]}
    assert roles(found["Provenance"][0])["author"]["identifier"]["value"] == ISSUER
    assert (await verifier.http.get("/verifications/nope/fhir", headers=STAFF)).status_code == 404


