"""Detect an article's title, publication date, outlet and script.

``detect_meta(raw, norm)`` looks at two versions of the article:

- the normalised text ``norm.text`` (simplified, half-width, romanisation and boilerplate gone)
  for the **title**: the record/page title if there is one, else the first headline-like line
  before the first paragraph (原标题: prefix dropped; never a date, site-name, byline or nav line);
- the original text ``raw.text`` made simplified and half-width but with its boilerplate still in
  (``_prepared``), for what boilerplate carries:

  **published** (YYYY-MM-DD): the record/page date; else the first date of a date/source header
  line (时间:2022-07-14, 福建日报 2021-12-01 10:43, a date on its own line) before the first
  paragraph, or one labelled 发布/时间/日期 anywhere -- never a date of a related-link list or of a
  body sentence; else a date in the URL; else a dateline (中新网绵阳4月11日电) when its year is
  certain: the body names a full date of that year less than 183 days before it and none after.

  **outlet**: the page's site name; else 来源:XX of a header line, a newspaper name, the site name
  heading the page, the dateline agency (新华社, 每日甘肃网), the copyright holder; else the URL's
  domain (resources/meta.json).

- **script**: ``traditional`` if the original has more characters that only exist in traditional
  script (changed by OpenCC t2s) than characters only simplified (changed by s2t).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

import opencc

from .boilerplate import Page, classify_page, is_body
from .model import Meta, NormText, RawDoc
from .normalise import _converter, half_width, t2s

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SENT_END = re.compile(r"[。!?]")


@dataclass(frozen=True)
class _Rules:
    title_prefix: re.Pattern
    published_label: re.Pattern
    ymd: re.Pattern
    dateline: re.Pattern
    url_dates: tuple[re.Pattern, ...]
    outlet_rules: tuple[tuple[str, re.Pattern], ...]
    outlet_reject: frozenset[str]
    outlet_strip: tuple[re.Pattern, ...]
    domains: dict[str, str]


def _compile(src: list[str] | str, frags: dict[str, str]) -> re.Pattern:
    s = "\n".join(src) if isinstance(src, list) else src
    for name, frag in frags.items():
        s = s.replace(f"<<{name}>>", frag)
    return re.compile(s, re.VERBOSE)


@lru_cache(maxsize=1)
def rules() -> _Rules:
    d = json.loads(resources.files("pipeline").joinpath("resources/meta.json").read_text("utf-8"))
    f = d["fragments"]
    return _Rules(
        title_prefix=_compile(d["title_prefix"], f),
        published_label=_compile(d["published_label"], f),
        ymd=_compile("<<YMD>>", f),
        dateline=_compile(d["dateline"]["pattern"], f),
        url_dates=tuple(re.compile(p) for p in d["url_dates"]),
        outlet_rules=tuple((r["where"], _compile(r["pattern"], f)) for r in d["outlet_rules"]),
        outlet_reject=frozenset(d["outlet_reject"]),
        outlet_strip=tuple(re.compile(p) for p in d["outlet_strip"]),
        domains=d["domains"],
    )


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    """OpenCC ``s2t`` for single characters (``t2s`` is ``normalise``'s converter)."""
    return _s2t_characters() or opencc.OpenCC("s2t")


def _s2t_characters() -> opencc.OpenCC | None:
    """OpenCC ``s2t`` reduced to its character table, or None if it cannot be set up.

    Script detection converts characters one by one (``_convert_alone``), which only ever
    reaches s2t's character table; loading s2t also loads its phrase dictionaries (900 KB,
    50-90 ms, a tenth of a small build). Same result for every CJK character (checked in
    tests/test_meta.py). OpenCC reads a config from a file that names its dictionaries:
    written to a temporary folder, with their paths in OpenCC's own data folder.
    """
    share = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    config = {"name": "s2t, characters alone",
              "normalization": [{"dict": {"type": "ocd2",
                                          "file": str(share / "CJK_Compatibility_Ideographs.ocd2")}}],
              "conversion_chain": [{"dict": {"type": "ocd2", "file": str(share / "STCharacters.ocd2")}}]}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "s2t_characters.json"
            path.write_text(json.dumps(config), encoding="utf-8")
            return opencc.OpenCC(str(path))
    except Exception:          # another OpenCC layout: the full s2t gives the same result
        return None


def _prepared(text: str) -> str:
    """Original text, simplified and half-width, boilerplate kept (for dates and outlets)."""
    return half_width(t2s(text))   # both cached: normalise converts the same text


# ----------------------------------------------------------------------------- script

def detect_script(text: str) -> str:
    """``traditional`` if ``text`` is mainly in traditional characters, else ``simplified``.

    >>> detect_script("警方破獲電信詐騙案件"), detect_script("警方破获电信诈骗案件")
    ('traditional', 'simplified')
    """
    global _texts
    _texts += 1
    if _texts > TABLE_AFTER:
        return _script_by_table(text)
    return _script_by_sets(text)


# A long build converts every CJK character once (0.026 s once OpenCC's t2s and s2t are loaded,
# which both ways need) and counts each kind of character with one regex class (4 us a text);
# until then, the characters of each text are converted when first seen and the text's character
# set is built (35-50 us a text). Both count the same characters; the table pays off after ~600
# texts, so a small build (tests, a few files) never builds it.
TABLE_AFTER = 500
_texts = 0


def _script_by_sets(text: str) -> str:
    chars = set(text)
    new = chars - _SEEN
    if new:                  # each character converted once per process, alone (joined by \n)
        cjk = [c for c in new if _CJK.match(c)]
        if cjk:
            to_simp, to_trad = _convert_alone(cjk)
            if to_simp is None:                                 # defensive: never expected
                return "simplified"
            _TRADITIONAL.update(c for c, s in zip(cjk, to_simp) if s != c)
            _SIMPLIFIED.update(c for c, t in zip(cjk, to_trad) if t != c)
        _SEEN.update(new)
    # occurrences of traditional-only characters, then of simplified-only ones until they
    # are as many (a simplified text mostly has none of the first kind: no counting at all)
    trad = sum(map(text.count, chars & _TRADITIONAL))
    if not trad:
        return "simplified"
    simp = 0
    for c in chars & _SIMPLIFIED:
        if simp >= trad:
            break
        simp += text.count(c)
    return "traditional" if trad > simp else "simplified"


def _convert_alone(chars: list[str]) -> tuple[list[str], list[str]] | tuple[None, None]:
    """t2s and s2t of each character on its own (one conversion of them joined by newlines)."""
    joined = "\n".join(chars)
    to_simp = _converter("t2s").convert(joined).split("\n")
    to_trad = _s2t().convert(joined).split("\n")
    if len(to_simp) != len(chars) or len(to_trad) != len(chars):
        return None, None
    return to_simp, to_trad


def _script_by_table(text: str) -> str:
    classes = _script_classes()
    if classes is None:
        return _script_by_sets(text)
    trad = len(classes[0].findall(text))
    return "traditional" if trad and trad > len(classes[1].findall(text)) else "simplified"


# Characters seen so far; those among them that t2s changes (traditional forms) and those that
# s2t changes (simplified forms), each character converted on its own.
_SEEN: set[str] = set()
_TRADITIONAL: set[str] = set()
_SIMPLIFIED: set[str] = set()


@lru_cache(maxsize=1)
def _script_classes() -> tuple[re.Pattern, re.Pattern] | None:
    """One character class of the CJK characters that t2s changes, one of those s2t changes."""
    cjk = [chr(c) for a, b in ((0x3400, 0x9FFF), (0xF900, 0xFAFF)) for c in range(a, b + 1)]
    to_simp, to_trad = _convert_alone(cjk)
    if to_simp is None:
        return None
    trad = "".join(c for c, x in zip(cjk, to_simp) if x != c)
    simp = "".join(c for c, x in zip(cjk, to_trad) if x != c)
    return re.compile(f"[{trad}]"), re.compile(f"[{simp}]")


# ----------------------------------------------------------------------------- dates

def _valid(y: int, m: int, d: int) -> str | None:
    try:
        day = dt.date(y, m, d)
    except ValueError:
        return None
    return day.isoformat() if 1990 <= y <= dt.date.today().year + 1 else None


def _first_date(line: str) -> str | None:
    for m in rules().ymd.finditer(line):
        iso = _valid(int(m[1]), int(m[2]), int(m[3]))
        if iso:
            return iso
    return None


def url_date(url: str | None) -> str | None:
    """Publication date written in a URL path.

    >>> url_date("https://x.cn/system/2022/09/22/030631293.shtml"), url_date("http://a.cn/2022/0329/1.html")
    ('2022-09-22', '2022-03-29')
    >>> url_date("http://a.cn/content/2026-01/23/content_9.htm"), url_date("http://a.cn/201904/50-280336.html")
    ('2026-01-23', None)
    """
    if not url:
        return None
    path = urlparse(url).path
    for rx in rules().url_dates:
        for m in rx.finditer(path):
            iso = _valid(int(m[1]), int(m[2]), int(m[3]))
            if iso:
                return iso
    return None


def _header_date(page: Page) -> str | None:
    """Date of a meta line before the first paragraph, or of a labelled meta line anywhere."""
    r = rules()
    for i, (line, kind) in enumerate(zip(page.lines, page.kinds)):
        if kind == "meta" and (i < page.first_body or r.published_label.search(line)):
            iso = _first_date(line)
            if iso:
                return iso
    return None


def _dateline_date(page: Page) -> str | None:
    """M月D日电/讯 at the start of an early paragraph, with a year the body makes certain."""
    r = rules()
    body = [line for line, kind in zip(page.lines, page.kinds) if kind is None and line]
    for line in body[:4]:
        m = r.dateline.search(line)
        if not m:
            continue
        month, day = int(m[2]), int(m[3])
        dates = []
        for line2 in body:
            for dm in r.ymd.finditer(line2):
                iso = _valid(int(dm[1]), int(dm[2]), int(dm[3]))
                if iso:
                    dates.append(dt.date.fromisoformat(iso))
        if not dates:
            return None
        year = max(dates).year
        cand = _valid(year, month, day)
        if not cand:
            return None
        c = dt.date.fromisoformat(cand)
        if any(d > c for d in dates):
            return None
        if any(0 <= (c - d).days < 183 for d in dates):
            return cand
        return None
    return None


# ----------------------------------------------------------------------------- outlet

def _clean_outlet(name: str) -> str | None:
    r = rules()
    name = name.strip(" ·:")
    for rx in r.outlet_strip:
        name = rx.sub("", name).strip(" ·:")
    if len(name) < 2 or name in r.outlet_reject or not _CJK.search(name):
        return None
    return name


def _outlet(raw: RawDoc, page: Page) -> str | None:
    if raw.site_name and raw.site_name.strip():
        return raw.site_name.strip()
    r = rules()
    zones: dict[str, list[str]] = {}      # the lines of a zone, listed when a rule first asks
    for where, rx in r.outlet_rules:
        if where not in zones:
            zones[where] = _outlet_zone(page, where)
        for line in zones[where]:
            m = rx.search(line)
            if m:
                name = _clean_outlet(next(g for g in m.groups() if g))
                if name:
                    return name
    if raw.url:
        host = (urlparse(raw.url).hostname or "").lower()
        best = None
        for domain, name in r.domains.items():
            if (host == domain or host.endswith("." + domain)) and (best is None or len(domain) > len(best[0])):
                best = (domain, name)
        if best:
            return best[1]
    return None


def _outlet_zone(page: Page, where: str) -> list[str]:
    """The lines of ``page`` where outlet rules of zone ``where`` look."""
    lines, kinds = page.lines, page.kinds
    if where == "meta":
        return [line for line, kind in zip(lines, kinds) if kind == "meta"]
    if where == "header":
        return [line for line, kind in zip(lines[:page.first_body], kinds)
                if line and kind in ("contact", "head", "banner", "meta", None)]
    if where == "body":
        return [line for line, kind in zip(lines, kinds) if kind is None and line and is_body(line)][:3]
    if where == "legal":
        return [line for line, kind in zip(lines, kinds) if kind == "legal"]
    raise KeyError(where)


# ----------------------------------------------------------------------------- title

def _title(raw: RawDoc, norm: NormText) -> str | None:
    r = rules()
    if raw.title and raw.title.strip():
        return r.title_prefix.sub("", raw.title.strip()).strip() or None
    page = classify_page(norm.text)
    for line, kind in zip(page.lines, page.kinds):
        if not line or kind is not None:
            continue
        m = r.title_prefix.search(line)
        if m:
            return line[m.end():].strip() or None
        if is_body(line) and _SENT_END.search(line):
            return None                     # the article starts without a headline
        if _headline_like(line):
            return line
    return None


def _headline_like(line: str) -> bool:
    n = len(_CJK.findall(line))
    if n < 4 or len(line) > 64 or _SENT_END.search(line[:-1]) or line.endswith("。"):
        return False
    if rules().dateline.search(line):
        return False
    return True


# ----------------------------------------------------------------------------- entry point

def detect_meta(raw: RawDoc, norm: NormText) -> Meta:
    """Title, publication date, outlet and script of one article (see module doc)."""
    prepared = _prepared(raw.text)
    page = classify_page(prepared)
    published = (raw.published and _first_date(raw.published)) or _header_date(page) \
        or url_date(raw.url) or _dateline_date(page)
    return Meta(title=_title(raw, norm), published=published, outlet=_outlet(raw, page),
                script=detect_script(raw.text))
