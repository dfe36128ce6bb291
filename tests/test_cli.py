"""The command line: build prints a summary naming every skipped input; evaluate scores."""
from pathlib import Path

from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_build_summary_names_skipped_inputs_and_counts_facts(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("今年以来,某县公安局破获电信网络诈骗案件12起,抓获犯罪嫌疑人30名。",
                               encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    (src / "scan.pdf").write_bytes(b"%PDF-1.4")
    assert main(["build", str(src), "--out", str(tmp_path / "out"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "inputs: 3  read: 1  skipped: 2" in out
    assert f"{src / 'empty.txt'}: empty" in out
    assert f"{src / 'scan.pdf'}: unsupported type" in out
    assert "cases_solved: 1" in out and "suspects_arrested: 1" in out


def test_evaluate_reports_precision_recall_and_entities(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", str(ROOT / "seeds"), "--out", str(out), "-q"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(ROOT / "tests/data/seeds_gold.jsonl"),
                 str(out / "facts.parquet")]) == 0
    text = capsys.readouterr().out
    assert "precision: 1.000  recall: 1.000  F1: 1.000" in text
    assert "agency       2/2" in text
    assert "scope (cumulative/operation) as gold: 26/26 matched facts" in text
