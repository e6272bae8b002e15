"""One card's checks, in order; the first that fails is the answer's reason.

    result = await checker.check(jws)

 1. the JWS: three parts, header `zip: DEF` and `alg: ES256`, raw DEFLATE payload, nothing after it
 2. the issuer: `iss` in the trust list (plain http only on loopback, and said so)
 3. the key: the card's `kid` in the issuer's key set (the snapshot's, or fetched live when enabled)
 4. the signature (ES256)
 5. revocation: the card's `rid` on its key's CRL (the snapshot's, or fetched live when the key set's
    `crlVersion` says there is one and live fetching is enabled): a revoked card is said revoked first
 6. `nbf` (a little clock skew allowed) and `exp`
 7. the FHIR bundle, valid under fhir.resources; the patient and the immunizations read from it
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from medcred.health_cards import CardClaims, CardRejectedError, Refusal, is_loopback_http, parse, read_bundle
from verifier.health_cards.fetch import KeyFetcher
from verifier.health_cards.models import CardImmunizationView, CardIssuerView, CardResult
from verifier.health_cards.trust import IssuerKeys, TrustedIssuer, TrustList

__all__ = ["CardChecker"]

LOOPBACK_HTTP = "the issuer's URL is plain http on a loopback address: acceptable for development only"


class CardChecker:
    def __init__(
        self, trust: TrustList, fetcher: KeyFetcher | None = None, *, clock_skew: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        """`fetcher`: live fetching (None: off, the trust list's snapshots only)."""
        self.trust = trust
        self.fetcher = fetcher
        self.clock_skew = clock_skew
        self.clock = clock

    async def check(self, jws: str) -> CardResult:
        warnings: list[str] = []
        issuer_view: CardIssuerView | None = None
        kid: str | None = None
        try:
            token = parse(jws)
            kid = token.kid
            claims = CardClaims.of(token.payload)
            issuer = self.trust.issuer(claims.iss.rstrip("/"))
            issuer_view = CardIssuerView(iss=claims.iss, name=issuer.name if issuer else None)
            if claims.iss.startswith("http://"):
                if not is_loopback_http(claims.iss):
                    raise CardRejectedError(Refusal.INSECURE_ISSUER, "the issuer's URL is plain http: refused")
                warnings.append(LOOPBACK_HTTP)
            elif not claims.iss.startswith("https://"):
                raise CardRejectedError(Refusal.INSECURE_ISSUER, "the issuer's URL is not https")
            if issuer is None:
                raise CardRejectedError(Refusal.UNKNOWN_ISSUER, "the card's issuer is not in the trust list")
            keys = await self._keys(issuer)
            key = keys.keys.get(token.kid)
            if key is None:
                raise CardRejectedError(Refusal.UNKNOWN_KID, "the issuer's key set has no key with the card's kid")
            if not token.verifies_with(key):
                raise CardRejectedError(Refusal.BAD_SIGNATURE, "the card's signature does not verify")
            if claims.rid is not None:
                await self._check_revocation(issuer, keys, token.kid, claims, warnings)
            now = self.clock()
            if claims.nbf > now + self.clock_skew:
                raise CardRejectedError(Refusal.NOT_YET_VALID, "the card is not valid yet (nbf is in the future)")
            if claims.exp is not None and claims.exp < now - self.clock_skew:
                raise CardRejectedError(Refusal.EXPIRED, "the card has expired (exp is in the past)")
            patient, immunizations = read_bundle(claims.bundle)
        except CardRejectedError as exc:
            return CardResult(verified=False, reason=exc.reason, detail=exc.message, issuer=issuer_view, kid=kid,
                              warnings=warnings)  # fmt: skip
        return CardResult(
            verified=True, issuer=issuer_view, kid=kid, warnings=warnings,
            patient_name=patient.name if patient else None, patient_birth_date=patient.birth_date if patient else None,
            immunizations=[CardImmunizationView(vaccine_system=i.system, vaccine_code=i.code, date=i.date,
                                                lot_number=i.lot, performer=i.performer) for i in immunizations],
            issued_at=datetime.fromtimestamp(claims.nbf, UTC),
        )  # fmt: skip

    async def _keys(self, issuer: TrustedIssuer) -> IssuerKeys:
        if self.fetcher is None:
            return issuer.snapshot
        live = await self.fetcher.keys(issuer.iss)
        return IssuerKeys(keys=live.keys, crl_versions=live.crl_versions, crls=issuer.snapshot.crls)

    async def _check_revocation(
        self, issuer: TrustedIssuer, keys: IssuerKeys, kid: str, claims: CardClaims, warnings: list[str]
    ) -> None:
        crl = keys.crls.get(kid)
        version = keys.crl_versions.get(kid, 0)
        if self.fetcher is not None and version > 0 and (crl is None or crl.ctr < version):
            crl = await self.fetcher.crl(issuer.iss, kid)
        elif crl is not None and crl.ctr < version:
            warnings.append(f"the trust list's CRL of this key is at version {crl.ctr}, its key set at {version}")
        if crl is not None and claims.rid is not None and crl.revokes(claims.rid, claims.nbf):
            raise CardRejectedError(Refusal.REVOKED, "the card is revoked (its rid is on the issuer's CRL)")
