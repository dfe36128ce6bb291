"""Site boilerplate: which parts of a crawled news page are not the article.

Pages come with navigation and breadcrumbs, date/source header lines, related-link lists (with
their own dates and figures), comment forms, share buttons, copyright blocks, editor lines, image
file names and watermark tokens glued to sentences. ``boilerplate_spans`` finds them so that
``pipeline.normalise`` can drop them before figures are extracted.

All rules are data (``resources/boilerplate.json``); this module is the engine that walks them:

1. every line is tested against the line rules that apply anywhere; the site header above a
   breadcrumb is marked;
2. context rules, repeated until nothing changes (so that removal is idempotent): runs of
   list-like lines, related-link blocks (a header such as 相关新闻 and the link lines under it),
   copyright blocks (版权声明 and the legal lines under it), and the rules limited to the page
   head or tail -- the *body* being the stretch from the first to the last paragraph-like line
   still kept;
3. inline rules (image names, watermarks, reporter bylines, photo credits) run on kept lines.

The input is simplified, half-width text (as produced by ``normalise`` before this step).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache, partial
from importlib import resources
from itertools import accumulate, compress
from operator import add, itemgetter
from typing import NamedTuple

try:  # the regex syntax tree, read to derive the prefilters (without it there are none)
    from re import _constants as _C, _parser
except ImportError:  # pragma: no cover - a Python that moved them
    _C = _parser = None

# Sentence-final punctuation (half- and full-width) and CJK ideographs.
_SENT_END = re.compile(r"[。!?！？]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NOT_CJK = re.compile(r"[^\u3400-\u9fff\uf900-\ufaff]+")
# A figure with its unit: a legal notice never states one (guard of the legal rule).
_FIGURE = re.compile(r"\d\s*(?:万|亿)?\s*(?:元|起|名|人|个|张|部|件|%)")
_COPYRIGHT = re.compile(r"(?i)copyright|版权|转载")
_ENUMERATED = re.compile(r"^[一二三四五六七八九十]+、|^\d+[.、]")
# Structural lines that end a related-link block (the page goes on with the article).
_BLOCK_STOP = frozenset({"nav", "meta"})
# Kinds of page furniture that make up menus.
_MENU_KINDS = frozenset({"ui", "nav", "menu"})


class LineTag(NamedTuple):
    """One line of the text: ``[start, end)`` without its line break, ``stop`` after it.
    (Immutable: classifications are cached and shared.)"""

    start: int
    end: int
    stop: int
    text: str            # the line, stripped
    kind: str | None     # why the line is boilerplate (nav, meta, list, ...), None if kept


@dataclass(frozen=True)
class _LineRule:
    kind: str
    where: str               # any | head | tail
    regex: re.Pattern
    max_len: int | None
    sentence_ok: bool
    min_run: int
    keep_if: re.Pattern | None
    pre: object = None                # ``_prefilter(regex)``: a line it fails cannot match


@dataclass(frozen=True)
class _Rules:
    line_rules: tuple[_LineRule, ...]
    ui_phrase: re.Pattern
    ui_sep: re.Pattern
    block_header: re.Pattern
    legal_header: re.Pattern
    legal_terms: tuple[str, ...]
    legal_anchor: re.Pattern      # any of the anchors (one search instead of one test each)
    head_before_nav_lines: int
    inline: tuple[tuple[str, re.Pattern, object], ...]    # kind, regex, ``_prefilter``
    inline_gate: object         # ``_token_starts`` of the inline rules (None: every line)
    # The line rules by where they apply, (rule number, rule) in rule order: the engine walks
    # these instead of testing every rule's ``where`` and ``min_run`` on every line.
    any_runs: tuple[tuple[int, _LineRule], ...] = ()        # anywhere, runs of ``min_run`` lines
    region_single: dict = field(default_factory=dict)       # head/tail -> single-line rules
    region_runs: tuple[tuple[int, _LineRule], ...] = ()     # head/tail, runs
    ui_first: frozenset | None = None   # the characters a UI phrase can start with (if known)


def _compile(lines: list[str] | str, fragments: dict[str, str]) -> re.Pattern:
    src = "\n".join(lines) if isinstance(lines, list) else lines
    for _ in range(3):  # fragments may use fragments
        for name, frag in fragments.items():
            src = src.replace(f"<<{name}>>", frag)
    return re.compile(src, re.VERBOSE)


# ----------------------------------------------------------------------------- prefilters
# Most lines match no rule, and a rule's own search costs 1-4 us a line when it starts with a
# look-behind, an anchor, (?i) or many alternatives. Each rule gets, derived from its parse
# tree (never written by hand), strings or character classes of which every match contains
# one: a line with none of them cannot match, found by one C-level search of their
# alternation (plus, for those matched ignoring case, one of their first characters).
#
# A requirement is a frozenset of (kind, value, ignore case): kind "s" a string, "c" the
# source of a character class.

_MAX_CLASS = 12      # larger classes of literals are one class requirement, not characters


def _cased(c: str) -> bool:
    """Whether (?i) can match ``c`` with another character (else it matches ``c`` alone)."""
    return c.lower() != c or c.upper() != c


def _weight(kind: str, value: str) -> float:
    """How selective one required string or class is: its length (a digit, frequent in these
    texts, counting half); a class less than any character."""
    return len(value) - sum(c.isdigit() for c in value) / 2 if kind == "s" else 0.25


def _strength(req: frozenset) -> tuple:
    """How selective a requirement is: case-sensitive, long strings, few of them first."""
    return (not any(icase for _k, _v, icase in req), min(_weight(k, v) for k, v, _i in req),
            -len(req))


def _required(items, icase: bool) -> frozenset | None:
    """What every match of the parsed sequence ``items`` contains one of, or None if nothing
    can be named. A run of literal characters is one string; any item's requirement is one of
    the sequence's: the most selective is taken."""
    found, run, run_icase = [], [], False
    for op, av in items:
        if op is _C.LITERAL:
            c = chr(av)
            c_icase = icase and _cased(c)
            if run and c_icase != run_icase:
                found.append(frozenset({("s", "".join(run), run_icase)}))
                run = []
            run.append(c)
            run_icase = c_icase
            continue
        if run:
            found.append(frozenset({("s", "".join(run), run_icase)}))
            run = []
        req = _required_item(op, av, icase)
        if req is not None:
            found.append(req)
    if run:
        found.append(frozenset({("s", "".join(run), run_icase)}))
    return max(found, key=_strength) if found else None


def _required_item(op, av, icase: bool) -> frozenset | None:
    if op is _C.IN:                                   # a class of literals and ranges
        if not all(o is _C.LITERAL or o is _C.RANGE for o, _v in av):
            return None                               # negated, categories (\d, \w ...)
        if len(av) <= _MAX_CLASS and all(o is _C.LITERAL for o, _v in av):
            return frozenset(("s", chr(v), icase and _cased(chr(v))) for _o, v in av)
        src = "".join(re.escape(chr(v)) if o is _C.LITERAL
                      else f"{re.escape(chr(v[0]))}-{re.escape(chr(v[1]))}" for o, v in av)
        return frozenset({("c", f"[{src}]", icase)})
    if op is _C.SUBPATTERN:                           # (group, add flags, del flags, items)
        _group, add, drop, sub = av
        return _required(sub, (icase or bool(add & re.I)) and not drop & re.I)
    if op is _C.ATOMIC_GROUP:
        return _required(av, icase)
    if op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
        low, _high, sub = av
        return _required(sub, icase) if low >= 1 else None
    if op is _C.BRANCH:                               # every alternative names its own
        out = set()
        for alt in av[1]:
            req = _required(alt, icase)
            if req is None:
                return None
            out |= req
        return frozenset(out)
    return None                                       # anchors, look-arounds, \d ...


def _prefilter(rx: re.Pattern):
    """A test (line -> truthy) passed by every line where ``rx`` is found, or None: a search
    of the required strings and classes (``_required``); of those matched ignoring case, the
    first characters (or the class) are searched ignoring case.

    >>> _prefilter(re.compile(r"(?:来源|作者)\\s*:")).__self__.pattern
    '作者|来源'
    >>> pre = _prefilter(re.compile(r"(?i)logo|banner|头图"))
    >>> [bool(pre(s)) for s in ("LOGO", "头图", "头像", "标题")]
    [True, True, False, False]
    >>> _prefilter(re.compile(r"(?<=。)\\s*[A-Za-z][a-z0-9]{1,7}")).__self__.pattern
    '[A-Za-z]'
    """
    if _parser is None:
        return None
    tree = _parser.parse(rx.pattern, rx.flags)
    req = _required(tree.data, bool(tree.state.flags & re.I))
    if req is None:
        return None
    exact = sorted((v if k == "c" else re.escape(v) for k, v, icase in req if not icase),
                   key=lambda src: (-len(src), src))
    folded = sorted({v if k == "c" else re.escape(v[0]) for k, v, icase in req if icase})
    cs = re.compile("|".join(exact)).search if exact else None
    ic = re.compile(f"(?i:{'|'.join(folded)})").search if folded else None
    if cs is None or ic is None:
        return cs or ic
    return lambda line: cs(line) or ic(line)


def _token_starts(patterns: list[re.Pattern]):
    """A search passed by every line that passes the prefilter of one of ``patterns`` (None if
    one has none): one class of the first characters of all their required strings and classes.
    A single class is a fast C scan (an alternation of the prefilters is slower than searching
    them one by one); most kept lines have none of them, so the prefilters are not searched.

    >>> _token_starts([re.compile(r"(?i)logo"), re.compile(r"供图|摄")]).__self__.pattern
    '[供摄]|(?i:[l])'
    """
    if _parser is None:
        return None
    exact, folded = [], []
    for rx in patterns:
        tree = _parser.parse(rx.pattern, rx.flags)
        req = _required(tree.data, bool(tree.state.flags & re.I))
        if req is None:
            return None
        for kind, value, icase in req:
            # a class requirement is the source of a class of literals and ranges ("[...]")
            (folded if icase else exact).append(value[1:-1] if kind == "c" else re.escape(value[0]))
    exact, folded = sorted(set(exact)), sorted(set(folded))
    parts = ([f"[{''.join(exact)}]"] if exact else []) + ([f"(?i:[{''.join(folded)}])"] if folded else [])
    return re.compile("|".join(parts)).search if parts else None


def _first_chars(rx: re.Pattern) -> frozenset | None:
    """The characters every match of ``rx`` starts with, or None if they cannot be named
    (flags, or a first item other than literals, classes of literals and their alternations).

    >>> sorted(_first_chars(re.compile(r"打印(?:本页)? | 关闭 | [大中]字号", re.VERBOSE)))
    ['中', '关', '大', '打']
    """
    if _parser is None or rx.flags & ~(re.UNICODE | re.VERBOSE):
        return None
    return _first(_parser.parse(rx.pattern, rx.flags).data)


def _first(items) -> frozenset | None:
    if not items:
        return None
    op, av = items[0]
    if op is _C.LITERAL:
        return frozenset(chr(av))
    if op is _C.IN and all(o is _C.LITERAL for o, _v in av):
        return frozenset(chr(v) for _o, v in av)
    if op is _C.SUBPATTERN and not av[1] and not av[2]:          # a group without flags
        return _first(av[3])
    if op is _C.BRANCH:
        out = set()
        for alt in av[1]:
            first = _first(alt)
            if first is None:
                return None
            out |= first
        return frozenset(out)
    if op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT) and av[0] >= 1:
        return _first(av[2])
    return None


@lru_cache(maxsize=1)
def rules() -> _Rules:
    """The compiled rules of ``resources/boilerplate.json`` (loaded once)."""
    data = json.loads(resources.files("pipeline").joinpath("resources/boilerplate.json")
                      .read_text(encoding="utf-8"))
    frags = data["fragments"]
    line_rules = tuple(
        _LineRule(kind=r["kind"], where=r.get("where", "any"), regex=_compile(r["pattern"], frags),
                  max_len=r.get("max_len"), sentence_ok=r.get("sentence_ok", True),
                  min_run=r.get("min_run", 1),
                  keep_if=_compile(r["keep_if"], frags) if r.get("keep_if") else None,
                  pre=_prefilter(_compile(r["pattern"], frags)))
        for r in data["line_rules"])
    ui = data["ui_phrases"]
    return _Rules(
        line_rules=line_rules,
        ui_phrase=_compile(ui["pattern"], frags),
        ui_sep=re.compile(ui["separators"]),
        block_header=_compile(data["block_headers"]["pattern"], frags),
        legal_header=_compile(data["legal"]["header"], frags),
        legal_terms=tuple(data["legal"]["terms"]),
        legal_anchor=re.compile("|".join(map(re.escape, data["legal"]["anchors"]))),
        head_before_nav_lines=int(data["head_before_nav_lines"]),
        inline=tuple((r["kind"], _compile(r["pattern"], frags),
                      _prefilter(_compile(r["pattern"], frags))) for r in data["inline_rules"]),
        inline_gate=_token_starts([_compile(r["pattern"], frags) for r in data["inline_rules"]]),
        any_runs=tuple((i, x) for i, x in enumerate(line_rules) if x.where == "any" and x.min_run > 1),
        region_single={w: tuple((i, x) for i, x in enumerate(line_rules) if x.where == w and x.min_run == 1)
                       for w in ("head", "tail")},
        region_runs=tuple((i, x) for i, x in enumerate(line_rules)
                          if x.where in ("head", "tail") and x.min_run > 1),
        ui_first=_first_chars(_compile(ui["pattern"], frags)),
    )


@lru_cache(maxsize=None)
def _any_rules(n: int, sent_end: bool) -> tuple[_LineRule, ...]:
    """The single-line rules that apply anywhere and can match a line of ``n`` characters
    (``n`` capped above the longest ``max_len``) with or without a sentence end, in rule order."""
    return tuple(x for x in rules().line_rules
                 if x.where == "any" and x.min_run == 1 and (x.max_len is None or n <= x.max_len)
                 and (x.sentence_ok or not sent_end))


@lru_cache(maxsize=1)
def _len_cap() -> int:
    """A length above every rule's ``max_len``: all longer lines face the same rules."""
    return 1 + max((x.max_len or 0) for x in rules().line_rules)


def _split_lines(text: str) -> tuple[list[str], list[int], list[int], list[int]]:
    """The lines of ``text`` (without their line breaks; no empty line after a final break) and
    their start, end and stop offsets, ``stop`` after the line break (C-level maps, no loop)."""
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    if not parts:
        return parts, [], [], []
    lens = list(map(len, parts))
    starts = list(accumulate(map(_PLUS_ONE, lens[:-1]), initial=0))   # after each line break
    ends = list(map(add, starts, lens))
    stops = list(map(_PLUS_ONE, ends))
    stops[-1] = min(stops[-1], len(text))      # the last line may have no line break
    return parts, starts, ends, stops


_PLUS_ONE = (1).__add__


def _rule_applies(rule: _LineRule, line: str, sent_end: bool | None = None) -> bool:
    """Whether ``rule`` tags ``line`` (``sent_end``: whether the line has a sentence end, if
    known)."""
    if rule.max_len is not None and len(line) > rule.max_len:
        return False
    if not rule.sentence_ok and (_SENT_END.search(line) if sent_end is None else sent_end):
        return False
    if (rule.pre is not None and not rule.pre(line)) or not rule.regex.search(line):
        return False
    return not (rule.keep_if and rule.keep_if.search(line))


# Line-level results are pure functions of the line (and the rules, loaded once); they are
# cached across calls because a document's lines are classified several times (the context
# passes below run until a fixed point; normalise and meta classify the same lines again).
_LINE_CACHE = 1 << 16


@lru_cache(maxsize=_LINE_CACHE)
def _applies(i: int, line: str) -> bool:
    """``_rule_applies`` of line rule number ``i``, cached."""
    return _rule_applies(rules().line_rules[i], line)


def _single_line_kind(line: str, sent_end: bool) -> str | None:
    """Kind given by the rules that apply anywhere to a single (non-blank) line, or None
    (``sent_end``: whether the line has a sentence end)."""
    r = rules()
    if _is_ui(line, r):
        return "ui"
    if _is_legal(line, r) and not _is_stat_sentence(line):
        return "legal"
    for rule in _any_rules(min(len(line), _len_cap()), sent_end):
        if ((rule.pre is None or rule.pre(line)) and rule.regex.search(line)
                and not (rule.keep_if and rule.keep_if.search(line))):
            return rule.kind
    return None


def _is_ui(line: str, r: _Rules) -> bool:
    """A line made only of UI phrases (打印 放大 缩小, 发表评论, 用户名: 密码: ...)."""
    if len(line) > 60:
        return False
    # its first character starts a phrase or is a separator (most lines: neither, no search)
    if r.ui_first is not None and line[0] not in r.ui_first and not r.ui_sep.match(line):
        return False
    if not r.ui_phrase.search(line):
        return False
    rest = r.ui_sep.sub("", r.ui_phrase.sub("", line))
    return rest == ""


def _is_legal(line: str, r: _Rules) -> bool:
    if not r.legal_anchor.search(line):
        return False
    return sum(t in line for t in r.legal_terms) >= 2


@lru_cache(maxsize=_LINE_CACHE)
def is_body(line: str) -> bool:
    """Paragraph-like: a sentence with some Chinese, or a long run of Chinese (truncated text)."""
    if len(line) < 15:                # fewer than 15 CJK ideographs: never (most short lines)
        return False
    n = len(_NOT_CJK.sub("", line))   # the CJK ideographs (one string, not one per character)
    return (n >= 15 and bool(_SENT_END.search(line))) or (n >= 30 and line.count(",") >= 2) or n >= 60


def _link_like(line: str) -> bool:
    """A line that can be an item of a link list: short, or not a sentence."""
    return len(line) <= 80 and not (len(line) >= 40 and _SENT_END.search(line))


def classify_lines(text: str) -> list[LineTag]:
    """Tag every line of ``text`` with the kind of boilerplate it is (None: article text)."""
    page = classify_page(text)
    _parts, starts, ends, stops = _split_lines(text)
    return list(map(_LINE_TAG, zip(starts, ends, stops, page.lines, page.kinds)))


class Page(NamedTuple):
    """The lines of a text with their kinds (what ``boilerplate_spans`` and ``meta`` read:
    no offsets, which ``boilerplate_spans`` derives from the line lengths as it walks).
    Immutable: pages are cached and shared."""

    parts: tuple[str, ...]      # the lines, without line break (no empty line after a final one)
    lines: tuple[str, ...]      # the same, stripped
    kinds: tuple[str | None, ...]   # why the line is boilerplate, None if kept
    first_body: int             # the first paragraph-like kept line (``len(lines)`` if none)


# LineTag(*fields) without the Python-level __new__ of a NamedTuple (what ``_make`` does).
_LINE_TAG = partial(tuple.__new__, LineTag)


class _Line(NamedTuple):
    """What the rules say about one stripped line on its own (cached per distinct line): the
    context passes then walk the few lines these mark, not every line of the text."""

    kind: str | None            # kind from the single-line rules that apply anywhere
    runs: tuple[bool, ...]      # per run rule (``_Rules.any_runs``): the line is a hit on its own
    body: bool                  # paragraph-like (``is_body``)
    header: str | None          # header of a block (``_block_header``)
    plain: bool                 # no kind, run hit or header: only head/tail rules can tag it


@lru_cache(maxsize=_LINE_CACHE)
def _line(line: str) -> _Line:
    """``_Line`` of a stripped line. A line with a kind of its own keeps it (kinds are never
    taken back), so its run hits and body test, asked only of untagged lines, are not computed."""
    if not line:
        return _Line(None, (False,) * len(rules().any_runs), False, None, True)
    sent_end = _SENT_END.search(line) is not None
    kind = _single_line_kind(line, sent_end)
    if kind is not None:
        return _Line(kind, (False,) * len(rules().any_runs), False, _block_header(line), False)
    runs = tuple(_rule_applies(rule, line, sent_end) for _ri, rule in rules().any_runs)
    header = _block_header(line)
    return _Line(None, runs, is_body(line), header, header is None and not any(runs))


_KIND, _RUNS, _BODY, _HEADER, _PLAIN = map(itemgetter, range(5))


@lru_cache(maxsize=4)
def classify_page(text: str) -> Page:
    """The classified lines of ``text``, cached: ``normalise`` and ``meta`` mostly classify the
    same text."""
    r = rules()
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    lines = list(map(str.strip, parts))
    info = list(map(_line, lines))                      # 1. single lines, one cached call each
    if all(map(_PLAIN, info)):
        page = _plain_page(parts, lines, info, r)
        if page is not None:
            return page
    kinds: list[str | None] = list(map(_KIND, info))
    # the lines each context rule can concern, found once (kinds only ever get set); C-level
    # filters: most lines concern none
    n = range(len(lines))
    runs = list(map(_RUNS, info))
    hit = list(compress(n, map(any, runs)))             # run hits for some rule (few lines)
    runs_at = [[i for i in hit if runs[i][k]] for k in range(len(r.any_runs))]
    body_at = list(compress(n, map(_BODY, info)))
    headers = [(i, info[i].header) for i in compress(n, map(_HEADER, info))]

    _mark_head_before_nav(lines, kinds, r.head_before_nav_lines)
    # Context rules until nothing changes: a line tagged by one rule can join the lines around
    # it into a run or a block for another. Iterating to a fixed point makes the removal
    # idempotent (the kept text has no boilerplate left by these rules).
    for _ in range(8):
        before = list(kinds)
        _context_pass(lines, kinds, r, runs_at, body_at, headers)
        if kinds == before:
            break
    first_body = next((i for i in body_at if kinds[i] is None), len(lines))
    return Page(tuple(parts), tuple(lines), tuple(kinds), first_body)


def _plain_page(parts: list[str], lines: list[str], info: list[_Line], r: _Rules) -> Page | None:
    """The page of lines that are all plain (``_Line.plain``: the text of most pages once their
    boilerplate is gone) if a context pass tags none of them, else None (the full walk of
    ``classify_page`` decides). With no kind, run hit or block header to start from, that one
    pass is the whole walk (the walk stops at the first pass that changes nothing); this spares
    setting up the walk for most pages."""
    body_at = list(compress(range(len(lines)), map(_BODY, info)))
    kinds: list[str | None] = [None] * len(lines)
    _context_pass(lines, kinds, r, [[] for _ in r.any_runs], body_at, [])
    if any(kinds):
        return None
    return Page(tuple(parts), tuple(lines), tuple(kinds), body_at[0] if body_at else len(lines))


def _context_pass(lines: list[str], kinds: list[str | None], r: _Rules, runs_at: list[list[int]],
                  body_at: list[int], headers: list[tuple[int, str]]) -> None:
    """One pass of the context rules; ``runs_at``, ``body_at`` and ``headers`` are the lines
    that are run hits, paragraph-like and block headers on their own (``_Line``)."""
    # runs of list-like lines
    for (_ri, rule), at in zip(r.any_runs, runs_at):
        at = [i for i in at if kinds[i] is None]
        if at:
            hits = [False] * len(lines)
            for i in at:
                hits[i] = True
            _mark_runs(lines, kinds, hits, rule.min_run, rule.kind)
    # blocks: related-link lists and copyright notices
    if headers:
        _mark_blocks(lines, kinds, r, headers)
    # head and tail of the page, around the body
    body = [i for i in body_at if kinds[i] is None]
    first, last = (body[0], body[-1]) if body else (len(lines), -1)
    head, tail = range(first), range(max(first, last + 1), len(lines))
    for where, inside in (("head", head), ("tail", tail)):
        # the lines of the region still untagged, each asked once (``_region_kind``)
        for i in inside:
            line = lines[i]
            if kinds[i] is None and line:
                kind = _region_kind(where, line)
                if kind is not None:
                    kinds[i] = kind
    for ri, rule in r.region_runs:
        inside = head if rule.where == "head" else tail
        hits = [False] * len(lines)
        for i in inside:
            hits[i] = kinds[i] is None and bool(lines[i]) and _applies(ri, lines[i])
        if any(hits):
            _mark_runs(lines, kinds, hits, rule.min_run, rule.kind)


@lru_cache(maxsize=_LINE_CACHE)
def _region_kind(where: str, line: str) -> str | None:
    """The kind the single-line rules limited to the page ``where`` (head or tail) give a
    (non-blank) line, or None: one cached call a line instead of one per rule."""
    return next((rule.kind for ri, rule in rules().region_single[where] if _applies(ri, line)),
                None)


def _is_stat_sentence(line: str) -> bool:
    """Guard for the legal rule: a real sentence reporting a figure is never a legal notice."""
    return bool(_FIGURE.search(line)) and not _COPYRIGHT.search(line)


def _mark_runs(lines: list[str], kinds: list[str | None], hits: list[bool], min_run: int,
               kind: str) -> None:
    """Tag runs of at least ``min_run`` hits. Blank lines and lines already tagged do not break
    a run; for menus, furniture lines (ui, nav, menu) count towards its length."""
    menu = kind in _MENU_KINDS

    def counts(j: int) -> bool:
        return hits[j] or (menu and kinds[j] in _MENU_KINDS)

    i = 0
    while i < len(lines):
        if not counts(i):
            i += 1
            continue
        j, members, length = i, [], 0
        while j < len(lines) and (counts(j) or not lines[j] or kinds[j] is not None):
            if hits[j]:
                members.append(j)
            length += counts(j)
            j += 1
        if members and length >= min_run:
            for k in members:
                kinds[k] = kind
        i = j


def _block_header(line: str) -> str | None:
    """``related`` for the header of a related-link block (相关新闻), ``legal`` for that of a
    copyright block (版权声明), else None."""
    r = rules()
    if len(line) <= 30 and r.block_header.search(line):
        return "related"
    if len(line) <= 40 and r.legal_header.search(line):
        return "legal"
    return None


def _mark_blocks(lines: list[str], kinds: list[str | None], r: _Rules,
                 headers: list[tuple[int, str]]) -> None:
    """Tag related-link and copyright blocks, from the block ``headers`` (line, kind) down."""
    pos = 0                                   # lines before it belong to a block already
    for i, header in headers:
        if i < pos:
            continue
        if header == "related":
            kinds[i] = "related"
            j = i + 1
            while j < len(lines) and kinds[j] not in _BLOCK_STOP and (
                    not lines[j] or kinds[j] is not None or _link_like(lines[j])):
                if lines[j] and kinds[j] is None:
                    kinds[j] = "related"
                j += 1
            pos = j
        elif header == "legal":
            kinds[i] = "legal"
            j = i + 1
            while j < len(lines) and (not lines[j] or kinds[j] is not None
                                      or _is_legal(lines[j], r) or len(lines[j]) <= 30
                                      or _ENUMERATED.match(lines[j])):
                if lines[j] and kinds[j] is None:
                    kinds[j] = "legal"
                j += 1
            pos = j


def _mark_head_before_nav(lines: list[str], kinds: list[str | None], limit: int) -> None:
    """Short lines above a breadcrumb near the top are the site header (logo, hotline, ticker),
    unless they state a figure."""
    if "nav" not in kinds:
        return
    nonblank = [i for i, l in enumerate(lines) if l][:limit]
    navs = [i for i in nonblank if kinds[i] == "nav"]
    if not navs:
        return
    for i in range(navs[-1]):
        if (lines[i] and kinds[i] is None and len(lines[i]) <= 60
                and not _SENT_END.search(lines[i]) and not _FIGURE.search(lines[i])):
            kinds[i] = "head"     # a line with a figure may be the headline: it stays


def boilerplate_spans(text: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping ``[start, end)`` spans of ``text`` that are site boilerplate.

    Whole boilerplate lines go with their line break; inline tokens go alone.

    >>> t = "您当前的位置:首页 > 新闻\\n某县警方破获诈骗案件3起。\\n相关新闻\\n- 2022-08-29某地抓获5人"
    >>> [t[a:b] for a, b in boilerplate_spans(t)]
    ['您当前的位置:首页 > 新闻\\n', '相关新闻\\n- 2022-08-29某地抓获5人']
    """
    page = classify_page(text)
    spans: list[tuple[int, int]] = []
    inline = False
    pos = 0                                    # where the line starts
    for part, line, kind in zip(page.parts, page.lines, page.kinds):
        stop = pos + len(part) + 1             # after its line break
        if kind is not None:
            if spans and spans[-1][1] == pos:  # joins the line above: one span
                spans[-1] = (spans[-1][0], stop)
            else:
                spans.append((pos, stop))
        elif line:
            found = _inline_spans(line)
            if found:
                inline = True
                at = pos + len(part) - len(part.lstrip())       # where the stripped line starts
                spans.extend((at + a, at + b) for a, b in found)
        pos = stop
    if spans and spans[-1][1] > len(text):     # the last line has no line break
        spans[-1] = (spans[-1][0], len(text))
    # whole lines come sorted and apart; inline tokens (rule by rule) may overlap
    return _merge(spans) if inline else spans


@lru_cache(maxsize=_LINE_CACHE)
def _inline_spans(line: str) -> tuple[tuple[int, int], ...]:
    """Inline tokens (image names, watermarks, bylines, credits) in a stripped kept line, as
    spans of the line, rule by rule."""
    r = rules()
    if r.inline_gate is not None and not r.inline_gate(line):
        return ()                      # no inline rule's prefilter can pass (most lines)
    spans: list[tuple[int, int]] = []
    for _kind, rx, pre in r.inline:
        if pre is None or pre(line):
            spans.extend(m.span() for m in rx.finditer(line) if m.end() > m.start())
    return tuple(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out
