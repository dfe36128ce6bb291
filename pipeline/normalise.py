"""Normalise text, keeping a map to the original (placeholder, being built)."""
from __future__ import annotations

from .model import NormText


def normalise(text: str) -> NormText:
    return NormText(text=text, offsets=list(range(len(text) + 1)), original=text)
