"""The demo scenario by clicking, in a real Chromium on the real stack, one browser context per person:
the hospital clerk, the patient (on a phone), the clinic receptionist and the insurer.

The only things done outside a browser are what no page offers: opening the patient's wallet account
(the wallet service gives the patient their token) and taking a picture of a QR code on one screen to
upload it on another (a screenshot of the code's element).
"""

from __future__ import annotations

import json
import re
import secrets

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from medcred import samples
from stack.clients import HospitalClient, PatientClient, WalletAdminClient
from stack.network import MedcredNetwork
from tests.integration.browser_kit import LIVE, Person, no_sideways_scroll, qr_picture, screenshot, sign_in
from tests.integration.flows.conftest import Onboard, issue


async def register_and_invite(clerk: Page, desk: str, ref: str) -> None:
    await clerk.goto(f"{desk}/patients/new")
    await clerk.get_by_label("Patient reference").fill(ref)
    await clerk.get_by_label("Given name").fill("Alex")
    await clerk.get_by_label("Family name").fill("Rivera")
    await clerk.get_by_label("Birth date").fill("1990-04-12")
    await clerk.get_by_role("button", name="Register").click()
    await expect(clerk.get_by_text(f"Patient {ref} registered.")).to_be_visible()
    await clerk.get_by_role("button", name="Show invitation QR code").click()
    await expect(clerk.locator("#invitation .qr-image svg")).to_be_visible()


async def issue_by_form(clerk: Page, what: str, dose: int | None = None) -> None:
    if dose is not None:
        await clerk.get_by_label("Dose number").fill(str(dose))
        await clerk.get_by_label("Date given").fill(f"2021-0{4 + dose}-03")
    await clerk.get_by_role("button", name=f"Issue {what}").click()
    await expect(clerk.get_by_text("was offered to the patient's wallet")).to_be_visible()


async def answer(patient: Page, wallet: str, receptionist: Page, button: str, *, share: bool = True) -> None:
    """The receptionist starts a check; the patient pastes its link and shares (or declines)."""
    await receptionist.get_by_role("button", name=button).click()
    await expect(receptionist.locator("#check .qr-image svg")).to_be_visible()
    link = await receptionist.get_by_role("textbox", name="Link for the patient's wallet").input_value()
    await patient.goto(f"{wallet}/add")
    await patient.get_by_label("Invitation link").fill(link)
    await patient.get_by_role("button", name="Add", exact=True).click()
    await expect(patient.get_by_role("heading", name=re.compile(" asks$"))).to_be_visible()
    await patient.get_by_role("button", name="Share" if share else "Decline").click()


@pytest.fixture
def staff_keys(network: MedcredNetwork) -> tuple[str, str]:
    return network.issuer.api_key(), network.verifier.api_key()


async def test_the_demo_scenario_by_clicking(
    network: MedcredNetwork, http: httpx.AsyncClient, wallets: WalletAdminClient, person: Person,
    staff_keys: tuple[str, str],
) -> None:
    desk, wallet, clinic_desk = (role.web_app[1] for role in (network.issuer, network.holder, network.verifier))
    hospital_key, clinic_key = staff_keys
    ref = f"web-{secrets.token_hex(4)}"
    _, token = await wallets.create_patient()
    clerk, patient, receptionist = await person("desktop"), await person("phone"), await person("desktop")

    # The clerk registers the patient and shows the invitation; the patient scans it with the wallet.
    await sign_in(clerk, desk, "Staff key", hospital_key)
    await register_and_invite(clerk, desk, ref)
    picture = await qr_picture(clerk, "#invitation")
    await sign_in(patient, wallet, "Patient token", token)
    await screenshot(patient, "wallet-empty")
    await patient.goto(f"{wallet}/add")
    await patient.get_by_label("Scan or upload a QR code").set_input_files(
        files=[{"name": "qr.png", "mimeType": "image/png", "buffer": picture}])
    await expect(patient.get_by_text("Connected.")).to_be_visible(timeout=LIVE)
    await expect(clerk.locator("#wallet-state .badge")).to_have_text("connected", timeout=LIVE)  # live

    # The clerk issues a health ID (the form sent twice, as a double click or a flaky network does: one
    # credential) and two vaccinations, and watches them arrive.
    statuses = await clerk.evaluate("""async () => {
        const form = [...document.forms].find(f => f.querySelector('input[name=kind][value=health_id]'));
        const body = new URLSearchParams(new FormData(form)), sent = [];
        for (let i = 0; i < 2; i++) sent.push((await fetch(form.action, {method: 'POST', body})).status);
        return sent;
    }""")
    assert statuses == [200, 200], statuses  # each followed its redirect to the patient's page
    await clerk.reload()
    await expect(clerk.locator("#credentials .issuance-state")).to_have_count(1)
    await issue_by_form(clerk, "vaccination", dose=1)
    await issue_by_form(clerk, "vaccination", dose=2)
    stored = clerk.locator("#credentials .issuance-state", has_text="stored by the wallet")
    await expect(stored).to_have_count(3, timeout=LIVE)
    await screenshot(clerk, "hospital-patient")
    await patient.goto(wallet)
    await expect(patient.locator("article.credential")).to_have_count(3)
    await expect(patient.get_by_text("dose 2")).to_be_visible()
    await no_sideways_scroll(patient)
    await screenshot(patient, "wallet-credentials")

    # The receptionist asks for proof of vaccination; the patient, seeing the request arrive, shares.
    await sign_in(receptionist, clinic_desk, "Staff key", clinic_key)
    await receptionist.get_by_role("button", name="Start proof of vaccination").click()
    link = await receptionist.get_by_role("textbox", name="Link for the patient's wallet").input_value()
    requests_tab = await patient.context.new_page()
    await requests_tab.goto(f"{wallet}/requests")
    await expect(requests_tab.get_by_text("No requests waiting")).to_be_visible()
    await expect(requests_tab.locator("body[data-live-ready]")).to_have_count(1)
    await patient.goto(f"{wallet}/add")
    await patient.get_by_label("Invitation link").fill(link)
    await patient.get_by_role("button", name="Add", exact=True).click()
    await expect(requests_tab.get_by_role("link", name=re.compile("asks: "))).to_be_visible(timeout=LIVE)  # live
    await expect(patient.locator("#proven")).to_contain_text("dose number is at least 2")
    await expect(patient.locator("#revealed dd")).to_have_count(2)
    await expect(patient.locator("#revealed")).to_contain_text("208")
    await screenshot(patient, "wallet-request")
    await patient.get_by_role("button", name="Share").click()
    await expect(receptionist.locator("#outcome")).to_have_text("Verified", timeout=LIVE)
    await expect(receptionist.locator("#revealed dd")).to_have_count(2)
    await expect(receptionist.locator("#revealed")).to_contain_text("208")
    await expect(receptionist.locator("#proven")).to_contain_text("dose number is at least 2: proven")
    await screenshot(receptionist, "clinic-result")

    # The insurer's eligibility check passes without the birth date ever being on its page.
    await receptionist.goto(clinic_desk)
    await answer(patient, wallet, receptionist, "Start insurance eligibility")
    await expect(receptionist.locator("#outcome")).to_have_text("Verified", timeout=LIVE)
    await expect(receptionist.locator("#proven")).to_contain_text("age is at least 18: proven")
    html = await receptionist.content()
    assert "1990-04-12" not in html and "19900412" not in html and "1990" not in html

    # The patient declines a request; the desk shows it.
    await receptionist.goto(clinic_desk)
    await answer(patient, wallet, receptionist, "Start proof of vaccination", share=False)
    await expect(receptionist.locator("#outcome")).to_have_text("Declined by the patient", timeout=LIVE)

    # The clerk revokes dose 2; the next check shows it revoked.
    await clerk.locator("#credentials tr", has_text="vaccination").last.get_by_role("link", name="Revoke").click()
    await expect(clerk.get_by_role("heading", name="Revoke this credential?")).to_be_visible()
    await clerk.get_by_role("button", name="Revoke this credential").click()
    await expect(clerk.get_by_text("The credential was revoked.")).to_be_visible(timeout=LIVE)
    await receptionist.goto(clinic_desk)
    await answer(patient, wallet, receptionist, "Start proof of vaccination")
    await expect(receptionist.locator("#outcome")).to_have_text("Not verified", timeout=LIVE)
    await expect(receptionist.locator("#reason")).to_contain_text("revoked")

    # A record: the clerk uploads it, the patient shares it by SMART Health Link, the clinic opens it.
    await clerk.goto(f"{desk}/patients/{ref}")
    await clerk.get_by_label("Record file").set_input_files(
        files=[{"name": "letter.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% a letter\n"}])
    await clerk.get_by_role("button", name="Upload record").click()
    await expect(clerk.get_by_text("Record letter.pdf stored")).to_be_visible()
    await patient.goto(f"{wallet}/records")
    await patient.get_by_label(re.compile("letter.pdf")).check()
    await patient.get_by_role("button", name="Share as a link").click()
    await expect(patient.locator("#share .qr-image svg")).to_be_visible(timeout=LIVE)
    share_picture = await qr_picture(patient, "#share")
    await receptionist.goto(f"{clinic_desk}/shares")
    opened = receptionist.locator("article.shared-file")
    for _ in range(20):  # the record's audit entry may still be on its way to the ledger
        await receptionist.get_by_label("Or a picture of its QR code").set_input_files(
            files=[{"name": "share.png", "mimeType": "image/png", "buffer": share_picture}])
        await receptionist.get_by_role("button", name="Open").click()
        await receptionist.wait_for_load_state()
        if await opened.count():
            break
        await receptionist.wait_for_timeout(500)
    await expect(opened).to_have_count(1)
    await expect(opened).to_contain_text("integrity checked against the ledger")
    await screenshot(receptionist, "clinic-shared-record")


async def test_no_page_without_a_session_and_no_form_without_its_token(
    network: MedcredNetwork, http: httpx.AsyncClient, wallets: WalletAdminClient, person: Person
) -> None:
    for role in network.roles:
        _, url = role.web_app
        prefix = httpx.URL(url).path
        page = await http.get(url + "/", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == f"{prefix}/signin?next={prefix}/"
    _, token_a = await wallets.create_patient()
    _, token_b = await wallets.create_patient()
    wallet = network.holder.web_app[1]
    a, b = await person("phone"), await person("phone")
    await sign_in(a, wallet, "Patient token", token_a)
    await sign_in(b, wallet, "Patient token", token_b)
    # A form posted without its CSRF token, with the session cookie: refused.
    forged = await a.request.post(f"{wallet}/consents/x/withdraw", form={"nothing": "here"})
    assert forged.status == 403
    # Each patient's pages show their own consents only.
    await a.goto(f"{wallet}/consents")
    await a.get_by_label("Verifier's DID").fill("did:sov:Th7MpTaRZVRYnPiabds81Y")
    await a.get_by_label("Why").fill("patient A's school enrolment")
    await a.get_by_role("button", name="Give consent").click()  # nothing it may see: refused, said where
    await expect(a.locator(".field.invalid")).to_contain_text("name at least one attribute")
    await a.get_by_label("What it may see (attribute names)").fill("vaccine_code occurrence_date")
    await a.get_by_role("button", name="Give consent").click()
    await expect(a.get_by_text("Consent given.")).to_be_visible()
    await expect(a.get_by_text("29 days left")).to_be_visible()
    await b.goto(f"{wallet}/consents")
    assert "patient A's school enrolment" not in await b.content()
    # The policy is there and no inline script runs (the person fixture fails on any console error).
    response = await b.goto(f"{wallet}/consents")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    assert await b.evaluate("document.querySelectorAll('script:not([src])').length") == 0
    await no_sideways_scroll(b)
    # Signing out ends the session: the old cookie no longer opens a page.
    cookies = await a.context.cookies()
    await a.get_by_role("button", name="Sign out").click()
    await expect(a.get_by_text("You are signed out.")).to_be_visible()
    await a.context.add_cookies(cookies)  # an attacker's copy of the cookie
    await a.goto(f"{wallet}/consents")
    await expect(a.get_by_role("heading", name="Sign in")).to_be_visible()


async def test_the_desk_shows_each_registration_problem_where_it_belongs_and_filters_credentials(
    network: MedcredNetwork, hospital: HospitalClient, onboard: Onboard, person: Person, staff_keys: tuple[str, str]
) -> None:
    desk = network.issuer.web_app[1]
    clerk = await person("desktop")
    await sign_in(clerk, desk, "Staff key", staff_keys[0])
    await clerk.goto(f"{desk}/patients/new")

    async def register(**fields: str) -> None:
        for label, value in fields.items():
            await clerk.get_by_label(label.replace("_", " "), exact=True).fill(value)
        await clerk.get_by_role("button", name="Register").click()

    def problem(label: str) -> Locator:
        return clerk.locator(".field.invalid", has=clerk.get_by_label(label, exact=True)).locator(".field-error")

    await register(Patient_reference="not a ref!", Given_name="Alex")
    await expect(problem("Patient reference")).to_contain_text("1 to 64 letters, digits")
    ref = f"fhir-{secrets.token_hex(4)}"
    await register(Patient_reference=ref, Given_name="Alex", Family_name="", Birth_date="")
    await expect(problem("Family name")).to_have_text("Please fill this in.")
    await expect(problem("Birth date")).to_have_text("Please fill this in.")
    await expect(clerk.get_by_label("Given name", exact=True)).to_have_value("Alex")  # what was typed is kept
    await register(Family_name="", Given_name="", **{"FHIR Patient (JSON)": '{"resourceType": "Patient",'})
    await expect(problem("FHIR Patient (JSON)")).to_contain_text("not JSON")
    await register(**{"FHIR Patient (JSON)": json.dumps({"resourceType": "Patient", "gender": "unknown"})})
    fhir_problem = problem("FHIR Patient (JSON)")
    for named in ("name", "birthDate", "identifier"):  # every problem at once
        await expect(fhir_problem).to_contain_text(named)
    await clerk.get_by_label("FHIR Patient (JSON)", exact=True).fill("")
    await clerk.get_by_label("Or upload the FHIR Patient file").set_input_files(files=[{
        "name": "patient.json", "mimeType": "application/fhir+json",
        "buffer": json.dumps(samples.patient(ref, given="Noor", family="Haddad")).encode()}])  # fmt: skip
    await clerk.get_by_role("button", name="Register").click()
    await expect(clerk.get_by_text(f"Patient {ref} registered.")).to_be_visible()
    await expect(clerk.get_by_role("heading", name="Noor Haddad")).to_be_visible()

    # The list of issued credentials, filtered by patient, kind and state.
    patient = await onboard(given="Filter", birth_date="1970-01-01")
    await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=1))
    allergy = await issue(hospital, patient, "allergy", fhir=samples.allergy(patient.ref))
    await hospital.revoke(allergy)
    await clerk.goto(f"{desk}/credentials")
    await clerk.get_by_label("Patient reference").fill(patient.ref)
    await clerk.get_by_role("button", name="Filter").click()
    rows = clerk.locator("#credentials tbody tr")
    await expect(rows).to_have_count(2)
    await clerk.get_by_label("Kind").select_option("allergy")
    await clerk.get_by_role("button", name="Filter").click()
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("revoked")
    await clerk.get_by_label("Kind").select_option("")
    await clerk.get_by_label("State").select_option("revoked")
    await clerk.get_by_role("button", name="Filter").click()
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("allergy")
    await clerk.get_by_label("Patient reference").fill(ref)
    await clerk.get_by_role("button", name="Filter").click()
    await expect(clerk.get_by_text("No credentials match.")).to_be_visible()


async def test_a_wallet_connected_already_says_so_when_given_another_patients_invitation(
    network: MedcredNetwork, http: httpx.AsyncClient, hospital: HospitalClient, wallets: WalletAdminClient,
    person: Person,
) -> None:
    mine, theirs = f"web-{secrets.token_hex(4)}", f"web-{secrets.token_hex(4)}"
    for ref in (mine, theirs):
        await hospital.put_patient(ref, samples.patient(ref))
    _, token = await wallets.create_patient()
    connected = await PatientClient(http, network.holder.url, token).accept_invitation(await hospital.invite(mine))
    assert connected["state"] == "connected"
    wallet, patient = network.holder.web_app[1], await person("phone")
    await sign_in(patient, wallet, "Patient token", token)
    await patient.goto(f"{wallet}/add")
    await patient.get_by_label("Invitation link").fill(await hospital.invite(theirs))  # the other patient's QR
    await patient.get_by_role("button", name="Add", exact=True).click()
    await expect(patient.get_by_text("This wallet was already connected to the hospital")).to_be_visible(timeout=LIVE)
    await expect(patient.get_by_text("they scan it with their own wallet")).to_be_visible()
    assert (await hospital.call("GET", f"/patients/{theirs}"))["connected"] is False
