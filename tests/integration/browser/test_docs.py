"""Each controller's `/docs` in a real browser with no internet: every request to another host is blocked,
the page runs under the strict Content-Security-Policy, and Swagger UI lists the operations."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, ConsoleMessage, Route

from stack.network import MedcredNetwork

# An operation of each role's own, as Swagger UI shows it ("POST /patients/{patient_ref}/invitation").
OPERATIONS = {
    "issuer": [("PUT", "/patients/{patient_ref}"), ("POST", "/patients/{patient_ref}/credentials")],
    "holder": [("POST", "/patients"), ("POST", "/me/invitations")],
    "verifier": [("POST", "/verifications"), ("GET", "/templates")],
    "ledger": [("GET", "/genesis"), ("POST", "/register")],
}


@pytest.mark.parametrize("role", sorted(OPERATIONS))
async def test_docs_render_from_the_app_alone_under_the_strict_policy(
    role: str, network: MedcredNetwork, browser: Browser
) -> None:
    base = network.ledger.settings.web_url if role == "ledger" else getattr(network, role).url
    origin = urlsplit(base).netloc
    elsewhere: list[str] = []
    problems: list[str] = []
    context = await browser.new_context()
    try:
        async def route(intercepted: Route) -> None:
            if urlsplit(intercepted.request.url).netloc == origin:
                await intercepted.continue_()
            else:  # the internet is not there
                elsewhere.append(intercepted.request.url)
                await intercepted.abort()

        await context.route("**/*", route)
        page = await context.new_page()

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                problems.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(str(error)))
        response = await page.goto(f"{base}/docs")
        assert response is not None and response.status == 200
        assert "script-src 'self'" in response.headers["content-security-policy"]
        for method, path in OPERATIONS[role]:
            operation = page.locator(".opblock-summary", has_text=path).filter(
                has=page.locator(".opblock-summary-method", has_text=method)
            )
            await operation.first.wait_for(state="visible", timeout=20_000)
        assert await page.locator(".opblock").count() >= len(OPERATIONS[role])
        assert await page.locator(".swagger-ui .info .title").inner_text() != ""
    finally:
        await context.close()
    assert elsewhere == []  # nothing asked of another host
    # A violation of the policy (an inline script or style refused) is a console error: none.
    assert [p for p in problems if "favicon" not in p] == []
