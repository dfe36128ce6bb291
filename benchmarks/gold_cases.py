"""The labelled development articles, for the stage measurements in this folder: every article of
``CORPUS/gold.jsonl`` (read from ../shared at run time) and the seeds, with its gold record."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]


def gold_cases(corpus: Path) -> Iterator[tuple[Path, dict]]:
    """(article path, gold record) for the corpus at ``corpus`` and for seeds/."""
    for base, gold in ((corpus / "articles", corpus / "gold.jsonl"),
                       (ROOT / "seeds", ROOT / "tests" / "data" / "seeds_gold.jsonl")):
        for line in gold.read_text(encoding="utf-8").splitlines():
            if line.strip():
                g = json.loads(line)
                yield base / f"{g['id']}.txt", g
