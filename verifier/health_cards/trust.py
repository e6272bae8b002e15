"""The issuers a verifier trusts, in the shape of the VCI directory, with snapshots of their keys and CRLs.

Two shapes are read (MEDCRED_VERIFIER_HEALTH_CARD_TRUST_LIST, a JSON file), and may be combined:

    {"participating_issuers": [{"iss": "https://...", "name": "..."}]}          the VCI directory (names only)
    {"issuerInfo": [{"issuer": {"iss": ..., "name": ...}, "keys": [JWK...], "crls": [CRL...]}]}
                                                                                the VCI daily snapshot

With a snapshot's keys and CRLs a card verifies offline; an issuer listed without keys can only be
checked with live fetching enabled (`verifier.health_cards.fetch`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jwcrypto import jwk  # type: ignore[import-untyped]
from pydantic import ValidationError

from medcred.errors import ConfigurationError
from medcred.health_cards import Crl, public_key

__all__ = ["IssuerKeys", "TrustList", "TrustedIssuer"]


@dataclass
class IssuerKeys:
    """One issuer's key set: each key by kid, its crlVersion, and the CRLs known."""

    keys: dict[str, jwk.JWK] = field(default_factory=dict)
    crl_versions: dict[str, int] = field(default_factory=dict)
    crls: dict[str, Crl] = field(default_factory=dict)

    @classmethod
    def of(cls, members: object, crls: object = ()) -> IssuerKeys:
        found = cls()
        for member in members if isinstance(members, list) else []:
            key = public_key(member)
            kid = member.get("kid") if isinstance(member, dict) else None
            if key is None or not isinstance(kid, str):
                continue
            found.keys[kid] = key
            version = member.get("crlVersion")
            if isinstance(version, int) and not isinstance(version, bool) and version > 0:
                found.crl_versions[kid] = version
        for raw in crls if isinstance(crls, list) else []:
            try:
                crl = Crl.model_validate(raw)
            except ValidationError:
                continue
            found.crls[crl.kid] = crl
        return found


@dataclass
class TrustedIssuer:
    iss: str
    name: str
    snapshot: IssuerKeys


class TrustList:
    def __init__(self, issuers: list[TrustedIssuer] | None = None) -> None:
        self._issuers = {issuer.iss: issuer for issuer in issuers or []}

    def issuer(self, iss: str) -> TrustedIssuer | None:
        return self._issuers.get(iss)

    def __len__(self) -> int:
        return len(self._issuers)

    @classmethod
    def from_document(cls, document: Any) -> TrustList:
        if not isinstance(document, dict):
            raise ConfigurationError("a health card trust list is a JSON object (the VCI directory or snapshot)")
        issuers: dict[str, TrustedIssuer] = {}
        for entry in document.get("participating_issuers") or []:
            if isinstance(entry, dict) and isinstance(entry.get("iss"), str):
                iss = entry["iss"].rstrip("/")
                issuers[iss] = TrustedIssuer(iss, str(entry.get("name") or iss), IssuerKeys())
        for info in document.get("issuerInfo") or []:
            issuer = info.get("issuer") if isinstance(info, dict) else None
            if not isinstance(issuer, dict) or not isinstance(issuer.get("iss"), str):
                continue
            iss = issuer["iss"].rstrip("/")
            issuers[iss] = TrustedIssuer(iss, str(issuer.get("name") or iss),
                                         IssuerKeys.of(info.get("keys"), info.get("crls")))  # fmt: skip
        return cls(list(issuers.values()))

    @classmethod
    def from_file(cls, path: Path | None) -> TrustList:
        if path is None:
            return cls()
        try:
            return cls.from_document(json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"the health card trust list {path} cannot be read: {exc}") from exc
