"""`/docs`, the OpenAPI page of a medcred app, served whole by the app itself: nothing from the internet.

    serve_docs(app)      # GET /docs, GET /docs/assets/...; the app made with docs_url=None, redoc_url=None

FastAPI's own page loads Swagger UI from a CDN (a blank page on a machine without internet) and starts
it with an inline script (refused by a strict Content-Security-Policy). This one is a static page whose
every file the app serves from `medcred/static/swagger-ui/`: Swagger UI's pinned release (its files as
published, with their licence: that folder's README.md), and `medcred-docs.js`, the script that starts
it on `/openapi.json`. The page is answered with `medcred.security_headers`' policy, the one every medcred page
runs under: no inline script, no inline style element, no request to another origin; Swagger UI needs
no relaxation of it (its styles are set through the DOM, which `style-src 'self'` allows).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from medcred.security_headers import SECURITY_HEADERS

__all__ = ["ASSETS", "DOCS_PATH", "SWAGGER_UI_VERSION", "serve_docs"]

DOCS_PATH = "/docs"
ASSETS = Path(__file__).parent / "static" / "swagger-ui"
SWAGGER_UI_VERSION = "5.35.0"  # swagger-ui-dist on npm; ASSETS/README.md says how to replace it

# Relative addresses: the page works under a proxy's path prefix too (assets at docs/assets/...).
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - API</title>
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/medcred-docs.js"></script>
</body>
</html>
"""

HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}


def serve_docs(app: FastAPI) -> None:
    """Serve `app`'s OpenAPI page at `/docs` and its files at `/docs/assets/` (outside the OpenAPI document)."""
    openapi_url = (app.openapi_url or "/openapi.json").lstrip("/")
    page = PAGE.format(title=escape(app.title), openapi_url=escape(openapi_url))

    @app.get(DOCS_PATH, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers=HEADERS)

    app.mount(f"{DOCS_PATH}/assets", StaticFiles(directory=ASSETS), name="docs-assets")

