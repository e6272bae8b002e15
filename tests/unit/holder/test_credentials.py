"""The patient's credentials: type from the schema, issuer from the credential definition, revocation."""

from __future__ import annotations

from tests.unit.holder.conftest import ISSUER, Holder, vaccination


async def test_credentials_are_listed_with_type_issuer_attributes_and_revocation(holder: Holder) -> None:
    patient = await holder.patient()
    allergy = {"referent": "al", "schema_id": f"{ISSUER}:2:medcred-allergy:1.0", "cred_def_id": f"{ISSUER}:3:CL:13:x",
               "rev_reg_id": None, "cred_rev_id": None, "attrs": {"substance_code": "91936005"}}  # fmt: skip
    holder.agent.credentials[patient.wallet_id] = [
        vaccination("ok", 2, "2021-06-01"),
        vaccination("gone", 1, "2021-03-01"),
        vaccination("unsure", 3, "x"),
        allergy,
    ]
    holder.agent.revoked.update({"gone": True, "unsure": None})
    response = await holder.http.get("/me/credentials", headers=patient.headers)
    assert response.status_code == 200
    listed = {c["credential_id"]: c for c in response.json()}
    assert listed["ok"] == {
        "credential_id": "ok", "type": "vaccination", "issuer": ISSUER, "revoked": False,
        "attributes": {"vaccine_code": "208", "occurrence_date": "2021-06-01", "dose_number": "2",
                       "lot_number": "LOT-9"},
    }  # fmt: skip
    assert listed["gone"]["revoked"] is True
    assert listed["unsure"]["revoked"] is None
    assert listed["al"]["type"] == "allergy" and listed["al"]["revoked"] is False
    listing = next(r for r in holder.agent.requests if r.url.path == "/credentials")
    assert int(listing.url.params["limit"]) >= 1000  # ACA-Py answers 10 unless told
    revocation_checks = [r.url.path for r in holder.agent.requests if r.url.path.startswith("/credential/revoked/")]
    assert sorted(revocation_checks) == ["/credential/revoked/gone", "/credential/revoked/ok",
                                         "/credential/revoked/unsure"]  # fmt: skip


async def test_another_patients_credentials_are_not_seen(holder: Holder) -> None:
    alice, bob = await holder.patient(), await holder.patient()
    holder.agent.credentials[alice.wallet_id] = [vaccination("alice-1", 2, "2021-06-01")]
    assert (await holder.http.get("/me/credentials", headers=bob.headers)).json() == []
    assert len((await holder.http.get("/me/credentials", headers=alice.headers)).json()) == 1
