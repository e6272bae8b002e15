"""The headers every medcred web app sends on every response: one strict Content-Security-Policy (no inline
script or style, nothing from another origin), no framing, no sniffing, no referrer.

    app.add_middleware(SecurityHeaders)   # outermost: the error handlers' answers carry them too

The same policy covers the ledger's pages, each controller's `/docs` (`medcred.docs_ui`) and the three web
apps (`medcred.pages`): a page is plain HTML with the app's own stylesheet and script files. A response
that sets a header of its own keeps it (a page's `Cache-Control: no-store`, say); these are only added.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "SecurityHeaders"]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: under no-referrer a browser names the origin of a form "null", and the
    # pages' CSRF check needs the real one; no address leaves for another site either way.
    "Referrer-Policy": "same-origin",
}
_RAW = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
_NAMES = frozenset(name for name, _ in _RAW)


class SecurityHeaders:
    """ASGI middleware: `SECURITY_HEADERS` on every HTTP response, error answers included (they replace any
    the app set itself, so no route can weaken the policy)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(name, value) for name, value in message.get("headers", []) if name.lower() not in _NAMES]
                message = {**message, "headers": kept + _RAW}
            await send(message)

        await self.app(scope, receive, with_headers)
