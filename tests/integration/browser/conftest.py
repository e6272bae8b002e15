"""A headless Chromium (Debian's, driven by Playwright) for the browser tests, once per session.

Skipped, saying why, where `/usr/bin/chromium` (or `MEDCRED_CHROMIUM`) is missing: `make bootstrap`
installs it where it may (scripts/bootstrap.sh).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

CHROMIUM = Path(os.environ.get("MEDCRED_CHROMIUM", "/usr/bin/chromium"))
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
