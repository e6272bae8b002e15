"""The ground floor of medcred's three web apps (the patient's wallet, the hospital desk, the clinic desk).

Each role serves its pages itself, from its controller, under a prefix (`/wallet`, `/desk`): templates
rendered on the server (Jinja2), one stylesheet and one small script served by the app (no build step,
nothing from the internet), forms that work without JavaScript, and a live stream that tells a page to
fetch itself again when what it shows has changed.

    site.py      PageSite: sign-in, sessions, CSRF checks, error pages, render / redirect, template filters
    sessions.py  SessionStore: server-side sessions and their CSRF tokens
    live.py      LiveHub: per-person server-sent events ("requests changed"), never carrying data
    templates/   base.html (the frame), signin.html, error.html, macros.html (fields, QR blocks, badges)
    static/      medcred.css, medcred.js

A role's pages live in `<role>/pages/` (routes, templates/, static/) and call the role's own services,
as its API routes do; `agents.controller.create_controller_app(..., pages=site)` installs them.
"""

from medcred.pages.live import LiveHub
from medcred.pages.sessions import Session, SessionStore
from medcred.pages.site import NAV, PageSite, Viewer, page_router, redirect, render, signed_in

__all__ = ["NAV", "LiveHub", "PageSite", "Session", "SessionStore", "Viewer", "page_router", "redirect", "render",
           "signed_in"]  # fmt: skip
