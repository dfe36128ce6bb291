"""Measure metadata detection against the development corpus (read from ../shared at run time).

Compares the detected publication date and script with the gold labels (gold.jsonl of the corpus
and the seeds); prints title and outlet for eyeballing. Run twice as the corpus ships: text only,
and with the gold URL given as the record's url (as a crawler's .jsonl would).

    .venv/bin/python benchmarks/meta_gold.py [-v] [CORPUS_DIR]
"""
from __future__ import annotations

import sys
from pathlib import Path

from pipeline.meta import detect_meta
from pipeline.model import RawDoc
from pipeline.normalise import normalise

from gold_cases import ROOT, gold_cases


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args = [a for a in argv if not a.startswith("-")]
    corpus = Path(args[0]) if args else ROOT.parent / "shared" / "corpus"
    for with_url in (False, True):
        n = pub_ok = script_ok = 0
        for path, g in gold_cases(corpus):
            text = path.read_text(encoding="utf-8")
            raw = RawDoc(source=str(path), status="ok", text=text, fmt="txt",
                         url=g.get("url") if with_url else None)
            m = detect_meta(raw, normalise(text))
            n += 1
            pub_ok += m.published == g["published"]
            script_ok += m.script == g["script"]
            if verbose and not with_url:
                flag = "" if m.published == g["published"] else f"  (gold {g['published']})"
                print(f"{path.stem[:6]:6} {m.script[:4]} {str(m.published):10}{flag:18} "
                      f"{str(m.outlet):12} | {m.title}")
        label = "text + url" if with_url else "text only "
        print(f"{label}: published {pub_ok}/{n}  script {script_ok}/{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
