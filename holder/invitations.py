"""Reading out-of-band invitations: from a URL (`...?oob=<base64url JSON>`) or as the object itself.

Everything malformed is an `InvalidInputError` (400) that says what is wrong, never echoing the input.
An invitation may carry a proof request (a verifier's QR code): `proof_request_thread()` finds the
thread id the wallet's presentation record will carry (`~thread.thid`, else the message's `@id`).
A verifier names itself by its public DID as the invitation's one service (`"services":
["did:sov:<nym>"]`): `verifier_did()` reads that nym, the key to the patient's consents for it. The
answer goes to that DID's endpoint, encrypted to its key, so only the DID's holder reads it; an attached
message that names a reply address of its own (`~service`, which ACA-Py would answer to instead) is
refused, or anyone could ask in a trusted verifier's name and read the answer.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qs, urlsplit

from medcred.bounded_json import loads
from medcred.errors import InvalidInputError
from medcred.identifiers import IndyDid

__all__ = [
    "check_invitation",
    "invitation_from",
    "invitation_label",
    "parse_invitation_url",
    "proof_request_thread",
    "verifier_did",
]

type Json = dict[str, Any]

DIDCOMM_PREFIXES = ("https://didcomm.org/", "did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/")
OOB_INVITATIONS = ("out-of-band/1.0/invitation", "out-of-band/1.1/invitation")
PRES_REQUEST = "present-proof/2.0/request-presentation"
URLSAFE = str.maketrans({" ": "-", "+": "-", "/": "_"})


def _unqualified(message_type: object) -> str | None:
    if not isinstance(message_type, str):
        return None
    for prefix in DIDCOMM_PREFIXES:
        if message_type.startswith(prefix):
            return message_type.removeprefix(prefix)
    return None


def _b64_json(text: str, what: str) -> Any:
    # Accept standard base64 too: its "+" arrives as " " once the query string is decoded.
    compact = text.strip().translate(URLSAFE).rstrip("=")
    try:
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInputError(f"{what} is not valid base64") from exc
    return loads(raw, what=f"the JSON in {what}")  # 400 saying what is wrong: not JSON, nested too deeply


def parse_invitation_url(url: str) -> Json:
    """The invitation in an `oob=` URL, checked to be an out-of-band invitation."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https", "didcomm") or not parts.netloc:
        raise InvalidInputError("invitation_url is not an http(s) or didcomm URL")
    query = parse_qs(parts.query)
    if "oob" not in query:
        if "c_i" in query or "d_m" in query:
            raise InvalidInputError("only out-of-band invitations (oob=) are accepted, not connections/1.0 ones")
        raise InvalidInputError("invitation_url has no oob= parameter")
    return check_invitation(_b64_json(query["oob"][0], "the oob= parameter"))


def check_invitation(invitation: Any) -> Json:
    """The invitation itself, if it is a well-formed out-of-band invitation."""
    if not isinstance(invitation, dict):
        raise InvalidInputError("the invitation is not a JSON object")
    if _unqualified(invitation.get("@type")) not in OOB_INVITATIONS:
        raise InvalidInputError("not an out-of-band invitation (wrong or missing @type)")
    if not isinstance(invitation.get("@id"), str):
        raise InvalidInputError("the invitation has no @id")
    services = invitation.get("services")
    if not isinstance(services, list) or len(services) != 1:
        raise InvalidInputError("the invitation must name exactly one service")
    if not invitation.get("handshake_protocols") and not invitation.get("requests~attach"):
        raise InvalidInputError("the invitation asks for neither a connection nor an attached request")
    return invitation


def invitation_from(invitation_url: str | None, invitation: Json | None) -> Json:
    """The invitation a request body gives: exactly one of its URL or the object."""
    if (invitation_url is None) == (invitation is None):
        raise InvalidInputError("give exactly one of invitation_url or invitation")
    return parse_invitation_url(invitation_url) if invitation_url is not None else check_invitation(invitation)


def _attached_message(attachment: Any) -> Json:
    data = attachment.get("data") if isinstance(attachment, dict) else None
    message = data.get("json") if isinstance(data, dict) else None
    if isinstance(message, dict):
        return message
    if isinstance(data, dict) and isinstance(data.get("base64"), str):
        message = _b64_json(data["base64"], "an attachment")
        if isinstance(message, dict):
            return message
    raise InvalidInputError("an attachment of the invitation holds no JSON message")


def proof_request_thread(invitation: Json) -> str | None:
    """The thread id of the present-proof request attached to the invitation, if there is one."""
    attachments = invitation.get("requests~attach") or []
    if not isinstance(attachments, list):
        raise InvalidInputError("requests~attach is not a list")
    for attachment in attachments:
        message = _attached_message(attachment)
        if "~service" in message:
            raise InvalidInputError("an attached message names its own reply address (~service): only the "
                                    "invitation's service is answered")  # fmt: skip
        if _unqualified(message.get("@type")) != PRES_REQUEST:
            continue
        thread = message.get("~thread")
        thid = thread.get("thid") if isinstance(thread, dict) else None
        thread_id = thid or message.get("@id")
        if not isinstance(thread_id, str) or not thread_id:
            raise InvalidInputError("the attached proof request has no @id")
        return thread_id
    return None


def invitation_label(invitation: Json) -> str | None:
    """The label the inviter gave itself (shown to the patient as who asks)."""
    label = invitation.get("label")
    return label[:200] if isinstance(label, str) and label.strip() else None


def verifier_did(invitation: Json) -> IndyDid | None:
    """The inviter's public Indy DID (its nym) when that DID is the invitation's service; None for an inline
    service block or another DID method (did:peer...)."""
    services = invitation.get("services")
    return IndyDid.parse(services[0]) if isinstance(services, list) and services else None
