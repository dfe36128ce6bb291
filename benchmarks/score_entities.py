"""Accuracy of region / agency / campaign tagging against a gold file.

Usage (from the repository root):

    antifraud build ../shared/corpus/articles --out /tmp/ent
    python benchmarks/score_entities.py /tmp/ent ../shared/corpus/gold.jsonl [-v]

Articles are matched to gold records by file stem (``d07.txt`` <-> ``"id": "d07"``). Reads the
gold at run time; nothing of it is copied into the project.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pipeline.evaluate import entity_scores, format_entity_scores  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="build output folder (with articles.parquet)")
    ap.add_argument("gold", help="gold .jsonl")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every mismatch")
    a = ap.parse_args(argv)
    arts = pd.read_parquet(Path(a.out) / "articles.parquet")
    s = entity_scores(a.gold, arts)
    print(format_entity_scores(s, verbose=a.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
