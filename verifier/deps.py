"""What the verifier's routes depend on: the staff key check, the verification service, the share reader."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from agents.controller import require_staff, state_dependency
from verifier.fhir_out import FhirOut
from verifier.health_cards.service import CardVerifications
from verifier.service import VerificationService
from verifier.shares import ShareReader

__all__ = ["FhirDep", "HealthCardsDep", "ServiceDep", "SharesDep", "require_staff"]


ServiceDep = Annotated[VerificationService, Depends(state_dependency("verifications"))]


SharesDep = Annotated[ShareReader, Depends(state_dependency("shares"))]


HealthCardsDep = Annotated[CardVerifications, Depends(state_dependency("health_cards"))]


FhirDep = Annotated[FhirOut, Depends(state_dependency("fhir_out"))]
