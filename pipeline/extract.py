"""Extract facts from sentences (placeholder, being built)."""
from __future__ import annotations

from .model import Fact, NormText, Sentence


def extract_facts(norm: NormText, sentences: list[Sentence]) -> list[Fact]:
    return []
