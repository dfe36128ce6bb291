"""Split normalised text into sentences (placeholder, being built)."""
from __future__ import annotations

import re

from .model import NormText, Sentence

_END = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")


def split_sentences(norm: NormText) -> list[Sentence]:
    return [Sentence(m.start(), m.end(), m.group()) for m in _END.finditer(norm.text)]
