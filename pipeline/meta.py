"""Detect title, publication date, outlet and script (placeholder, being built)."""
from __future__ import annotations

from .model import Meta, NormText, RawDoc


def detect_meta(raw: RawDoc, norm: NormText) -> Meta:
    first = next((l.strip() for l in norm.text.splitlines() if l.strip()), None)
    return Meta(title=raw.title or first, published=raw.published)
