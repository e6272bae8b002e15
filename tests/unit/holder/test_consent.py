"""Consent on its own: grant validation, status over time, judging requests, and the limits of an answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from holder.consent import (
    Action,
    ConsentStatus,
    Grant,
    GrantIn,
    asked_of,
    confine,
    coverage,
    credential_type,
    judge,
    limits,
)
from medcred.credentials import CredentialType
from medcred.errors import UnprocessableError

type Json = dict[str, Any]

NOW = datetime(2026, 5, 9, 12, 0, tzinfo=UTC)
VERIFIER = "EWWExmvTPTTaet8ipxYg3T"
OTHER_VERIFIER = "D2p6vMV4ppQg1ZU3YiF9vq"
ISSUER = "Th7MpTaRZVRYnPiabds81Y"
VACCINATION = [{"schema_name": "medcred-vaccination", "issuer_did": ISSUER}]
ALLERGY = [{"schema_name": "medcred-allergy", "issuer_did": ISSUER}]


def request(attributes: Json | None = None, predicates: Json | None = None) -> Json:
    """A request as verifier/templates.py makes them (restricted by schema name and issuer)."""
    return {"name": "test", "version": "1.0", "nonce": "1",
            "requested_attributes": attributes or {}, "requested_predicates": predicates or {}}  # fmt: skip


STATUS = request(
    {"vaccine": {"names": ["vaccine_code", "occurrence_date"], "restrictions": VACCINATION}},
    {"doses": {"name": "dose_number", "p_type": ">=", "p_value": 2, "restrictions": VACCINATION}},
)
STATUS_AND_LOT = request(
    {"vaccine": {"names": ["vaccine_code", "occurrence_date"], "restrictions": VACCINATION},
     "lot": {"name": "lot_number", "restrictions": VACCINATION}},
    {"doses": {"name": "dose_number", "p_type": ">=", "p_value": 2, "restrictions": VACCINATION}},
)  # fmt: skip


def grant(**changes: Any) -> Grant:
    fields: Json = {
        "grant_id": "00000000-0000-4000-8000-000000000001", "patient_id": "p-1", "patient_did": "did:key:z6MkX",
        "verifier_did": VERIFIER, "credential_types": ["vaccination"], "reveal": ["vaccine_code", "occurrence_date"],
        "prove": ["dose_number"], "purpose": "school enrolment", "auto_answer": False, "created_at": NOW,
        "expires_at": NOW + timedelta(days=30), "receipt": "a.b.c",
    } | changes  # fmt: skip
    return Grant.model_validate(fields)


def grant_in(**changes: Any) -> GrantIn:
    fields: Json = {"verifier_did": f"did:sov:{VERIFIER}", "credential_types": ["vaccination"],
                    "reveal": ["vaccine_code", "occurrence_date"], "prove": ["dose_number"],
                    "purpose": "school enrolment"} | changes  # fmt: skip
    return GrantIn.model_validate(fields)


# -- grants --------------------------------------------------------------------------------------------


def test_a_grant_takes_the_verifiers_nym_and_expires_in_30_days_by_default() -> None:
    body = grant_in(credential_types=["vaccination", "vaccination"], reveal=["vaccine_code", "vaccine_code"])
    assert body.verifier_did == VERIFIER
    assert body.credential_types == [CredentialType.VACCINATION] and body.reveal == ["vaccine_code"]
    assert body.expiry(NOW) == NOW + timedelta(days=30)
    assert grant_in(expires_in_days=1).expiry(NOW) == NOW + timedelta(days=1)
    assert grant_in(verifier_did=VERIFIER).verifier_did == VERIFIER


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"reveal": ["vaccine_code", "blood_type"]}, "attributes not in the schemas of vaccination: blood_type"),
        ({"reveal": ["substance_code"]}, "attributes not in the schemas of vaccination: substance_code"),
        ({"prove": ["dose_count"]}, "dose_count"),
        ({"credential_types": ["passport"]}, "Input should be"),
        ({"credential_types": []}, "at least 1 item"),
        ({"verifier_did": "did:sov:not-a-did"}, "DID must be"),
        ({"verifier_did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}, "DID must be"),
        ({"reveal": ["dose_number"]}, "attributes in both reveal and prove: dose_number"),
        ({"reveal": [], "prove": []}, "at least one attribute"),
        ({"purpose": "   "}, "purpose must say why"),
        ({"expires_in_days": 0}, "greater than or equal to 1"),
        ({"expires_in_days": 3651}, "less than or equal to 3650"),
        ({"expires_at": "2026-06-01T00:00:00"}, "timezone"),
        ({"expires_in_days": 5, "expires_at": "2026-06-01T00:00:00Z"}, "not both"),
        ({"shared_with": "everyone"}, "Extra inputs"),
    ],
)
def test_a_bad_grant_is_refused_with_the_reason(changes: Json, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        grant_in(**changes)


def test_an_allergy_attribute_is_known_once_allergy_is_named() -> None:
    body = grant_in(credential_types=["vaccination", "allergy"], reveal=["vaccine_code", "substance_code"])
    assert body.reveal == ["vaccine_code", "substance_code"]


def test_expires_at_may_be_one_second_ahead_and_at_most_3650_days() -> None:
    assert grant_in(expires_at=NOW + timedelta(seconds=1)).expiry(NOW) == NOW + timedelta(seconds=1)
    assert grant_in(expires_at=NOW + timedelta(days=3650)).expiry(NOW) == NOW + timedelta(days=3650)
    with pytest.raises(UnprocessableError, match="at least 1 second in the future"):
        grant_in(expires_at=NOW + timedelta(milliseconds=500)).expiry(NOW)
    with pytest.raises(UnprocessableError, match="at least 1 second"):
        grant_in(expires_at=NOW - timedelta(days=1)).expiry(NOW)
    with pytest.raises(UnprocessableError, match="within 3650 days"):
        grant_in(expires_at=NOW + timedelta(days=3650, seconds=1)).expiry(NOW)


def test_status_is_computed_from_the_clock() -> None:
    live = grant(expires_at=NOW + timedelta(seconds=5))
    assert live.status(NOW) is ConsentStatus.ACTIVE
    assert live.status(NOW + timedelta(seconds=4.999)) is ConsentStatus.ACTIVE
    assert live.status(NOW + timedelta(seconds=5)) is ConsentStatus.EXPIRED
    withdrawn = live.model_copy(update={"withdrawn_at": NOW + timedelta(seconds=1)})
    assert withdrawn.status(NOW + timedelta(seconds=2)) is ConsentStatus.WITHDRAWN
    assert withdrawn.status(NOW + timedelta(days=1)) is ConsentStatus.WITHDRAWN
    assert withdrawn.ended_at == NOW + timedelta(seconds=1)


# -- what a request asks -------------------------------------------------------------------------------


def test_a_request_asks_names_and_the_types_its_restrictions_name() -> None:
    asked = asked_of(STATUS_AND_LOT)
    assert asked.revealed == ["vaccine_code", "occurrence_date", "lot_number"]
    assert asked.proved == ["dose_number"]
    assert asked.types == {"vaccine": {"vaccination"}, "lot": {"vaccination"}, "doses": {"vaccination"}}
    by_id = asked_of(
        request(
            {
                "a": {"name": "name", "restrictions": [{"schema_id": f"{ISSUER}:2:medcred-health-id:1.0"}]},
                "b": {"name": "name", "restrictions": [{"cred_def_id": f"{ISSUER}:3:CL:12:x"}]},
            }
        )
    )
    assert by_id.types == {"a": {"health_id"}, "b": frozenset()}


@pytest.mark.parametrize(
    ("schema", "kind"),
    [(f"{ISSUER}:2:medcred-allergy:1.0", "allergy"), ("medcred-health-id", "health_id"),
     ("did:indy:local:X/anoncreds/v0/SCHEMA/medcred-vaccination/1.0", "vaccination"), ("other-schema", "other-schema")],
)  # fmt: skip
def test_credential_types_come_from_schema_ids_and_names(schema: str, kind: str) -> None:
    assert credential_type(schema) == kind


# -- judging -------------------------------------------------------------------------------------------

LATER = NOW + timedelta(days=1)


@pytest.mark.parametrize(
    ("grants", "req", "action", "covered", "exceeds", "reason"),
    [
        pytest.param([], STATUS, Action.WAIT, None, None, None, id="no grant"),
        pytest.param([grant(auto_answer=True)], STATUS, Action.ANSWER, True, (), None, id="covered, auto"),
        pytest.param([grant()], STATUS, Action.WAIT, True, (), None, id="covered, not auto"),
        pytest.param([grant(auto_answer=True)], STATUS_AND_LOT, Action.WAIT, False, ("lot_number",), None,
                     id="exceeds"),
        pytest.param([grant(auto_answer=True, reveal=["vaccine_code", "occurrence_date", "dose_number"], prove=[])],
                     STATUS, Action.ANSWER, True, (), None, id="predicate on a revealable attribute"),
        pytest.param([grant(auto_answer=True, prove=[])], STATUS, Action.WAIT, False, ("dose_number",), None,
                     id="predicate outside"),
        pytest.param([grant(auto_answer=True, reveal=["vaccine_code"], prove=["occurrence_date", "dose_number"])],
                     STATUS, Action.WAIT, False, ("vaccine_code", "occurrence_date"), None,
                     id="prove-only attribute asked revealed"),
        pytest.param([grant(expires_at=NOW + timedelta(hours=1))], STATUS, Action.DECLINE, False, (),
                     "declined: consent expired", id="expired"),
        pytest.param([grant(withdrawn_at=NOW - timedelta(hours=1))], STATUS, Action.DECLINE, False, (),
                     "declined: consent withdrawn", id="withdrawn"),
        pytest.param([grant(withdrawn_at=NOW - timedelta(hours=1))], STATUS_AND_LOT, Action.DECLINE, False,
                     ("lot_number",), "declined: consent withdrawn", id="withdrawn, asking more"),
        pytest.param([grant(expires_at=NOW), grant(grant_id="g2", auto_answer=True)], STATUS, Action.ANSWER, True,
                     (), None, id="expired but a live one covers"),
        pytest.param([grant(expires_at=NOW, credential_types=["allergy"], reveal=["substance_code"], prove=[]),
                      grant(grant_id="g2", reveal=["vaccine_code"])],
                     STATUS, Action.WAIT, False, ("vaccine_code", "occurrence_date"), None,
                     id="live partial and an unrelated expired one: the patient decides"),
        pytest.param([grant(withdrawn_at=NOW - timedelta(hours=1)),
                      grant(grant_id="g2", credential_types=["allergy"], reveal=["substance_code"], prove=[])],
                     STATUS, Action.DECLINE, False, (), "declined: consent withdrawn",
                     id="withdrawn for this very request, another live"),
    ],
)  # fmt: skip
def test_judging_a_request(grants: list[Grant], req: Json, action: Action, covered: bool | None,
                           exceeds: tuple[str, ...] | None, reason: str | None) -> None:  # fmt: skip
    verdict = judge(grants, asked_of(req), LATER)
    assert verdict.action is action
    assert verdict.reason == reason
    if covered is None:
        assert verdict.grant is None and verdict.coverage is None
        return
    assert verdict.coverage is not None and verdict.grant is not None
    assert verdict.coverage.exceeds == exceeds
    if action is not Action.DECLINE:
        assert verdict.coverage.covered is covered


def test_a_type_the_grant_does_not_name_exceeds_it_even_for_a_granted_name() -> None:
    both = grant(credential_types=["vaccination", "allergy"], reveal=["patient_name"], prove=[])
    only_vaccination = grant(reveal=["patient_name"], prove=[])
    req = asked_of(request({"who": {"name": "patient_name", "restrictions": ALLERGY}}))
    assert coverage(both, req).covered
    assert coverage(only_vaccination, req).exceeds == ("patient_name",)


def test_names_compare_as_anoncreds_compares_them() -> None:
    req = asked_of(request({"v": {"name": "Vaccine_Code ", "restrictions": VACCINATION}}))
    assert coverage(grant(), req).covered


def test_the_longest_lived_covering_grant_decides_and_auto_answer_wins() -> None:
    manual = grant(grant_id="manual", expires_at=NOW + timedelta(days=300))
    auto = grant(grant_id="auto", auto_answer=True, expires_at=NOW + timedelta(days=10))
    verdict = judge([manual, auto], asked_of(STATUS), LATER)
    assert verdict.grant is not None and verdict.grant.grant_id == "auto"


# -- the limits of a manual answer ---------------------------------------------------------------------


def test_a_single_attribute_outside_the_grant_is_hidden() -> None:
    assert limits(grant(), asked_of(STATUS_AND_LOT)) == (frozenset({"lot"}), [])
    assert limits(grant(), asked_of(STATUS)) == (frozenset(), [])


def test_a_group_or_predicate_outside_the_grant_is_refused_by_name() -> None:
    narrow = grant(reveal=["vaccine_code"], prove=[])
    hidden, refused = limits(narrow, asked_of(STATUS_AND_LOT))
    assert hidden == {"lot"}
    assert refused == ["occurrence_date", "dose_number"]


def test_only_credentials_of_the_grants_types_answer_the_allowed_referents() -> None:
    vaccination = {"cred_info": {"referent": "v", "schema_id": f"{ISSUER}:2:medcred-vaccination:1.0"},
                   "presentation_referents": ["vaccine", "lot"]}  # fmt: skip
    other = {"cred_info": {"referent": "o", "schema_id": f"{ISSUER}:2:some-other:1.0"},
             "presentation_referents": ["vaccine", "lot"]}  # fmt: skip
    confined = confine([vaccination, other], grant(), {"vaccine"})
    assert confined[0] == vaccination
    assert confined[1]["presentation_referents"] == ["lot"]
    assert other["presentation_referents"] == ["vaccine", "lot"]  # the agent's answer is left as it was
