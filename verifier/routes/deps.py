"""What the verifier's routes depend on: the staff key check, the verification service, the share reader."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from pydantic import SecretStr

from medcred.errors import AuthenticationError
from medcred.web import API_KEY_HEADER, secrets_match
from verifier.service import VerificationService
from verifier.shares import ShareReader

__all__ = ["ServiceDep", "SharesDep", "require_staff"]


async def require_staff(request: Request) -> None:
    """Admit only requests carrying the staff key (`X-API-Key`), compared in constant time."""
    expected: SecretStr = request.app.state.api_key
    if not secrets_match(request.headers.get(API_KEY_HEADER), expected.get_secret_value()):
        raise AuthenticationError(f"missing or wrong {API_KEY_HEADER} header")


async def _service(request: Request) -> VerificationService:
    service: VerificationService = request.app.state.verifications
    return service


ServiceDep = Annotated[VerificationService, Depends(_service)]


async def _shares(request: Request) -> ShareReader:
    reader: ShareReader = request.app.state.shares
    return reader


SharesDep = Annotated[ShareReader, Depends(_shares)]
