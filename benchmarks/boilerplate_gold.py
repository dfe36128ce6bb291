"""Measure boilerplate removal on the development corpus (read from ../shared at run time).

For every article of the corpus (and the seeds), normalise it (which drops boilerplate) and check
that every gold evidence string still occurs in the normalised text. Prints the survival count,
how much text went, and with -v every removed line with its kind.

    .venv/bin/python benchmarks/boilerplate_gold.py [-v] [CORPUS_DIR]
"""
from __future__ import annotations

import sys
from pathlib import Path

from pipeline.boilerplate import classify_lines
from pipeline.normalise import normalise
from pipeline.boilerplate import boilerplate_spans

from gold_cases import ROOT, gold_cases


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args = [a for a in argv if not a.startswith("-")]
    corpus = Path(args[0]) if args else ROOT.parent / "shared" / "corpus"
    total = kept = 0
    chars_in = chars_out = 0
    lost = []
    for path, g in gold_cases(corpus):
        text = path.read_text(encoding="utf-8")
        norm = normalise(text)
        chars_in += len(text)
        chars_out += len(norm.text)
        for f in g["facts"]:
            total += 1
            ev = normalise(f["evidence"]).text
            if ev in norm.text:
                kept += 1
            else:
                lost.append((path.name, f["evidence"]))
        if verbose:
            pre = _pre_boilerplate(text)
            print(f"== {path.name}")
            dropped = set()
            for tag in classify_lines(pre):
                if tag.kind:
                    dropped.add(tag.start)
                    print(f"   [{tag.kind:8}] {tag.text[:70]}")
            for a, b in boilerplate_spans(pre):
                if a not in dropped:
                    print(f"   [inline  ] {pre[a:b]!r}  <- {pre[max(0, a - 12):a]!r}")
            idem = boilerplate_spans(norm.text)
            if idem:
                print("   NOT IDEMPOTENT:", [norm.text[a:b] for a, b in idem])
    print(f"gold evidence surviving boilerplate removal: {kept}/{total}")
    for name, ev in lost:
        print(f"  LOST {name}: {ev}")
    print(f"characters kept: {chars_out}/{chars_in} ({chars_out / chars_in:.1%})")
    return 0 if kept == total else 1


def _pre_boilerplate(text: str) -> str:
    """The normalised text before boilerplate removal (normalise with the hook switched off)."""
    import pipeline.normalise as nm
    saved = nm.boilerplate_spans
    nm.boilerplate_spans = lambda t: []
    try:
        return nm.normalise(text).text
    finally:
        nm.boilerplate_spans = saved


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
