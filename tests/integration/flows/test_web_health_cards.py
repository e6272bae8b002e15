"""SMART Health Cards by clicking, in a real Chromium on the real stack: the clerk issues a vaccination
with its card, the patient (on a phone) sees the card, shows its QR code, downloads its file and shares
it as a link; the receptionist checks the card from a picture of its QR code, from the file and from the
link, and takes it as FHIR for the EHR; the clerk revokes, and the same QR picture is then refused as
revoked. The patient's wallet account is opened through the API (no page offers it); the hospital is added by
pasting its invitation's link (the demo test scans its QR code instead).
"""

from __future__ import annotations

import json
import re
import secrets

from playwright.async_api import Page, expect

from medcred import samples
from stack.clients import HospitalClient, WalletAdminClient
from stack.network import MedcredNetwork
from tests.integration.browser_kit import LIVE, Person, no_sideways_scroll, qr_picture, screenshot, sign_in


async def check(receptionist: Page, clinic_desk: str, **given: bytes | str) -> None:
    """Check a card at the desk: a QR picture (`picture`), a file (`file`) or a pasted text (`text`)."""
    await receptionist.goto(f"{clinic_desk}/cards")
    if "picture" in given:
        await receptionist.get_by_label(re.compile("photo of the card's QR code")).set_input_files(
            files=[{"name": "card.png", "mimeType": "image/png", "buffer": given["picture"]}])  # type: ignore[typeddict-item]
    if "file" in given:
        await receptionist.get_by_label(re.compile("photo of the card's QR code")).set_input_files(
            files=[{"name": "card.smart-health-card", "mimeType": "application/smart-health-card",
                    "buffer": given["file"]}])  # type: ignore[typeddict-item]
    if "text" in given:
        await receptionist.get_by_label(re.compile("Or paste the card")).fill(str(given["text"]))
    await receptionist.get_by_role("button", name="Check").click()


async def test_a_health_card_is_issued_shown_shared_checked_and_revoked_by_clicking(
    network: MedcredNetwork, hospital: HospitalClient, wallets: WalletAdminClient, person: Person
) -> None:
    desk, wallet, clinic_desk = (role.web_app[1] for role in (network.issuer, network.holder, network.verifier))
    ref = f"card-{secrets.token_hex(4)}"
    await hospital.put_patient(ref, samples.patient(ref, given="Sam", family="Okafor", birth_date="1979-11-02"))
    _, token = await wallets.create_patient()
    clerk, patient, receptionist = await person("desktop"), await person("phone"), await person("desktop")

    # The patient adds the hospital by pasting the invitation's link (the demo test scans its QR code).
    await sign_in(clerk, desk, "Staff key", network.issuer.api_key())
    await clerk.goto(f"{desk}/patients/{ref}")
    await clerk.get_by_role("button", name="Show invitation QR code").click()
    invitation = await clerk.get_by_role("textbox", name="Invitation link").input_value()
    await sign_in(patient, wallet, "Patient token", token)
    await patient.goto(f"{wallet}/add")
    await patient.get_by_label("Invitation link").fill(invitation)
    await patient.get_by_role("button", name="Add", exact=True).click()
    await expect(patient.get_by_text("Connected.")).to_be_visible(timeout=LIVE)
    await expect(clerk.locator("#wallet-state .badge")).to_have_text("connected", timeout=LIVE)

    # The patient watches the wallet's home while the clerk issues a vaccination ("also as a SMART Health
    # Card" is ticked unless the clerk unticks it): the credential appears there without a reload.
    await patient.goto(wallet)
    await expect(patient.get_by_text("No credentials yet.")).to_be_visible()
    await expect(patient.locator("body[data-live-ready]")).to_have_count(1)
    await expect(clerk.get_by_label(re.compile("Also as a SMART Health Card"))).to_be_checked()
    await clerk.get_by_label("Dose number").fill("2")
    await clerk.get_by_label("Date given").fill("2026-02-11")
    await clerk.get_by_label("Lot number").fill("LOT-WEB-7")
    await clerk.get_by_role("button", name="Issue vaccination").click()
    await expect(clerk.get_by_text("with its SMART Health Card, was offered")).to_be_visible()
    await expect(clerk.locator("#credentials tr", has_text="with health card")).to_have_count(1)
    await expect(patient.locator("article.credential")).to_have_count(1, timeout=LIVE)  # live, no reload
    # The wallet names the hospital that issued it, and beside it shows the card, as a QR code too.
    await expect(patient.locator("article.credential .issuer")).to_contain_text(network.issuer.settings.label)
    await patient.get_by_role("link", name="Cards").click()
    card = patient.locator("article.health-card")
    await expect(card).to_have_count(1)
    await expect(card).to_contain_text("COVID-19")
    await expect(card).to_contain_text("11 Feb 2026, lot LOT-WEB-7")
    await expect(card).to_contain_text("Sam Okafor")
    await card.get_by_role("link", name="Show, download or share").click()
    await expect(patient.locator("#card-qr .qr-image svg")).to_be_visible()
    await no_sideways_scroll(patient)
    await screenshot(patient, "wallet-health-card")
    picture = await qr_picture(patient, "#card-qr")
    async with patient.expect_download() as download_info:
        await patient.get_by_role("link", name=re.compile("Download the card")).click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".smart-health-card")
    card_file = (await download.path()).read_bytes()
    assert len(json.loads(card_file)["verifiableCredential"]) == 1

    # The receptionist checks it from a picture of the QR code, then from the file.
    await sign_in(receptionist, clinic_desk, "Staff key", network.verifier.api_key())
    await check(receptionist, clinic_desk, picture=picture)
    result = receptionist.locator("section.card-result")
    await expect(result.locator(".outcome")).to_have_text("Verified")
    await expect(result.locator(".patient")).to_have_text("Sam Okafor")
    await expect(result).to_contain_text("lot LOT-WEB-7")
    await screenshot(receptionist, "clinic-health-card")
    async with receptionist.expect_download() as fhir_info:
        await receptionist.get_by_role("link", name="Download for the EHR (FHIR)").click()
    bundle = json.loads((await (await fhir_info.value).path()).read_bytes())
    assert bundle["resourceType"] == "Bundle"
    kinds = sorted({entry["resource"]["resourceType"] for entry in bundle["entry"]})
    assert kinds == ["Immunization", "Patient", "Provenance"]
    await check(receptionist, clinic_desk, file=card_file)
    await expect(result.locator(".outcome")).to_have_text("Verified")

    # The patient shares it as a link; the receptionist pastes the link.
    await patient.get_by_label("Passcode (optional)").fill("4321")
    await patient.get_by_role("button", name="Share as a link").click()
    await expect(patient.locator("#share .qr-image svg")).to_be_visible(timeout=LIVE)
    link = await patient.get_by_role("textbox", name="SMART Health Link").input_value()
    await check(receptionist, clinic_desk, text=link)
    await expect(receptionist.get_by_role("alert")).to_contain_text("passcode")
    await receptionist.get_by_label(re.compile("Or paste the card")).fill(link)
    await receptionist.get_by_label(re.compile("Passcode")).fill("4321")
    await receptionist.get_by_role("button", name="Check").click()
    await expect(result.locator(".outcome")).to_have_text("Verified")

    # The clerk revokes the vaccination: the same QR picture is now refused as revoked, and the wallet says so.
    await clerk.goto(f"{desk}/patients/{ref}")
    await clerk.locator("#credentials tr", has_text="vaccination").get_by_role("link", name="Revoke").click()
    await clerk.get_by_role("button", name="Revoke this credential").click()
    await expect(clerk.get_by_text("The credential was revoked.")).to_be_visible(timeout=LIVE)
    await check(receptionist, clinic_desk, picture=picture)
    await expect(result.locator(".outcome")).to_have_text("Not verified")
    await expect(result.locator(".reason")).to_have_text("The issuer has revoked this card.")
    await expect(receptionist.get_by_role("link", name="Download for the EHR (FHIR)")).to_have_count(0)
    await patient.goto(f"{wallet}/cards")
    await expect(patient.locator("article.health-card .badge")).to_have_text("revoked")


async def test_the_desk_says_what_is_wrong_with_what_is_not_a_card(
    network: MedcredNetwork, person: Person
) -> None:
    clinic_desk = network.verifier.web_app[1]
    receptionist = await person("desktop")
    await sign_in(receptionist, clinic_desk, "Staff key", network.verifier.api_key())
    await receptionist.goto(f"{clinic_desk}/cards")
    await receptionist.get_by_role("button", name="Check").click()
    await expect(receptionist.get_by_role("alert")).to_contain_text("Paste the card or its link")
    await check(receptionist, clinic_desk, text="shc:/56762909524320603460292437404460312229595326546034602925407728")
    await expect(receptionist.locator("section.card-result .outcome")).to_have_text("Not verified")
    await expect(receptionist.locator("section.card-result .reason")).not_to_be_empty()
    await check(receptionist, clinic_desk, picture=b"\x89PNG\r\n\x1a\n not really")
    await expect(receptionist.get_by_role("alert")).to_contain_text("image")
