"""A headless Chromium (Debian's, driven by Playwright) for the browser tests, once per session, and a
browser context per person in a test (fixtures of every integration test: tests/integration/conftest.py).

    async def test_x(person: Person) -> None:
        clerk = await person("desktop")             # a Page in a fresh context (its own cookies)
        patient = await person("phone")             # 390 x 844, touch
        ...                                         # each page's console is watched: a CSP violation or
                                                    # a script error fails the test at its end

Skipped, saying why, where `/usr/bin/chromium` (or `MEDCRED_CHROMIUM`) is missing: `make bootstrap`
installs it where it may (scripts/bootstrap.sh).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Literal

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright, expect

CHROMIUM = Path(os.environ.get("MEDCRED_CHROMIUM", "/usr/bin/chromium"))
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
Person = Callable[..., Awaitable[Page]]
FORM_ANSWER = re.compile(r"^Failed to load resource: the server responded with a status of 4(09|13|22)\b")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest_asyncio.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):  # missing, or not a program
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set MEDCRED_CHROMIUM)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest_asyncio.fixture
async def person(browser: Browser) -> AsyncIterator[Person]:
    """`await person("phone" | "desktop")`: a page in a context of its own, closed after the test. Every
    console error (a Content-Security-Policy violation, a script error, a failed request) is collected,
    and the test fails at its end if there was one."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        # A form answered with its problems (4xx) is a page as meant, not a problem of the page.
        if message.type == "error" and not FORM_ANSWER.search(message.text):
            problems.append(message.text)

    async def make(kind: Literal["phone", "desktop"] = "desktop") -> Page:
        context = await browser.new_context(viewport=VIEWPORTS[kind], has_touch=kind == "phone",
                                            is_mobile=kind == "phone", device_scale_factor=1)  # fmt: skip
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = await context.new_page()
        page.on("console", watch)
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        return page

    try:
        yield make
    finally:
        for context in contexts:
            await context.close()
    assert not problems, f"the browser reported: {problems}"


SCREENSHOTS = os.environ.get("MEDCRED_SCREENSHOTS")  # a folder: the browser tests then save screenshots


async def screenshot(page: Page, name: str) -> None:
    """With MEDCRED_SCREENSHOTS set, save `page` as `<name>-phone.png` and `<name>-desktop.png` there
    (docs/screenshots/ holds the README's: `MEDCRED_SCREENSHOTS=docs/screenshots make test`)."""
    if not SCREENSHOTS:
        return
    folder = Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, a few microseconds
    before = page.viewport_size
    for kind, size in VIEWPORTS.items():
        await page.set_viewport_size(size)
        await page.screenshot(path=str(folder / f"{name}-{kind}.png"), full_page=True, animations="disabled")
    if before is not None:
        await page.set_viewport_size(before)


# -- what every page test does --------------------------------------------------------------------------

LIVE = 30_000  # ms a live update may take (an issuance or a presentation on two cores)


async def sign_in(page: Page, url: str, label: str, secret: str) -> None:
    await page.goto(url)
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label(label).fill(secret)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


async def qr_picture(page: Page, selector: str) -> bytes:
    """A picture of the QR code on `page`, as a phone's camera would take it."""
    return await page.locator(f"{selector} .qr-image").screenshot()


async def no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= (page.viewport_size or {"width": 1280})["width"], f"{page.url} scrolls sideways ({width} px)"
