"""What the wallet's pages show, in a patient's words: credentials as cards, a request as what it reveals
(with the values the wallet would send) and what it only proves, and which credential would answer.

Pure functions of the holder's models; no I/O.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from holder.models import Credential, HealthCard, ProofRequest, ShareOptions
from medcred.codes import vaccine_name
from medcred.health_cards import MAX_SINGLE_QR_JWS

__all__ = [
    "Card", "HealthCardView", "RequestView", "attribute_label", "card_of", "health_card_view", "predicate_words",
    "request_view", "share_options",
]  # fmt: skip

LABELS = {
    "patient_name": "name", "name": "name", "patient_birthdate": "birth date", "birthdate": "birth date",
    "vaccine_code": "vaccine code", "vaccine_system": "vaccine code system", "vaccine_name": "vaccine",
    "dose_number": "dose number", "occurrence_date": "date given", "lot_number": "lot number",
    "performer": "given by", "substance_code": "substance code", "substance_system": "substance code system",
    "substance_name": "substance", "criticality": "criticality", "category": "category",
    "recorded_date": "recorded on", "health_id_number": "health ID number", "expiry_date": "expiry date",
    "birthdate_dateint": "birth date", "expiry_dateint": "expiry date", "occurrence_dateint": "date given",
    "recorded_dateint": "recorded on",
}  # fmt: skip
TITLES = {"vaccination": "Vaccination", "allergy": "Allergy", "health_id": "Health ID"}
COMPARE: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
}  # fmt: skip


def attribute_label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " "))


def _dateint(value: str) -> date | None:
    try:
        number = int(value)
        return date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def predicate_words(predicate: str, today: date | None = None) -> str:
    """"dose_number >= 2" -> "dose number is at least 2"; a birth date bound -> an age in years."""
    parts = predicate.split()
    if len(parts) != 3:
        return predicate
    name, op, value = parts
    label = attribute_label(name)
    if name.endswith("_dateint") and (bound := _dateint(value)) is not None:
        if name == "birthdate_dateint" and op in ("<=", "<"):
            today = today or datetime.now(UTC).date()
            years = today.year - bound.year - ((today.month, today.day) < (bound.month, bound.day))
            return f"age is at least {years} (born on or before {_day(bound)})"
        words = {">=": "on or after", ">": "after", "<=": "on or before", "<": "before"}.get(op, op)
        return f"{label} is {words} {_day(bound)}"
    words = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}.get(op, op)
    return f"{label} is {words} {value}"


@dataclass
class Card:
    """A credential as the wallet shows it."""

    credential_id: str
    kind: str
    title: str
    facts: list[tuple[str, str]]
    issuer: str
    badges: list[tuple[str, str]] = field(default_factory=list)  # (text, badge kind)
    issuer_name: str | None = None  # only for an issuer the wallet knows by its configuration


def _expired(value: str | None, today: date) -> bool:
    try:
        return value is not None and date.fromisoformat(value) < today
    except ValueError:
        return False


def card_of(credential: Credential, today: date | None = None, names: Mapping[str, str] | None = None) -> Card:
    """The credential in words; `names`: issuer DID -> name, for the issuers the wallet knows."""
    today = today or datetime.now(UTC).date()
    a = credential.attributes
    kind = credential.type
    if kind == "vaccination":
        title = f"{a.get('vaccine_name', 'Vaccination')}, dose {a.get('dose_number', '?')}"
        facts = [("Date given", a.get("occurrence_date", "")), ("Dose", a.get("dose_number", "")),
                 ("Lot", a.get("lot_number", "")), ("Given by", a.get("performer", ""))]  # fmt: skip
    elif kind == "allergy":
        title = f"Allergy: {a.get('substance_name', 'unknown substance')}"
        facts = [("Criticality", a.get("criticality", "")), ("Category", a.get("category", "")),
                 ("Recorded on", a.get("recorded_date", ""))]  # fmt: skip
    elif kind == "health_id":
        title = f"Health ID {a.get('health_id_number', '')}".strip()
        facts = [("Name", a.get("name", "")), ("Birth date", a.get("birthdate", "")),
                 ("Expires", a.get("expiry_date", ""))]  # fmt: skip
    else:
        title = TITLES.get(kind, kind.replace("_", " ").capitalize())
        facts = [(attribute_label(k), v) for k, v in sorted(a.items()) if not k.endswith("_dateint")]
    card = Card(credential.credential_id, kind, title, [(k, v) for k, v in facts if v], credential.issuer,
                issuer_name=(names or {}).get(credential.issuer))  # fmt: skip
    if credential.revoked:
        card.badges.append(("revoked", "bad"))
    elif credential.revoked is None:
        card.badges.append(("status unknown", "warn"))
    if _expired(a.get("expiry_date"), today):
        card.badges.append(("expired", "bad"))
    if not card.badges:
        card.badges.append(("valid", "ok"))
    return card


@dataclass
class RequestView:
    """A waiting proof request: who asks, what it would reveal (with the values), what it only proves."""

    request: ProofRequest
    revealed: list[tuple[str, str]]  # (label, value the wallet would send)
    proven: list[str]
    answering: Card | None
    problem: str | None


def _satisfies(credential: Credential, predicate: str) -> bool:
    parts = predicate.split()
    if len(parts) != 3 or parts[1] not in COMPARE:
        return False
    value = credential.attributes.get(parts[0])
    try:
        return value is not None and COMPARE[parts[1]](int(value), int(parts[2]))
    except ValueError:
        return False


def request_view(request: ProofRequest, credentials: Sequence[Credential]) -> RequestView:
    """`request` with the credential the wallet would most likely answer with (the newest one holding every
    attribute and meeting every predicate, never a revoked one); the agent makes the final choice."""
    wanted = set(request.revealed) | {p.split()[0] for p in request.predicates if p.split()}
    holding = [c for c in credentials if wanted <= set(c.attributes)]
    usable = [c for c in holding if not c.revoked and all(_satisfies(c, p) for p in request.predicates)]
    proven = [predicate_words(p) for p in request.predicates]
    if not usable:
        if not holding:
            problem = "No credential in your wallet has what this request asks for."
        elif all(c.revoked for c in holding):
            problem = "The credentials that could answer have been revoked by their issuer."
        else:
            problem = "None of your credentials meets what must be proven: " + "; ".join(proven) + "."
        return RequestView(request, [(attribute_label(n), "") for n in request.revealed], proven, None, problem)
    chosen = usable[-1]
    revealed = [(attribute_label(n), chosen.attributes.get(n, "")) for n in request.revealed]
    return RequestView(request, revealed, proven, card_of(chosen), None)


@dataclass
class HealthCardView:
    """A SMART Health Card as the wallet lists it: one line per dose, who issued it, whether it still holds."""

    card_id: str
    title: str
    doses: list[str]
    issuer: str
    patient: str
    revoked: bool
    fits_qr: bool


def _dose_line(system: str | None, code: str | None, when: str | None, lot: str | None) -> str:
    parts = [vaccine_name(system, code)]
    if when:
        try:
            parts.append(_day(date.fromisoformat(when[:10])))
        except ValueError:
            parts.append(when)
    if lot:
        parts.append(f"lot {lot}")
    return ", ".join(parts)


def health_card_view(card: HealthCard) -> HealthCardView:
    doses = [_dose_line(d.system, d.code, d.date, d.lot) for d in card.immunizations]
    count = len(doses)
    title = "Vaccination card" + (f", {count} doses" if count > 1 else "")
    issuer = urlsplit(card.iss).netloc or card.iss if card.iss else "unknown issuer"
    patient = ", ".join(part for part in (card.patient_name, card.birth_date and f"born {card.birth_date}") if part)
    return HealthCardView(card.card_id, title, doses or ["(the wallet could not read this card)"], issuer,
                          patient, card.revoked, card.characters <= MAX_SINGLE_QR_JWS)  # fmt: skip


def share_options(form: Mapping[str, object]) -> ShareOptions:
    """The share form's fields (templates/share_fields.html) as ShareOptions; ValueError or
    pydantic.ValidationError when the days are not a whole number of 1 or more."""
    passcode = str(form.get("passcode") or "")
    return ShareOptions(label=str(form.get("label") or "") or None, expires_in_days=int(str(form.get("days") or "7")),
                        passcode=passcode or None, single_use=form.get("single_use") == "on")  # fmt: skip
