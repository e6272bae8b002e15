"""medcred.docs_ui: /docs is served by the app itself, under the strict policy, with no inline script."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from medcred.docs_ui import ASSETS, serve_docs
from medcred.security_headers import CONTENT_SECURITY_POLICY


def app() -> FastAPI:
    made = FastAPI(title="medcred <test>", docs_url=None, redoc_url=None)
    serve_docs(made)
    return made


async def get(path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app()), base_url="http://app.test") as client:
        return await client.get(path)


async def test_the_page_loads_only_its_own_files_and_runs_no_inline_script() -> None:
    page = await get("/docs")
    assert page.status_code == 200 and page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "cdn" not in page.text and "http" not in page.text.replace('"http-equiv', "")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert [attributes.strip() for attributes, _ in scripts] == [
        'src="docs/assets/swagger-ui-bundle.js"', 'src="docs/assets/medcred-docs.js"'
    ]  # fmt: skip
    assert all(not body.strip() for _, body in scripts)
    assert "<style" not in page.text and " style=" not in page.text
    assert "medcred &lt;test&gt;" in page.text  # the title escaped
    assert 'data-openapi-url="openapi.json"' in page.text


async def test_every_file_the_page_names_is_served() -> None:
    page = (await get("/docs")).text
    for name in re.findall(r'(?:src|href)="docs/assets/([^"]+)"', page):
        response = await get(f"/docs/assets/{name}")
        assert response.status_code == 200, name
        assert response.content == (ASSETS / name).read_bytes()
    assert (await get("/docs/assets/../docs_ui.py")).status_code == 404


def test_the_vendored_release_carries_its_licence() -> None:
    assert "Apache License" in (ASSETS / "LICENSE").read_text()
    assert "5.35.0" in (ASSETS / "README.md").read_text()
