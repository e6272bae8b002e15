"""What the desk's health card pages say: a reason in words for every refusal, vaccines by name."""

from __future__ import annotations

from medcred.codes import vaccine_name
from medcred.health_cards import Refusal
from verifier.health_cards.models import CardResult
from verifier.pages.cards import REASONS, reason_words


def test_every_refusal_has_its_own_words() -> None:
    assert set(REASONS) == set(Refusal)
    assert len(set(REASONS.values())) == len(REASONS)
    assert reason_words(CardResult(verified=False, reason=Refusal.REVOKED)) == "The issuer has revoked this card."
    assert reason_words(CardResult(verified=True)) == ""


def test_vaccines_are_named_when_known_and_shown_as_coded_otherwise() -> None:
    assert vaccine_name("http://hl7.org/fhir/sid/cvx", "208").startswith("COVID-19, mRNA")
    assert vaccine_name("http://hl7.org/fhir/sid/cvx", "999") == "999"
    assert vaccine_name("http://snomed.info/sct", "1119349007") == "http://snomed.info/sct 1119349007"
