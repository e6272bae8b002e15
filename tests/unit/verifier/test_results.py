"""Reading outcomes: only the template's revealed values, failure codes, and the patient's refusal reasons."""

from __future__ import annotations

import pytest

from tests.unit.verifier.presentations import record
from verifier.models import VerificationState
from verifier.results import NOT_VERIFIED, abandoned_outcome, presentation_outcome, sanitize
from verifier.templates import TEMPLATES

VACCINATION = TEMPLATES["vaccination-status"]
INSURANCE = TEMPLATES["insurance-eligibility"]
REVEALED = {"vaccine_code": "207", "occurrence_date": "2026-01-15"}


def test_verified_keeps_exactly_the_revealed_values_the_template_asked_for() -> None:
    shown = record("p", {**REVEALED, "patient_name": "Jane Doe"}, predicates={"dose_number": 0},
                   revealed_attrs={"extra": ("lot_number", "EL9261")})  # fmt: skip
    outcome = presentation_outcome(VACCINATION, shown)
    assert outcome.state is VerificationState.VERIFIED
    assert outcome.verified is True
    assert outcome.revealed == REVEALED


def test_single_name_referents_are_read_by_the_name_the_request_gave_them() -> None:
    shown = record("p", {}, revealed_attrs={"hid": ("health_id_number", "HID-1")},
                   predicates={"birthdate_dateint": 0, "expiry_dateint": 0})  # fmt: skip
    assert presentation_outcome(INSURANCE, shown).revealed == {"health_id_number": "HID-1"}


def test_a_presentation_missing_a_requested_value_fails() -> None:
    outcome = presentation_outcome(VACCINATION, record("p", {"vaccine_code": "207"}))
    assert outcome.state is VerificationState.FAILED
    assert outcome.revealed == {}


def test_values_and_predicates_from_different_credentials_fail() -> None:
    outcome = presentation_outcome(VACCINATION, record("p", REVEALED, predicates={"dose_number": 1}))
    assert outcome.state is VerificationState.FAILED
    assert "several credentials" in (outcome.reason or "")


def test_not_verified_fails_with_the_agents_codes_only() -> None:
    shown = record("p", REVEALED, verified="false", verified_msgs=["TS_OUT_NRI::revealed", "odd text: 207"])
    outcome = presentation_outcome(VACCINATION, shown)
    assert outcome.state is VerificationState.FAILED
    assert outcome.verified is False
    assert outcome.reason == f"{NOT_VERIFIED} (TS_OUT_NRI)"
    assert outcome.revealed == {}


@pytest.mark.parametrize(
    ("error_msg", "state", "reason"),
    [
        ("abandoned: declined: the patient said no", VerificationState.DECLINED, "declined: the patient said no"),
        ("declined: not today", VerificationState.DECLINED, "declined: not today"),
        ("abandoned: predicate-not-met: dose_number >= 2", VerificationState.FAILED,
         "predicate not met: dose_number >= 2"),
        ("abandoned: revoked: credential 12", VerificationState.FAILED, "revoked"),
        ("abandoned: no-credential: nothing matches", VerificationState.FAILED, "no matching credential"),
        (None, VerificationState.DECLINED, "declined by the patient"),
        ("", VerificationState.DECLINED, "declined by the patient"),
        ("abandoned: the\x00 agent\n broke", VerificationState.FAILED, "abandoned: the agent broke"),
        # The verifier agent's own refusal on receipt (agents/acapy_plugin/refused_presentations.py).
        ("Presented attr group revealed does not satisfy proof request restrictions [{'schema_name': 'x'}].",
         VerificationState.FAILED,
         "Presented attr group revealed does not satisfy proof request restrictions [{'schema_name': 'x'}]."),
    ],
)  # fmt: skip
def test_abandoned_maps_the_holders_reason(error_msg: str | None, state: VerificationState, reason: str) -> None:
    outcome = abandoned_outcome(error_msg)
    assert (outcome.state, outcome.reason) == (state, reason)
    assert outcome.revealed == {}


def test_foreign_text_is_truncated() -> None:
    outcome = abandoned_outcome("x" * 5000)
    assert outcome.reason is not None and len(outcome.reason) == 200
    assert sanitize("a\tb\r\nc") == "a b c"
