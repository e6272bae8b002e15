"""SMART Health Cards (HL7 / VCI): the signed, compressed FHIR bundle every health verifier app reads.

    key = load_or_create(path)                            # ES256 P-256, kid = RFC 7638 thumbprint
    jws = sign(card_payload(iss, nbf, minimal_bundle(patient, [immunization]), rid), key)
    to_numeric(jws) / from_numeric("shc:/...")             # what the QR code holds
    card_qr_svg(jws)                                       # that QR code (one symbol, version 22 at most)
    card_file(jws) / cards_in_file(data)                   # the .smart-health-card file
    token = parse(jws); claims = CardClaims.of(token.payload); read_bundle(claims.bundle)
    Crl(kid=..., ctr=1, rids=[...]).revokes(rid, nbf)      # revocation by rid

Every refusal is a `CardRejectedError` carrying its `Refusal` reason. Roles build on this: the issuer's
keys and routes (issuer/health_cards/), the verifier's trust list and checks (verifier/health_cards/).
"""

from medcred.health_cards._bundle import CardImmunization, CardPatient, minimal_bundle, read_bundle
from medcred.health_cards._crl import MAX_RID_CHARS, Crl, new_rid
from medcred.health_cards._errors import CardRejectedError, Refusal
from medcred.health_cards._file import MAX_FILE_BYTES, MEDIA_TYPE, card_file, cards_in_file
from medcred.health_cards._iss import is_loopback_http
from medcred.health_cards._jws import CardToken, parse, sign
from medcred.health_cards._keys import SigningKey, load_or_create, public_key
from medcred.health_cards._numeric import HEADER, MAX_SINGLE_QR_JWS, from_numeric, to_numeric
from medcred.health_cards._payload import FHIR_VERSION, HEALTH_CARD, IMMUNIZATION, CardClaims, card_payload
from medcred.health_cards._qr import MAX_QR_VERSION, card_qr_svg

__all__ = [
    "FHIR_VERSION",
    "HEADER",
    "HEALTH_CARD",
    "IMMUNIZATION",
    "MAX_FILE_BYTES",
    "MAX_QR_VERSION",
    "MAX_RID_CHARS",
    "MAX_SINGLE_QR_JWS",
    "MEDIA_TYPE",
    "CardClaims",
    "CardImmunization",
    "CardPatient",
    "CardRejectedError",
    "CardToken",
    "Crl",
    "Refusal",
    "SigningKey",
    "card_file",
    "card_payload",
    "card_qr_svg",
    "cards_in_file",
    "from_numeric",
    "is_loopback_http",
    "load_or_create",
    "minimal_bundle",
    "new_rid",
    "parse",
    "public_key",
    "read_bundle",
    "sign",
    "to_numeric",
]
