"""FHIR resources -> patient facts and credential attributes; invalid ones -> UnprocessableError with a reason."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError, field_validator

from issuer.attributes import allergy_attributes, health_id_attributes, vaccination_attributes
from issuer.fhir import PatientFacts, parse_patient, validation_reasons
from medcred.credentials import SCHEMAS, CredentialType
from medcred.errors import UnprocessableError
from tests.unit.issuer import examples

TODAY = date(2025, 6, 1)
JANE = PatientFacts("Jane Q Doe", date(1990, 1, 2), "HID-123456", "pat-1")


def test_patient_keeps_name_birth_date_and_the_health_id() -> None:
    facts = parse_patient(examples.patient(), TODAY)
    assert facts == JANE  # the health-id identifier wins over the first (an MRN)


def test_patient_health_id_falls_back_to_the_first_identifier() -> None:
    resource = examples.patient()
    resource["identifier"] = [{"system": "urn:mrn", "value": "MRN-77"}, {"system": "urn:other", "value": "X"}]
    assert parse_patient(resource, TODAY).health_id == "MRN-77"


@pytest.mark.parametrize("missing", ["name", "birthDate", "identifier"])
def test_patient_without_a_required_field_says_which(missing: str) -> None:
    resource = examples.patient()
    del resource[missing]
    with pytest.raises(UnprocessableError, match=f"Patient.{missing}"):
        parse_patient(resource, TODAY)


def test_invalid_patient_gives_the_reason_without_the_value() -> None:
    resource = examples.patient() | {"birthDate": "1990-13-45", "gender": 17}
    with pytest.raises(UnprocessableError) as caught:
        parse_patient(resource, TODAY)
    assert "birthDate" in caught.value.message and "gender" in caught.value.message
    assert "1990-13-45" not in caught.value.message and "17" not in caught.value.message


def test_patient_born_in_the_future_is_refused() -> None:
    with pytest.raises(UnprocessableError, match="future"):
        parse_patient(examples.patient() | {"birthDate": "2030-01-01"}, TODAY)


def test_wrong_resource_type_is_refused() -> None:
    with pytest.raises(UnprocessableError, match="Patient"):
        parse_patient(examples.immunization(), TODAY)


def test_vaccination_attributes() -> None:
    attributes = vaccination_attributes(examples.immunization(), JANE)
    assert tuple(attributes) == SCHEMAS[CredentialType.VACCINATION].attributes
    assert attributes == {
        "patient_name": "Jane Q Doe", "patient_birthdate": "1990-01-02",
        "vaccine_code": "207", "vaccine_system": examples.CVX, "vaccine_name": "COVID-19, mRNA, LNP-S, PF",
        "dose_number": "2", "occurrence_date": "2021-03-04", "occurrence_dateint": "20210304",
        "lot_number": "EW0182", "performer": "City Hospital Vaccination Centre",
    }  # fmt: skip


def test_vaccination_optional_fields_and_dose_as_string() -> None:
    resource = examples.immunization()
    del resource["lotNumber"], resource["performer"]
    resource["vaccineCode"] = {"coding": [{"system": examples.CVX, "code": "141"}], "text": "Influenza"}
    resource["protocolApplied"] = [{"doseNumberString": "3"}]
    attributes = vaccination_attributes(resource, JANE)
    assert (attributes["lot_number"], attributes["performer"]) == ("", "")
    assert (attributes["vaccine_name"], attributes["dose_number"]) == ("Influenza", "3")


def _broken(change: dict[str, Any]) -> dict[str, Any]:
    return examples.immunization() | change


@pytest.mark.parametrize(
    ("resource", "reason"),
    [
        (_broken({"status": "not-done"}), "status"),
        (_broken({"status": "entered-in-error"}), "status"),
        (_broken({"protocolApplied": [{"doseNumberString": "second"}]}), "dose number"),
        (_broken({"protocolApplied": []}), "doseNumber"),
        (_broken({"occurrenceDateTime": "2021-03"}), "full date"),
        (_broken({"vaccineCode": {"coding": [{"code": "207"}]}}), "system and code"),
        (_broken({"vaccineCode": {"text": "some vaccine"}}), "coding"),
        (_broken({"patient": {"reference": "Patient/someone-else"}}), "another Patient"),
        (examples.allergy(), "Immunization"),
    ],
)  # fmt: skip
def test_unusable_immunizations_are_refused_with_a_reason(resource: dict[str, Any], reason: str) -> None:
    with pytest.raises(UnprocessableError, match=reason):
        vaccination_attributes(resource, JANE)


def test_invalid_immunization_names_fields_but_not_values() -> None:
    resource = _broken({"occurrenceDateTime": "SECRET-VALUE-42", "lotNumber": 5})
    del resource["patient"]
    with pytest.raises(UnprocessableError) as caught:
        vaccination_attributes(resource, JANE)
    message = caught.value.message
    assert "occurrenceDateTime" in message and "patient" in message and "lotNumber" in message
    assert "SECRET-VALUE-42" not in message


def test_allergy_attributes() -> None:
    attributes = allergy_attributes(examples.allergy(), JANE)
    assert tuple(attributes) == SCHEMAS[CredentialType.ALLERGY].attributes
    assert attributes == {
        "patient_name": "Jane Q Doe", "substance_code": "91935009", "substance_system": examples.SNOMED,
        "substance_name": "Allergy to peanuts", "criticality": "high", "category": "food,medication",
        "recorded_date": "2020-06-01", "recorded_dateint": "20200601",
    }  # fmt: skip


def test_allergy_without_criticality_or_category() -> None:
    resource = examples.allergy()
    del resource["criticality"], resource["category"]
    attributes = allergy_attributes(resource, JANE)
    assert (attributes["criticality"], attributes["category"]) == ("", "")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"verificationStatus": {"coding": [{"code": "entered-in-error"}]}}, "entered-in-error"),
        ({"recordedDate": None}, "recordedDate"),
        ({"criticality": "deadly", "recordedDate": "nope"}, "recordedDate"),
        ({"code": {"coding": [{"display": "peanut"}]}}, "system and code"),
    ],
)  # fmt: skip
def test_unusable_allergies_are_refused_with_a_reason(change: dict[str, Any], reason: str) -> None:
    resource = {k: v for k, v in (examples.allergy() | change).items() if v is not None}
    with pytest.raises(UnprocessableError, match=reason):
        allergy_attributes(resource, JANE)


def test_health_id_attributes() -> None:
    attributes = health_id_attributes(JANE, "2030-12-31", TODAY)
    assert tuple(attributes) == SCHEMAS[CredentialType.HEALTH_ID].attributes
    assert attributes == {
        "name": "Jane Q Doe", "birthdate": "1990-01-02", "birthdate_dateint": "19900102",
        "health_id_number": "HID-123456", "expiry_date": "2030-12-31", "expiry_dateint": "20301231",
    }  # fmt: skip


@pytest.mark.parametrize("expiry", ["2025-06-01", "2020-01-01", "2030-02-30", "20301231", "2030-W01-1"])
def test_health_id_expiry_must_be_a_valid_future_date(expiry: str) -> None:
    with pytest.raises(UnprocessableError, match="expiry"):
        health_id_attributes(JANE, expiry, TODAY)


def test_an_unknown_contained_resource_is_422_not_a_crash() -> None:
    resource = examples.patient() | {"contained": [{"resourceType": "SecretKind"}]}
    with pytest.raises(UnprocessableError) as caught:
        parse_patient(resource, TODAY)
    assert "SecretKind" not in caught.value.message


def test_reasons_never_repeat_a_value_a_validator_quoted() -> None:
    class Strict(BaseModel):
        code: str

        @field_validator("code")
        @classmethod
        def _no(cls, value: str) -> str:
            raise ValueError(f"{value} is not a known code")

    with pytest.raises(ValidationError) as caught:
        Strict(code="peanut-allergy")
    reasons = validation_reasons(caught.value)
    assert reasons == "code: <value> is not a known code"


def test_a_patient_with_several_problems_is_told_all_of_them_at_once() -> None:
    resource = examples.patient()
    for field in ("name", "birthDate", "identifier"):
        del resource[field]
    with pytest.raises(UnprocessableError) as refused:
        parse_patient(resource, TODAY)
    for field in ("Patient.name", "Patient.birthDate", "Patient.identifier"):
        assert field in refused.value.message


def test_an_immunization_with_several_problems_is_told_all_of_them_at_once() -> None:
    resource = examples.immunization()
    resource["vaccineCode"] = {"text": "no coding"}
    resource["occurrenceDateTime"] = "2021-03"
    resource["protocolApplied"] = []
    with pytest.raises(UnprocessableError) as refused:
        vaccination_attributes(resource, JANE)
    message = refused.value.message
    assert message.startswith("invalid FHIR Immunization: ")
    for place in ("Immunization.vaccineCode", "Immunization.occurrenceDateTime", "Immunization.protocolApplied"):
        assert place in message
    assert "2021-03" not in message and "no coding" not in message
