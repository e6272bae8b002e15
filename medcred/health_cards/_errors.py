"""Why a SMART Health Card is refused: one reason code each, carried by `CardRejectedError`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from medcred.errors import UnprocessableError

__all__ = ["CardRejectedError", "Refusal"]


class Refusal(StrEnum):
    """The reasons a card does not verify, each named once (the verifier's answers carry them)."""

    MALFORMED = "malformed"                    # not a compact JWS, a header or payload that is not JSON
    TRAILING_DATA = "trailing_data"            # characters after the card (or after the deflate stream)
    BAD_COMPRESSION = "bad_compression"        # the payload is not raw DEFLATE (zip: DEF)
    BAD_QR = "bad_qr"                          # a QR or shc:/ text of the wrong header or mode, not a card
    UNKNOWN_ISSUER = "unknown_issuer"          # `iss` is not in the trust list
    INSECURE_ISSUER = "insecure_issuer"        # `iss` is plain http on a host that is not a loopback address
    UNKNOWN_KID = "unknown_kid"                # the issuer's key set has no key with the card's `kid`
    BAD_SIGNATURE = "bad_signature"            # the ES256 signature does not verify
    NOT_YET_VALID = "not_yet_valid"            # `nbf` is in the future
    EXPIRED = "expired"                        # `exp` is in the past
    REVOKED = "revoked"                        # the card's `rid` is on its issuer's CRL
    INVALID_FHIR = "invalid_fhir"              # the FHIR bundle is not valid under fhir.resources
    ISSUER_UNREACHABLE = "issuer_unreachable"  # live key fetching was enabled and failed


class CardRejectedError(UnprocessableError):
    """A SMART Health Card refused, with its reason (422 when it escapes; the verifier answers it as a result)."""

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "reason": self.reason.value}
