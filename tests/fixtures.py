"""A small hand-made pair of tables for the dashboard and query tests.

Written with ``pipeline.tables.to_table`` + ``write_tables``, so it is a real build folder.
The sentences are made up for the tests. What the fixture predicts (see ``EXPECTED``):

- a1 (七里河区, 断卡, cumulative totals) and a2 (its traditional-script reprint, 断卡): the reprint's
  280 cases count once; a1's operation (19 arrested) lies inside its cumulative 120 and is not
  added on top;
- a3 (微山县, 云剑2022): a 1至6月 total (6 cases) inside the 今年以来 total (9) is not added;
- a4 (涵江区 station, 断卡 + 断流): operation figures, and 3.5亿元 stopped;
- a5 (南山区, no campaign): hostile text (markup, Markdown, formula) that must show verbatim;
- a6 (Hong Kong): an HKD amount that is never added to yuan.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline import tables

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = ('<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
           '[点我](http://example.invalid) $x^2$ **粗体**')

_ARTICLES = [
    dict(article_id="a1", source="fixture/a1.txt", published="2022-07-14", script="simplified",
         province="甘肃省", city="兰州市", district="七里河区", agency="兰州市公安局七里河分局",
         agency_level="district", campaigns=["断卡"], outlet="示例日报",
         title="七里河警方打击电诈成效明显",
         text=("七里河警方打击电诈成效明显\n"
               "今年以来，七里河分局深入开展断卡行动，共破获电信网络诈骗案件280起，"
               "抓获犯罪嫌疑人120人，冻结涉案资金2701.6万元。\n"
               "7月上旬，民警在一处出租屋内抓获19名犯罪嫌疑人。\n")),
    dict(article_id="a2", source="fixture/a2.txt", published="2022-07-16", script="traditional",
         province="甘肃省", city="兰州市", district="七里河区", agency="兰州市公安局七里河分局",
         agency_level="district", campaigns=["断卡"], outlet="轉載網", duplicate_of="a1",
         title="七里河警方打擊電詐成效明顯",
         text=("七里河警方打擊電詐成效明顯\n"
               "今年以來，七里河分局深入開展斷卡行動，共破獲電信網絡詐騙案件280起。\n")),
    dict(article_id="a3", source="fixture/a3.txt", published="2022-08-20", script="simplified",
         province="山东省", city="济宁市", district="微山县", agency="微山县公安局",
         agency_level="district", campaigns=["云剑2022"], outlet="示例晚报",
         title="微山公安云剑行动通报",
         text=("微山公安云剑行动通报\n"
               "1至6月，全县破获电诈案件6起。\n"
               "今年以来，微山县公安局共破获电诈案件9起，抓获嫌疑人27人，"
               "紧急止付资金500万元，挽回群众损失20万元，推送预警230人次，劝阻群众21人次。\n")),
    dict(article_id="a4", source="fixture/a4.txt", published="2022-09-05", script="simplified",
         province="福建省", city="莆田市", district="涵江区", agency="涵江派出所",
         agency_level="station", campaigns=["断卡", "断流"], outlet="示例网",
         title="涵江派出所捣毁一窝点",
         text=("涵江派出所捣毁一窝点\n"
               "9月初，涵江派出所破获帮信案件5起，抓获嫌疑人12人，冻结资金150万元。\n"
               "该所今年累计止付资金3.5亿元。\n")),
    dict(article_id="a5", source="fixture/a5.txt", published="2022-10-01", script="simplified",
         province="广东省", city="深圳市", district="南山区", agency="南山公安分局",
         agency_level="district", campaigns=[], outlet="测试站", title="测试稿件",
         text=f"测试稿件\n{HOSTILE}\n南山警方破获诈骗案件3起。{HOSTILE}\n"),
    dict(article_id="a6", source="fixture/a6.txt", published="2022-10-15", script="traditional",
         province="香港特别行政区", city=None, district=None, agency="香港警务处",
         agency_level="provincial", campaigns=[], outlet="示例港报", title="警方凍結詐騙款項",
         text="警方凍結詐騙款項\n警方凍結涉案資金50萬港元。\n"),
]

# (fact_id, article, metric, value, unit, qualifier, scope, evidence, period, extra)
_FACTS = [
    ("f1", "a1", "cases_solved", 280, "起", "exact", "cumulative",
     "共破获电信网络诈骗案件280起", ("2022-01-01", "2022-07-14"), {}),
    ("f2", "a1", "suspects_arrested", 120, "人", "exact", "cumulative",
     "抓获犯罪嫌疑人120人", ("2022-01-01", "2022-07-14"), {}),
    ("f3", "a1", "funds_frozen", 27016000, "元", "exact", "cumulative",
     "冻结涉案资金2701.6万元", ("2022-01-01", "2022-07-14"), {"currency": "CNY"}),
    ("f4", "a1", "suspects_arrested", 19, "人", "exact", "operation",
     "7月上旬，民警在一处出租屋内抓获19名犯罪嫌疑人。", ("2022-07-01", "2022-07-10"), {}),
    ("f5", "a2", "cases_solved", 280, "起", "exact", "cumulative",
     "共破獲電信網絡詐騙案件280起", ("2022-01-01", "2022-07-16"), {"duplicate_of": "f1"}),
    ("f6", "a3", "cases_solved", 6, "起", "exact", "cumulative",
     "1至6月，全县破获电诈案件6起。", ("2022-01-01", "2022-06-30"), {}),
    ("f7", "a3", "cases_solved", 9, "起", "exact", "cumulative",
     "共破获电诈案件9起", ("2022-01-01", "2022-08-20"), {}),
    ("f8", "a3", "suspects_arrested", 27, "人", "exact", "cumulative",
     "抓获嫌疑人27人", ("2022-01-01", "2022-08-20"), {}),
    ("f9", "a3", "funds_stopped", 5000000, "元", "exact", "cumulative",
     "紧急止付资金500万元", ("2022-01-01", "2022-08-20"), {"currency": "CNY"}),
    ("f10", "a3", "losses_recovered", 200000, "元", "exact", "cumulative",
     "挽回群众损失20万元", ("2022-01-01", "2022-08-20"), {"currency": "CNY"}),
    ("f11", "a3", "warnings_issued", 230, "人次", "exact", "cumulative",
     "推送预警230人次", ("2022-01-01", "2022-08-20"), {}),
    ("f12", "a3", "victims_dissuaded", 21, "人次", "exact", "cumulative",
     "劝阻群众21人次", ("2022-01-01", "2022-08-20"), {}),
    ("f13", "a4", "cases_solved", 5, "起", "exact", "operation",
     "破获帮信案件5起", ("2022-09-01", "2022-09-05"), {}),
    ("f14", "a4", "suspects_arrested", 12, "人", "exact", "operation",
     "抓获嫌疑人12人", ("2022-09-01", "2022-09-05"), {}),
    ("f15", "a4", "funds_frozen", 1500000, "元", "exact", "operation",
     "冻结资金150万元", ("2022-09-01", "2022-09-05"), {"currency": "CNY"}),
    ("f16", "a4", "funds_stopped", 350000000, "元", "exact", "cumulative",
     "该所今年累计止付资金3.5亿元。", ("2022-01-01", "2022-09-05"), {"currency": "CNY"}),
    ("f17", "a5", "cases_solved", 3, "起", "exact", "operation",
     f"南山警方破获诈骗案件3起。{HOSTILE}", (None, "2022-10-01"), {}),
    ("f18", "a6", "funds_frozen", 500000, "元", "exact", "cumulative",
     "警方凍結涉案資金50萬港元。", (None, "2022-10-15"), {"currency": "HKD"}),
]

#: Headline sums the fixture predicts (no filter, and with campaign 断卡).
EXPECTED = {
    "all": {"cases_solved": 280 + 9 + 5 + 3, "suspects_arrested": 120 + 27 + 12,
            "funds_frozen": 27016000 + 1500000, "funds_stopped": 5000000 + 350000000,
            "losses_recovered": 200000, "warnings_issued": 230, "victims_dissuaded": 21},
    "断卡": {"cases_solved": 280 + 5, "suspects_arrested": 120 + 12,
            "funds_frozen": 27016000 + 1500000, "funds_stopped": 350000000,
            "losses_recovered": 0, "warnings_issued": 0, "victims_dissuaded": 0},
}
EXPECTED_TEXT = {
    "all": {"cases_solved": "297起", "suspects_arrested": "159人", "funds_frozen": "2851.6万元",
            "funds_stopped": "3.55亿元", "losses_recovered": "20万元",
            "warnings_issued": "230人次", "victims_dissuaded": "21人次"},
    "断卡": {"cases_solved": "285起", "suspects_arrested": "132人", "funds_frozen": "2851.6万元",
            "funds_stopped": "3.5亿元", "losses_recovered": "—", "warnings_issued": "—",
            "victims_dissuaded": "—"},
}


def fixture_rows() -> tuple[list[dict], list[dict]]:
    arts = {a["article_id"]: {**a, "status": "ok", "fmt": "txt"} for a in _ARTICLES}
    facts = []
    for fid, aid, metric, value, unit, qual, scope, ev, (p0, p1), extra in _FACTS:
        a = arts[aid]
        start = a["text"].find(ev)
        assert start >= 0, (fid, ev)
        row = {k: a.get(k) for k in ("source", "province", "city", "district", "agency",
                                      "agency_level", "campaigns", "published", "title",
                                      "outlet", "script")}
        row.update(fact_id=fid, article_id=aid, metric=metric, value=float(value), unit=unit,
                   qualifier=qual, scope=scope, evidence=ev, evidence_start=start,
                   evidence_end=start + len(ev), figure_text=ev, figure_start=start,
                   figure_end=start + len(ev), evidence_simplified=ev, mentions=1,
                   period_start=p0, period_end=p1, flags=[], duplicate_of=None)
        row.update(extra)
        facts.append(row)
    for a in arts.values():
        a["n_facts"] = sum(f["article_id"] == a["article_id"] for f in facts)
    return list(arts.values()), facts


def write_fixture(out: str | Path) -> Path:
    """Write the fixture tables as a build in ``out``; returns ``out``."""
    arts, facts = fixture_rows()
    tables.write_tables(out, tables.to_table(arts, tables.ARTICLES_SCHEMA),
                        tables.to_table(facts, tables.FACTS_SCHEMA))
    return Path(out)


#: One synthetic article (as ``antifraud synth`` marks them: title and outlet) and one whose
#: traditional-script page carries the mark in its title only, added by ``synthetic_rows``.
SYNTHETIC_ARTICLES = [
    dict(article_id="s1", source="synthetic/0000/s0000001.txt", published="2022-11-02",
         script="simplified", province="甘肃省", city="兰州市", district="城关区",
         agency="兰州市公安局城关分局", agency_level="district", campaigns=["断卡"],
         outlet="【合成数据】示例新闻网", title="【合成数据】城关警方破获一批电诈案件",
         text="【合成数据】城关警方破获一批电诈案件\n城关警方近日破获电诈案件4起。\n"),
    dict(article_id="s2", source="synthetic/0000/s0000002.txt", published="2022-11-03",
         script="traditional", province="甘肃省", city="兰州市", district="城关区",
         agency="兰州市公安局城关分局", agency_level="district", campaigns=["断卡"],
         outlet=None, title="【合成數據】城關警方抓獲嫌疑人",
         text="【合成數據】城關警方抓獲嫌疑人\n城關警方抓獲嫌疑人8人。\n"),
]
_SYNTHETIC_FACTS = [("s1f1", "s1", "cases_solved", 4, "起", "城关警方近日破获电诈案件4起。"),
                    ("s2f1", "s2", "suspects_arrested", 8, "人", "城關警方抓獲嫌疑人8人。")]


def synthetic_rows(only: bool = False) -> tuple[list[dict], list[dict]]:
    """The fixture plus the two synthetic articles (``only``: the synthetic ones alone)."""
    arts, facts = ([], []) if only else fixture_rows()
    for a in SYNTHETIC_ARTICLES:
        arts.append({**a, "status": "ok", "fmt": "txt", "n_facts": 1})
    by_id = {a["article_id"]: a for a in SYNTHETIC_ARTICLES}
    for fid, aid, metric, value, unit, ev in _SYNTHETIC_FACTS:
        a = by_id[aid]
        start = a["text"].find(ev)
        row = {k: a.get(k) for k in ("source", "province", "city", "district", "agency",
                                      "agency_level", "campaigns", "published", "title",
                                      "outlet", "script")}
        row.update(fact_id=fid, article_id=aid, metric=metric, value=float(value), unit=unit,
                   qualifier="exact", scope="operation", evidence=ev, evidence_start=start,
                   evidence_end=start + len(ev), figure_text=ev, figure_start=start,
                   figure_end=start + len(ev), evidence_simplified=ev, mentions=1,
                   period_start=None, period_end=a["published"], flags=[], duplicate_of=None)
        facts.append(row)
    return arts, facts


def write_synthetic_fixture(out: str | Path, only: bool = False) -> Path:
    """``synthetic_rows`` written as a build in ``out``; returns ``out``."""
    arts, facts = synthetic_rows(only)
    tables.write_tables(out, tables.to_table(arts, tables.ARTICLES_SCHEMA),
                        tables.to_table(facts, tables.FACTS_SCHEMA))
    return Path(out)


def write_partitioned(out: str | Path, facts, articles, parts: int = 3,
                      row_group_size: int = 1000) -> Path:
    """Publish ``facts`` and ``articles`` (Arrow tables) as one build of ``out``, each table in
    ``parts`` partitions of small row groups (rows are then read across files and row groups, as
    in a big build). Returns the build folder."""
    import pyarrow.parquet as pq

    def fill(tmp):
        for name, t in (("facts", facts), ("articles", articles)):
            (tmp / f"{name}.parquet").mkdir()
            step = -(-t.num_rows // parts)
            for k in range(parts):
                pq.write_table(t.slice(k * step, step), tmp / f"{name}.parquet" /
                               f"part-{k:06d}.parquet", compression="zstd",
                               row_group_size=row_group_size)
        return {}
    tables.publish_build(Path(out), fill)
    return tables.current_build(Path(out))


#: Put in a probe script (after it has imported what it needs as root): from here on the probe
#: runs as ``nobody`` when the tests run as root, so file permissions apply again.
DROP_TO_NOBODY = ("if os.geteuid() == 0:\n"
                  "    os.setgid(65534); os.setuid(65534)\n")


@contextlib.contextmanager
def folder_for_nobody(prefix: str):
    """A fresh folder outside root's 0700 pytest folder (so ``nobody`` can reach it), removed
    afterwards whatever its permissions became. Skips the test when running as root without a
    user ``nobody`` to drop to."""
    import pwd

    import pytest
    if os.geteuid() == 0:
        try:
            pwd.getpwuid(65534)
        except KeyError:
            pytest.skip("running as root and no user nobody to drop to")
    base = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        base.chmod(0o755)
        yield base
    finally:
        for p in [base, *base.rglob("*")]:
            if not p.is_symlink():
                p.chmod(0o700)
        shutil.rmtree(base, ignore_errors=True)


def run_probe(code: str, *args: str, timeout: float = 600) -> dict:
    """Run the probe script ``code`` (it prints JSON on its last line) in a new Python process
    of this project; its output, parsed."""
    r = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)},
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])
