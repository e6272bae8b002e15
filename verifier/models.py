"""The verifier's domain objects: a verification (as stored, and as shown) and the API's bodies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CreateVerification",
    "TemplateView",
    "Verification",
    "VerificationCreated",
    "VerificationState",
    "VerificationView",
]


class VerificationState(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    FAILED = "failed"
    DECLINED = "declined"
    TIMED_OUT = "timed_out"


class Verification(BaseModel):
    """One verification as stored: the template asked, the agent's record, and the result.

    `revealed` only ever holds the raw values of the attributes the template asked to reveal.
    """

    verification_id: str
    template: str
    pres_ex_id: str
    state: VerificationState = VerificationState.PENDING
    created_at: datetime
    expires_at: datetime
    completed_at: datetime | None = None
    revealed: dict[str, str] = Field(default_factory=dict)
    predicates: list[str] = Field(default_factory=list)
    verified: bool | None = None  # True once verified, False once failed; None otherwise
    reason: str | None = None

    @property
    def pending(self) -> bool:
        return self.state is VerificationState.PENDING

    def view(self) -> VerificationView:
        return VerificationView.model_validate(self.model_dump())


class VerificationView(BaseModel):
    """A verification as staff see it (`GET /verifications/{id}`)."""

    model_config = ConfigDict(extra="ignore")

    verification_id: str
    template: str
    state: VerificationState
    verified: bool | None
    revealed: dict[str, str]
    predicates: list[str]
    reason: str | None
    created_at: datetime
    completed_at: datetime | None


class CreateVerification(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: str = Field(min_length=1, max_length=64)


class VerificationCreated(BaseModel):
    verification_id: str
    invitation_url: str
    template: str
    expires_at: datetime


class TemplateView(BaseModel):
    name: str
    title: str
    credential: str  # the schema name
    reveals: list[str]
    proves: list[str]
