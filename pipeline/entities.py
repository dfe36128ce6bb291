"""Tag region, agency, campaigns and periods (placeholder, being built)."""
from __future__ import annotations

from .model import Entities, Fact, Meta, NormText, Sentence


def tag_entities(norm: NormText, meta: Meta) -> Entities:
    return Entities()


def resolve_period(fact: Fact, sentence: Sentence, meta: Meta) -> tuple[str | None, str | None]:
    return None, None
