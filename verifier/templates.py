"""The proof requests a clinic or insurer can make, each built fresh for every verification.

    vaccination-status     the clinic   reveals vaccine_code, occurrence_date   proves dose_number >= 2
    allergy-check          the clinic   reveals substance_code, criticality
    insurance-eligibility  the insurer  reveals health_id_number                proves age >= 18, not expired

Who asks (`party`) is named to the patient: its label (`VerifierSettings.label` or `insurer_label`) is
the out-of-band invitation's label, which the wallet shows, and is in the request's name.

Every request carries a fresh 80-bit nonce and asks for non-revocation now (without it a revoked
credential still verifies). The revealed attributes share one `names` referent: they must come from one
credential, and must be revealed (a single-`name` referent may be left unrevealed and still verify).
Each referent is restricted to `{"schema_name", "issuer_did"}`: tags that both the holder's wallet search
(ACA-Py's credential tags) and anoncreds-rs verification understand; `issuer_did` takes an unqualified nym.
Dates are the verifier's local dates, as `YYYYMMDD` integers (`medcred.credentials.dateint`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from medcred.credentials import SCHEMAS, CredentialType, SchemaDef, dateint
from medcred.errors import ConfigurationError, NotFoundError
from verifier.models import Party, TemplateView

__all__ = ["REVEALED_REFERENT", "TEMPLATES", "Predicate", "Template", "get_template", "years_before"]

REVEALED_REFERENT = "revealed"
NONCE_BITS = 80


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; Feb 29 becomes Feb 28 in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Predicate:
    """A zero-knowledge condition on an integer attribute; `threshold` is computed from today's date."""

    attribute: str
    p_type: Literal[">=", ">", "<=", "<"]
    threshold: Callable[[date], int]
    description: str  # for people: "age >= 18"


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    credential: CredentialType
    reveal: tuple[str, ...]
    predicates: tuple[Predicate, ...] = ()
    party: Party = Party.CLINIC  # who asks: its name is the invitation's label, what the wallet shows

    def __post_init__(self) -> None:
        known = set(self.schema.attributes)
        unknown = [a for a in (*self.reveal, *(p.attribute for p in self.predicates)) if a not in known]
        if unknown or not self.reveal:
            raise ConfigurationError(f"template {self.name}: no such attributes in {self.schema.name}: {unknown}")

    @property
    def schema(self) -> SchemaDef:
        return SCHEMAS[self.credential]

    @property
    def proves(self) -> list[str]:
        return [predicate.description for predicate in self.predicates]

    def describe(self) -> TemplateView:
        """What the template reveals and proves, for staff choosing one."""
        return TemplateView(
            name=self.name, title=self.title, party=self.party, credential=self.schema.name, reveals=list(self.reveal),
            proves=self.proves,
        )

    def restrictions(self, issuer_did: str | None) -> list[dict[str, str]]:
        restriction = {"schema_name": self.schema.name}
        if issuer_did:
            restriction["issuer_did"] = issuer_did
        return [restriction]  # one entry: ACA-Py's wallet search ANDs the entries of this list

    def presentation_request(
        self, issuer_did: str | None, now: datetime, asked_by: str | None = None
    ) -> dict[str, Any]:
        """A new AnonCreds presentation request (`now` must be timezone-aware), named for who asks (`asked_by`)."""
        today = now.astimezone().date()
        restrictions = self.restrictions(issuer_did)
        return {
            "name": f"{self.title} ({asked_by})" if asked_by else self.title,
            "version": "1.0",
            "nonce": str(secrets.randbelow(2**NONCE_BITS - 1) + 1),  # 80 random bits, never 0
            "non_revoked": {"to": int(now.timestamp())},
            "requested_attributes": {REVEALED_REFERENT: {"names": list(self.reveal), "restrictions": restrictions}},
            "requested_predicates": {
                p.attribute: {"name": p.attribute, "p_type": p.p_type, "p_value": p.threshold(today),
                              "restrictions": restrictions}
                for p in self.predicates
            },
        }  # fmt: skip


TEMPLATES: dict[str, Template] = {
    template.name: template
    for template in (
        Template(
            name="vaccination-status",
            title="Proof of vaccination",
            credential=CredentialType.VACCINATION,
            reveal=("vaccine_code", "occurrence_date"),
            predicates=(Predicate("dose_number", ">=", lambda _: 2, "dose_number >= 2"),),
        ),
        Template(
            name="allergy-check",
            title="Allergy check",
            credential=CredentialType.ALLERGY,
            reveal=("substance_code", "criticality"),
        ),
        Template(
            name="insurance-eligibility",
            title="Insurance eligibility",
            credential=CredentialType.HEALTH_ID,
            reveal=("health_id_number",),
            party=Party.INSURER,
            predicates=(
                Predicate("birthdate_dateint", "<=", lambda today: dateint(years_before(today, 18)), "age >= 18"),
                Predicate("expiry_dateint", ">=", dateint, "not expired"),
            ),
        ),
    )
}


def get_template(name: str) -> Template:
    """The named template; `NotFoundError` naming the known ones otherwise."""
    template = TEMPLATES.get(name)
    if template is None:
        raise NotFoundError(f"unknown template {name[:64]!r}; known templates: {', '.join(TEMPLATES)}")
    return template
