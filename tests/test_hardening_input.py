"""Bad input: the build finishes, every input is in ``articles`` with a status and a reason, impossible
values are dropped with a reason, and the summary says so. ``--strict`` turns skips into exit 3.

One folder holds every kind of bad input (made up here; sentences invented for the tests) and
is built once. Tests run as root, where ``chmod 000`` blocks nothing: unreadable inputs are a FIFO
(which used to hang the build forever), a symlink loop, a broken link and a folder named x.txt.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline import ingest, tables, validate
from pipeline.build import build
from fixtures import DROP_TO_NOBODY, folder_for_nobody, run_probe

ROOT = Path(__file__).resolve().parents[1]
GOOD = "某县公安局今年以来共破获电信网络诈骗案件{n}起，抓获犯罪嫌疑人45人，冻结涉案资金300万元。"
HOSTILE_HTML = (
    '<html><head><title>县公安局通报</title><script>window.__pwned=1;document.write("抓获嫌疑人99人")'
    '</script></head><body onload="alert(1)"><p onclick="alert(2)">县公安局破获电诈案件12起。'
    '<script>var x="冻结资金777万元";</script><img src=x onerror="alert(3)">'
    '<a href="javascript:alert(4)">详情</a></p><style>p{color:red}</style>'
    '<noscript>抓获嫌疑人88人</noscript><iframe srcdoc="<script>alert(5)</script>"></iframe>'
    '</body></html>')

# name -> (status, reason kind or None); paths relative to the input folder
EXPECT: dict[str, tuple[str, str | None]] = {}


def _put(base: Path, rel: str, data: bytes | str, status: str, kind: str | None) -> None:
    p = base / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    EXPECT[rel] = (status, kind)


def make_inputs(d: Path) -> None:
    EXPECT.clear()
    good = GOOD.format(n=120)
    _put(d, "empty.txt", b"", "skipped", "empty")
    _put(d, "blank.txt", " \n\u3000\n", "skipped", "empty")
    _put(d, "binary.txt", bytes(range(256)) * 40, "skipped", "not text")
    _put(d, "zip.html", b"PK\x03\x04" + os.urandom(3000), "skipped", "not text")
    _put(d, "cut_utf8.txt", GOOD.format(n=121).encode("utf-8")[:-1], "ok", None)
    _put(d, "cut_gbk.txt", GOOD.format(n=122).encode("gbk")[:-1], "ok", None)
    _put(d, "mixed.txt", GOOD.format(n=123).encode("utf-8") + b"\n"
         + "另一段：抓获嫌疑人7人。".encode("gbk") + b"\n", "ok", None)
    _put(d, "big5_as_is.txt", "今年以來，某縣警察局偵破詐騙案件31件。".encode("big5"), "ok", None)
    _put(d, "nul_stray.txt", GOOD.format(n=124).encode() + b"\x00" + good.encode(), "ok", None)
    _put(d, "digits5000.txt", "某县公安局破获案件" + "9" * 5000 + "起，冻结资金99999999999999亿元。"
         "另查获银行卡12张。", "ok", None)
    _put(d, "page.html", HOSTILE_HTML, "ok", None)
    _put(d, "odd name ;$(touch PWNED) `id` &.txt", GOOD.format(n=125), "ok", None)
    _put(d, "-rf --out x.txt", GOOD.format(n=126), "ok", None)
    _put(d, "a/b/c/d/deep.txt", GOOD.format(n=127), "ok", None)
    _put(d, "dup.txt", GOOD.format(n=127), "skipped", "duplicate")
    _put(d, "records.jsonl", "\n".join([json.dumps({"text": GOOD.format(n=128)}, ensure_ascii=False),
                                        "{not json", json.dumps([1, 2]),
                                        json.dumps({"text": "抓获嫌疑人" * 250_000})]) + "\n",
         "ok", None)
    try:
        _put(d, "new\nline.txt", GOOD.format(n=129), "ok", None)
    except OSError:  # a file system that forbids newlines in names
        pass
    # 50 MB: over the per-article limit, skipped unread (written in 1 MB chunks)
    with open(d / "huge.txt", "wb") as fh:
        chunk = (good * 12000).encode("utf-8")[: 1 << 20]
        for _ in range(50):
            fh.write(chunk)
    EXPECT["huge.txt"] = ("skipped", "too large")
    # unreadable while running as root
    os.mkfifo(d / "fifo.txt")
    EXPECT["fifo.txt"] = ("skipped", "unreadable")
    os.symlink("loop.txt", d / "loop.txt")
    EXPECT["loop.txt"] = ("skipped", "unreadable")
    os.symlink("nowhere/missing.txt", d / "broken.txt")
    EXPECT["broken.txt"] = ("skipped", "unreadable")
    (d / "folder.txt").mkdir()
    EXPECT["folder.txt"] = ("skipped", "unreadable")
    _put(d, "report.pdf", b"%PDF-1.4\n%\xe2\xe3", "skipped", "unsupported type")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    d = base / "in"
    d.mkdir()
    make_inputs(d)
    out = base / "out"
    cwd = os.getcwd()
    os.chdir(base)            # a `$(touch PWNED)` that ran would create base/PWNED
    try:
        summary = build([str(d)], out)
    finally:
        os.chdir(cwd)
    arts, facts = tables.read_tables(out)
    arts["rel"] = arts["source"].map(lambda s: os.path.relpath(s.split("#")[0], d)
                                     + ("#" + s.split("#")[1] if "#" in s else ""))
    return base, d, summary, arts, facts


def test_every_input_has_a_row_with_status_and_reason(built):
    base, d, summary, arts, _ = built
    files = {r for r in arts["rel"] if "#" not in r}
    for rel, (status, kind) in EXPECT.items():
        if rel == "records.jsonl":
            continue
        assert rel in files, f"{rel!r} missing from the articles table"
        row = arts[arts["rel"] == rel].iloc[0]
        assert row["status"] == status, (rel, row["status"], row["reason"])
        if status == "skipped":
            assert row["reason"] and row["reason"].startswith(kind), (rel, row["reason"])
        else:
            assert pd.isna(row["reason"]), (rel, row["reason"])
    recs = arts[arts["rel"].str.startswith("records.jsonl#")].set_index("rel")
    assert recs.loc["records.jsonl#1", "status"] == "ok"
    assert recs.loc["records.jsonl#2", "reason"].startswith("bad record: not JSON")
    assert recs.loc["records.jsonl#3", "reason"].startswith("bad record: not a JSON object")
    assert recs.loc["records.jsonl#4", "reason"].startswith("too large: 1250000 characters")
    assert not (base / "PWNED").exists() and not (d / "PWNED").exists()


def test_damaged_text_is_recovered(built):
    _, _, _, arts, facts = built
    row = arts.set_index("rel")
    assert row.loc["cut_utf8.txt", "encoding"] == "utf-8"
    assert row.loc["cut_utf8.txt", "text"].endswith("300万元")   # only the cut 。 is lost
    assert row.loc["cut_gbk.txt", "encoding"] == "gb18030"
    assert row.loc["mixed.txt", "encoding"] == "mixed"
    assert "另一段：抓获嫌疑人7人。" in row.loc["mixed.txt", "text"]
    assert "\x00" not in row.loc["nul_stray.txt", "text"]
    assert row.loc["big5_as_is.txt", "encoding"] == "big5"
    got = set(facts.loc[facts["metric"] == "cases_solved", "value"])
    assert {121.0, 122.0, 123.0, 124.0, 31.0} <= got


def test_script_and_handlers_never_reach_text_or_facts(built):
    _, _, _, arts, facts = built
    page = arts.set_index("rel").loc["page.html"]
    for bad in ("window.__pwned", "alert(", "onerror", "onclick", "javascript:", "document.write",
                "777万", "color:red", "88人", "<script", "<img"):
        assert bad not in page["text"], bad
        assert not facts["evidence"].str.contains(bad, regex=False).any(), bad
    mine = facts[facts["source"].str.endswith("page.html")]
    assert list(mine["value"]) == [12.0]


def test_absurd_values_are_dropped_with_a_reason(built):
    _, _, summary, arts, facts = built
    row = arts.set_index("rel").loc["digits5000.txt"]
    assert list(row["dropped_facts"]) == [
        "implausible_value: funds_frozen 1e+22 > 1e+12 (冻结资金99999999999999亿元)"]
    mine = facts[facts["source"].str.endswith("digits5000.txt")]
    assert list(zip(mine["metric"], mine["value"])) == [("bank_cards_seized", 12.0)]
    assert all(math.isfinite(v) for v in facts["value"])
    for m, v in zip(facts["metric"], facts["value"]):
        lo, hi = validate.bounds()[m]
        assert lo <= v <= hi
    assert summary.dropped == {"implausible_value": 1}


def test_summary_accounts_for_every_input(built):
    _, _, summary, arts, facts = built
    lines = summary.lines()
    total = summary.read + sum(summary.skipped.values())
    assert total == len(arts) and lines[0].startswith(f"inputs: {len(arts)} ")
    assert summary.read == (arts["status"] == "ok").sum()
    kinds = {r.split(":")[0] for r in arts["reason"].dropna()}
    for kind in kinds:
        assert any(line.strip().startswith("skipped (") and line.endswith(kind) for line in lines), kind
    assert {"too large", "unreadable", "not text", "empty", "duplicate",
            "unsupported type", "bad record"} <= kinds
    assert "facts dropped (1): implausible_value" in lines
    assert sum(summary.facts_per_metric.values()) == len(facts)


def test_validate_drops_non_finite_and_out_of_range():
    from pipeline.model import Fact
    facts = [Fact("cases_solved", float("nan"), "起", figure="破获案件x起"),
             Fact("cases_solved", float("inf"), "起"),
             Fact("suspects_arrested", -3.0, "人"),
             Fact("case_change_pct", -40.0, "%"),
             Fact("some_new_count", 2e7, "个"),
             Fact("some_new_money", 2e12, "元", currency="CNY"),
             Fact("victims_dissuaded", 1.96e7, "人次")]      # a real national total: kept
    kept, dropped = validate.check_facts(facts)
    assert [f.metric for f in kept] == ["case_change_pct", "victims_dissuaded"]
    assert [r.split(":")[0] for r in dropped] == ["non_finite_value"] * 2 + ["implausible_value"] * 3
    assert dropped[0] == "non_finite_value: cases_solved nan (破获案件x起)"


def test_size_limits_are_the_documented_ones():
    assert ingest.MAX_ARTICLE_BYTES < 50 * 1024 * 1024 <= ingest.MAX_BYTES
    assert "too large" in ingest.__doc__ and str(ingest.MAX_ARTICLE_CHARS) not in ("", "0")


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, text=True,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=600)


def test_strict_fails_the_pipeline_on_skipped_input(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text(GOOD.format(n=5), encoding="utf-8")
    (d / "b.txt").write_text(GOOD.format(n=5), encoding="utf-8")          # a duplicate: fine
    ok = _cli("build", str(d), "--out", str(tmp_path / "o1"), "--strict", "-q", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    (d / "c.txt").write_bytes(b"")
    r = _cli("build", str(d), "--out", str(tmp_path / "o2"), "--strict", "-q", cwd=tmp_path)
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert "skipped (1): empty" in r.stdout and "--strict" in r.stderr
    assert tables.read_tables(tmp_path / "o2")[0].shape[0] == 3       # tables written anyway
    lax = _cli("build", str(d), "--out", str(tmp_path / "o3"), "-q", cwd=tmp_path)
    assert lax.returncode == 0


PERMISSION_PROBE = """
import json, os, sys
from pipeline import ingest, tables
from pipeline.build import build, process_document
from pipeline.model import RawDoc
import bs4, charset_normalizer, csv                      # load lazily imported code as root
ingest.decode("电信".encode("gbk")); ingest.decode("電信".encode("big5")); ingest.common_chars()
process_document(RawDoc(source="warm.txt", status="ok", text="破获案件3起。", fmt="txt"))
from pipeline import cache; cache.pipeline_version()
""" + DROP_TO_NOBODY + """
s = build([sys.argv[1]], sys.argv[2])
a, _ = tables.read_tables(sys.argv[2])
print(json.dumps({"rows": dict(zip(a["source"], a["reason"].fillna("ok"))), "summary": s.lines()}))
"""


def test_permission_denied_files_and_folders_are_reported():
    """A file and a folder the build may not read (as ``nobody`` when the tests run as root)."""
    with folder_for_nobody("perm-") as base:
        base.chmod(0o777)
        d = base / "in"
        (d / "closed").mkdir(parents=True)
        (d / "ok.txt").write_text(GOOD.format(n=130), encoding="utf-8")
        (d / "secret.txt").write_text(GOOD.format(n=131), encoding="utf-8")
        (d / "closed" / "inner.txt").write_text(GOOD.format(n=132), encoding="utf-8")
        d.chmod(0o755)
        (d / "secret.txt").chmod(0o000)
        (d / "closed").chmod(0o700 if os.geteuid() == 0 else 0o000)
        got = run_probe(PERMISSION_PROBE, str(d), str(base / "out"))
        rows = {os.path.relpath(k, d): v for k, v in got["rows"].items()}
        assert rows == {"ok.txt": "ok", "secret.txt": "unreadable: permission denied",
                        "closed": "unreadable: folder cannot be listed (Permission denied)"}
        assert "  skipped (2): unreadable" in got["summary"]
