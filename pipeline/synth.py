"""Synthetic corpus: realistic anti-fraud police reports with their facts known in advance.

``generate(n, out, seed)`` writes ``n`` articles under ``out/synthetic/`` (mostly .txt, some .html,
some records of .jsonl files; UTF-8 and some GB18030; simplified and traditional script) and
``out/gold.jsonl`` in the format of the hand-labelled development corpus, so ``antifraud evaluate``
scores a build of them. ``generate_tables(n, out, seed)`` skips the text files and writes the
``articles``/``facts`` tables directly (for dashboard benchmarks at a million articles).

Everything made here is marked synthetic where it is shown: titles and outlets carry
``【合成数据】`` and sources sit under a ``synthetic/`` folder. Output depends only on ``seed``.

The sentences are templates in ``pipeline/resources/synth.json`` (several phrasings per metric);
this module only draws from them: numbers (Arabic, Chinese numerals, 万/亿), qualifiers
(余/多/逾/以上/约/近/左右), distractors (phone numbers, staff and leaflet counts), boilerplate
(navigation, related links with dates and numbers, footers) and reprints of one story on
several sites.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from html import escape
from pathlib import Path

import cn2an


SCRIPTS = (("simplified", None, 0.80), ("traditional", "s2t", 0.10),
           ("traditional", "s2hk", 0.05), ("traditional", "s2tw", 0.05))
FOLDER_SIZE = 1000       # articles per sub-folder of synthetic/
JSONL_EVERY = 40         # one article in JSONL_EVERY is a record of a .jsonl file
HTML_EVERY = 8           # one in HTML_EVERY (of the rest) is an .html page
GB18030_EVERY = 12       # one simplified .txt in GB18030_EVERY is GB18030-encoded
REPRINT_SHARE = 0.06     # share of stories reprinted on 2-3 other sites


@lru_cache(maxsize=1)
def templates() -> dict:
    return json.loads((Path(__file__).parent / "resources" / "synth.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def regions() -> list[tuple]:
    """(province, city, district) triples drawn from the gazetteer (mainland divisions, no
    development zones): mostly counties, some prefectures and provinces; the small built-in list
    of ``synth.json`` when the gazetteer is not available."""
    try:
        from .gazetteer import divisions
        divs = [d for d in divisions() if not d.zone and d.code[:2] not in ("71", "81", "82")]
    except (ImportError, OSError):
        divs = []
    if not divs:
        return [tuple(r) for r in templates()["regions"]]
    out = []
    for d in divs:
        if d.level == "county" and d.name != d.city:
            out.append((d.province, d.city, d.name))
        elif d.level == "city" and d.name != d.province:
            out += [(d.province, d.name, None)] * 2
        elif d.level == "province":
            out += [(d.province, None, None)] * 5
    return out


@lru_cache(maxsize=None)
def _cc(config: str):
    import opencc
    return opencc.OpenCC(config)


@dataclass
class Story:
    """One generated story: what is true (gold) and the simplified text that states it."""

    title: str
    published: str
    region: dict | None
    agency: str
    campaigns: list[str]
    paragraphs: list[str]
    facts: list[dict] = field(default_factory=list)


# ---------------------------------------------------------------- numbers

def _log_uniform(rng: random.Random, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def _fmt_mantissa(x: float, decimals: int) -> str:
    s = f"{x:.{decimals}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


@lru_cache(maxsize=None)
def _cn(v: int) -> str:
    return "两" if v == 2 else cn2an.an2cn(v)


def figure(rng: random.Random, kind: str, lo: float, hi: float, unit: str) -> tuple[str, float, str]:
    """A figure phrase (number, qualifier, unit) -> (text, value in base units, qualifier).

    >>> t, v, q = figure(random.Random(1), "money", 1e5, 1e9, "元")
    >>> t.endswith("元") and v > 0 and q in ("exact", "more_than", "about")
    True
    """
    r = rng.random()
    qual = "exact" if r < 0.6 or kind == "pct" else ("more_than" if r < 0.88 else "about")
    if kind == "pct":
        v = round(rng.uniform(lo, hi), rng.choice((0, 1, 1, 2)))
        return f"{_fmt_mantissa(v, 2)}%", v, "exact"
    x = _log_uniform(rng, lo, hi)
    scale, sname = 1, ""
    if kind == "money" and x >= 1e8 and rng.random() < 0.8:
        scale, sname = 10**8, "亿"
    elif x >= 1e4 and (kind == "money" or rng.random() < 0.5):
        scale, sname = 10**4, "万"
    m = x / scale
    if qual == "more_than" or m >= 1000 or rng.random() < 0.5:
        m = float(int(m))                       # 61万余元, 70余名: whole numbers before 余/多
    else:
        m = round(m, rng.choice((1, 2)) if scale > 1 else 0)
    m = max(m, 1.0)
    num = _fmt_mantissa(m, 2)
    form = ""
    if qual == "more_than":
        form = rng.choice(("余", "余", "多", "逾", "以上"))
        if form in ("余", "多") and scale == 1:
            if m < 10:
                form = rng.choice(("逾", "以上"))   # no "5余名": 余/多 follow round numbers
            else:
                m = float(int(m) // 10 * 10)
                num = _fmt_mantissa(m, 2)
    if scale == 1 and m <= 99 and kind == "count" and rng.random() < 0.25 and (
            form not in ("余", "多") or m % 10 == 0):
        num = _cn(int(m))                       # 十九名, 两人, 二十余人
    elif scale == 10**4 and m == int(m) and m <= 10 and rng.random() < 0.3:
        num = _cn(int(m))                       # 两万余张
    value = round(m * scale, 2)
    if qual == "exact":
        text = f"{num}{sname}{unit}"
    elif qual == "more_than":
        if form in ("余", "多"):
            text = (f"{num}{sname}{form}{unit}" if sname and (m < 10 or rng.random() < 0.5)
                    else f"{num}{form}{sname}{unit}")   # 1亿余元, 61万余元 / 360多万元
        elif form == "逾":
            text = f"逾{num}{sname}{unit}"
        else:
            text = f"{num}{sname}{unit}以上"
    else:
        form = rng.choice(("约", "近", "左右"))
        text = f"{num}{sname}{unit}左右" if form == "左右" else f"{form}{num}{sname}{unit}"
    return text, value, qual


# ---------------------------------------------------------------- stories

def _agency(region: tuple | None) -> str:
    if region is None:
        return "公安部"
    prov, city, dist = region
    if dist:
        if dist.endswith("区") and city and len(dist) > 2:
            return f"{city}公安局{dist.removesuffix('新区').removesuffix('区')}分局"
        return f"{dist}公安局"
    if city:
        return f"{city}公安局"
    return f"{prov}公安厅"


def _date(rng: random.Random) -> date:
    return date(2019, 1, 1) + timedelta(days=rng.randrange(0, 7 * 365))


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


_TRAILING = ("amount_involved", "case_change_pct")


def make_story(rng: random.Random) -> Story:
    """Draw one story: region, agency, date, campaign and 2-7 facts with their sentences."""
    t = templates()
    region = None if rng.random() < 0.04 else rng.choice(regions())
    agency = _agency(region)
    pub = _date(rng)
    scope = "cumulative" if rng.random() < 0.6 else "operation"
    campaign = rng.choice(t["campaigns"])
    fraud = rng.choice(t["fraud_kinds"])
    names = [m for m in t["metrics"] if scope == "cumulative" or m != "case_change_pct"]
    chosen = rng.sample(names, rng.randint(2, 7))
    chosen.sort(key=lambda m: m in _TRAILING)   # "涉案金额…", "同比下降…" close the list
    big = 1.0 if region is None or not region[1] else (0.05 if region[2] else 0.2)
    clauses, facts, seen = [], [], set()
    for metric in chosen:
        spec = t["metrics"][metric]
        lo, hi = spec["range"]
        hi = max(lo * 2, hi * big) if spec["kind"] != "pct" else hi
        if metric == "gangs_dismantled" and scope == "operation" and rng.random() < 0.4:
            text, value, qual, unit = f"打掉一个{fraud}犯罪团伙", 1.0, "exact", "个"
        else:
            unit_shown = rng.choice(spec.get("units", [spec["unit"]]))
            fig, value, qual = figure(rng, spec["kind"], lo, hi, unit_shown if spec["kind"] != "pct" else "")
            tpl = rng.choice(spec["templates"])
            direction = ""
            if spec["kind"] == "pct":
                direction = "下降" if rng.random() < 0.8 else "上升"
                value = -value if direction == "下降" else value
            text = tpl.format(n=fig, fraud=fraud, dir=direction)
            unit = spec["unit"] if spec["kind"] != "count" else unit_shown
            if spec["kind"] == "count" and metric in ("warnings_issued", "victims_dissuaded"):
                unit = unit_shown
        key = (metric, value, qual)
        if key in seen:
            continue
        seen.add(key)
        clauses.append(text)
        facts.append({"metric": metric, "value": value, "unit": unit, "qualifier": qual,
                      "scope": scope, "evidence": text})
    opener_tpl = rng.choice(t["openers"][scope])
    opener = opener_tpl.format(
        agency=agency, date=_cn_date(pub - timedelta(days=rng.randint(1, 20))), campaign=campaign,
        period=f"{pub.year}年1至{pub.month - 1}月" if pub.month > 2 else "今年以来")
    cut = rng.randint(1, len(clauses)) if len(clauses) > 2 else len(clauses)
    first = opener + t["connectors"][0].join(clauses[:cut]) + "。"
    sentences = [first]
    if clauses[cut:]:
        sentences.append("此外，" + "，".join(clauses[cut:]) + "。")
    lead = rng.choice(t["leads"]).format(agency=agency, fraud=fraud, date=_cn_date(pub))
    fillers = [f.format(agency=agency) for f in rng.sample(t["fillers"], rng.randint(1, 3))]
    paras = [lead, "".join(sentences), *fillers[1:]]
    if rng.random() < 0.7:
        paras.insert(rng.randint(2, len(paras)), _distractor(rng))
    paras.insert(1 if rng.random() < 0.4 else len(paras), fillers[0])
    paras.append(rng.choice(t["closers"]).format(agency=agency))
    headline = (f"{agency}{facts[0]['evidence']}" if facts[0]["metric"] not in _TRAILING
                and rng.random() < 0.5
                else f"{agency}重拳打击{fraud}犯罪")
    campaigns = [campaign] if "{campaign}" in opener_tpl else []
    reg = None if region is None else dict(zip(("province", "city", "district"), region))
    return Story(title=headline, published=pub.isoformat(), region=reg, agency=agency,
                 campaigns=campaigns, paragraphs=paras, facts=facts)


def _phone(rng: random.Random) -> str:
    return f"0{rng.randint(10, 999)}-{rng.randint(2000000, 89999999)}"


def _distractor(rng: random.Random) -> str:
    return rng.choice(templates()["distractors"]).format(
        k=rng.randint(3, 300), k2=rng.randint(100, 9000), phone=_phone(rng))


def _related(rng: random.Random, pub: date) -> list[str]:
    t = templates()
    out = []
    for _ in range(rng.randint(2, 5)):
        d = pub - timedelta(days=rng.randint(1, 120))
        place = _agency(rng.choice(regions())).replace("公安局", "").replace("公安厅", "") or "某地"
        out.append(rng.choice(t["related"]).format(
            date2=f"{d.year}年{d.month:02d}月{d.day:02d}日", place=place, k=rng.randint(2, 90)))
    return out


# ---------------------------------------------------------------- pages

def render_text(story: Story, site: dict, rng: random.Random) -> tuple[str, str]:
    """A crawled-page text of ``story`` on ``site`` -> (text, marked title)."""
    t = templates()
    pub = date.fromisoformat(story.published)
    title = f"{t['marker']}{story.title}"
    outlet = f"{t['marker']}{site['name']}"
    names = rng.sample(t["names"], 2)
    lines = []
    if rng.random() < 0.8:
        lines.append(site["nav"])
    lines.append(title)
    stamp = rng.choice((f"{pub.isoformat()} {rng.randint(7, 22):02d}:{rng.randint(0, 59):02d}",
                        _cn_date(pub)))
    lines.append(f"{stamp}  来源：{outlet}")
    lines += story.paragraphs
    lines.append(site["editor"].format(name=names[0], name2=names[1]))
    if rng.random() < 0.7:
        lines.append(rng.choice(t["related_head"]))
        lines += [f"- {r}" for r in _related(rng, pub)]
    lines.append(rng.choice(t["footer"]).format(site=outlet, phone=_phone(rng)))
    return "\n".join(lines) + "\n", title


def _to_html(text: str, title: str) -> str:
    body = "\n".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"</head>\n<body>\n<div class=\"article\">\n{body}\n</div>\n</body></html>\n")


def _convert(text: str, facts: list[dict], config: str | None) -> tuple[str, list[dict]]:
    """Convert the page to traditional script; evidence stays a verbatim substring."""
    if config is None:
        return text, facts
    cc = _cc(config)
    out = cc.convert(text)
    new = []
    for f in facts:
        ev = cc.convert(f["evidence"])
        if ev not in out and len(out) == len(text):
            i = text.find(f["evidence"])
            ev = out[i:i + len(f["evidence"])]
        new.append({**f, "evidence": ev})
    return out, new


@dataclass
class Article:
    """A generated input: its relative path, bytes (None for a .jsonl record) and gold line."""

    rel: str
    data: bytes | None
    record: dict | None
    gold: dict


def iter_articles(n: int, seed: int = 0):
    """Yield ``n`` generated articles (deterministic for ``seed``)."""
    rng = random.Random(seed)
    t = templates()
    i = 0
    pending: list[tuple[Story, dict]] = []   # reprints waiting for their slot
    while i < n:
        if pending:
            story, site = pending.pop()
        else:
            story = make_story(rng)
            sites = rng.sample(t["sites"], 4 if rng.random() < REPRINT_SHARE else 1)
            site = sites[0]
            pending = [(story, s) for s in sites[1:rng.randint(2, 4)]] if len(sites) > 1 else []
        script, config, _ = rng.choices(SCRIPTS, weights=[w for *_, w in SCRIPTS])[0]
        text, title = render_text(story, site, rng)
        text, facts = _convert(text, story.facts, config)
        i += 1
        folder = f"synthetic/{(i - 1) // FOLDER_SIZE:04d}"
        url = f"https://synthetic.invalid/{site['name']}/{i:07d}.html"
        gold = {"id": f"s{i:07d}", "url": url, "script": script, "published": story.published,
                "region": story.region, "agency": story.agency, "campaigns": story.campaigns,
                "facts": facts, "synthetic": True}
        if i % JSONL_EVERY == 0:
            rec = {"url": url, "title": _convert(title, [], config)[0],
                   "published": story.published, "text": text}
            yield Article(rel=f"{folder}/feed-{(i - 1) // FOLDER_SIZE:04d}.jsonl", data=None, record=rec, gold=gold)
        elif i % HTML_EVERY == 0:
            page = _to_html(text, _convert(title, [], config)[0])
            yield Article(rel=f"{folder}/s{i:07d}.html", data=page.encode("utf-8"), record=None,
                          gold=gold)
        else:
            enc = "gb18030" if config is None and i % GB18030_EVERY == 0 else "utf-8"
            yield Article(rel=f"{folder}/s{i:07d}.txt", data=text.encode(enc), record=None, gold=gold)


def generate(n: int, out: str | Path, seed: int = 0) -> Path:
    """Write ``n`` synthetic articles under ``out/synthetic/`` and their facts to ``out/gold.jsonl``.

    Records of ``.jsonl`` files have the gold id ``feed#N`` of their file (see
    ``pipeline.evaluate.doc_id``): the gold line is rewritten to that id.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    jsonl_counts: dict[str, int] = {}
    open_jsonl: dict[str, object] = {}
    with open(out / "gold.jsonl", "w", encoding="utf-8") as gold:
        for art in iter_articles(n, seed):
            path = out / art.rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if art.record is not None:
                if art.rel not in open_jsonl:
                    for fh in open_jsonl.values():
                        fh.close()
                    open_jsonl = {art.rel: open(path, "w", encoding="utf-8")}
                k = jsonl_counts[art.rel] = jsonl_counts.get(art.rel, 0) + 1
                open_jsonl[art.rel].write(json.dumps(art.record, ensure_ascii=False) + "\n")
                art.gold["id"] = f"{Path(art.rel).stem}#{k}"
            else:
                path.write_bytes(art.data)
            gold.write(json.dumps(art.gold, ensure_ascii=False) + "\n")
    for fh in open_jsonl.values():
        fh.close()
    return out


def stable_seed(*parts) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


# ---------------------------------------------------------------- tables only

TABLE_CHUNK = 20000      # articles per partition of generate_tables


@lru_cache(maxsize=1)
def _codes() -> dict:
    """(province, city, district) -> division code, from the gazetteer when it is there."""
    try:
        from .gazetteer import divisions
    except ImportError:
        return {}
    out = {}
    for d in divisions():
        if d.level == "county":
            out[(d.province, d.city, d.name)] = d.code
        elif d.level == "city":
            out[(d.province, d.name, None)] = d.code
        else:
            out[(d.province, None, None)] = d.code
    return out


def _level(agency: str) -> str:
    if agency == "公安部":
        return "national"
    if agency.endswith("公安厅"):
        return "provincial"
    return "district" if agency.endswith("分局") or agency.count("公安局") and "县" in agency else "city"


def table_rows(chunk: int, size: int, seed: int, count: int | None = None
               ) -> tuple[list[dict], list[dict]]:
    """Article and fact rows of ``count`` (default ``size``) articles from number ``chunk*size``
    on (deterministic for ``seed`` and ``chunk`` alone, so chunks can be made in any order or
    process)."""
    from .build import _fact_id, article_id

    rng = random.Random(stable_seed(seed, chunk))
    t = templates()
    arts, facts = [], []
    i = chunk * size
    end = i + (size if count is None else count)
    while i < end:
        story = make_story(rng)
        copies = rng.randint(2, 3) if rng.random() < REPRINT_SHARE else 1
        first_aid, first_fids = None, {}
        for c in range(copies):
            if i >= end:
                break
            i += 1
            site = rng.choice(t["sites"])
            source = f"synthetic/{(i - 1) // FOLDER_SIZE:04d}/s{i:07d}.txt"
            aid = article_id(source)
            text = "\n".join([f"{t['marker']}{story.title}", *story.paragraphs])
            reg = story.region or {}
            key = (reg.get("province"), reg.get("city"), reg.get("district"))
            region = {"province": key[0], "city": key[1], "district": key[2],
                      "region_code": _codes().get(key), "agency": story.agency,
                      "agency_level": _level(story.agency), "campaigns": story.campaigns}
            meta = {"title": f"{t['marker']}{story.title}", "published": story.published,
                    "outlet": f"{t['marker']}{site['name']}", "script": "simplified"}
            arts.append({"article_id": aid, "source": source, "fmt": "txt", "status": "ok",
                         "reason": None, "encoding": "utf-8", "size_bytes": len(text.encode()),
                         "content_hash": hashlib.sha256(text.encode()).hexdigest(),
                         "url": f"https://synthetic.invalid/{site['name']}/{i:07d}.html",
                         "n_facts": len(story.facts), "duplicate_of": first_aid, "text": text,
                         **meta, **region})
            pub = date.fromisoformat(story.published)
            for f in story.facts:
                fs = text.find(f["evidence"])
                ss = text.rfind("\n", 0, fs) + 1
                se = min((j for j in (text.find("。", fs), text.find("\n", fs)) if j >= 0),
                         default=len(text))
                se = se + 1 if se < len(text) and text[se] == "。" else se
                fid = _fact_id(aid, f["metric"], float(f["value"]), fs)
                money = f["unit"] == "元"
                cum = f["scope"] == "cumulative"
                facts.append({
                    "fact_id": fid, "article_id": aid, "source": source, "metric": f["metric"],
                    "value": float(f["value"]), "unit": f["unit"],
                    "currency": "CNY" if money else None, "qualifier": f["qualifier"],
                    "scope": f["scope"], **region, "published": story.published,
                    "period_start": date(pub.year, 1, 1).isoformat() if cum else None,
                    "period_end": story.published if cum else None, **meta,
                    "evidence": text[ss:se], "evidence_start": ss, "evidence_end": se,
                    "figure_text": f["evidence"], "figure_start": fs,
                    "figure_end": fs + len(f["evidence"]), "evidence_simplified": text[ss:se],
                    "mentions": 1, "duplicate_of": first_fids.get(f["metric"], {}).get(f["value"]),
                    "flags": []})
                if c == 0:
                    first_fids.setdefault(f["metric"], {})[f["value"]] = fid
            first_aid = first_aid or aid
    return arts, facts


def _write_chunk(args) -> int:
    chunk, size, count, seed, folder = args
    import pyarrow.parquet as pq

    from .build import _rows_to_table
    from .tables import ARTICLES_SCHEMA, FACTS_SCHEMA

    arts, facts = table_rows(chunk, size, seed, count)
    name = f"part-{chunk:06d}.parquet"
    for sub, rows, sch in (("articles", arts, ARTICLES_SCHEMA), ("facts", facts, FACTS_SCHEMA)):
        pq.write_table(_rows_to_table(rows, sch), Path(folder) / f"{sub}.parquet" / name,
                       compression="zstd", row_group_size=64 * 1024)
    return len(facts)


def generate_tables(n: int, out: str | Path, seed: int = 0, jobs: int = 1) -> int:
    """Write the ``articles``/``facts`` tables of ``n`` synthetic articles straight into ``out``
    (an atomic build, partitions of ``TABLE_CHUNK`` articles). Returns the number of facts."""
    from .tables import publish_build

    chunks = [(k, min(TABLE_CHUNK, n - k * TABLE_CHUNK), seed) for k in range(-(-n // TABLE_CHUNK))]
    total = {}

    def fill(tmp: Path) -> dict:
        (tmp / "articles.parquet").mkdir()
        (tmp / "facts.parquet").mkdir()
        work = [(k, TABLE_CHUNK, count, seed, str(tmp)) for k, count, _ in chunks]
        if jobs > 1:
            import multiprocessing as mp
            with mp.get_context("fork").Pool(jobs) as pool:
                counts = pool.map(_write_chunk, work)
        else:
            counts = list(map(_write_chunk, work))
        total["facts"] = sum(counts)
        return {"articles": n, "facts": total["facts"], "synthetic": True, "seed": seed}

    publish_build(out, fill)
    return total["facts"]
