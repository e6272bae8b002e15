"""What the wallet's pages say: credentials as cards, predicates in words, which credential would answer."""

from __future__ import annotations

from datetime import UTC, date, datetime

from holder.models import Credential, HealthCard, HealthCardDose, ProofRequest
from holder.pages.views import card_of, health_card_view, predicate_words, request_view

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


def health_card(**changes: object) -> HealthCard:
    card = HealthCard(card_id="c1", record_id="r1", credential_ids=["v1", "v2"],
                      issued_at=datetime(2026, 2, 11, tzinfo=UTC), revoked=False,
                      iss="https://hospital.example/shc", patient_name="Sam Okafor",
                      birth_date="1979-11-02", characters=900, immunizations=[
                          HealthCardDose(system="http://hl7.org/fhir/sid/cvx", code="208", date="2021-05-03",
                                         lot="EW0182", performer="City Hospital"),
                          HealthCardDose(system="http://snomed.info/sct", code="1119349007",
                                         date="2021-06-03T10:00:00Z", lot=None, performer=None)])  # fmt: skip
    return card.model_copy(update=changes)


def test_a_health_card_reads_as_its_doses_issuer_and_patient() -> None:
    view = health_card_view(health_card())
    assert view.title == "Vaccination card, 2 doses"
    assert view.doses == ["COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose, 3 May 2021, lot EW0182",
                          "http://snomed.info/sct 1119349007, 3 Jun 2021"]  # fmt: skip
    assert (view.issuer, view.patient, view.revoked, view.fits_qr) == (
        "hospital.example", "Sam Okafor, born 1979-11-02", False, True)


def test_a_long_unreadable_or_revoked_card_says_so() -> None:
    view = health_card_view(health_card(immunizations=[], iss=None, patient_name=None, birth_date=None,
                                        characters=1196, revoked=True))  # fmt: skip
    assert view.doses == ["(the wallet could not read this card)"]
    assert (view.issuer, view.patient, view.revoked, view.fits_qr) == ("unknown issuer", "", True, False)
    assert health_card_view(health_card(immunizations=health_card().immunizations[:1])).title == "Vaccination card"


def test_a_credential_names_its_issuer_only_when_the_wallet_knows_it() -> None:
    known = card_of(vaccination(1), TODAY, names={"Th7MpTaRZVRYnPiabds81Y": "City Hospital"})
    assert (known.issuer_name, known.issuer) == ("City Hospital", "Th7MpTaRZVRYnPiabds81Y")
    assert card_of(vaccination(1), TODAY, names={"Another1DidOnTheLedger": "City Hospital"}).issuer_name is None
