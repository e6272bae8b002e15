"""What the wallet's pages say: credentials as cards, predicates in words, which credential would answer."""

from __future__ import annotations

from datetime import date

from holder.models import Credential, ProofRequest
from holder.pages.views import card_of, predicate_words, request_view

TODAY = date(2026, 12, 3)


def vaccination(dose: int, *, revoked: bool | None = False, cid: str | None = None) -> Credential:
    return Credential(credential_id=cid or f"v{dose}", type="vaccination", issuer="Th7MpTaRZVRYnPiabds81Y",
                      attributes={"vaccine_name": "COVID-19 mRNA", "vaccine_code": "208", "dose_number": str(dose),
                                  "occurrence_date": "2021-06-01"}, revoked=revoked)  # fmt: skip


def ask(revealed: list[str], predicates: list[str]) -> ProofRequest:
    return ProofRequest(id="r1", verifier="Riverside Clinic", name="Proof of vaccination", requested_at=None,
                        revealed=revealed, predicates=predicates)  # fmt: skip


def test_predicates_read_as_words() -> None:
    assert predicate_words("dose_number >= 2") == "dose number is at least 2"
    adult = predicate_words("birthdate_dateint <= 20081203", TODAY)
    assert adult == "age is at least 18 (born on or before 3 Dec 2008)"
    assert predicate_words("expiry_dateint >= 20261203") == "expiry date is on or after 3 Dec 2026"


def test_a_card_says_what_the_credential_is_and_whether_it_still_holds() -> None:
    card = card_of(vaccination(2))
    assert card.title == "COVID-19 mRNA, dose 2" and ("Date given", "2021-06-01") in card.facts
    assert card.badges == [("valid", "ok")]
    assert card_of(vaccination(2, revoked=True)).badges == [("revoked", "bad")]
    expired = Credential(credential_id="h", type="health_id", issuer="x", revoked=False,
                         attributes={"health_id_number": "HID-1", "expiry_date": "2020-01-01"})  # fmt: skip
    assert ("expired", "bad") in card_of(expired, TODAY).badges


def test_a_request_shows_the_values_of_the_credential_that_would_answer() -> None:
    wanted = ask(["vaccine_code", "occurrence_date"], ["dose_number >= 2"])
    view = request_view(wanted, [vaccination(1), vaccination(2)])
    assert view.problem is None and view.answering is not None and view.answering.credential_id == "v2"
    assert view.revealed == [("vaccine code", "208"), ("date given", "2021-06-01")]
    assert view.proven == ["dose number is at least 2"]


def test_a_request_nothing_can_answer_says_why() -> None:
    wanted = ask(["vaccine_code"], ["dose_number >= 2"])
    assert "revoked" in (request_view(wanted, [vaccination(2, revoked=True)]).problem or "")
    assert "meets" in (request_view(wanted, [vaccination(1)]).problem or "")
    assert "No credential" in (request_view(ask(["substance_code"], []), [vaccination(2)]).problem or "")
