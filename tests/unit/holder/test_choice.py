"""The credential choice on its own: referents, predicates, coverage, and the refusal reasons."""

from __future__ import annotations

import pytest

from holder.choice import Candidate, Referent, choose, presentation, referents
from medcred.errors import ConflictError
from tests.unit.holder.conftest import VACCINATION_REQUEST


def cand(cred_id: str, refs: set[str], revoked: bool | None = False, **attributes: str) -> Candidate:
    return Candidate(cred_id, attributes, frozenset(refs), revoked)


def test_referents_read_names_and_predicates() -> None:
    assert referents(VACCINATION_REQUEST) == [
        Referent("vaccine", ("vaccine_code", "occurrence_date")),
        Referent("doses", ("dose_number",), ">=", 2),
    ]


@pytest.mark.parametrize(
    ("p_type", "value", "met"),
    [(">=", "2", True), (">=", "1", False), (">", "2", False), ("<=", "2", True), ("<", "2", False),
     (">=", "two", False), ("==", "2", False)],
)  # fmt: skip
def test_predicates_compare_integers(p_type: str, value: str, met: bool) -> None:
    assert Referent("r", ("Dose Number",), p_type, 2).satisfied_by({"dosenumber": value}) is met


def test_one_credential_covering_several_referents_is_preferred() -> None:
    wanted = [Referent("code", ("vaccine_code",)), Referent("date", ("occurrence_date",)),
              Referent("doses", ("dose_number",), ">=", 2)]  # fmt: skip
    partial = cand("partial", {"code", "date"}, dose_number="1")
    whole = cand("whole", {"code", "date", "doses"}, dose_number="2")
    assert choose(wanted, [partial, whole]) == {"code": "whole", "date": "whole", "doses": "whole"}


def test_referents_may_come_from_different_credentials() -> None:
    wanted = [Referent("id", ("health_id_number",)), Referent("age", ("birthdate_dateint",), "<=", 20080101)]
    chosen = choose(wanted, [cand("hid", {"id"}), cand("card", {"age"}, birthdate_dateint="19900412")])
    assert chosen == {"id": "hid", "age": "card"}
    spec = presentation(wanted, chosen)
    assert spec["requested_attributes"] == {"id": {"cred_id": "hid", "revealed": True}}
    assert spec["requested_predicates"] == {"age": {"cred_id": "card"}}


def test_unknown_revocation_is_a_last_resort_not_a_refusal() -> None:
    wanted = [Referent("code", ("vaccine_code",))]
    assert choose(wanted, [cand("unsure", {"code"}, revoked=None)]) == {"code": "unsure"}


def test_when_only_a_revoked_credential_would_satisfy_the_predicate_the_refusal_says_revoked() -> None:
    wanted = [Referent("doses", ("dose_number",), ">=", 2)]
    offered = [cand("revoked", {"doses"}, revoked=True, dose_number="3"), cand("one", {"doses"}, dose_number="1")]
    with pytest.raises(ConflictError, match=r"^revoked:"):
        choose(wanted, offered)


def test_when_nothing_revoked_or_not_would_satisfy_the_predicate_the_refusal_is_the_predicate() -> None:
    wanted = [Referent("doses", ("dose_number",), ">=", 2)]
    offered = [cand("revoked", {"doses"}, revoked=True, dose_number="1"), cand("one", {"doses"}, dose_number="1")]
    with pytest.raises(ConflictError, match=r"^predicate-not-met: dose_number >= 2$"):
        choose(wanted, offered)
