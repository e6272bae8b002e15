"""What the verifier's routes depend on: the staff key check, the verification service, the share reader."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from agents.controller import require_staff, state_dependency
from verifier.health_cards.service import CardVerifications
from verifier.service import VerificationService
from verifier.shares import ShareReader

__all__ = ["HealthCardsDep", "ServiceDep", "SharesDep", "require_staff"]


ServiceDep = Annotated[VerificationService, Depends(state_dependency("verifications"))]


SharesDep = Annotated[ShareReader, Depends(state_dependency("shares"))]


HealthCardsDep = Annotated[CardVerifications, Depends(state_dependency("health_cards"))]
