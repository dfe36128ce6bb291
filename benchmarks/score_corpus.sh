#!/usr/bin/env bash
# Score fact extraction on the hand-labelled development corpus.
# Builds ../shared/corpus/articles (read at run time, never copied into the project) into a fresh
# temporary folder and prints precision / recall / F1 with every miss and false hit.
# Usage: benchmarks/score_corpus.sh [CORPUS_DIR]   (default: ../shared/corpus next to the repo)
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS="${1:-../shared/corpus}"
BIN="${BIN:-.venv/bin}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$BIN/antifraud" build "$CORPUS/articles" --out "$TMP" -q >/dev/null
"$BIN/antifraud" evaluate "$CORPUS/gold.jsonl" "$TMP/facts.parquet" -v
