"""The one error tree of medcred. Every module raises these; nothing lower-level escapes a boundary.

    MedcredError                       (500 unless a subclass says otherwise)
    ├── ConfigurationError             settings missing or unsafe; an interpreter not found
    ├── InvalidInputError (ValueError) 400: malformed seed, DID, verkey, paging, invitation, SMART Health Link...
    │   ├── UnprocessableError         422: well-formed but invalid (e.g. a FHIR resource)
    │   │   ├── RecordRefusedError     verifier.integrity: a shared record that failed a check, not shown
    │   │   └── CardRejectedError      medcred.health_cards._errors: a SMART Health Card refused, with its reason
    │   └── DecryptionError            400: an encrypted file (JWE) that does not decrypt with the key given
    ├── AuthenticationError            401: missing or wrong API key / token
    │   └── WrongPasscodeError         issuer.sharing.access: a share's passcode was wrong (+ remainingAttempts)
    ├── PermissionDeniedError          403: authenticated, but not allowed
    ├── NotFoundError                  404
    │   └── RecordErasedError          410: existed, but was erased (crypto-shredded) at the patient's request
    ├── ConflictError                  409: already present
    ├── PayloadTooLargeError           413
    ├── IntegrityError                 500: stored data failed its integrity check (altered or damaged on disk)
    ├── TimeoutError_                  504: an awaited state never came
    ├── ProcessError                   a child process would not start or died
    │   └── PortInUseError             its port is already taken
    ├── AuditLogError                  an audit log's files cannot be used (`medcred audit verify` pinpoints why)
    ├── LedgerError                    502: the Indy pool failed a request
    │   └── LedgerRejectedError        400: the pool refused it (REQNACK / REJECT)
    ├── UpstreamError                  502: a service we call (the hospital's portal, a link's host) failed
    │   ├── HospitalError              holder.portal: the hospital's portal failed the wallet
    │   └── ShareHostError             verifier.shl_client: a link's host failed the clinic
    ├── UpstreamRejectedError          a called service's 4xx with no class of its own: passed on with its status
    │   ├── HospitalRejectedError      holder.portal: such a 4xx of the hospital's portal
    │   └── ShareHostRejectedError     verifier.shl_client: such a 4xx of a link's host
    ├── AgentError                     502: an ACA-Py admin call failed
    │   ├── AgentRejectedError         the agent answered 4xx: carries the agent's status
    │   └── AgentUnavailableError      503 + Retry-After: the agent is down or (re)starting
    └── ControllerError                stack.clients, client side: a controller's non-2xx answer to the demo,
                                       the benchmark or the tests, with its status and detail (never served)

Classes named with a module are defined there, beside the one flow that raises them; the rest are here.
`tests/unit/medcred/test_errors.py` checks this drawing against every error class of the project.

Each class carries `status_code` and `body()`, which the one exception handler per app (`medcred.web`)
turns into an HTTP response (`{"detail": message}`, and what a subclass adds). Errors of libraries
underneath (httpx, indy_vdr, jwcrypto) are translated where they are caught: `raise LedgerError(...) from exc`.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AgentError",
    "AgentRejectedError",
    "AgentUnavailableError",
    "AuditLogError",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "DecryptionError",
    "IntegrityError",
    "InvalidInputError",
    "LedgerError",
    "LedgerRejectedError",
    "MedcredError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PortInUseError",
    "ProcessError",
    "RecordErasedError",
    "TimeoutError_",
    "UnprocessableError",
    "UpstreamError",
    "UpstreamRejectedError",
    "upstream_rejection",
]


class MedcredError(Exception):
    """Base of every error medcred raises on purpose."""

    status_code: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON body of this error's HTTP answer: `{"detail": message}`, and what a subclass adds."""
        return {"detail": self.message}


class ConfigurationError(MedcredError):
    pass


class InvalidInputError(MedcredError, ValueError):
    status_code = 400


class UnprocessableError(InvalidInputError):
    status_code = 422


class DecryptionError(InvalidInputError):
    """A JWE that does not decrypt with the key given: the wrong key, or an altered file."""


class AuthenticationError(MedcredError):
    status_code = 401


class PermissionDeniedError(MedcredError):
    status_code = 403


class NotFoundError(MedcredError):
    status_code = 404


class RecordErasedError(NotFoundError):
    """Gone for good: a NotFoundError (callers that only know "absent" handle it), answered 410."""

    status_code = 410


class ConflictError(MedcredError):
    status_code = 409


class PayloadTooLargeError(MedcredError):
    status_code = 413


class IntegrityError(MedcredError):
    """Stored data no longer matches what was written: the hospital's problem, never the caller's."""


class TimeoutError_(MedcredError):  # noqa: N801, N818 - the builtin name TimeoutError is taken
    status_code = 504


class ProcessError(MedcredError):
    """A child process (validator, agent, server) would not start, or died."""

    def __init__(self, message: str, log_tail: str = "") -> None:
        super().__init__(f"{message}\n--- last lines of its log ---\n{log_tail}" if log_tail else message)
        self.log_tail = log_tail


class PortInUseError(ProcessError):
    pass


class AuditLogError(MedcredError):
    """An audit log's files do not parse or do not fit together (e.g. a torn last line)."""


class LedgerError(MedcredError):
    status_code = 502


class LedgerRejectedError(LedgerError):
    status_code = 400


class UpstreamError(MedcredError):
    """A service medcred calls over HTTP failed: unreachable, timed out, a 5xx, or a malformed answer."""

    status_code = 502


class UpstreamRejectedError(MedcredError):
    """A 4xx of a service we call with no class of its own in this tree: passed on with its status."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


def upstream_rejection(status: int, detail: str) -> MedcredError:
    """Our error for a called service's 4xx answer, carrying that service's reason."""
    known: dict[int, type[MedcredError]] = {
        400: InvalidInputError, 404: NotFoundError, 409: ConflictError, 410: RecordErasedError,
        413: PayloadTooLargeError, 422: UnprocessableError,
    }
    error = known.get(status)
    return error(detail) if error is not None else UpstreamRejectedError(detail, status)


class AgentError(MedcredError):
    status_code = 502


class AgentRejectedError(AgentError):
    """The agent answered with a 4xx: the request was wrong, not the agent."""

    def __init__(self, message: str, agent_status: int) -> None:
        super().__init__(message)
        self.agent_status = agent_status


class AgentUnavailableError(AgentError):
    """The agent does not take calls now (refused, dropped, or it says it is starting): try again later.

    Its supervisor restarts a dead agent within seconds, so the caller is told when to come back."""

    status_code = 503

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after
