"""Routes of this family: translate HTTP to domain calls and back; no SQL here."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
