"""SMART Health Links: the spec's worked examples, independent JOSE readers, and hostile input."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from jwcrypto.jwe import JWE
from jwcrypto.jwk import JWK
from pydantic import ValidationError

from medcred.errors import DecryptionError, InvalidInputError
from medcred.shl import (
    Manifest,
    ManifestRequest,
    ShlContentType,
    ShlFlag,
    decode_link,
    decrypt_file,
    encode_link,
    encrypt_file,
    new_key,
)
from tests.unit.medcred import shl_spec_examples as spec

KEY = bytes(range(32))
FHIR = json.dumps({"resourceType": "Immunization", "status": "completed", "note": [{"text": "é ✓"}]}).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def link_of(fields: Any) -> str:
    """A link around any JSON, bypassing encode_link's checks (what a hostile or buggy sender makes)."""
    return "shlink:/" + b64url(json.dumps(fields).encode())


def jwe_with_header(header: dict[str, Any], key: bytes = KEY, plaintext: bytes = b"{}", encrypted_key: str = "") -> str:
    """A compact JWE with any protected header, encrypted correctly under `key` with raw AES-GCM."""
    protected = b64url(json.dumps(header).encode())
    iv = bytes(12)
    sealed = AESGCM(key).encrypt(iv, plaintext, protected.encode())
    return ".".join([protected, encrypted_key, b64url(iv), b64url(sealed[:-16]), b64url(sealed[-16:])])


# (a) The spec's worked examples


@pytest.mark.parametrize("text", [spec.LINK_BARE, spec.LINK_WITH_VIEWER])
def test_the_spec_example_link_decodes_to_its_published_payload(text: str) -> None:
    payload = decode_link(text)
    assert payload.model_dump(exclude_none=True) == spec.LINK_PAYLOAD
    assert payload.flags == {ShlFlag.LONG_TERM, ShlFlag.PASSCODE}
    assert len(payload.key_bytes) == 32


def test_encoding_the_spec_example_payload_gives_the_published_link() -> None:
    assert encode_link(spec.LINK_PAYLOAD) == spec.LINK_BARE
    assert encode_link(spec.LINK_PAYLOAD, viewer="https://viewer.example.org#") == spec.LINK_WITH_VIEWER


@pytest.mark.parametrize(("text", "fields"), [(spec.IPS_LINK, spec.IPS_PAYLOAD), (spec.CGM_LINK, spec.CGM_PAYLOAD)])
def test_the_spec_example_links_decode_and_reencode_byte_for_byte(text: str, fields: dict[str, str]) -> None:
    payload = decode_link(text)
    assert payload.model_dump(exclude_none=True) == fields
    assert payload.flags == {ShlFlag.LONG_TERM, ShlFlag.DIRECT_FILE}
    viewer, _, bare = text.partition("#")
    assert encode_link(payload) == bare
    assert encode_link(payload, viewer=viewer) == text


@pytest.mark.parametrize("key", [spec.FILE_KEY, unb64url(spec.FILE_KEY)])
def test_the_spec_example_file_decrypts_to_its_published_content(key: str | bytes) -> None:
    content_type, plaintext = decrypt_file(spec.FILE_JWE, key)
    assert content_type == spec.FILE_CONTENT_TYPE == ShlContentType.SMART_HEALTH_CARD
    card = json.loads(plaintext)
    assert list(card) == ["verifiableCredential"] and len(card["verifiableCredential"]) == 1
    jws = card["verifiableCredential"][0]
    assert jws.startswith(spec.FILE_CREDENTIAL_PREFIX)
    assert json.loads(unb64url(jws.split(".")[0]))["alg"] == "ES256"  # a signed SMART Health Card inside


def test_the_spec_example_file_does_not_decrypt_under_another_key() -> None:
    with pytest.raises(DecryptionError, match="wrong key, or the file was altered"):
        decrypt_file(spec.FILE_JWE, new_key())


# (b) What this code makes, any standard library reads


def test_a_link_is_plain_base64url_json_behind_the_scheme() -> None:
    key = new_key()
    fields = {"url": "https://hospital.example/shl/abc/m", "flag": "P", "key": key, "label": "Vaccinations ✓", "exp": 1}
    text = encode_link(fields, viewer="https://viewer.example/view")
    viewer, _, bare = text.partition("#")
    assert viewer == "https://viewer.example/view" and bare.startswith("shlink:/")
    assert "=" not in bare
    assert json.loads(unb64url(bare.removeprefix("shlink:/"))) == fields
    assert len(key) == 43 and len(unb64url(key)) == 32 and new_key() != key


@pytest.mark.parametrize("compress", [False, True])
def test_a_file_decrypts_with_jwcrypto_directly(compress: bool) -> None:
    token = JWE()
    token.deserialize(
        encrypt_file(FHIR, KEY, "application/fhir+json", compress=compress), JWK(kty="oct", k=b64url(KEY))
    )
    assert token.payload == FHIR
    expected = {"alg": "dir", "enc": "A256GCM", "cty": "application/fhir+json"} | ({"zip": "DEF"} if compress else {})
    assert token.jose_header == expected


@pytest.mark.parametrize("compress", [False, True])
def test_a_file_decrypts_with_raw_aes_gcm_on_its_compact_parts(compress: bool) -> None:
    protected, encrypted_key, iv, ciphertext, tag = encrypt_file(FHIR, KEY, "application/fhir+json",
                                                                 compress=compress).split(".")  # fmt: skip
    assert encrypted_key == "" and len(unb64url(iv)) == 12 and len(unb64url(tag)) == 16
    data = AESGCM(KEY).decrypt(unb64url(iv), unb64url(ciphertext) + unb64url(tag), protected.encode("ascii"))
    assert (zlib.decompress(data, wbits=-zlib.MAX_WBITS) if compress else data) == FHIR


@pytest.mark.parametrize("header", [{"zip": "DEF"}, {}])
def test_files_made_by_jwcrypto_decrypt_here(header: dict[str, str]) -> None:
    token = JWE(FHIR, protected=json.dumps({"alg": "dir", "enc": "A256GCM", "cty": "application/fhir+json"} | header))
    token.add_recipient(JWK(kty="oct", k=b64url(KEY)))
    assert decrypt_file(token.serialize(compact=True), KEY) == ("application/fhir+json", FHIR)


def test_every_encryption_uses_a_fresh_iv() -> None:
    ivs = {encrypt_file(FHIR, KEY, "application/fhir+json").split(".")[2] for _ in range(20)}
    assert len(ivs) == 20


# (c) Hostile input: links

VALID = {"url": "https://hospital.example/shl/m", "key": spec.FILE_KEY}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (spec.LINK_BARE[:-7], "truncated"),
        (spec.LINK_BARE[:60], "truncated"),
        ("shlink:/", "nothing after shlink:/"),
        ("shlink:/eyJ1cmwi!!", "outside the base64url alphabet"),
        (spec.LINK_BARE + "==", "padding"),
        (spec.LINK_BARE[:-1] + "R", "stray bits"),
        ("shlink:/" + b64url(b"hello, world"), "not valid JSON"),
        ("shlink:/" + b64url(b"\xff\xfe"), "not UTF-8"),
        (link_of([VALID]), "must be a JSON object, not an array"),
        ("shlink:/" + b64url(b'{"url": "https://a.example/m", "url": "https://b.example/m", "key": "x"}'), "twice"),
        ("shlink:/" + b64url(b'{"exp": NaN}'), "NaN is not JSON"),
        ("shlink:/" + b64url(b'{"exp": ' + b"9" * 5000 + b"}"), "a number too long to read"),
        ("https://example.org/page", "expected shlink:/"),
        ("ftp://viewer.example#" + spec.LINK_BARE, "viewer URL before '#' must be an absolute https URL"),
        ("shlink:/" + "A" * 9000, "at most 8192 characters"),
        (link_of({"key": spec.FILE_KEY}), "url: Field required"),
        (link_of({"url": 5, "key": spec.FILE_KEY}), "url: Input should be a valid string"),
        (link_of(VALID | {"key": 12345}), "key: Input should be a valid string"),
        (link_of(VALID | {"key": spec.FILE_KEY[:-1]}), "key: must be 43 base64url characters (32 bytes), not 42"),
        (link_of(VALID | {"key": spec.FILE_KEY[:-1] + "R"}), "key: the key is not base64url as JOSE writes it"),
        (link_of(VALID | {"url": "http://hospital.example/m"}), "url: must use https"),
        (link_of(VALID | {"url": "https://h.example/" + "m" * 120}), "url: String should have at most 128"),
        (link_of(VALID | {"url": "https://h.example/a b"}), "url: must not contain spaces"),
        (link_of(VALID | {"exp": "tomorrow"}), "exp: must be a number"),
        (link_of(VALID | {"exp": True}), "exp: must be a number"),
        (link_of(VALID | {"exp": -1}), "exp: must be a non-negative number"),
        (link_of(VALID | {"exp": 10**30}), "fits in 64 bits"),
        (link_of(VALID | {"flag": ["L"]}), "flag: Input should be a valid string"),
        (link_of(VALID | {"flag": "lp"}), "flag: must be single capital letters"),
        (link_of(VALID | {"flag": "L1"}), "flag: must be single capital letters"),
        (link_of(VALID | {"flag": ""}), "flag: String should have at least 1 character"),
        (link_of(VALID | {"flag": "PL"}), "flag: letters must appear once each, in alphabetical order"),
        (link_of(VALID | {"flag": "LL"}), "flag: letters must appear once each"),
        (link_of(VALID | {"flag": "PU"}), "P (passcode) cannot be combined with U"),
        (link_of(VALID | {"label": "x" * 81}), "label: String should have at most 80 characters"),
        (link_of(VALID | {"label": "Results\u202etxt.exe"}), "label: must not contain control characters"),
        (link_of(VALID | {"label": 7}), "label: Input should be a valid string"),
        (link_of(VALID | {"v": 2}), "v: version 2 is not supported"),
        (link_of(VALID | {"v": "1"}), "v: Input should be a valid integer"),
    ],
)
def test_a_malformed_link_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        decode_link(text)
    assert reason in caught.value.message
    assert spec.FILE_KEY not in caught.value.message  # the key is a secret: never repeated


def test_every_truncation_of_a_link_is_refused() -> None:
    for end in range(len(spec.LINK_BARE)):
        with pytest.raises(InvalidInputError):
            decode_link(spec.LINK_BARE[:end])


def test_unknown_properties_and_flag_letters_are_ignored_as_the_spec_requires() -> None:
    payload = decode_link(link_of(VALID | {"flag": "LPX", "_hint": 1, "extension": {}, "label": "x" * 80, "v": 1}))
    assert payload.flag == "LPX" and payload.flags == {ShlFlag.LONG_TERM, ShlFlag.PASSCODE}
    with pytest.raises(InvalidInputError, match="writes only the flags L, P and U"):
        encode_link(payload)


def test_a_loopback_http_manifest_url_is_allowed_for_local_runs_and_exp_reads_as_a_time() -> None:
    payload = decode_link(link_of(VALID | {"url": "http://127.0.0.1:8001/shl/m", "exp": 1_700_000_000}))
    assert payload.expires_at is not None and payload.expires_at.year == 2023 and payload.expired()


@pytest.mark.parametrize("value", [None, b"shlink:/abc", 42])
def test_a_link_that_is_not_text_is_refused(value: Any) -> None:
    with pytest.raises(InvalidInputError, match="must be text"):
        decode_link(value)


def test_encode_link_refuses_a_viewer_that_is_not_an_https_url() -> None:
    with pytest.raises(InvalidInputError, match="the viewer URL must be an absolute https URL"):
        encode_link(VALID, viewer="javascript:alert(1)#")


# (c) Hostile input: files

GOOD = encrypt_file(FHIR, KEY, "application/fhir+json")


def _tampered(jwe: str, part: int) -> str:
    parts = jwe.split(".")
    raw = bytearray(unb64url(parts[part]))
    raw[len(raw) // 2] ^= 0x01
    parts[part] = b64url(bytes(raw))
    return ".".join(parts)


@pytest.mark.parametrize(("part", "what"), [(3, "ciphertext"), (4, "tag"), (2, "iv")])
def test_a_tampered_file_is_refused(part: int, what: str) -> None:
    with pytest.raises(DecryptionError, match="wrong key, or the file was altered"):
        decrypt_file(_tampered(GOOD, part), KEY)


def test_an_altered_protected_header_is_refused_because_it_is_authenticated() -> None:
    header = b64url(json.dumps({"alg": "dir", "enc": "A256GCM", "cty": "application/smart-health-card"}).encode())
    with pytest.raises(DecryptionError):
        decrypt_file(".".join([header, *GOOD.split(".")[1:]]), KEY)


def test_a_wrong_key_is_refused() -> None:
    with pytest.raises(DecryptionError):
        decrypt_file(GOOD, new_key())


def test_any_single_changed_character_is_refused_without_a_library_error() -> None:
    for position in range(0, len(GOOD), 7):
        if GOOD[position] == ".":
            continue
        altered = GOOD[:position] + ("B" if GOOD[position] != "B" else "C") + GOOD[position + 1 :]
        with pytest.raises(InvalidInputError):
            decrypt_file(altered, KEY)


def test_a_file_encrypted_with_key_wrapping_instead_of_dir_is_refused() -> None:
    token = JWE(FHIR, protected=json.dumps({"alg": "A256KW", "enc": "A256GCM", "cty": "application/fhir+json"}))
    token.add_recipient(JWK(kty="oct", k=b64url(KEY)))
    with pytest.raises(InvalidInputError, match="JWE alg must be 'dir' for a SMART Health Link file, not 'A256KW'"):
        decrypt_file(token.serialize(compact=True), KEY)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"alg": "none", "enc": "A256GCM", "cty": "application/fhir+json"}, "alg must be 'dir'"),
        ({"enc": "A256GCM", "cty": "application/fhir+json"}, "alg must be 'dir'"),
        ({"alg": "dir", "enc": "A128CBC-HS256", "cty": "application/fhir+json"}, "enc must be 'A256GCM'"),
        ({"alg": "dir", "enc": "A256GCM"}, "content type (cty)"),
        ({"alg": "dir", "enc": "A256GCM", "cty": "not a media type"}, "content type (cty)"),
        (
            {"alg": "dir", "enc": "A256GCM", "cty": "application/fhir+json", "zip": "GZIP"},
            "zip 'GZIP' is not supported",
        ),
        ({"alg": "dir", "enc": "A256GCM", "cty": "application/fhir+json", "crit": ["exp"]}, "critical extensions"),
    ],
)
def test_a_header_outside_the_spec_is_refused(header: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        decrypt_file(jwe_with_header(header), KEY)
    assert reason in caught.value.message and not isinstance(caught.value, DecryptionError)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("garbage", "expected 5 parts separated by '.', found 1"),
        (GOOD.rsplit(".", 1)[0], "found 4"),
        (GOOD[:-3], "tag"),  # a truncated tag: a short tag, or stray bits, as the random tag falls
        ("!!." + GOOD.split(".", 1)[1], "the JWE header is not base64url"),
        (b64url(b"[1]") + "." + GOOD.split(".", 1)[1], "the JWE header must be a JSON object"),
        (jwe_with_header({"alg": "dir", "enc": "A256GCM", "cty": "a/b"}, encrypted_key="AAAA"), "has none"),
        (".".join([*GOOD.split(".")[:2], b64url(bytes(8)), *GOOD.split(".")[3:]]), "IV must be 96 bits"),
    ],
)
def test_a_malformed_file_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        decrypt_file(text, KEY)
    assert reason in caught.value.message


def test_a_compressed_file_may_not_inflate_past_the_limit() -> None:
    bomb = encrypt_file(bytes(1_000_000), KEY, "application/fhir+json", compress=True)
    assert len(bomb) < 10_000
    with pytest.raises(InvalidInputError, match="inflates to more than 1000 bytes"):
        decrypt_file(bomb, KEY, max_bytes=1000)
    assert decrypt_file(bomb, KEY)[1] == bytes(1_000_000)


def test_damaged_compressed_content_is_refused() -> None:
    header = {"alg": "dir", "enc": "A256GCM", "cty": "application/fhir+json", "zip": "DEF"}
    with pytest.raises(InvalidInputError, match="compressed"):
        decrypt_file(jwe_with_header(header, plaintext=zlib.compress(FHIR)), KEY)  # zlib framing, not raw DEFLATE
    with pytest.raises(InvalidInputError, match="truncated"):
        decrypt_file(jwe_with_header(header, plaintext=zlib.compress(FHIR, wbits=-15)[:-4]), KEY)


@pytest.mark.parametrize("key", [b"short", bytes(31), "not-a-key", 42])
def test_a_key_that_is_not_32_bytes_is_refused(key: Any) -> None:
    with pytest.raises(InvalidInputError):
        encrypt_file(FHIR, key, "application/fhir+json")
    with pytest.raises(InvalidInputError):
        decrypt_file(GOOD, key)


# The manifest exchange


def test_a_manifest_request_reads_the_wire_names_and_ignores_unknown_ones() -> None:
    request = ManifestRequest.model_validate({"recipient": "Clinic", "passcode": "1234", "embeddedLengthMax": 4096,
                                              "future": True})  # fmt: skip
    assert (request.recipient, request.passcode, request.embedded_length_max) == ("Clinic", "1234", 4096)
    for bad in [{}, {"recipient": ""}, {"recipient": "Clinic", "embeddedLengthMax": -1}]:
        with pytest.raises(ValidationError):
            ManifestRequest.model_validate(bad)


def test_the_spec_example_manifest_round_trips() -> None:
    example = {"files": [
        {"contentType": "application/smart-health-card",
         "location": "https://bucket.cloud.example.org/file1?sas=MFXK6jL3oL3SI_lRfi_-cEfzIs5oHs6rRWmrsCAFzvk"},
        {"contentType": "application/smart-health-card",
         "embedded": "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..8zH0NmUXGwMOqEya.xdGRpgyvE9vNoKzHlr4itKKW2vo<snipped>"},
        {"contentType": "application/fhir+json",
         "location": "https://bucket.cloud.example.org/file2?sas=T34xzj1XtqTYb2lzcgj59XCY4I6vLN3AwrTUIT9GuSc",
         "lastUpdated": "2025-03-09T15:29:46Z", "status": "finalized", "fhirVersion": "4.0.1"},
    ]}  # fmt: skip
    manifest = Manifest.model_validate(example)
    assert manifest.files[2].content_type is ShlContentType.FHIR_JSON
    assert manifest.wire() == example


@pytest.mark.parametrize(
    "entry",
    [{"contentType": "application/fhir+json"}, {"contentType": "application/pdf", "location": "https://x.example/f"}],
)
def test_a_manifest_file_needs_a_known_type_and_a_location_or_embedded_content(entry: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Manifest.model_validate({"files": [entry]})
