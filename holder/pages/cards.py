"""The wallet's SMART Health Cards pages: the cards the hospital issued, each shown as its QR code,
downloaded as a `.smart-health-card` file or shared as a SMART Health Link (holder.health_cards does the
work; these pages only ask and show).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from holder.deps import HealthCards
from holder.pages.routes import Me
from holder.pages.views import health_card_view, share_options
from medcred.errors import ConflictError, NotFoundError
from medcred.pages import page_router, render

router = page_router()

FILE_NAME = "health-card.smart-health-card"


@router.get("/cards", response_class=HTMLResponse)
async def cards_page(request: Request, me: Me, cards: HealthCards) -> Response:
    try:
        listed = [health_card_view(card) for card in await cards.cards(me)]
    except ConflictError:  # no connection to the hospital yet
        return render(request, "cards.html", {"cards": [], "connected": False})
    return render(request, "cards.html", {"cards": listed, "connected": True})


async def _card_page(request: Request, me: Me, cards: HealthCards, card_id: str, *,
                     error: str | None = None, status: int = 200) -> Response:  # fmt: skip
    found = [card for card in await cards.cards(me) if card.card_id == card_id]
    if not found:
        raise NotFoundError("This card is not in your wallet.")
    view = health_card_view(found[0])
    qr = None
    if view.fits_qr:
        qr = Markup(await cards.qr_svg(me, card_id))  # noqa: S704 - the SVG is drawn by medcred.qr from numbers
    return render(request, "card.html", {"card": view, "qr": qr, "error": error}, status=status)


@router.get("/cards/{card_id}", response_class=HTMLResponse)
async def card_page(request: Request, card_id: str, me: Me, cards: HealthCards) -> Response:
    return await _card_page(request, me, cards, card_id)


@router.get("/cards/{card_id}/file")
async def card_file(card_id: str, me: Me, cards: HealthCards) -> Response:
    return Response(await cards.file(me, card_id), media_type="application/smart-health-card",
                    headers={"Content-Disposition": f'attachment; filename="{FILE_NAME}"'})  # fmt: skip


@router.post("/cards/{card_id}/share", response_class=HTMLResponse)
async def share_card(request: Request, card_id: str, me: Me, cards: HealthCards) -> Response:
    form = await request.form()
    try:
        options = share_options(form)
    except (ValidationError, ValueError):
        return await _card_page(request, me, cards, card_id, error="The number of days must be 1 or more.", status=422)
    try:
        created = await cards.share(me, card_id, options)
    except ConflictError as exc:
        return await _card_page(request, me, cards, card_id, error=exc.message, status=409)
    return render(request, "shared.html", {"share": created, "back": ("/cards", "Back to my health cards"),
                                           "expires": created.expires_at or datetime.now(UTC) + timedelta(days=7)})
