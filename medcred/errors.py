"""The one error tree of medcred. Every module raises these; nothing lower-level escapes a boundary.

    MedcredError                       (500 unless a subclass says otherwise)
    ├── ConfigurationError             settings missing or unsafe; an interpreter not found
    ├── InvalidInputError (ValueError) 400: malformed seed, DID, verkey, paging, invitation, SMART Health Link...
    │   ├── UnprocessableError         422: well-formed but invalid (e.g. a FHIR resource)
    │   └── DecryptionError            400: an encrypted file (JWE) that does not decrypt with the key given
    ├── AuthenticationError            401: missing or wrong API key / token
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
    └── AgentError                     502: an ACA-Py admin call failed
        └── AgentRejectedError         the agent answered 4xx: carries the agent's status

Each class carries `status_code`, which the one exception handler per app (`medcred.web`) turns into
an HTTP response `{"detail": message}`. Errors of libraries underneath (httpx, indy_vdr, jwcrypto) are
translated where they are caught: `raise LedgerError(...) from exc`.
"""

from __future__ import annotations

__all__ = [
    "AgentError",
    "AgentRejectedError",
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
]


class MedcredError(Exception):
    """Base of every error medcred raises on purpose."""

    status_code: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


class AgentError(MedcredError):
    status_code = 502


class AgentRejectedError(AgentError):
    """The agent answered with a 4xx: the request was wrong, not the agent."""

    def __init__(self, message: str, agent_status: int) -> None:
        super().__init__(message)
        self.agent_status = agent_status
