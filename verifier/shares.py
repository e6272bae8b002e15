"""Opening a SMART Health Link a patient shared: fetch, decrypt, and check each record before showing it.

    opened = await reader.open(OpenShare(shlink="shlink:/..."))       # or qr_png_base64=..., passcode=...

1. the link: from the text, or from the QR code in a PNG (`verifier.qr`); decoded by `medcred.shl`
   (only http(s), no user name or password in its URL; flag U links, a single direct file with no
   manifest and no proofs, are refused; flag P needs the passcode);
2. the manifest: POST `{"recipient": <this verifier's label>, "passcode"?}` to the link's URL; the
   host's refusals are ours with its reason (404 revoked / expired / used / locked, 401 wrong passcode
   with the attempts left, 410 erased);
3. the integrity proofs: `GET {url}/proofs?ticket=` (the ticket of the files' locations);
4. each file: downloaded (only from the manifest's own origin, up to 20 MiB), decrypted with the
   link's key, and checked (`verifier.integrity`) against its audit entry, Merkle path and the ledger.
   A file that fails anything is refused with the reason, never shown.

A file is paired with its proof by the `file_id` its location names, else by position; a record
whose bytes match another of the share's anchored entries is paired with that one. The pairing
decides only which reason a refusal gives: nothing is shown unless its own bytes are anchored.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import ValidationError

from agents.audit import NO_AUDIT, AuditRecorder
from medcred.bounded_json import loads
from medcred.errors import InvalidInputError, MedcredError
from medcred.shl import Manifest, ManifestFile, ShlContentType, ShlFlag, ShlPayload, decode_link, decrypt_file
from verifier.integrity import LedgerReader, ProofItem, RecordRefusedError, Txns, check_record, sha256_of
from verifier.models import OpenedShare, OpenShare, RefusedFile, ShareAnchor, SharedFile
from verifier.qr import link_from_png
from verifier.shl_client import ShareHostError, ShlClient, url_problem

__all__ = ["MAX_FILES", "ShareReader"]

log = logging.getLogger(__name__)

MAX_FILES = 100
FHIR_JSON = ShlContentType.FHIR_JSON.value
DOCUMENT_REFERENCE = "DocumentReference"


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def _resource(data: bytes) -> dict[str, Any] | None:
    """The FHIR resource in a file, or None when it is not one."""
    try:
        resource = loads(data, what="the file")
    except InvalidInputError:  # not JSON, or nested too deeply
        return None
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return None
    return resource


def _attachment(resource: dict[str, Any] | None) -> bytes | None:
    """The bytes a DocumentReference carries (`content[0].attachment.data`), if any."""
    if resource is None or resource.get("resourceType") != DOCUMENT_REFERENCE:
        return None
    try:
        data = resource["content"][0]["attachment"]["data"]
        return base64.b64decode("".join(data.split()), validate=True) if isinstance(data, str) else None
    except (KeyError, IndexError, TypeError, binascii.Error, ValueError):
        return None


def _tokens(location: str | None) -> set[str]:
    """The path segments and query values (but the ticket) of a file's location: where a file id may be."""
    if location is None:
        return set()
    parts = urlsplit(location)
    values = {value for key, found in parse_qs(parts.query).items() if key != "ticket" for value in found}
    return {unquote(segment) for segment in parts.path.split("/") if segment} | values


def _ticket(files: Sequence[ManifestFile]) -> str | None:
    for file in files:
        if file.location is not None and (found := parse_qs(urlsplit(file.location).query).get("ticket")):
            return found[0]
    return None


def _pair(files: Sequence[ManifestFile], items: Sequence[ProofItem]) -> list[ProofItem | None]:
    """Each file's proof: by the file id its location names, else (when counts agree) by position."""
    by_id = {item.file_id: item for item in items if item.file_id}
    named = []
    for file in files:
        hits = [by_id[token] for token in _tokens(file.location) if token in by_id]
        named.append(hits[0] if len(hits) == 1 else None)
    if all(item is not None for item in named) or len(items) != len(files):
        return named
    return [item if item is not None else items[index] for index, item in enumerate(named)]


@dataclass
class _Opening:
    """What reading one share's files works with."""

    payload: ShlPayload
    items: list[ProofItem]
    missing: str | None  # why there are no proofs, if there are none
    ledger: LedgerReader | None
    txns: Txns = field(default_factory=dict)
    used: set[int] = field(default_factory=set)  # ids of the proofs already matched to a file

    def item_for(self, candidates: Sequence[bytes], paired: ProofItem | None) -> ProofItem | None:
        """The proof whose anchored hash these bytes have (the paired one first); else the paired one."""
        hashes = {sha256_of(data) for data in candidates}
        ordered = ([paired] if paired is not None else []) + [item for item in self.items if item is not paired]
        for item in ordered:
            if id(item) not in self.used and item.anchored_sha256 in hashes:
                return item
        return paired


class ShareReader:
    def __init__(
        self,
        client: ShlClient,
        *,
        recipient: str,
        ledger: Callable[[], LedgerReader | None],
        audit: AuditRecorder = NO_AUDIT,
    ) -> None:
        self._client, self._recipient, self._ledger, self._audit = client, recipient, ledger, audit

    async def open(self, request: OpenShare) -> OpenedShare:
        payload, files = await self._manifest(request)
        items, missing = await self._proofs(payload.url, files)
        opening = _Opening(payload, items, missing, self._ledger())
        shown: list[SharedFile] = []
        refused: list[RefusedFile] = []
        if len(files) > MAX_FILES:
            refused.append(RefusedFile(record_id=None, reason=f"the share lists more than {MAX_FILES} files"))
            files = files[:MAX_FILES]
        for file, paired in zip(files, _pair(files, items), strict=True):
            result = await self._read(opening, file, paired)
            if isinstance(result, SharedFile):
                shown.append(result)
            else:
                refused.append(result)
        self._audit.record("share.opened", files=len(files), refused=len(refused),
                           shown=sorted(f.record_id for f in shown if f.record_id))  # fmt: skip
        log.info("share opened: %d file(s) shown, %d refused", len(shown), len(refused))
        return OpenedShare(label=payload.label, files=shown, refused=refused)

    async def card_files(self, request: OpenShare) -> list[bytes]:
        """The link's SMART Health Card files (`application/smart-health-card`), decrypted: each card in them
        carries its own signature, checked by `verifier.health_cards`, so no integrity proof is asked."""
        payload, files = await self._manifest(request)
        found = []
        for file in files[:MAX_FILES]:
            if file.content_type != ShlContentType.SMART_HEALTH_CARD:
                continue
            jwe = file.embedded if file.embedded is not None else await self._download(payload, file)
            content_type, data = await asyncio.to_thread(decrypt_file, jwe, payload.key_bytes)
            if content_type != ShlContentType.SMART_HEALTH_CARD:
                raise InvalidInputError(f"a card file of the link decrypts as {content_type[:64]}")
            found.append(data)
        self._audit.record("share.cards_read", files=len(files), cards=len(found))
        if not found:
            raise InvalidInputError("the link holds no SMART Health Card file (application/smart-health-card)")
        return found

    async def _manifest(self, request: OpenShare) -> tuple[ShlPayload, list[ManifestFile]]:
        payload = decode_link(await self._link_text(request))
        if problem := url_problem(payload.url):
            raise InvalidInputError(f"the link's URL {problem}")
        if ShlFlag.DIRECT_FILE in payload.flags:
            raise InvalidInputError("links with flag U (a single file, no manifest and no proofs) are not supported")
        needs_passcode = ShlFlag.PASSCODE in payload.flags
        if needs_passcode and request.passcode is None:
            raise InvalidInputError("this link is protected by a passcode: give it as passcode")
        answer = await self._client.manifest(
            payload.url, recipient=self._recipient, passcode=request.passcode if needs_passcode else None
        )
        try:
            return payload, Manifest.model_validate(answer).files
        except ValidationError:
            raise ShareHostError("the share's host answered with a malformed manifest") from None

    async def _link_text(self, request: OpenShare) -> str:
        if request.shlink is not None and request.qr_png_base64 is None:
            return request.shlink
        if request.qr_png_base64 is not None and request.shlink is None:
            return await asyncio.to_thread(link_from_png, request.qr_png_base64)
        raise InvalidInputError("give exactly one of shlink or qr_png_base64")

    async def _proofs(self, url: str, files: Sequence[ManifestFile]) -> tuple[list[ProofItem], str | None]:
        """The hospital's proofs of the files, or why there are none."""
        ticket = _ticket(files)
        if ticket is None:
            return [], "the share's files come with no ticket to ask for their integrity proofs"
        try:
            answer = await self._client.proofs(url, ticket)
        except MedcredError as exc:
            return [], f"the hospital gave no integrity proofs: {exc.message}"
        items = []
        for raw in answer if isinstance(answer, list) else []:
            try:
                items.append(ProofItem.model_validate(raw))
            except ValidationError:
                log.warning("a malformed integrity proof from the share's host is left out")
        return items, None if items else "the hospital gave no integrity proofs"

    async def _read(self, opening: _Opening, file: ManifestFile, paired: ProofItem | None) -> SharedFile | RefusedFile:
        """One file, shown only if every check passes; otherwise refused with the reason."""
        record_id = paired.record_id if paired is not None else None
        try:
            if file.content_type != ShlContentType.FHIR_JSON:
                raise InvalidInputError(f"only FHIR JSON files are read; this one is {file.content_type.value}")
            jwe = file.embedded if file.embedded is not None else await self._download(opening.payload, file)
            content_type, data = await asyncio.to_thread(decrypt_file, jwe, opening.payload.key_bytes)
            if content_type != FHIR_JSON:
                raise InvalidInputError(f"only FHIR JSON files are read; this one decrypts as {content_type[:64]}")
            resource = _resource(data)
            candidates = [data] + [attachment for attachment in [_attachment(resource)] if attachment is not None]
            item = opening.item_for(candidates, paired)
            if item is None:
                raise RecordRefusedError(opening.missing or "the hospital gave no integrity proof for this file")
            record_id = item.record_id
            checked = await check_record(item, candidates, opening.ledger, opening.txns)
            opening.used.add(id(item))
            if resource is None:
                raise InvalidInputError("the file is not a FHIR resource (a JSON object with a resourceType)")
        except MedcredError as exc:
            return RefusedFile(record_id=record_id, reason=exc.message)
        return SharedFile(
            record_id=checked.record_id, resource_type=str(resource["resourceType"]), resource=resource,
            sha256=checked.sha256, anchor=ShareAnchor(did=checked.did, seq_no=checked.seq_no),
        )  # fmt: skip

    async def _download(self, payload: ShlPayload, file: ManifestFile) -> str:
        location = str(file.location)
        if problem := url_problem(location):
            raise InvalidInputError(f"the file's location {problem}")
        if _origin(location) != _origin(payload.url):
            raise InvalidInputError("the file's location is not on the share's own host: not fetched")
        return await self._client.file(location)
