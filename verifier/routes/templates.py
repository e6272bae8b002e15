"""`/templates`: the proof requests staff can choose from, with what each reveals and proves."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from verifier.deps import require_staff
from verifier.models import TemplateView
from verifier.templates import TEMPLATES

__all__ = ["router"]

router = APIRouter(prefix="/templates", tags=["templates"], dependencies=[Depends(require_staff)])


@router.get("")
async def list_templates() -> list[TemplateView]:
    return [template.describe() for template in TEMPLATES.values()]
