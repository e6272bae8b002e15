"""medcred.identifiers: Indy DIDs held as their nym, qualified DIDs on pydid's DID, both as pydantic fields."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import BaseModel, ValidationError
from pydid import DID

from medcred.errors import InvalidInputError
from medcred.identifiers import NYM_PATTERN, Did, IndyDid, short_did

NYM = "Th7MpTaRZVRYnPiabds81Y"  # 22 characters, 16 bytes
SHORT_NYM = "7Tqg6BwSSWapxgUDm9KKgg"
PEER4_SHORT = "did:peer:4zQmd8CpeFPci817KDsbSAKWcXAE2mjvCQSasRewvbSF54Bd"
PEER4_LONG = f"{PEER4_SHORT}:z2M1k7h4psgp4CmJcnQn2Ljp7Pz7ktsd7oBhMU3dWY5s4fhFNj17qcRTQ427C7QHNT6cQ7T3XfRh35Q2"


class Holds(BaseModel):
    nym: IndyDid
    maybe: IndyDid | None = None
    did: Did | None = None


@pytest.mark.parametrize("given", [NYM, f"did:sov:{NYM}", f"did:indy:sovrin:{NYM}", f"did:indy:sovrin:staging:{NYM}"])
def test_an_indy_did_is_held_as_its_nym(given: str) -> None:
    did = IndyDid(given)
    assert (did, type(did), did.qualified) == (NYM, IndyDid, f"did:sov:{NYM}")


def test_a_21_character_nym_is_an_indy_did() -> None:
    assert IndyDid(SHORT_NYM) == SHORT_NYM


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("", "21-22 base58 characters"),
        (NYM[:20], "21-22 base58 characters"),
        (NYM + "A", "21-22 base58 characters"),
        ("Th7MpTaRZVRYnPiabds810", r"base58 \(no 0, O, I or l\)"),  # 0 is not base58
        ("zzzzzzzzzzzzzzzzzzzzzz", "encoding 16 bytes"),  # 22 base58 characters, but 17 bytes
        (f"did:key:{NYM}", "21-22 base58 characters"),  # another method is not an Indy DID
        (f" {NYM}", "21-22 base58 characters"),  # the constructor takes the string as it is
    ],
)
def test_anything_else_is_refused_with_the_reason(given: str, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        IndyDid(given)


def test_parse_answers_none_for_what_is_not_an_indy_did() -> None:
    assert IndyDid.parse(f"did:sov:{NYM}") == NYM
    assert [IndyDid.parse(v) for v in (None, 42, "nope", f"did:key:{NYM}", PEER4_SHORT)] == [None] * 5


def test_the_nym_pattern_matches_nyms() -> None:
    assert re.fullmatch(NYM_PATTERN, NYM) and re.fullmatch(NYM_PATTERN, SHORT_NYM)
    assert not re.fullmatch(NYM_PATTERN, "Th7MpTaRZVRYnPiabds81O")


def test_a_qualified_did_is_pydids_did() -> None:
    did = Did("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
    assert isinstance(did, DID) and isinstance(did, str)
    assert (did.method, did.short) == ("key", did)


@pytest.mark.parametrize("given", ["", "nope", NYM, "did:", "did:Key:abc", "did:key:a b", "did:peer:4z#frag"])
def test_a_malformed_did_is_invalid_input(given: str) -> None:
    with pytest.raises(InvalidInputError, match="not a DID"):
        Did(given)


def test_a_long_form_did_peer_4_becomes_its_short_form() -> None:
    assert short_did(PEER4_LONG) == PEER4_SHORT
    assert short_did(PEER4_SHORT) == PEER4_SHORT
    assert Did(PEER4_LONG).short == PEER4_SHORT and type(Did(PEER4_LONG).short) is Did
    assert Did(PEER4_LONG).method == "peer"


@pytest.mark.parametrize("other", ["did:peer:2.Ez6LS.Vz6Mk", f"did:sov:{NYM}", NYM])
def test_other_dids_keep_their_form(other: str) -> None:
    assert short_did(other) == other


def test_pydantic_fields_hold_the_values_and_dump_plain_strings() -> None:
    held = Holds.model_validate({"nym": f"  did:sov:{NYM} ", "maybe": None, "did": PEER4_SHORT})
    assert (type(held.nym), type(held.did)) == (IndyDid, Did)
    assert held.model_dump() == {"nym": NYM, "maybe": None, "did": PEER4_SHORT}
    assert json.loads(held.model_dump_json()) == {"nym": NYM, "maybe": None, "did": PEER4_SHORT}
    assert Holds.model_validate_json(held.model_dump_json()) == held


def test_pydantic_fields_refuse_bad_identifiers_with_the_reason() -> None:
    with pytest.raises(ValidationError, match=r"nym\n.*DID must be 21-22 base58 characters"):
        Holds(nym="did:sov:0OIl")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"did\n.*not a DID"):
        Holds(nym=NYM, did="peer:4abc")  # type: ignore[arg-type]


def test_the_json_schema_has_a_did_pattern_openapi_can_write() -> None:
    schema = json.loads(json.dumps(Holds.model_json_schema()))
    did = next(s for s in schema["properties"]["did"]["anyOf"] if s.get("type") == "string")
    assert did["pattern"].startswith("^did:")
