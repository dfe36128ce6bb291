"""Site boilerplate detection (placeholder until the real rules land)."""
from __future__ import annotations


def boilerplate_spans(text: str) -> list[tuple[int, int]]:
    return []
