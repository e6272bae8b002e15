"""The templates' presentation requests: what they reveal, what they prove, and that both sides accept them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from acapy_agent.anoncreds.models.presentation_request import AnonCredsPresentationRequestSchema  # type: ignore[import-untyped]
from anoncreds import PresentationRequest  # type: ignore[import-untyped]

from medcred.errors import ConfigurationError, NotFoundError
from verifier.templates import TEMPLATES, Template, get_template, years_before

DID = "Th7MpTaRZVRYnPiabds81Y"


def local(*args: int) -> datetime:
    """A timezone-aware datetime on the verifier's local calendar day."""
    return datetime(*args).astimezone()  # type: ignore[arg-type]


def request(name: str, now: datetime | None = None, issuer_did: str | None = DID) -> dict[str, Any]:
    return TEMPLATES[name].presentation_request(issuer_did, now or local(2026, 5, 9, 12, 0))


def revealed_names(req: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for spec in req["requested_attributes"].values():
        names.update(spec.get("names", []))
        names.update([spec["name"]] if "name" in spec else [])
    return names


def predicates(req: dict[str, Any]) -> dict[str, tuple[str, int]]:
    return {spec["name"]: (spec["p_type"], spec["p_value"]) for spec in req["requested_predicates"].values()}


def test_vaccination_status_reveals_code_and_date_in_one_referent_and_proves_two_doses() -> None:
    req = request("vaccination-status")
    [(_, group)] = req["requested_attributes"].items()
    assert group["names"] == ["vaccine_code", "occurrence_date"]
    assert predicates(req) == {"dose_number": (">=", 2)}
    restriction = [{"schema_name": "medcred-vaccination", "issuer_did": DID}]
    assert group["restrictions"] == restriction
    assert [spec["restrictions"] for spec in req["requested_predicates"].values()] == [restriction]


def test_allergy_check_reveals_substance_and_criticality_only() -> None:
    req = request("allergy-check")
    [(_, group)] = req["requested_attributes"].items()
    assert group["names"] == ["substance_code", "criticality"]
    assert group["restrictions"] == [{"schema_name": "medcred-allergy", "issuer_did": DID}]
    assert req["requested_predicates"] == {}


def test_insurance_eligibility_reveals_only_the_id_number_and_never_the_dates() -> None:
    req = request("insurance-eligibility", local(2025, 6, 15, 9, 30))
    assert revealed_names(req) == {"health_id_number"}
    assert predicates(req) == {"birthdate_dateint": ("<=", 20070615), "expiry_dateint": (">=", 20250615)}
    for spec in [*req["requested_attributes"].values(), *req["requested_predicates"].values()]:
        assert spec["restrictions"] == [{"schema_name": "medcred-health-id", "issuer_did": DID}]


@pytest.mark.parametrize(
    ("today", "adult_if_born_by", "valid_through"),
    [
        ((2024, 2, 29), 20060228, 20240229),  # a leap day: 2006 has no Feb 29
        ((2024, 3, 1), 20060301, 20240301),
        ((2026, 2, 28), 20080228, 20260228),  # born 2008-02-29: not 18 until Mar 1
        ((2025, 12, 31), 20071231, 20251231),
    ],
)
def test_age_and_expiry_thresholds(today: tuple[int, int, int], adult_if_born_by: int, valid_through: int) -> None:
    req = request("insurance-eligibility", local(*today, 23, 59))
    assert predicates(req)["birthdate_dateint"] == ("<=", adult_if_born_by)
    assert predicates(req)["expiry_dateint"] == (">=", valid_through)


def test_years_before_turns_a_leap_day_into_feb_28() -> None:
    assert years_before(date(2024, 2, 29), 18) == date(2006, 2, 28)
    assert years_before(date(2024, 2, 29), 4) == date(2020, 2, 29)
    assert years_before(date(2024, 7, 4), 18) == date(2006, 7, 4)


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_every_request_is_fresh_and_asks_for_non_revocation_now(name: str) -> None:
    now = local(2026, 5, 9, 12, 0)
    first, second = request(name, now), request(name, now)
    assert first["non_revoked"] == {"to": int(now.timestamp())}
    assert first["version"] == "1.0"
    assert first["nonce"] != second["nonce"]
    for nonce in (first["nonce"], second["nonce"]):
        assert nonce.isdecimal() and 0 < int(nonce) < 2**80


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_acapy_and_anoncreds_rs_accept_every_request(name: str) -> None:
    req = request(name)
    AnonCredsPresentationRequestSchema().load(req)  # what POST /present-proof-2.0/create-request validates
    PresentationRequest.load(req)  # what the holder's and the verifier's anoncreds-rs parse


def test_without_an_issuer_did_requests_restrict_by_schema_name_only() -> None:
    req = request("vaccination-status", issuer_did=None)
    assert req["requested_attributes"]["revealed"]["restrictions"] == [{"schema_name": "medcred-vaccination"}]


def test_templates_describe_what_they_reveal_and_prove() -> None:
    described = {t.name: t.describe() for t in TEMPLATES.values()}
    assert described["vaccination-status"].reveals == ["vaccine_code", "occurrence_date"]
    assert described["vaccination-status"].proves == ["dose_number >= 2"]
    assert described["insurance-eligibility"].proves == ["age >= 18", "not expired"]
    assert described["allergy-check"].proves == []


def test_unknown_template_names_the_known_ones() -> None:
    with pytest.raises(NotFoundError) as caught:
        get_template("blood-type")
    assert all(name in caught.value.message for name in TEMPLATES)


def test_a_template_naming_an_attribute_its_schema_lacks_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        Template("bad", "Bad", TEMPLATES["allergy-check"].credential, reveal=("blood_type",))
