"""SMART Health Cards issued and verified per second, in this process (no network: the work is one ES256
signature, a raw DEFLATE and the FHIR bundle's validation, so the figures are the cards' own cost).

    issued     a two-dose card: minimal FHIR bundle, payload, raw DEFLATE, ES256 (medcred.health_cards),
               and its .smart-health-card file
    verified   the verifier's checks of it (verifier.health_cards.CardChecker, the issuer's key set and
               CRL from a trust-list snapshot): parse, inflate, signature, CRL, dates, FHIR validation

    lines = await card_lines(2000)     # printed by `medcred bench`, never asserted
"""

from __future__ import annotations

import time

from medcred.health_cards import Crl, SigningKey, card_file, card_payload, minimal_bundle, new_rid, sign
from stack.bench.report import target_line
from verifier.health_cards.checks import CardChecker
from verifier.health_cards.trust import IssuerKeys, TrustedIssuer, TrustList

__all__ = ["CARDS_PER_S_TARGET", "card_lines"]

CARDS_PER_S_TARGET = 500.0
ISS = "https://hospital.example"
PATIENT = {"resourceType": "Patient", "name": [{"family": "Rivera", "given": ["Alex"]}], "birthDate": "1990-04-12"}


def _dose(number: int) -> dict[str, object]:
    return {
        "resourceType": "Immunization", "status": "completed", "patient": {"reference": "resource:0"},
        "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "208"}]},
        "occurrenceDateTime": f"2021-0{number + 4}-03", "lotNumber": f"EW018{number}",
        "performer": [{"actor": {"display": "City Hospital vaccination centre"}}],
    }  # fmt: skip


def _issue(key: SigningKey, nbf: int) -> str:
    jws = sign(card_payload(ISS, nbf, minimal_bundle(PATIENT, [_dose(1), _dose(2)]), new_rid()), key)
    card_file(jws)
    return jws


async def card_lines(count: int) -> list[str]:
    key = SigningKey.generate()
    crl = Crl(kid=key.kid, ctr=1, rids=["revoked-one"])
    snapshot = IssuerKeys.of([key.public_jwk(crl_version=1)], [crl.model_dump(mode="json")])
    checker = CardChecker(TrustList([TrustedIssuer(ISS, "City Hospital", snapshot)]))
    nbf = int(time.time()) - 60
    await checker.check(_issue(key, nbf))  # warm-up: imports, fhir.resources' models

    started = time.perf_counter()
    cards = [_issue(key, nbf) for _ in range(count)]
    issued = count / (time.perf_counter() - started)
    started = time.perf_counter()
    results = [await checker.check(jws) for jws in cards]
    verified = count / (time.perf_counter() - started)
    failed = sum(not result.verified for result in results)
    return [
        f"SMART Health Cards, in this process, one at a time: {count} two-dose cards of {len(cards[0])} characters",
        target_line("cards issued/s (bundle, DEFLATE, ES256, file)", f"{issued:.0f}/s", issued >= CARDS_PER_S_TARGET,
                    f">= {CARDS_PER_S_TARGET:g}/s"),
        target_line("cards verified/s (every check, FHIR included)", f"{verified:.0f}/s",
                    verified >= CARDS_PER_S_TARGET, f">= {CARDS_PER_S_TARGET:g}/s"),
        *([f"  {failed} card(s) FAILED verification"] if failed else []),
    ]  # fmt: skip
