"""Patient consent: what a patient lets one verifier learn, until when, and how a proof request is judged.

    GrantIn       what a patient asks for, checked against the credential schemas (`medcred.credentials`)
    Grant         one consent as stored; its status (active, expired, withdrawn) is computed when read
    asked_of()    what a proof request asks: per referent, its attribute names and the credential types
                  its restrictions name
    coverage()    which referents a grant allows, and the names it does not
    judge()       the patient's grants for the asking verifier -> answer, wait for the patient, or decline
    limits()      a manual answer under a live grant: referents to leave unrevealed, names to refuse

A referent is within a grant when each of its names is in `reveal` (a predicate's name may also be in
`prove`) and every credential type its restrictions name is one of `credential_types`; candidates of any
other type are kept from answering it (`confine()`). Names compare as AnonCreds compares them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from holder.choice import Referent, normalise, referents
from medcred.credentials import SCHEMAS, CredentialType
from medcred.errors import UnprocessableError
from medcred.identifiers import Did, IndyDid

__all__ = [
    "DEFAULT_DAYS",
    "MAX_DAYS",
    "Action",
    "Asked",
    "ConsentStatus",
    "Coverage",
    "Grant",
    "GrantIn",
    "Judgement",
    "asked_of",
    "confine",
    "coverage",
    "credential_type",
    "judge",
    "limits",
]

DEFAULT_DAYS = 30
MAX_DAYS = 3650
MIN_AHEAD = timedelta(seconds=1)
TYPE_BY_SCHEMA_NAME = {schema.name: str(kind) for kind, schema in SCHEMAS.items()}

type Json = dict[str, Any]


def credential_type(schema: str) -> str:
    """The credential type of a schema id (`<did>:2:<name>:<version>`, or one naming it) or schema name."""
    parts = schema.split(":")
    if len(parts) == 4 and parts[1] == "2":
        name = parts[2]
    else:
        name = next((known for known in TYPE_BY_SCHEMA_NAME if known in schema), schema)
    return TYPE_BY_SCHEMA_NAME.get(name, name)


class ConsentStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


class GrantIn(BaseModel):
    """`POST /me/consents`: give `expires_in_days` or `expires_at` (with its time zone), or neither (30 days)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"verifier_did": "did:sov:Th7MpTaRZVRYnPiabds81Y", "credential_types": ["vaccination"],
         "reveal": ["vaccine_code", "occurrence_date"], "prove": ["dose_number"], "purpose": "school enrolment",
         "expires_in_days": 30, "auto_answer": False},
    ]})  # fmt: skip

    verifier_did: IndyDid = Field(max_length=200, description="The verifier's public Indy DID (did:sov:... or the nym)")
    credential_types: list[CredentialType] = Field(min_length=1, max_length=10)
    reveal: list[str] = Field(default_factory=list, max_length=100, description="Attributes it may see")
    prove: list[str] = Field(default_factory=list, max_length=100, description="Attributes only for predicates")
    purpose: str = Field(min_length=1, max_length=500)
    expires_in_days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    expires_at: AwareDatetime | None = None
    auto_answer: bool = False

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("purpose must say why the verifier may ask")
        return value.strip()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        self.credential_types = [CredentialType(t) for t in _unique(self.credential_types)]
        self.reveal, self.prove = _unique(self.reveal), _unique(self.prove)
        if not self.reveal and not self.prove:
            raise ValueError("name at least one attribute in reveal or prove")
        if both := sorted(set(self.reveal) & set(self.prove)):
            raise ValueError(f"attributes in both reveal and prove: {', '.join(both)}")
        known = {name for kind in self.credential_types for name in SCHEMAS[kind].attributes}
        if unknown := [name for name in [*self.reveal, *self.prove] if name not in known]:
            types = ", ".join(self.credential_types)
            raise ValueError(f"attributes not in the schemas of {types}: {', '.join(unknown)}")
        if self.expires_in_days is not None and self.expires_at is not None:
            raise ValueError("give expires_in_days or expires_at, not both")
        return self

    def expiry(self, now: datetime) -> datetime:
        """When the grant ends: at least a second ahead of `now`, at most `MAX_DAYS` days."""
        if self.expires_at is None:
            return now + timedelta(days=self.expires_in_days or DEFAULT_DAYS)
        if self.expires_at < now + MIN_AHEAD:
            raise UnprocessableError("expires_at must be at least 1 second in the future")
        if self.expires_at > now + timedelta(days=MAX_DAYS):
            raise UnprocessableError(f"expires_at must be within {MAX_DAYS} days")
        return self.expires_at


class Grant(BaseModel):
    """One consent, as stored. Times are UTC; `receipt` and `withdrawal_receipt` are compact JWS."""

    model_config = ConfigDict(frozen=True)

    grant_id: str
    patient_id: str
    patient_did: Did  # the did:key of the patient's sub-wallet that signs the receipts
    verifier_did: IndyDid  # held as the nym
    credential_types: tuple[CredentialType, ...]
    reveal: tuple[str, ...]
    prove: tuple[str, ...]
    purpose: str
    auto_answer: bool
    created_at: datetime
    expires_at: datetime
    withdrawn_at: datetime | None = None
    receipt: str
    withdrawal_receipt: str | None = None

    def status(self, now: datetime) -> ConsentStatus:
        if self.withdrawn_at is not None:
            return ConsentStatus.WITHDRAWN
        return ConsentStatus.ACTIVE if now < self.expires_at else ConsentStatus.EXPIRED

    @property
    def ended_at(self) -> datetime:
        return min(self.expires_at, self.withdrawn_at) if self.withdrawn_at else self.expires_at


@dataclass(frozen=True, slots=True)
class Asked:
    """What a proof request asks, referent by referent."""

    referents: tuple[Referent, ...]
    types: Mapping[str, frozenset[str]]  # referent key -> the credential types its restrictions name

    @property
    def revealed(self) -> list[str]:
        return _unique(name for r in self.referents if not r.is_predicate for name in r.names)

    @property
    def proved(self) -> list[str]:
        return _unique(r.names[0] for r in self.referents if r.is_predicate)


def _named_types(spec: Any) -> frozenset[str]:
    restrictions = spec.get("restrictions") if isinstance(spec, dict) else None
    if isinstance(restrictions, dict):
        restrictions = [restrictions]
    found = set()
    for restriction in restrictions if isinstance(restrictions, list) else ():
        if not isinstance(restriction, dict):
            continue
        for key in ("schema_name", "schema_id"):
            if isinstance(restriction.get(key), str):
                found.add(credential_type(restriction[key]))
    return frozenset(found)


def asked_of(request: Mapping[str, Any]) -> Asked:
    """The referents of an AnonCreds proof request and the types each one's restrictions name."""
    specs = {**(request.get("requested_attributes") or {}), **(request.get("requested_predicates") or {})}
    return Asked(tuple(referents(request)), {key: _named_types(spec) for key, spec in specs.items()})


@dataclass(frozen=True, slots=True)
class Coverage:
    allowed: frozenset[str]  # referent keys within the grant
    exceeds: tuple[str, ...]  # names of the referents outside it, in the request's order

    @property
    def covered(self) -> bool:
        return not self.exceeds


def _within(grant: Grant, referent: Referent, types: frozenset[str]) -> bool:
    if not types <= set(grant.credential_types):
        return False
    reveal = {normalise(name) for name in grant.reveal}
    if referent.is_predicate:
        return normalise(referent.names[0]) in reveal | {normalise(name) for name in grant.prove}
    return all(normalise(name) in reveal for name in referent.names)


def coverage(grant: Grant, asked: Asked) -> Coverage:
    allowed = {r.key for r in asked.referents if _within(grant, r, asked.types.get(r.key, frozenset()))}
    outside = _unique(name for r in asked.referents if r.key not in allowed for name in r.names)
    return Coverage(frozenset(allowed), tuple(outside))


class Action(StrEnum):
    ANSWER = "answer"  # a live grant covers it and allows answering without asking
    WAIT = "wait"  # the patient decides
    DECLINE = "decline"  # consent for this verifier expired or was withdrawn


@dataclass(frozen=True, slots=True)
class Judgement:
    action: Action
    grant: Grant | None = None  # the grant that decides (None: no grant for this verifier)
    coverage: Coverage | None = None
    reason: str | None = None  # the problem report's description, for DECLINE


def judge(grants: Sequence[Grant], asked: Asked, now: datetime) -> Judgement:
    """How a request from the verifier these grants name is handled.

    A live grant covering the request decides (answer if it says auto_answer, else wait). Without one,
    a grant that expired or was withdrawn declines at once: when it is the verifier's only kind of
    grant, or when it covered this very request. A live grant that covers only part of the request
    leaves it to the patient, and is the one a manual answer is held to.
    """
    live = [(g, coverage(g, asked)) for g in grants if g.status(now) is ConsentStatus.ACTIVE]
    ended = [g for g in grants if g.status(now) is not ConsentStatus.ACTIVE]
    if covering := [(g, c) for g, c in live if c.covered]:
        grant, cover = max(covering, key=lambda gc: (gc[0].auto_answer, gc[0].expires_at))
        return Judgement(Action.ANSWER if grant.auto_answer else Action.WAIT, grant, cover)
    ended_covering = [g for g in ended if coverage(g, asked).covered]
    if ended and (not live or ended_covering):
        grant = max(ended_covering or ended, key=lambda g: g.ended_at)
        return Judgement(Action.DECLINE, grant, coverage(grant, asked), f"declined: consent {grant.status(now)}")
    if live:
        grant, cover = min(live, key=lambda gc: (len(gc[1].exceeds), -gc[0].created_at.timestamp()))
        return Judgement(Action.WAIT, grant, cover)
    return Judgement(Action.WAIT)


def limits(grant: Grant, asked: Asked) -> tuple[frozenset[str], list[str]]:
    """For a manual answer under `grant`: referent keys to send unrevealed, and the names that cannot be.

    A single attribute outside the grant is proven present but not revealed; a group of names (which
    cannot be half revealed) or a predicate outside the grant is refused, naming what exceeds.
    """
    cover = coverage(grant, asked)
    hidden = {r.key for r in asked.referents if r.key not in cover.allowed and not r.is_predicate and len(r.names) == 1}
    refused = _unique(
        name
        for r in asked.referents
        if r.key not in cover.allowed and r.key not in hidden
        for name in r.names
        if not _within(grant, Referent(r.key, (name,), r.p_type, r.p_value), asked.types.get(r.key, frozenset()))
    )
    return frozenset(hidden), refused


def confine(listed: Sequence[Json], grant: Grant, keys: Iterable[str]) -> list[Json]:
    """The agent's candidates, where only credentials of the grant's types may answer the referents `keys`."""
    keys, types = frozenset(keys), {str(t) for t in grant.credential_types}
    confined = []
    for entry in listed:
        info = entry.get("cred_info")
        kind = credential_type(str(info.get("schema_id", ""))) if isinstance(info, dict) else None
        if kind not in types:
            entry = {**entry, "presentation_referents": [k for k in entry.get("presentation_referents") or ()
                                                         if k not in keys]}  # fmt: skip
        confined.append(entry)
    return confined
