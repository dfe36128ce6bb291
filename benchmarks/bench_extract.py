"""Speed of fact extraction alone (normalise and sentence split done beforehand, not timed).

    .venv/bin/python benchmarks/bench_extract.py            # ../shared/corpus articles, x20
    .venv/bin/python benchmarks/bench_extract.py --long 16000

Prints milliseconds per article and characters per second; ``--long N`` also times one
pathological sentence of N repeated enumeration items (no punctuation), which must scale linearly.
"""
from __future__ import annotations

import argparse
import glob
import time
from pathlib import Path

from pipeline.dedup import dedup_facts
from pipeline.extract import extract_facts, load_rules
from pipeline.model import NormText, Sentence
from pipeline.normalise import normalise
from pipeline.sentences import split_sentences

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "articles"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--long", type=int, default=0, metavar="N")
    args = ap.parse_args()
    load_rules()
    docs = []
    for p in sorted(glob.glob(f"{args.corpus}/*.txt")):
        norm = normalise(Path(p).read_text(encoding="utf-8", errors="replace"))
        docs.append((norm, split_sentences(norm)))
    if docs:
        t0 = time.process_time()
        n_facts = 0
        for _ in range(args.repeat):
            for norm, sents in docs:
                n_facts += len(dedup_facts(extract_facts(norm, sents)))
        dt = time.process_time() - t0
        runs = len(docs) * args.repeat
        chars = sum(len(n.text) for n, _ in docs) * args.repeat
        print(f"corpus: {len(docs)} articles x{args.repeat}: {dt / runs * 1000:.2f} ms/article, "
              f"{chars / dt / 1000:.0f}k chars/s, {n_facts // args.repeat} facts per pass")
    for n in sorted({args.long // 4, args.long} - {0}):
        text = "抓获1人扣押手机2部" * n
        norm = NormText(text, list(range(len(text) + 1)), text)
        t0 = time.process_time()
        facts = extract_facts(norm, [Sentence(0, len(text), text)])
        dt = time.process_time() - t0
        print(f"one sentence of {len(text)} chars, {len(facts)} figures: {dt:.2f} s "
              f"({dt / max(len(facts), 1) * 1e6:.0f} us per figure)")


if __name__ == "__main__":
    main()
