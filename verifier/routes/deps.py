"""What the verifier's routes depend on: the staff key check, the verification service, the share reader."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from pydantic import SecretStr

from medcred.web import StaffKeyHeader, check_api_key
from verifier.service import VerificationService
from verifier.shares import ShareReader

__all__ = ["ServiceDep", "SharesDep", "require_staff"]


async def require_staff(request: Request, given: StaffKeyHeader) -> None:
    """Admit only requests carrying the staff key (`X-API-Key`), compared in constant time."""
    expected: SecretStr = request.app.state.api_key
    check_api_key(given, expected.get_secret_value())


async def _service(request: Request) -> VerificationService:
    service: VerificationService = request.app.state.verifications
    return service


ServiceDep = Annotated[VerificationService, Depends(_service)]


async def _shares(request: Request) -> ShareReader:
    reader: ShareReader = request.app.state.shares
    return reader


SharesDep = Annotated[ShareReader, Depends(_shares)]
