"""What the verifier's routes depend on: the staff key check, the verification service, the share reader."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from agents.controller import require_staff
from verifier.service import VerificationService
from verifier.shares import ShareReader

__all__ = ["ServiceDep", "SharesDep", "require_staff"]


async def _service(request: Request) -> VerificationService:
    service: VerificationService = request.app.state.verifications
    return service


ServiceDep = Annotated[VerificationService, Depends(_service)]


async def _shares(request: Request) -> ShareReader:
    reader: ShareReader = request.app.state.shares
    return reader


SharesDep = Annotated[ShareReader, Depends(_shares)]
