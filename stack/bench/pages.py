"""`medcred pages bench`: how fast the three web apps' home pages load, the wallet's first.

On a fresh network in a temporary folder, a patient with a health ID, two vaccinations and an allergy
signs in to the wallet (as a browser would: the sign-in form, its token, the session cookie); then
    server   GET <app home> through httpx: the whole HTML answer, N times after 3 warm-ups
    browser  a headless Chromium (Debian's, when installed) opening the page until its load event
             (the HTML, the stylesheet, the script, the live stream opened), N times after one warm-up
Figures are printed, never asserted (`medcred bench` prints the wallet's lines too). Target: the
wallet's home under 300 ms (p50, browser) on this machine.
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import typer

from medcred import console, samples
from medcred.console import settings_epilog
from stack.bench.report import target_line
from stack.clients import HospitalClient, WalletAdminClient
from stack.help import network_ports

app = console.commands("The web apps: the wallet, the hospital desk, the clinic desk.")

WALLET_HOME_TARGET_MS = 300.0
CHROMIUM = Path(os.environ.get("MEDCRED_CHROMIUM", "/usr/bin/chromium"))
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


async def sign_in(http: httpx.AsyncClient, app_url: str, secret: str) -> None:
    """Sign `http` in to the web app at `app_url` as a browser does: its form, its token, its cookie."""
    origin = httpx.URL(app_url).copy_with(path="", query=None)
    form = await http.get(f"{app_url}/signin")
    match = CSRF_FIELD.search(form.text)
    if form.status_code != 200 or match is None:
        raise typer.Exit(f"no sign-in form at {app_url}/signin ({form.status_code})")  # type: ignore[arg-type]
    signed = await http.post(f"{app_url}/signin", data={"secret": secret, "csrf_token": match.group(1)},
                             headers={"Origin": str(origin).rstrip("/")})  # fmt: skip
    if signed.status_code != 303:
        raise typer.Exit(f"signing in to {app_url} failed ({signed.status_code})")  # type: ignore[arg-type]


def _stats(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (f"  {label:<38} p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   "
            f"max {ms[-1]:7.1f} ms   n={len(ms)}")  # fmt: skip


async def server_loads(http: httpx.AsyncClient, url: str, count: int) -> list[float]:
    for _ in range(3):
        (await http.get(url)).raise_for_status()
    seconds = []
    for _ in range(count):
        began = time.perf_counter()
        response = await http.get(url)
        seconds.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise typer.Exit(f"{url} answered {response.status_code}")  # type: ignore[arg-type]
    return seconds


async def browser_loads(app_url: str, secret: str, count: int) -> list[float] | None:
    """The home page's load in a headless Chromium, signed in; None without Chromium or Playwright."""
    if not os.access(CHROMIUM, os.X_OK):
        return None
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        return None
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            page = await (await chromium.new_context(viewport={"width": 390, "height": 844})).new_page()
            await page.goto(f"{app_url}/signin")
            await page.locator("input[name=secret]").fill(secret)
            await page.locator("form button[type=submit]").first.click()
            await page.wait_for_url(re.compile(re.escape(app_url) + r"/?$"))
            seconds = []
            for _ in range(count + 1):
                began = time.perf_counter()
                await page.goto(app_url + "/", wait_until="load")
                seconds.append(time.perf_counter() - began)
            return seconds[1:]
        finally:
            await chromium.close()


async def patient_with_credentials(hospital: HospitalClient, wallets: WalletAdminClient, holder_url: str,
                                   http: httpx.AsyncClient, ref: str) -> str:  # fmt: skip
    """A connected patient holding four credentials; answers the patient's token."""
    from stack.clients import PatientClient

    await hospital.put_patient(ref, samples.patient(ref))
    _, token = await wallets.create_patient()
    await PatientClient(http, holder_url, token).accept_invitation(await hospital.invite(ref))
    for kind, body in [("health_id", {"expiry": "2031-12-31"}),
                       ("vaccination", {"fhir": samples.immunization(ref, dose=1, date="2021-05-03")}),
                       ("vaccination", {"fhir": samples.immunization(ref, dose=2, date="2021-06-01")}),
                       ("allergy", {"fhir": samples.allergy(ref)})]:  # fmt: skip
        await hospital.wait_issued(await hospital.issue(ref, kind, **body))  # type: ignore[arg-type]
    return token


async def page_lines(network: object, http: httpx.AsyncClient, count: int) -> list[str]:
    """The figures of the three apps' home pages on a running network (`medcred bench` calls it too)."""
    from stack.network import MedcredNetwork

    assert isinstance(network, MedcredNetwork)
    staff = network.staff_clients(http)
    console.progress("pages: a patient with four credentials")
    token = await patient_with_credentials(staff.hospital, staff.wallets, network.holder.url, http,
                                           f"bench-pages-{os.getpid()}")  # fmt: skip
    lines = ["Web app home pages (signed in; server: the HTML answer, browser: until the load event)"]
    wallet_browser: list[float] | None = None
    for role, secret in ((network.holder, token), (network.issuer, network.issuer.api_key()),
                         (network.verifier, network.verifier.api_key())):  # fmt: skip
        name, url = role.web_app
        console.progress(f"pages: {name}")
        async with httpx.AsyncClient(timeout=30) as own:  # its own cookies
            await sign_in(own, url, secret)
            lines.append(_stats(f"{name}, server", await server_loads(own, url + "/", count)))
        loads = await browser_loads(url, secret, count)
        if loads is None:
            lines.append(f"  {name}, browser: no Chromium at {CHROMIUM} (or no Playwright): not measured")
        else:
            lines.append(_stats(f"{name}, browser", loads))
            if role is network.holder:
                wallet_browser = loads
    if wallet_browser:
        p50 = statistics.median(wallet_browser) * 1000
        lines.append(target_line("wallet home page load, p50 (browser)", f"{p50:.1f} ms",
                                 p50 < WALLET_HOME_TARGET_MS, f"< {WALLET_HOME_TARGET_MS:g} ms"))  # fmt: skip
    return lines


@app.command(epilog=settings_epilog(network_ports()))
def bench(loads: int = typer.Option(30, metavar="N", help="page loads measured per app and way")) -> None:
    """Measure how fast the three web apps' home pages load (the wallet's against its 300 ms target)."""
    from stack.network import MedcredNetwork, throwaway_issuer

    async def job() -> None:
        with tempfile.TemporaryDirectory(prefix="medcred-pages-bench-") as home:
            async with MedcredNetwork(Path(home), progress=console.progress, issuer=throwaway_issuer()) as network:
                async with httpx.AsyncClient(timeout=120) as http:
                    lines = await page_lines(network, http, loads)
        typer.echo("")
        typer.echo(f"medcred pages bench: {loads} loads per app and way, one at a time, {os.cpu_count()} cores")
        for line in lines:
            typer.echo(line)

    console.run(job)
