"""What a finished presentation exchange means for a verification, reading no more than the template asked.

    done, verified "true"   -> verified, with the raw values of the template's revealed attributes only
    done, verified "false"  -> failed (ACA-Py gives no reason; its `verified_msgs` codes are passed on)
    abandoned               -> declined or failed, from the patient's problem-report description

The holder describes a refusal with a prefix (`declined:`, `predicate-not-met:`, `revoked:`,
`no-credential:`); the verifier's agent stores it as `error_msg`, after the report's code
(`"abandoned: declined: ..."`). Text from the other side is sanitized and truncated before it is kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from verifier.models import VerificationState
from verifier.templates import Template

__all__ = ["NOT_VERIFIED", "Outcome", "abandoned_outcome", "presentation_outcome", "sanitize"]

NOT_VERIFIED = "not verified: a credential is revoked or the proof is invalid"
MAX_REASON = 200

# (description prefix, state, reason)
_HOLDER_REASONS = (
    ("declined:", VerificationState.DECLINED, "declined by the patient"),
    ("predicate-not-met:", VerificationState.FAILED, "predicate not met"),
    ("revoked:", VerificationState.FAILED, "revoked"),
    ("no-credential:", VerificationState.FAILED, "no matching credential"),
)
_PROBLEM_CODE = re.compile(r"^[a-z][a-z0-9_.-]*:\s*(.+)$", re.DOTALL)
_VERIFY_CODE = re.compile(r"^[A-Z][A-Z_]*$")


@dataclass(frozen=True)
class Outcome:
    state: VerificationState
    reason: str | None = None
    revealed: dict[str, str] = field(default_factory=dict)
    issuer_did: str | None = None  # the issuer of the credential proven (its credential definition's)

    @property
    def verified(self) -> bool | None:
        return {VerificationState.VERIFIED: True, VerificationState.FAILED: False}.get(self.state)


def sanitize(text: object, limit: int = MAX_REASON) -> str:
    """Printable text on one line, at most `limit` characters."""
    cleaned = " ".join("".join(c if c.isprintable() else " " for c in str(text or "")).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def presentation_outcome(template: Template, record: Mapping[str, Any]) -> Outcome:
    """The outcome of a `done` record, read from the agent (`GET /present-proof-2.0/records/{id}`)."""
    if record.get("verified") != "true":
        codes = sorted({str(m).split("::")[0] for m in record.get("verified_msgs") or ()} - {""})
        codes = [code for code in codes if _VERIFY_CODE.fullmatch(code)]
        return Outcome(VerificationState.FAILED, NOT_VERIFIED + (f" ({', '.join(codes)})" if codes else ""))
    by_format = _dict(record.get("by_format"))
    proof = _dict(_dict(by_format.get("pres")).get("anoncreds"))
    request = _dict(_dict(by_format.get("pres_request")).get("anoncreds"))
    requested_proof = _dict(proof.get("requested_proof"))
    revealed = _revealed_values(template, requested_proof, request)
    if set(revealed) != set(template.reveal):
        return Outcome(VerificationState.FAILED, "the presentation does not reveal what the template asks for")
    if len(_sub_proofs(requested_proof)) > 1:
        return Outcome(VerificationState.FAILED, "the proof combines several credentials; the template needs one")
    return Outcome(VerificationState.VERIFIED, None, revealed, _issuer_of(proof))


def _issuer_of(proof: dict[str, Any]) -> str | None:
    """The issuer DID of the one credential proven: the first part of its credential definition's id."""
    identifiers = proof.get("identifiers")
    first = _dict(identifiers[0]) if isinstance(identifiers, list) and identifiers else {}
    cred_def_id = first.get("cred_def_id")
    if not isinstance(cred_def_id, str) or ":3:CL:" not in cred_def_id:
        return None
    return sanitize(cred_def_id.split(":3:CL:", 1)[0].removeprefix("did:sov:"), 64) or None


def _revealed_values(template: Template, requested_proof: dict[str, Any], request: dict[str, Any]) -> dict[str, str]:
    wanted = set(template.reveal)
    found: list[tuple[Any, Any]] = []
    for group in _dict(requested_proof.get("revealed_attr_groups")).values():
        found += _dict(_dict(group).get("values")).items()
    names = {ref: _dict(spec).get("name") for ref, spec in _dict(request.get("requested_attributes")).items()}
    found += [(names.get(ref), value) for ref, value in _dict(requested_proof.get("revealed_attrs")).items()]
    return {
        name: value["raw"]
        for name, value in found
        if name in wanted and isinstance(value, dict) and isinstance(value.get("raw"), str)
    }


def _sub_proofs(requested_proof: dict[str, Any]) -> set[Any]:
    """The credentials (sub-proof indexes) the revealed attributes and predicates came from."""
    entries = [
        *_dict(requested_proof.get("revealed_attr_groups")).values(),
        *_dict(requested_proof.get("revealed_attrs")).values(),
        *_dict(requested_proof.get("predicates")).values(),
    ]
    return {_dict(entry).get("sub_proof_index") for entry in entries}


def abandoned_outcome(error_msg: object) -> Outcome:
    """The outcome of an `abandoned` record: declined unless its `error_msg` says otherwise."""
    text = sanitize(error_msg)
    if not text:
        return Outcome(VerificationState.DECLINED, "declined by the patient")
    candidates = [text]
    if match := _PROBLEM_CODE.match(text):
        candidates.append(match.group(1))
    for candidate in candidates:
        for prefix, state, reason in _HOLDER_REASONS:
            if candidate.lower().startswith(prefix):
                detail = candidate[len(prefix) :].strip()
                if detail and prefix == "predicate-not-met:":
                    reason = f"{reason}: {detail}"
                elif detail and prefix == "declined:":  # e.g. "consent expired", "consent withdrawn"
                    reason = f"declined: {detail}"
                return Outcome(state, reason)
    return Outcome(VerificationState.FAILED, text)
