"""Extract the reported figures of an article as ``Fact`` rows.

One engine walks the rule tables of ``resources/metrics.json`` (words are data, not code):

1. **Mentions.** In each sentence, find every numeral with its unit (``2701.6万元``, ``十九名``,
   ``80多个``, ``30.7%``, ``1亿2,350万元``, ``5男2女`` = one group of 7) and the qualifier words around it (逾, 约, 余, 以上 ...). Numerals are read
   by ``pipeline.numerals``; a fraction in tenths (下降近三成) is a percentage.
2. **Tokens.** Find the lexicon words of the sentence (longest match): metric verbs (抓获, 冻结 ...),
   metric nouns (涉案金额), object nouns (嫌疑人, 银行卡, 团伙 ...) and blockers (避免, 押解, 警力 ...).
3. **Binding.** Split the sentence into clauses on ``，；：`` and spaces. A mention is governed by:
   a. the nearest metric verb to its left in its segment (from the previous mention or the clause
      start) whose metric accepts the unit and the named object (抓获犯罪嫌疑人120多人); a blocker
      met first stops the search (避免损失19万元); a metric noun (涉案金额) applies only when no
      verb does;
   b. else a post-verb to its right for person counts (对15名嫌疑人采取刑事强制措施, 将郑某等4人抓获);
   c. else, for a verb-less enumeration item (手机30部, 其中主脑3名), the verb of the item before it;
      the item starts after its separator (六部手机及八张银行卡: 手机 ends the item before);
   d. a money clause opened by a referring noun (涉及款项约N元) after a clause whose verb has
      ``refer_nouns`` (截停…转账) restates that verb's sum; a passive money figure takes the verb
      after it (涉案资金N元已被冻结; 被扣押 makes it seized property);
   e. a verb-less person count opened by a subset cue (其中三名男子, 包括四名主脑及十一名…) is part
      of the arrest count before it, in its sentence or the one before (``subset``).
   f. a bulletin line ``label: value`` (破获案件:58起) takes the verb or noun of its label (``_label``).
   Two objects of different kinds counted together (电话卡、银行卡700余张) give no fact. Some
   words change metric by region (``regional_roles``: mainland 逮捕 is a coercive measure).
4. **Percentages.** A percentage after a change word (下降, 上升) is ``case_change_pct`` when its
   subject names cases (发案, 警情, 立案) and nothing else (破案, 抓获, 损失 ...); ``分别`` lists are
   aligned item by item; a change clause without a subject right after another (…同比下降23.4%,
   环比下降5.1%) shares its subject.
5. **Indefinite 一.** 打掉一诈骗团伙 counts one group.
6. **Scope** from period and operation cue words (see ``_Scope``).

Speed: work that cannot change the result is skipped, never approximated. A sentence without a
digit or Chinese numeral has no mention; its words are found only when an arrest word or an
indefinite-一 verb may be in it, its scope cues only when a later figure of the paragraph needs
them. The big rule regexes are tried only where a match can start (``_Scanner``) and the lexicon
is one trie regex (``_longest_word_re``); both find exactly what the plain patterns find.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Iterator

try:  # the regex syntax tree, read by ``_Scanner`` (without it every position is tried)
    from re import _constants as _C, _parser
except ImportError:  # pragma: no cover - a Python that moved them
    _C = _parser = None

from .model import Fact, NormText, Sentence
from .numerals import parse_numeral, parse_tenths

RULES_PATH = Path(__file__).with_name("resources") / "metrics.json"

# Characters that end a clause. A comma between digits (1,234) is not one.
_CLAUSE_BREAK = re.compile(r"""
      (?<!\d)[,，]                # a comma after a non-digit,
    | [,，](?!\d{3}(?!\d))        # or after a digit unless a thousands separator (12,345)
    | [;；:：。！？!?]            # semicolon, colon, sentence ends inside a "sentence"
    | (?<!\d)[ \t\u3000]+(?![ \t\u3000]*\d)  # spaces separate title parts (破案23起 抓获41人),
                                 # but not spaces around a digit (抓获犯罪嫌疑人 15 名)
    | \n+
""", re.VERBOSE)

# Separators inside a clause that end a number-first object phrase (30张银行卡、20部手机).
_ITEM_SEP = set("、和及与并,，;；")

# Separators and connectors trimmed from the start of a figure clause.
_LEAD_SEP = set("、,，;；:： \u3000和及与并")

# Object classes counted by a card/phone metric: two of them in one count are a combined count.
_FAMILY = {"bank_card", "sim_card", "phone", "combined"}

# Punctuation ignored when testing whether an enumeration item is bare.
_STRIP = str.maketrans("", "", "“”\"'‘’「」『』《》()（）、,，·- \u3000")

_QUOTED = re.compile(r"[“\"「『][^”\"」』]{0,12}[”\"」』]")

_NUMERAL = r"""
    (?: \d++(?:,\d{3})*+(?:\.\d++)?+       # Arabic digits: 2701.6, 12,345
      | [零〇一二三四五六七八九十百千两] )   # or a Chinese digit (not 万/亿: 万名干部 is no figure)
    (?: [\d零〇一二三四五六七八九十百千万亿两余多]  # then digits and multipliers (7亿4707万, 三十九万)
      | \.(?=\d) | [ ](?=[万亿余多])            # and 余/多 inside (2600余万, 40多, 300 余); possessive: no
      | (?<=\d),(?=\d{3}(?!\d))                # backtracking on long digit runs; a thousands
                                              # separator after a multiplier too: 1亿2,350万
      | (?<=[零〇一二三四五六七八九十])点(?=[零〇一二三四五六七八九])  # a Chinese decimal point: 九点八
    )*+
"""

# A character every figure holds (the first character of ``_NUMERAL``, of 百分之 and of N成).
_NUMERAL_CHAR = re.compile(r"[\d零〇一二三四五六七八九十百千两]")

# Lookaheads that keep a unit character from being the start of another word.
_UNIT_GUARD = {
    "部": "(?!分|门|署|队|长|委|级|位|属)",
    "起": "(?!诉|来|码|草|步|点|源|因|到|了)",
    "名": "(?!单|义|称|字|额|片|下|誉)",
    "人": "(?!民|次|员|口|数|群|们|士|物|才|格)",
    "个": "(?!月|体|别|性|案)",
    "条": "(?!件|例|款|线|理|约)",
    "张": "(?!贴)",
    "台": "(?!湾|州|风|上|下|账|县|区|市|河|山|阶)",   # 三台县, 七台河 are places
    "件": "(?!事|套)",
    "次": "(?!数|日|要|序)",
    "家": "(?!属|人|庭|里|中|长|乡|渠|县|区)",
    "处": "(?!理|置|罚|于|长|分)",
    "户": "(?!籍|口|外|主)",
    "元": "(?!旦|素|宵|首|老)",
    "支": "(?!付|持|队|援|出|票|行|撑|柱|局|线|部|店|取|配)",  # 手机42支, not 支付/一支队伍
    "笔": "(?!录|记|者|迹)",
}


# ---------------------------------------------------------------------------------------------
# Scanning: a big rule regex is tried only where one of its matches can start


class _Scanner:
    """``rx.finditer`` that runs ``rx`` only at the positions where a match can start.

    Python's ``re`` tries a pattern at every position of the text unless the pattern starts with
    a plain literal or character set; the rule patterns (word lists with look-behinds, optional
    qualifiers, ``[\\u4e00-\\u9fa5]某等``) do not. The scanner reads the pattern's syntax tree once,
    collects the characters a match can start with (``starts``: a one-character class, with the
    next character as a look-ahead when the first one is a broad class) and puts them in front
    of the pattern as a look-ahead (``guarded``): at any other position the regex engine gives
    up after one character test, in C, before trying the alternatives of the pattern. The
    matches are exactly those of ``rx.finditer``: leftmost first, then after its end. A pattern
    whose start cannot be told (one that can match the empty string, ``.``, back-references,
    ignore-case) is scanned by ``rx`` itself.

    >>> rx = re.compile(r"(?<!截至)目前|[\\u4e00-\\u9fa5]某{1,2}等|今年(?!\\d)")
    >>> sc = _Scanner(rx)
    >>> sc.starts
    '[今目]|[一-龥](?=[某])'
    >>> [m.group() for m in sc.finditer("截至目前，张某某等人今年")]
    ['张某某等', '今年']
    """

    # Classes wider than this get the next character as a look-ahead (一 ... 某 -> 某 after it).
    BROAD = 256

    def __init__(self, rx: re.Pattern | str, flags: int = 0) -> None:
        """``rx``: the regex, or its source (with ``flags``): then only the guarded regex is
        compiled, unless the start cannot be told."""
        pattern = rx.pattern if isinstance(rx, re.Pattern) else rx
        flags = rx.flags if isinstance(rx, re.Pattern) else flags
        firsts = tree = None
        if _parser is not None:
            tree = _parser.parse(pattern, flags)
            flags = tree.state.flags            # with the pattern's own (?x) ... flags
            if not flags & re.IGNORECASE:
                firsts = self._first(list(tree.data))
        if firsts is None:
            self.starts = None
            self.guarded = rx if isinstance(rx, re.Pattern) else re.compile(pattern, flags)
            return
        plain = "".join(sorted({f for f, peek in firsts if peek is None and f[:1] != "^"}))
        peeks: dict[str, set[str]] = {}          # class -> its look-aheads
        for f, peek in firsts:
            if peek is not None or f[:1] == "^":
                peeks.setdefault(f, set()).add(peek or "")
        rest = sorted(f"[{f}](?={self._either(f, ps)})" if ps != {""} else f"[{f}]"
                      for f, ps in peeks.items())
        self.starts = "|".join(([f"[{plain}]"] if plain else []) + rest)   # (a regex source)
        # the pattern behind the look-ahead, in a group of its own (a verbose pattern may end
        # with a comment: the group closes on the next line); ``guarded`` is what
        # ``finditer`` and ``search`` run
        end = "\n" if flags & re.VERBOSE else ""
        self.guarded = re.compile(f"(?={self.starts})(?:{pattern}{end})", flags)

    @staticmethod
    def _either(f: str, peeks: set[str]) -> str:
        """One look-ahead for the class ``f`` out of several: runs of ``f`` (see ``_run``)
        merged into one run before any of their next characters."""
        if "" in peeks:
            return ""                            # (one with no look-ahead: any position)
        run = f"[{f}]*+["
        if len(peeks) > 1 and all(p.startswith(run) and p.endswith("]") for p in peeks):
            return run + "".join(sorted(p[len(run):-1] for p in peeks)) + "]"
        return "|".join(sorted(peeks))

    def finditer(self, s: str) -> Iterator[re.Match]:
        return self.guarded.finditer(s)

    def search(self, s: str) -> re.Match | None:
        """The first match, as ``rx.search(s)``."""
        return self.guarded.search(s)

    @classmethod
    def _first(cls, seq: list) -> list[tuple[str, str | None]] | None:
        """(class, look-ahead class or None) pairs, one of which matches at the start of every
        match of the sequence ``seq``; None if that cannot be told."""
        for i, (op, av) in enumerate(seq):
            if op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
                continue  # consumes nothing
            if op in (_C.LITERAL, _C.NOT_LITERAL, _C.IN):
                cset = cls._class(op, av)
                if cset is None:
                    return None
                peek = None
                if cls._broad(op, av) and i + 1 < len(seq):
                    peek = cls._one(seq[i + 1])
                return [(cset, peek)]
            if op is _C.SUBPATTERN:
                if av[1] & re.IGNORECASE:
                    return None
                return cls._first(list(av[3]) + seq[i + 1:])
            if op is _C.ATOMIC_GROUP:
                return cls._first(list(av) + seq[i + 1:])
            if op is _C.BRANCH:
                out = []
                for alt in av[1]:
                    f = cls._first(list(alt) + seq[i + 1:])
                    if f is None:
                        return None
                    out += f
                return out
            if op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
                lo, _, body = av
                f = cls._first(list(body))
                if f is None:
                    return None
                if lo == 0:
                    g = cls._first(seq[i + 1:])
                    return None if g is None else f + g
                return cls._run(body, seq[i + 1:]) or f
            return None  # ANY, GROUPREF ...: anything may start here
        return None  # the rest can match the empty string

    @classmethod
    def _run(cls, body: list, rest: list) -> list[tuple[str, str]] | None:
        """A run of one class followed by other characters (``[\\d一二三]+月``, ``\\d{4}年``):
        its class with a look-ahead on the rest of the run and the character after it, when
        that character cannot be in the run (so the run ends right before it). A figure's
        digits then do not start a try of a date pattern unless 年/月 ... follows them."""
        if len(body) != 1 or body[0][0] not in (_C.LITERAL, _C.IN):
            return None
        run = cls._class(*body[0])
        after = cls._first(list(rest))
        if run is None or after is None or any(peek is not None for _, peek in after):
            return None
        chars = []
        for f, _ in after:               # explicit characters only (no range, category, ^)
            node = _parser.parse(f"[{f}]").data
            items = node[0][1] if node[0][0] is _C.IN else [node[0]]
            if node[0][0] not in (_C.IN, _C.LITERAL) or any(k is not _C.LITERAL for k, _ in items):
                return None
            chars += [chr(x) for _, x in items]
        in_run = re.compile(f"[{run}]")
        if not chars or any(in_run.fullmatch(c) for c in chars):
            return None
        return [(run, f"[{run}]*+[{''.join(map(re.escape, sorted(set(chars))))}]")]

    @staticmethod
    def _class(op, av) -> str | None:
        """The inside of a character class for a LITERAL / NOT_LITERAL / IN node."""
        if op is _C.LITERAL:
            return re.escape(chr(av))
        if op is _C.NOT_LITERAL:
            return "^" + re.escape(chr(av))
        out = ""
        for kind, x in av:
            if kind is _C.NEGATE:
                out = "^" + out
            elif kind is _C.LITERAL:
                out += re.escape(chr(x))
            elif kind is _C.RANGE:
                out += f"{re.escape(chr(x[0]))}-{re.escape(chr(x[1]))}"
            elif kind is _C.CATEGORY and x in _CATEGORIES:
                out += _CATEGORIES[x]
            else:
                return None
        return out

    @classmethod
    def _broad(cls, op, av) -> bool:
        if op is _C.NOT_LITERAL:
            return True
        if op is _C.IN:
            size = 0
            for kind, x in av:
                if kind is _C.NEGATE or (kind is _C.CATEGORY and x is not _C.CATEGORY_DIGIT):
                    return True
                size += x[1] - x[0] + 1 if kind is _C.RANGE else 1
            return size > cls.BROAD
        return False

    @classmethod
    def _one(cls, node) -> str | None:
        """A class the character after a broad first one must be in (None: any)."""
        op, av = node
        if op in (_C.LITERAL, _C.IN) and not cls._broad(op, av):
            return cls._class(op, av) and f"[{cls._class(op, av)}]"
        if op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT) and av[0] >= 1 and av[2]:
            return cls._one(av[2][0])
        return None


_CATEGORIES = {} if _C is None else {
    _C.CATEGORY_DIGIT: r"\d", _C.CATEGORY_NOT_DIGIT: r"\D", _C.CATEGORY_SPACE: r"\s",
    _C.CATEGORY_NOT_SPACE: r"\S", _C.CATEGORY_WORD: r"\w", _C.CATEGORY_NOT_WORD: r"\W"}


def _longest_word_re(words) -> str:
    """A regex matching the longest of ``words`` at a position, as a trie: one branch per first
    character, so a position is tested against a few branches, not against every word (the
    words sorted longest first and joined with ``|`` match the same, more slowly); a node with
    more than ``_TRIE_GROUP`` branches groups them behind look-aheads on their first characters.

    >>> _longest_word_re(["抓获", "抓获归案", "冻结"])
    '(?:冻结|抓获(?:归案)?)'
    >>> re.findall(_longest_word_re(["抓获", "抓获归案", "冻结"]), "抓获归案，抓获")
    ['抓获归案', '抓获']
    """
    trie: dict = {}
    for w in words:
        node = trie
        for c in w:
            node = node.setdefault(c, {})
        node[""] = {}  # a word ends here

    def alternation(node: dict) -> str:
        alts = [(c, re.escape(c) + alternation(sub)) for c, sub in sorted(node.items()) if c]
        if not alts:
            return ""
        if len(alts) == 1:
            body = alts[0][1]
        elif len(alts) <= _TRIE_GROUP:
            body = "(?:" + "|".join(a for _, a in alts) + ")"
        else:
            # the engine tries the branches one after the other: behind a look-ahead on their
            # first characters, ``_TRIE_GROUP`` at a time, a position meets a few groups and the
            # branches of one instead of every branch (same matches, as each group holds
            # other first characters)
            def firsts(group) -> str:
                return "[" + "".join(re.escape(c) for c, _ in group) + "]"

            groups = [alts[i:i + _TRIE_GROUP] for i in range(0, len(alts), _TRIE_GROUP)]
            body = f"(?={firsts(alts)})(?:" + "|".join(
                f"(?={firsts(g)})(?:" + "|".join(a for _, a in g) + ")" for g in groups) + ")"
        # a word ends here too: the greedy ? tries the longer words first
        return f"(?:{body})?" if "" in node else body

    return alternation(trie)


# Branches of one trie node tried in a row (see ``_longest_word_re``); measured on the lexicon
# (198 first characters): 25-40 are the fastest, 1.7x the speed of one flat alternation.
_TRIE_GROUP = 32


@dataclass(frozen=True)
class _Role:
    kind: str   # verb | post | noun | obj | block | money_block
    arg: str    # metric (verb, post, noun) or object class (obj)


@dataclass(frozen=True)
class _Word:
    """The roles of one lexicon word, indexed once by kind (tokens share it): one field per
    kind of ``_Role``, read in the binding loops without a look-up."""

    roles: tuple[_Role, ...]
    act: bool                             # a verb or a blocker (ends the reach of a verb)
    acts_on: frozenset[str]               # the metrics of its verb and post-verb roles
    # the args of each kind, in the order of ``roles``
    verb: tuple[str, ...] = ()
    post: tuple[str, ...] = ()
    noun: tuple[str, ...] = ()
    obj: tuple[str, ...] = ()
    block: bool = False
    money_block: bool = False

    @classmethod
    def of(cls, roles: tuple[_Role, ...]) -> "_Word":
        by_kind: dict[str, tuple[str, ...]] = {}
        for r in roles:
            by_kind[r.kind] = by_kind.get(r.kind, ()) + (r.arg,)
        verb, post = by_kind.get("verb", ()), by_kind.get("post", ())
        block, money_block = "block" in by_kind, "money_block" in by_kind
        return cls(roles, bool(verb) or block or money_block, frozenset(verb + post),
                   verb=verb, post=post, noun=by_kind.get("noun", ()), obj=by_kind.get("obj", ()),
                   block=block, money_block=money_block)


@dataclass(slots=True)
class _Token:
    start: int
    end: int
    word: str
    info: _Word


@dataclass(slots=True)
class _Mention:
    start: int                   # sentence-relative span of the figure (qualifiers included)
    end: int
    value: float
    qualifier: str
    unit: str                    # the unit as written
    uclass: str                  # unit class (person, case, money, percent ...)
    currency: str | None = None  # explicit currency of a money figure


@dataclass(slots=True)
class _Found:
    metric: str
    start: int                   # sentence-relative span of the figure clause
    end: int


class Rules:
    """The compiled rule tables."""

    def __init__(self, data: dict):
        self.data = data
        self.metrics: dict[str, dict] = data["metrics"]
        self.units: dict[str, str] = dict(data["units"])
        self.money_units: dict[str, str | None] = data["money_units"]
        self.money_prefixes: dict[str, str] = data["money_prefixes"]
        self.q_prefix: dict[str, str] = data["qualifier_prefix"]
        self.q_suffix: dict[str, str] = {k: v for k, v in data["qualifier_suffix"].items()
                                         if k not in ("余", "多")}
        self.vague_before: list[str] = sorted(data["vague_before"], key=len, reverse=True)
        self.vague_round: list[str] = data["vague_before_round"]
        self.vague_before_t, self.vague_round_t = tuple(self.vague_before), tuple(self.vague_round)
        self.modifiers: list[str] = sorted(data["modifiers"], key=len, reverse=True)
        self.coordinators: set[str] = set(data["coordinators"])
        self.region_currency: list[dict] = data["region_currency"]
        self.percent: dict = data["percent"]
        self.subset: dict = data["subset"]
        self.subset_re = re.compile("(?:" + "|".join(
            re.escape(w) for w in sorted(self.subset["cues"], key=len, reverse=True)) + ")")
        mention = self._mention_source()
        self.mention_scan = _Scanner(mention, re.VERBOSE)
        self.lexicon = self._lexicon()
        self.words = {w: _Word.of(roles) for w, roles in self.lexicon.items()}
        self.regional = self._regional(data.get("regional_roles", []))
        # words that can name an arrest (for ``prev_arrest``), in any region
        arrest = self.subset["metric"]
        arrest_words = {w for table in [self.words] + [t for _, _, t in self.regional]
                        for w, info in table.items()
                        if arrest in info.acts_on}
        self.arrest_re = re.compile("|".join(re.escape(w) for w in sorted(arrest_words)))
        # verbs of a metric that counts an indefinite 一 (打掉一团伙), right before the 一
        one_verbs = {w for table in [self.words] + [t for _, _, t in self.regional]
                     for w, info in table.items()
                     if any(self.metrics[m].get("indefinite_one")
                            for m in info.verb)}
        self.indefinite_verb_re = re.compile(f"(?:{_longest_word_re(one_verbs)})了?一")
        self.refer_nouns = {m: sorted(spec["refer_nouns"], key=len, reverse=True)
                            for m, spec in self.metrics.items() if spec.get("refer_nouns")}
        self.lex_re = re.compile(_longest_word_re(self.lexicon))
        self.objects_by_word = {w: c for c, ws in data["objects"].items() for w in ws}
        self.by_unit: dict[str, list[str]] = {}  # unit class -> metrics (see _candidates)
        self.verbs_for: dict[tuple[tuple[str, ...], str], tuple[str, ...]] = {}  # _verb_metrics
        # metric -> (allowed objects, forbidden objects, counts a card/phone family, needs an object)
        self.object_rules = {m: (frozenset(spec["objects"]),
                                 frozenset(spec.get("forbid_objects", ())),
                                 bool(set(spec["objects"]) & _FAMILY), bool(spec.get("need_object")))
                             for m, spec in self.metrics.items()}
        self.bare_words = sorted(set(self.modifiers) | set(self.objects_by_word), key=len,
                                 reverse=True)
        # a text made of those words only, each time the longest that fits (atomic group,
        # possessive repeat: no other way of cutting the text is tried; see ``_bare``)
        self.bare_re = re.compile("(?>" + "|".join(map(re.escape, self.bare_words)) + ")*+")
        self.indefinite_re = re.compile(r"""
            了?一                               # 打掉(了)一 ...
            (?:个|家|处|起|宗)?                  # 打掉一个团伙, 破获一起诈骗案
            (?![名部张条批些系列大举网体线直定致切步并同次再])  # not 一批/一举/一系列 ...
        """, re.VERBOSE)
        pc = self.percent
        # the basis of a change: year on year (同比) or against the period before (环比)
        self.basis_re = re.compile(
            "(?P<yoy>" + "|".join(map(re.escape, pc["year_on_year"])) + ")|(?P<seq>"
            + "|".join(map(re.escape, pc["sequential"])) + ")")
        self.change_re = re.compile(
            "(?P<word>" + "|".join(re.escape(w) for w in sorted(pc["down"] + pc["up"], key=len,
                                                                reverse=True)) + ")了?[ :]?$")
        # The scope cue patterns. The build runs them through their scanners only: the plain
        # regexes (``period_re`` ...) are compiled when something else asks for them.
        sc = data["scope"]
        snapshot = "|".join(sc["snapshot"])
        # a reporting period named anywhere makes the article a period report (area words do not)
        period = "|".join([re.escape(w) for w in sc["cumulative_strong"]]
                          + sc["cumulative_patterns"])
        area = "|".join(re.escape(w) for w in sc["cumulative_area"])
        background = "|".join([re.escape(w) for w in sc["background"]]
                              + sc["background_patterns"])
        case = "|".join([re.escape(w) for w in sc["one_case"]] + sc["case_clause_patterns"])
        # the headline: a summary (checked first, with the period words) or one case
        lead_summary = "|".join([re.escape(w) for w in sc["lead_summary"]] + [period])
        lead_case = "|".join(sc["lead_case_patterns"])
        op = "|".join([re.escape(w) for w in sorted(sc["operation"], key=len, reverse=True)]
                      + sc["operation_patterns"])
        # one pass per sentence; at one position a one-case word, then a period cue win
        scope = "|".join(f"(?P<{k}>{src})" for k, src in (
            ("case", case), ("cum", period), ("area", area), ("bg", background), ("op", op),
            ("snap", snapshot)))
        self._sources = {"scope": (scope, 0), "period": (period, 0),
                         "lead_summary": (lead_summary, 0), "lead_case": (lead_case, 0),
                         "mention": (mention, re.VERBOSE)}
        self.scope_scan = _Scanner(scope)
        self.period_scan = _Scanner(period)
        self.lead_summary_scan = _Scanner(lead_summary)
        self.lead_case_scan = _Scanner(lead_case)
        # any currency cue at all (most articles have none: no need to count them one by one)
        self.currency_cue_re = re.compile(_longest_word_re(
            [c for rc in self.region_currency for c in rc["cues"]]))

    # The plain rule regexes (the build runs their scanners), compiled when first asked for.
    mention_re = property(lambda self: self._compiled("mention"))
    scope_re = property(lambda self: self._compiled("scope"))
    period_re = property(lambda self: self._compiled("period"))
    lead_summary_re = property(lambda self: self._compiled("lead_summary"))
    lead_case_re = property(lambda self: self._compiled("lead_case"))

    def _compiled(self, name: str) -> re.Pattern:
        return re.compile(*self._sources[name])   # (re caches the compiled pattern)

    def _mention_source(self) -> str:
        def alts(words) -> str:
            return "|".join(re.escape(w) + _UNIT_GUARD.get(w, "")
                            for w in sorted(words, key=len, reverse=True))
        units = list(self.units) + list(self.money_units)
        return rf"""
            (?<![\dA-Za-z._\-/#＃@])               # not the tail of a code, phone number or file name,
            (?<![\dA-Za-z]:)                       # nor of a time (10:30); 破获案件:58起 is a figure
            (?:(?P<pre>{alts(self.q_prefix)})[ ]?)?    # qualifier before: 逾 约 近 超过 (超 1200万)
            (?:(?P<cur>{alts(self.money_prefixes)})[ ]?)?  # currency before: 人民币 新台币 HK$
            (?P<num>{_NUMERAL})
            [ ]?                                    # some sites space digits: 15 名
            (?P<unit>{alts(units)})                 # unit, longest first (人次 before 人)
            (?P<post>{alts(self.q_suffix)})?        # qualifier after: 以上 左右
          | (?<![（(])                              # 拘捕5男2女: one group of 7 persons; in brackets
            (?P<mnum>{_NUMERAL})男(?P<fnum>{_NUMERAL})女  # (拘捕七人（五男二女）) it splits a count
          | 百分之(?P<pnum>{_NUMERAL})               # 百分之三十
          | (?<![\d零〇一二三四五六七八九十百千万亿两])  # 下降近三成: tenths as a percentage
            (?P<tpre>{alts(self.q_prefix)})?
            (?P<tnum>[一二两三四五六七八九\d]成半?[多余]?)
            (?![员为功本立果熟交年人效绩型分份都倍])   # not 成员, 成为, 成功 ...
            (?P<tpost>{alts(self.q_suffix)})?          # 三成以上
          | (?<=[将把对])(?P<bnum>\d{{1,4}})(?=[\u4e00-\u9fa5])  # 将15涉嫌...嫌疑人抓获: classifier left out
        """

    def _regional(self, table: list[dict]) -> list[tuple[set[str], list[str], dict]]:
        """(regions, cues, word -> roles) for the words whose metric depends on the region."""
        out = []
        for entry in table:
            words: dict[str, _Word] = {}
            for word in entry["words"]:
                roles = self.lexicon.get(word, ())
                if roles:  # a word outside the lexicon is never a token
                    words[word] = _Word.of(tuple(
                        _Role(r.kind, entry["to"] if r.arg == entry["from"] else r.arg)
                        for r in roles))
            out.append((set(entry["regions"]), entry.get("cues", []), words))
        return out

    def regional_words(self, text: str, region: str) -> dict[str, _Word]:
        """The regional roles that apply to an article of ``region`` (see regional_roles)."""
        out: dict[str, _Word] = {}
        for regions, cues, words in self.regional:
            if region in regions and (not cues or any(c in text for c in cues)):
                out.update(words)
        return out

    def _lexicon(self) -> dict[str, tuple[_Role, ...]]:
        lex: dict[str, list[_Role]] = {}

        def add(word: str, role: _Role) -> None:
            roles = lex.setdefault(word, [])
            if role not in roles:
                roles.append(role)

        for m, spec in self.metrics.items():
            for w in spec.get("verbs", []):
                add(w, _Role("verb", m))
            for w in spec.get("post_verbs", []):
                add(w, _Role("post", m))
            for w in spec.get("nouns", []):
                add(w, _Role("noun", m))
        for cls, words in self.data["objects"].items():
            for w in words:
                add(w, _Role("obj", cls))
        for w in self.data["blockers"]:
            add(w, _Role("block", ""))
        for w in self.data["money_blockers"]:
            add(w, _Role("money_block", ""))
        return {w: tuple(r) for w, r in lex.items()}


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    return Rules(json.loads(RULES_PATH.read_text(encoding="utf-8")))


# ---------------------------------------------------------------------------------------------
# Mentions and tokens


def find_mentions(s: str, rules: Rules | None = None) -> list[_Mention]:
    """Numerals with a unit in ``s`` (sentence-relative spans).

    >>> [(m.value, m.unit, m.qualifier) for m in find_mentions("冻结资金2701.6万元,抓获120多人")]
    [(27016000, '元', 'exact'), (120, '人', 'more_than')]
    >>> [m.value for m in find_mentions("数亿元 第三批 电话0931-8159799")]
    []
    """
    rules = rules or load_rules()
    if not _NUMERAL_CHAR.search(s):
        return []  # every figure holds a digit or a Chinese numeral: nothing to scan for
    return _mentions(s, rules)


def _mentions(s: str, rules: Rules) -> list[_Mention]:
    """``find_mentions`` of a sentence known to hold a numeral character."""
    out: list[_Mention] = []
    for m in rules.mention_scan.finditer(s):
        # the alternatives of the pattern exclude each other: the common one (N + unit) first
        num_text, unit, pre, post, cur = m.group("num", "unit", "pre", "post", "cur")
        if num_text is not None:
            uclass = "money" if unit in rules.money_units else rules.units.get(unit, "other")
        elif m.group("mnum") is not None:
            men, women = parse_numeral(m.group("mnum")), parse_numeral(m.group("fnum"))
            if men is None or women is None:
                continue
            out.append(_Mention(m.start(), m.end(), men.value + women.value,
                                "more_than" if men.more_than or women.more_than else "exact",
                                "人", "person"))
            continue
        elif m.group("tnum") is not None:
            t = parse_tenths(m.group("tnum"))
            if t is not None:
                q, qpost = m.group("tpre", "tpost")
                out.append(_Mention(m.start(), m.end(), t.value,
                                    rules.q_prefix[q] if q else
                                    "more_than" if t.more_than else
                                    rules.q_suffix[qpost] if qpost else "exact", "%", "percent"))
            continue
        elif m.group("pnum") is not None:
            num_text, unit, uclass = m.group("pnum"), "%", "percent"
        else:
            num_text, unit, uclass = m.group("bnum"), "", "person_bare"
        start = m.start()
        if s.endswith(rules.vague_before_t, 0, start):
            continue
        if num_text[:1] in "十百千万亿" and s.endswith(rules.vague_round_t, 0, start):
            continue
        if num_text == "一" and _DISTRIBUTIVE.match(s, m.end()):
            continue  # 一人一档, 一户一策: "one per ...", not a count
        n = parse_numeral(num_text.replace(" ", ""))
        if n is None:
            continue
        if pre:
            qualifier = rules.q_prefix[pre]
        elif n.more_than:
            qualifier = "more_than"
        elif post:
            qualifier = rules.q_suffix[post]
        else:
            qualifier = "exact"
        currency = None
        if uclass == "money":
            currency = rules.money_units.get(unit) or (rules.money_prefixes.get(cur)
                                                       if cur else None)
        out.append(_Mention(start, m.end(), n.value, qualifier, unit, uclass, currency))
    return out


# 一人一档, 一户一策, 一案一策: a distributive "one X, one Y" right after the mention.
_DISTRIBUTIVE = re.compile(r"[“\"]?一[\u4e00-\u9fa5](?=[、,，。;；”\"\s]|$)")


def _tokens(s: str, mentions: list[_Mention], rules: Rules,
            regional: dict[str, _Word] | None = None) -> list[_Token]:
    # mentions are sorted and do not overlap: walk them alongside the words
    spans = [(m.start, m.end) for m in mentions]
    n = len(spans)
    words = rules.words
    toks = []
    append = toks.append
    i = 0
    for t in rules.lex_re.finditer(s):
        a, e = t.span()
        while i < n and spans[i][1] <= a:
            i += 1
        if i < n and spans[i][0] <= a:
            continue  # a unit such as 人 inside a mention is not a word of the sentence
        w = t.group()
        info = regional.get(w) if regional else None
        append(_Token(a, e, w, info or words[w]))
    return toks


def _clauses(s: str) -> list[tuple[int, int]]:
    out, last = [], 0
    for m in _CLAUSE_SCAN.finditer(s):
        if m.start() > last:
            out.append((last, m.start()))
        last = m.end()
    if last < len(s):
        out.append((last, len(s)))
    return out or [(0, len(s))]


# ---------------------------------------------------------------------------------------------
# Binding a mention to its metric

_CLAUSE_SCAN = _Scanner(_CLAUSE_BREAK)


class _Sentence:
    """Working state for one sentence. Its words and clauses are found when first asked for."""

    def __init__(self, s: str, rules: Rules, mentions: list[_Mention],
                 regional: dict[str, _Word] | None = None,
                 prev: "_Sentence | str | None" = None) -> None:
        self.s = s
        self.rules = rules
        self.mentions = mentions
        self.regional = regional
        self.found: list[tuple[_Mention, _Found]] = []
        self._prev = prev  # the sentence before (worked on, or only its text), for ``prev_arrest``
        self._tokens: list[_Token] | None = None
        self._clauses: list[tuple[int, int]] | None = None
        self.may_dispose = True  # 将/把/对 may be in it (set by _bind)

    @property
    def prev_arrest(self) -> bool:
        """True if the sentence before named an arrest (其中N名 subsets); read when asked, which
        is seldom."""
        prev = self._prev
        if prev is None:
            return False
        if isinstance(prev, str):
            prev = _Sentence(prev, self.rules, [], self.regional)  # one without figures
        return prev.names_arrest()

    # (plain properties, not functools.cached_property: that one takes a lock on every first use)
    @property
    def tokens(self) -> list[_Token]:
        if self._tokens is None:
            self._tokens = toks = _tokens(self.s, self.mentions, self.rules, self.regional)
            self._tok_starts = [t.start for t in toks]
            self._tok_ends = [t.end for t in toks]
            self._acts = None  # (the verbs and blockers: listed when first asked for, seldom)
        return self._tokens

    def names_arrest(self) -> bool:
        """True if a word of the sentence names an arrest (for 其中N名 in the next sentence)."""
        if not self.rules.arrest_re.search(self.s):
            return False  # no arrest word at all: no need for the words of the sentence
        arrest = self.rules.subset["metric"]
        return any(arrest in t.info.acts_on for t in self.tokens)

    @property
    def clauses(self) -> list[tuple[int, int]]:
        if self._clauses is None:
            self._clauses = _clauses(self.s)
            self._clause_starts = [a for a, _ in self._clauses]
        return self._clauses

    def clause_before(self, ca: int) -> tuple[int, int] | None:
        """The clause before the one starting at ``ca``."""
        clauses = self.clauses
        i = bisect_left(self._clause_starts, ca)
        return clauses[i - 1] if 0 < i <= len(clauses) else None

    def found_in(self, a: int, b: int) -> bool:
        """True if a figure inside [a, b) is bound already (figures are bound in text order)."""
        for x, _ in reversed(self.found):
            if x.start < a:
                return False
            if x.end <= b:
                return True
        return False

    def clause_of(self, pos: int) -> tuple[int, int]:
        clauses = self.clauses
        i = bisect_right(self._clause_starts, pos) - 1
        if i >= 0 and pos < clauses[i][1]:
            return clauses[i]
        return pos, pos

    def toks(self, a: int, b: int) -> list[_Token]:
        """Tokens inside [a, b)."""
        tokens = self._tokens if self._tokens is not None else self.tokens
        # tokens do not overlap: their ends are in order too, and those inside are one run
        return tokens[bisect_left(self._tok_starts, a):bisect_right(self._tok_ends, b)]

    def last_act(self, pos: int) -> _Token | None:
        """The last verb or blocker ending at or before ``pos``."""
        toks = self.tokens  # the words (and their verbs) are found on first use
        if self._acts is None:
            self._acts = [t for t in toks if t.info.act]
            self._act_ends = [t.end for t in self._acts]
        i = bisect_right(self._act_ends, pos) - 1
        return self._acts[i] if i >= 0 else None


def _candidates(m: _Mention, rules: Rules) -> list[str]:
    """The metrics that count figures of the mention's unit class (in table order)."""
    uclass = "person" if m.uclass == "person_bare" else m.uclass
    cands = rules.by_unit.get(uclass)
    if cands is None:
        cands = rules.by_unit[uclass] = [k for k, spec in rules.metrics.items()
                                         if uclass in spec["units"]]
    return cands


def _object_ok(metric: str, objs: set[str], rules: Rules) -> bool | None:
    """True if the named objects fit the metric; False if not; None if they are a combined count."""
    allowed, forbidden, family, need = rules.object_rules[metric]
    if objs & forbidden:
        return False  # 查获手机卡、银行卡等作案工具3000余件 counts tools, not cases
    if family:
        fam = objs & _FAMILY
        if "combined" in fam or len(fam) > 1:
            return None
    if need:
        return bool(objs & allowed)
    return True


def _verb_metrics(tok: _Token, m: _Mention, objs: set[str], rules: Rules) -> list[str] | None:
    # the verb's metrics that count the mention's unit class, found once per word and class
    key = (tok.info.verb, m.uclass)
    verbs = rules.verbs_for.get(key)
    if verbs is None:
        cands = _candidates(m, rules)
        verbs = rules.verbs_for[key] = tuple(x for x in tok.info.verb if x in cands)
    out = []
    for metric in verbs:
        ok = _object_ok(metric, objs, rules)
        if ok is None:
            return None
        if ok:
            out.append(metric)
    return out


def _scan_left(st: _Sentence, m: _Mention, seg: list[_Token], right_objs: set[str],
               seg_start: int) -> tuple[list[str], int, bool, bool]:
    """Nearest governing word to the left of ``m`` among the tokens ``seg`` of its segment
    (which starts at ``seg_start``): (metrics, figure start, blocked, saw a verb)."""
    rules = st.rules
    objs = right_objs  # (copied before the first object is added: most segments name none)
    noun: tuple[str, int] | None = None
    saw_verb = False
    money = m.uclass == "money"
    last_act = 0
    for t in reversed(seg):
        if t.info.act:
            last_act = t.end
            break
    tail = st.s[max(last_act, seg_start):m.start]  # after the last verb
    if st.may_dispose and _DISPOSAL.search(tail):
        return [], m.start, False, False  # 将郑某等4人抓获: the verb comes after (see _scan_right)
    for i in range(len(seg) - 1, -1, -1):
        tok = seg[i]
        info = tok.info
        if money and info.money_block:
            return [], tok.start, True, True
        if info.verb:
            saw_verb = True
            got = _verb_metrics(tok, m, objs, rules)
            if got is None:
                return [], tok.start, True, True
            if got:
                metrics, start = got[:1], tok.start
                spec = rules.metrics[got[0]]
                if spec.get("coordinate") and i > 0:
                    prev = seg[i - 1]
                    gap = st.s[prev.end:tok.start]
                    if gap in rules.coordinators or gap == "":
                        more = _verb_metrics(prev, m, objs, rules) or []
                        more = [x for x in more if x not in metrics
                                and rules.metrics[x].get("coordinate")]
                        if more:
                            metrics = more[:1] + metrics
                            start = prev.start
                return metrics, start, False, True
        if info.block:
            return [], tok.start, True, saw_verb
        if noun is None and info.noun:
            nm = [x for x in info.noun if x in _candidates(m, rules)]
            if nm:
                noun = (nm[0], tok.start)
        if info.obj:
            if objs is right_objs:
                objs = set(right_objs)
            objs.update(info.obj)
    if noun is not None:
        return [noun[0]], noun[1], False, saw_verb
    return [], m.start, False, saw_verb


# 将/把/对 put the counted persons before their verb: 将郑某等4人抓获, 依法对15名嫌疑人采取强制措施.
_DISPOSAL = re.compile(r"将(?!近)|把|(?<![针面应相绝核反比])对(?![于外此面接象话比])")


def _right_objects(st: _Sentence, m: _Mention, limit: int) -> set[str]:
    """Objects named right after the unit (30张银行卡), before any item separator."""
    objs: set[str] = set()
    for t in st.toks(m.end, min(limit, m.end + 24)):
        gap = st.s[m.end:t.start]
        if len(gap) > 12 or not _ITEM_SEP.isdisjoint(gap):
            break
        objs.update(t.info.obj)
    return objs


def _post_limit(st: _Sentence, idx: int, cb: int) -> int:
    """How far a post-verb of mention ``idx`` may be looked for: to the clause end, or to the
    next count of the same kind when that one is not a further item of a list: in 11名嫌疑人中
    有9人已被刑事拘留 the verb is the 9's, in 将5名嫌疑人及3名同伙抓获 it is both's."""
    ms = st.mentions
    m = ms[idx]
    nx = ms[idx + 1] if idx + 1 < len(ms) else None
    if nx is None or nx.start >= cb or nx.uclass != m.uclass:
        return cb
    gap = st.s[m.end:nx.start].rstrip()
    return cb if not gap or gap[-1] in _ITEM_SEP else nx.start


def _scan_right(st: _Sentence, m: _Mention, limit: int) -> tuple[list[str], int]:
    """A post-verb after the figure: 对15名嫌疑人采取强制措施, 将郑某等4人抓获, 对36个账户进行冻结."""
    rules = st.rules
    objs: set[str] = set()
    for t in st.toks(m.end, min(limit, m.end + 40)):
        if t.start - m.end > 30:
            break
        info = t.info
        objs.update(info.obj)
        if info.post:
            got = [x for x in info.post if x in _candidates(m, rules)
                   and _object_ok(x, objs, rules)]
            if got:
                return got[:1], t.end
        if info.block or (info.verb and not info.post and not info.obj):
            break
    return [], m.end


def _bare(text: str, rules: Rules) -> bool:
    """True if an enumeration item is only modifiers and object nouns (作案用手机, 其中骨干成员,
    、银行卡): no verb of its own, so it shares the verb of the item before it."""
    t = _QUOTED.sub("", text).translate(_STRIP)
    return rules.bare_re.fullmatch(t) is not None


def _bind(st: _Sentence) -> None:
    """Bind every counted mention of the sentence to its metric(s); see the module docstring."""
    rules = st.rules
    ms = st.mentions
    bound_end = 0  # end of the last mention that got a metric
    # 将/把/对 anywhere in the sentence (most have none: then _DISPOSAL is never run)
    st.may_dispose = "将" in st.s or "把" in st.s or "对" in st.s
    for idx, m in enumerate(ms):
        if st.found and st.found[-1][0].end > bound_end:
            bound_end = st.found[-1][0].end
        if m.uclass in ("percent", "other"):
            continue
        if not _candidates(m, rules):
            continue
        ca, cb = st.clause_of(m.start)
        prev_end = ms[idx - 1].end if idx and ms[idx - 1].end > ca else ca
        limit = ms[idx + 1].start if idx + 1 < len(ms) and ms[idx + 1].start < cb else cb
        if m.uclass == "person_bare":
            # 将15涉嫌...嫌疑人抓捕归案: only with a person noun and a post-verb after it
            post, pend = _scan_right(st, m, cb)
            if post and any("person" in t.info.obj
                            for t in st.toks(m.end, pend)):
                st.found.extend((m, _Found(x, m.start, pend)) for x in post)
            continue
        seg = st.toks(prev_end, m.start)
        right_objs = _right_objects(st, m, limit)
        metrics, start, blocked, saw_verb = _scan_left(st, m, seg, right_objs, prev_end)
        if not (metrics or blocked or saw_verb):
            # 抓获涉嫌为50余个团伙提供服务的犯罪嫌疑人12名: a figure inside the object phrase
            # (bound to nothing) does not end the reach of the verb before it.
            reach = max([bound_end] + [ca])
            if reach < prev_end and not _bare(st.s[prev_end:m.start], rules):
                wide = st.toks(reach, m.start)
                got = _scan_left(st, m, wide, right_objs, reach)
                if got[0]:
                    metrics, start, blocked, saw_verb = got
        if not (metrics or blocked or saw_verb):
            # bulletin layout 破获案件:58起 — the label before the colon is the cue
            label = _label(st, m, ca, prev_end)
            if label is not None:
                got = _scan_left(st, m, st.toks(*label), right_objs, label[0])
                if got[0] or got[2]:
                    metrics, start, blocked, saw_verb = got
        from_noun = bool(metrics) and not saw_verb  # 涉案金额: yields to any verb of the clause
        if not blocked and not saw_verb:
            # 截停…转账，涉及款项约N元: the noun restates the verb of the clause before
            refer, rstart = _refer_back(st, m, ca, prev_end, start)
            if refer:
                metrics, start = refer, rstart
        end = m.end
        # persons often come before their verb (N名嫌疑人被刑事拘留); other figures only after
        # 将/把/对 (对36个账户进行冻结)
        # (被 must come within 7 characters: most figures have none after them)
        passive = _PASSIVE.match(st.s, m.end) if st.s.find("被", m.end, m.end + 7) >= 0 else None
        if passive:
            act = next((t for t in st.toks(passive.end(), cb) if t.info.act or t.info.post),
                       None)
            if act is not None and m.uclass == "money" and act.info.money_block:
                metrics, blocked = [], True  # 涉案资金N元被扣押: seized money is no fact
            elif (act is not None and not metrics and act.info.block
                  and not (act.info.verb or act.info.post)):
                blocked = True  # …,6人被取保候审: a passive blocker, no item of the list before
        post_ok = (m.uclass == "person"
                   or (st.may_dispose and bool(_DISPOSAL.search(st.s, prev_end, m.start)))
                   or bool(passive))
        right = _scan_right(st, m, _post_limit(st, idx, cb)) if post_ok and not blocked else None
        has_post = bool(right and right[0])
        if not metrics and not blocked and not saw_verb and not has_post:
            # Verb-less enumeration item: inherit the verb of the item before it.
            seg_text = st.s[prev_end:m.start]
            # the item starts after the last separator: the nouns before it end the item before
            # (六部手机及八张银行卡; 扣押6部手机及3部对讲机 counts no phones twice)
            cut = max((i for i, c in enumerate(seg_text) if c in _ITEM_SEP), default=-1)
            item_start = prev_end + cut + 1
            item = [t for t in seg if t.start >= item_start]
            item_text = st.s[item_start:m.start]
            if _bare(seg_text, rules) and (item or right_objs or item_text.strip(" 、,，") == ""):
                before = st.last_act(prev_end)
                seg = item
                if before:
                    got, _, _, _ = _scan_left(st, m, [before] + seg, right_objs, prev_end)
                    if got:
                        metrics, start = got, item_start
        if right is not None:
            post, pend = right
            post = [x for x in post if x not in metrics]
            if post and from_noun:
                metrics = []  # 涉案资金N元已被冻结: the verb names the figure, not the noun
            if post:
                if not metrics and not from_noun:
                    # 对15名嫌疑人采取强制措施: from the 将/把/对 that fronts the persons
                    fronts = list(_DISPOSAL.finditer(st.s, prev_end, m.start))
                    start = fronts[-1].start() if fronts else prev_end
                metrics = metrics + post
                end = max(end, pend)
        if not metrics and not blocked and not saw_verb and not has_post and m.uclass == "person":
            # 其中三名男子…: part of the arrest count before it
            metrics, start = _subset(st, m, ca, prev_end, right_objs, start)
        if right_objs and end == m.end and metrics:
            # number-first object: 捣毁25个窝点, 扣押一百多张银行卡, 抓获24名团伙成员
            wanted = set(rules.metrics[metrics[0]]["objects"])
            objs_end = [t.end for t in st.toks(m.end, limit)
                        if set(t.info.obj) & wanted
                        and not any(c in _ITEM_SEP for c in st.s[m.end:t.start])
                        and t.start - m.end <= 12]
            if objs_end:
                end = max(objs_end[0], end)
        start = min(start, m.start)
        while start < m.start and st.s[start] in _LEAD_SEP:
            start += 1  # 、手机56部 -> 手机56部
        for metric in metrics:
            st.found.append((m, _Found(metric, start, end)))


# A money figure before a passive verb: 涉案资金300万元已被冻结.
_PASSIVE = re.compile(r"[^,，;；。、]{0,6}?被")


def _refer_back(st: _Sentence, m: _Mention, ca: int, prev_end: int,
                start: int) -> tuple[list[str], int]:
    """截停…转账，涉及款项约310万元: a money clause opened by a referring noun restates the sum of
    the verb of the clause before (see refer_nouns); it then overrides the noun's own metric."""
    rules = st.rules
    if m.uclass != "money" or prev_end != ca:
        return [], start
    head = st.s[ca:m.start]
    before = st.clause_before(ca)
    if before is None:
        return [], start
    pa, pb = before
    verbs = [t for t in st.toks(pa, pb) if t.info.verb]
    if not verbs or st.found_in(pa, pb):
        return [], start  # the clause before has a figure of its own
    for metric in verbs[-1].info.verb:
        nouns = rules.refer_nouns.get(metric, ())
        if any(head.lstrip("另外并共计其").startswith(w) for w in nouns) or any(
                w in head for w in nouns if len(w) > 2):
            return [metric], ca
    return [], start


# The longest label of a bulletin line (冻结涉案资金:, 返还被骗群众资金:).
_LABEL_MAX = 14


def _label(st: _Sentence, m: _Mention, ca: int, prev_end: int) -> tuple[int, int] | None:
    """The label of a bulletin / list line ``label: value`` (破获案件:58起; 冻结资金:532万元): the
    clause right before a colon that opens the figure's clause, when it is short and holds no
    figure of its own. Only modifiers (共计, 累计 …) may stand between the colon and the figure."""
    if prev_end != ca or ca == 0 or st.s[ca - 1] not in ":：":
        return None
    if not _bare(st.s[ca:m.start], st.rules):
        return None
    before = st.clause_before(ca)
    if before is None or before[1] != ca - 1:
        return None
    pa, pb = before
    if pb - pa > _LABEL_MAX or any(pa <= x.start < pb for x in st.mentions):
        return None
    return pa, pb


def _subset(st: _Sentence, m: _Mention, ca: int, prev_end: int, right_objs: set[str],
            start: int) -> tuple[list[str], int]:
    """其中三名男子…, 包括四名主脑及十一名持有人: a verb-less person count opened by a subset cue is
    part of the arrest count named before it (this sentence or the one before)."""
    rules = st.rules
    metric = rules.subset["metric"]
    if "victim" in right_objs:
        return [], start
    if any(f.metric == metric and x.value == m.value for x, f in st.found[-8:]):
        return [], start  # 拘捕四十三人，当中三十一男十二女: a breakdown restating the total
    # the cue opens this item, or an earlier subset item of the clause (…及十一名持有人)
    head = st.s[prev_end:m.start]
    cue = None
    for c in rules.subset_re.finditer(st.s, max(ca, m.start - 60), m.start):  # bounded reach
        cue = c
    if cue is None:
        # 其中，3人为…: the cue alone in the clause before
        before = st.clause_before(ca)
        if before is None or prev_end != ca:
            return [], start
        pa, pb = before
        whole = rules.subset_re.fullmatch(st.s[pa:pb].strip(" \u3000"))
        if whole is None or not _bare(st.s[ca:m.start], rules):
            return [], start
        return ([metric], pa) if _subset_of_arrest(st, pa, ca, m, metric) else ([], start)
    if not _subset_of_arrest(st, cue.start(), cue.end(), m, metric):
        return [], start
    if cue.end() <= prev_end:
        earlier = [x for x, f in st.found if f.metric == metric and cue.end() <= x.start < m.start]
        cut = max((i for i, c in enumerate(head) if c in _ITEM_SEP), default=-1)
        if not earlier or cut < 0 or not _bare(head[cut + 1:], rules):
            return [], start  # only a further item of the list: 四名主脑及十一名持有人
        return [metric], prev_end + cut + 1
    if not (_bare(st.s[cue.end():m.start], rules) or _role_phrase(st, cue.end(), m.start)):
        return [], start
    return [metric], cue.start()


# The longest role phrase between a subset cue and its count (其中银行、通信行业内部人员17名).
_ROLE_PHRASE_MAX = 16


def _role_phrase(st: _Sentence, a: int, b: int) -> bool:
    """True if ``st.s[a:b]`` names a kind of person right before the count, in words the lexicon
    need not know: it ends with a person noun (车手, 人员), holds no verb or blocker and no clause
    break (其中詐欺車手712人, 其中银行、通信行业内部人员17名)."""
    text = st.s[a:b]
    if not 0 < len(text) <= _ROLE_PHRASE_MAX or _CLAUSE_BREAK.search(text):
        return False
    toks = st.toks(a, b)
    return (bool(toks) and toks[-1].end == b and "person" in toks[-1].info.obj
            and not any(t.info.act for t in toks))


def _subset_of_arrest(st: _Sentence, cue_start: int, cue_end: int, m: _Mention,
                      metric: str) -> bool:
    """The subset counts arrested persons: the last verb or blocker before the cue in the sentence
    is an arrest (走访群众300人，其中老人120人 is no subset of an arrest), and no victim is named
    between the cue and the figure."""
    if any("victim" in t.info.obj for t in st.toks(cue_end, m.start)):
        return False
    # 其中 divides the person count before it: one not counted as arrested (移交嫌疑人4.4万名，
    # 其中在逃人员1500余名) has no arrested subset; a breakdown restating an arrest count
    # (拘捕四十三人，当中三十一男十二女，包括…) stands for that count
    parent = None
    for x in st.mentions:
        if x.end > cue_start:
            break
        if x.uclass == "person":
            parent = x
    if parent is not None and not any((y is parent or y.value == parent.value)
                                      and f.metric == metric for y, f in st.found):
        return False
    last = st.last_act(cue_start)
    if last is None:
        return st.prev_arrest
    return metric in last.info.acts_on


def _indefinite(st: _Sentence) -> None:
    """打掉一诈骗团伙 -> gangs_dismantled 1 (an indefinite 一 after the verb counts one)."""
    rules = st.rules
    if "一" not in st.s or not rules.indefinite_verb_re.search(st.s):
        return  # no verb of such a metric right before a 一
    for t in st.tokens:
        for metric in t.info.verb:
            spec = rules.metrics[metric]
            if not spec.get("indefinite_one"):
                continue
            mm = rules.indefinite_re.match(st.s, t.end)
            if not mm:
                continue
            unit = rules.units.get(mm.group()[-1])
            if unit is not None and unit not in spec["units"]:
                continue  # 侦破一起…集团…案: 一起 counts a case, not a gang
            _, cb = st.clause_of(t.start)
            allowed = set(spec.get("indefinite_objects", spec["objects"]))
            objs = [o for o in st.toks(mm.end(), cb) if o.info.obj]
            first = next((i for i, o in enumerate(objs) if set(o.info.obj) & allowed), None)
            if first is None or any(c in st.s[mm.end():objs[first].start] for c in ",，"):
                continue
            head = first  # a noun phrase ends with its head: 电话骗案集团 is a group, not a case
            while head + 1 < len(objs) and objs[head + 1].start == objs[head].end:
                head += 1
            objs = objs[head:]
            if not set(objs[0].info.obj) & allowed:
                continue
            if any(f.metric == metric and f.start <= mm.start() < f.end for _, f in st.found):
                continue  # 捣毁一个窝点 already read as a mention
            at = mm.start() + mm.group().index("一")
            one = _Mention(at, at + 1, 1, "exact", "", "indefinite")
            st.found.append((one, _Found(metric, t.start, objs[0].end)))
            break


# ---------------------------------------------------------------------------------------------
# Percentages: case_change_pct


def _subject_kind(text: str, rules: Rules) -> bool | None:
    """True if a change subject names cases, False if another quantity, None if it names nothing."""
    pc = rules.percent
    if any(w in text for w in pc["other_subjects"]):
        return False
    if any(w in text for w in pc["case_subjects"]):
        return True
    return None


def _strip_subject(text: str, rules: Rules) -> str:
    t = text
    for w in sorted(rules.percent["strip"], key=len, reverse=True):
        t = t.replace(w, "")
    return t.strip(" 、,，")


def _percent(st: _Sentence) -> None:
    """case_change_pct facts: a percentage (or a list of them joined by 、/和, with 分别) right
    after a change word, whose subject names cases. 警情数、立案数、损失数同比分别下降29.3%、28.2%、
    44.3% aligns subjects and values one by one (the loss change is not a case change)."""
    rules = st.rules
    groups: list[list[_Mention]] = []
    for m in (m for m in st.mentions if m.uclass == "percent"):
        gap = st.s[groups[-1][-1].end:m.start] if groups else None
        if gap in ("、", "和", "及", "与") or (gap in (",", "，") and _after_fenbie(st, groups[-1])):
            groups[-1].append(m)
        else:
            groups.append([m])
    last: tuple[int, bool | None] | None = None  # (end, subject kind) of the last change clause
    prev_end = 0                                 # end of the group before
    for g in groups:
        ca, _ = st.clause_of(g[0].start)
        if ca == g[0].start and st.s[ca - 1:ca] == ":":
            before = st.clause_before(ca)     # a bulletin line: 发案数同比下降:17.3%
            if before is not None:
                ca = before[0]
        # the bases named after the figures before this group count (同比下降19.3%、环比下降6.8%)
        lo, prev_end = max(ca, prev_end), g[-1].end
        ch = rules.change_re.search(st.s[ca:g[0].start])
        if not ch:
            continue  # no change word right before (上升至47%, 占比30%)
        sign = -1 if ch.group("word") in rules.percent["down"] else 1
        yoy = _year_on_year(g, st.s, lo, rules)
        subj_end = ca + ch.start()
        fig_start = ca
        core = _strip_subject(st.s[ca:subj_end], rules)
        before = st.clause_before(ca)
        if not core and last is not None and before is not None and before[0] < last[0] <= before[1]:
            # 警情同比下降23.4%,环比下降5.1%: a change clause without a subject, right after
            # another change clause, shares its subject
            kind = last[1]
            last = (g[-1].end, kind)
            if kind:
                for m in yoy:
                    signed = _Mention(m.start, m.end, sign * m.value, m.qualifier, "%", "percent")
                    st.found.append((signed, _Found("case_change_pct", ca, m.end)))
            continue
        if not core:
            # 抓获犯罪嫌疑人674人、同比上升19.9%: the subject is the clause or item before.
            prev = [c for c in st.clauses if c[1] <= ca]
            fig_start = prev[-1][0] if prev else ca
            core = _strip_subject(st.s[fig_start:ca], rules)
        parts = [p for p in re.split(r"[、和及]", core) if p]
        if len(g) > 1 and len(parts) == len(g):
            kinds = [_subject_kind(p, rules) for p in parts]
        else:
            kinds = [_subject_kind(core, rules)] * len(g)
        last = (g[-1].end, kinds[-1])
        for m, is_case in zip(g, kinds):
            if is_case and m in yoy:
                signed = _Mention(m.start, m.end, sign * m.value, m.qualifier, "%", "percent")
                st.found.append((signed, _Found("case_change_pct", fig_start, m.end)))


def _year_on_year(g: list[_Mention], s: str, lo: int, rules: Rules) -> list[_Mention]:
    """The changes of ``g`` that are year on year (the basis named last before each, from ``lo``
    on, is 同比, or none is named), not against the month or period before (环比): 警情同比下降
    19.3%、环比下降6.8% keeps 19.3; 同比、环比分别下降19.3%、6.8% pairs the bases named before
    the list with its figures in order; 同比环比均下降5% keeps its one figure."""
    span = s[lo:g[-1].start]
    if not any(w in span for w in rules.percent["sequential"]):
        return g   # no sequential basis named (most): year on year
    head = [m.lastgroup for m in rules.basis_re.finditer(s, lo, g[0].start)]
    if len(g) > 1 and len(head) == len(g):
        return [m for m, kind in zip(g, head) if kind == "yoy"]
    if len(g) == 1 and len(set(head)) > 1:
        return g
    kind = head[-1] if head else "yoy"
    out = []
    for i, m in enumerate(g):
        if i:
            between = [b.lastgroup for b in rules.basis_re.finditer(s, g[i - 1].end, m.start)]
            kind = between[-1] if between else kind
        if kind == "yoy":
            out.append(m)
    return out


def _after_fenbie(st: _Sentence, g: list[_Mention]) -> bool:
    """True if the list of percentages started right after 分别 (respectively)."""
    return "分别" in st.s[max(0, g[0].start - 12):g[0].start]


# ---------------------------------------------------------------------------------------------
# Scope


@dataclass
class _Scope:
    """Scope cues. Within a sentence the cue nearest before the figure wins (累计/以来/今年 ->
    cumulative; 专案/当场/X某等/N月N日 -> operation); a sentence without a cue takes the cue of the
    sentence before it in the same paragraph; else the article default (``periodic_report``).
    Area words (全省) and background time words (近年来, 至今, 自去年起) are period cues only in a
    period report; a clause about one case (该集团, 在一起…案中) is never cumulative.

    The cues of a sentence without figures are read only when a later figure of the paragraph
    needs them (``skip``, ``previous``); the article default only when a figure needs it (an
    article whose figures all state their scope never reads its headline)."""

    rules: Rules
    text: str                    # the article (for ``periodic_report``)
    last: str | None = None      # explicit scope of the previous sentences read, in the paragraph
    pending: list[str] = field(default_factory=list)  # sentences after those, not read yet
    _periodic: bool | None = None

    @property
    def periodic(self) -> bool:
        """``periodic_report`` of the article, read on first use."""
        if self._periodic is None:
            self._periodic = periodic_report(self.text, self.rules)
        return self._periodic

    def new_paragraph(self) -> None:
        self.last = None
        self.pending.clear()

    def skip(self, sentence: str) -> None:
        """A sentence without figures: its cues are read if a later figure needs them."""
        self.pending.append(sentence)

    def seen(self, explicit: str | None) -> None:
        """The explicit scope of a sentence just read (None: it states none)."""
        if explicit:
            self.last = explicit
            self.pending.clear()

    def previous(self) -> str | None:
        """The explicit scope of the last sentence of the paragraph that states one, if any."""
        while self.pending:
            e = self.explicit(self.cues(self.pending.pop()))
            if e:
                self.seen(e)
        return self.last

    def cues(self, text: str) -> list[tuple[int, str]]:
        """(position, kind) of the scope cues of a sentence, kind in cum | op | snap | case."""
        return [(m.start(), m.lastgroup) for m in self.rules.scope_scan.finditer(text)]

    def explicit(self, cues: list[tuple[int, str]], limit: int | None = None) -> str | None:
        """The scope the cues before ``limit`` state: the last cue wins; a snapshot word (目前)
        stands for the article default; a sentence about one case (该团伙) is never cumulative."""
        best = None
        one_case = False
        for pos, kind in cues:
            if limit is not None and pos >= limit:
                break
            if kind == "case":
                one_case, best = True, "operation"
            elif kind in ("area", "bg"):
                # 全省共破获 / 近年来: a period only in a period report; no cue in a case report
                if self.periodic:
                    best = "cumulative"
            else:
                best = _CUE_SCOPE.get(kind) or self.default
        if best == "cumulative" and one_case:
            return "operation"  # 该团伙自2022年10月以来涉案金额: the period of one case
        return best

    @property
    def default(self) -> str:
        return "cumulative" if self.periodic else "operation"

    def of(self, cues: list[tuple[int, str]], clause_end: int) -> tuple[str, int]:
        """(scope, strength): 2 explicit in the sentence, 1 from the paragraph, 0 default."""
        e = self.explicit(cues, clause_end)
        if e:
            return e, 2
        last = self.previous()
        if last:
            return last, 1
        return self.default, 0


_CUE_SCOPE = {"cum": "cumulative", "op": "operation"}  # snap: the article default


# ---------------------------------------------------------------------------------------------


def doc_currency(text: str, rules: Rules | None = None) -> str:
    """Currency of a plain 元 in this article (TWD in Taiwan reports ...): the region with the most
    cue words, if it has two or more.

    >>> doc_currency("桃园市警察局今日举办记者会,165反诈骗专线")
    'TWD'
    >>> doc_currency("兰州市公安局")
    'CNY'
    """
    rules = rules or load_rules()
    best, hits = "CNY", 1  # two distinct cues at least: one place name in passing is not enough
    if not rules.currency_cue_re.search(text):
        return best
    for rc in rules.region_currency:
        n = sum(c in text for c in rc["cues"])
        if n > hits:
            best, hits = rc["currency"], n
    return best


def periodic_report(text: str, rules: Rules | None = None, lead_lines: int = 5,
                    headline_len: int = 40) -> bool:
    r"""True if the article reports a period (its figures default to cumulative), False if it
    reports one case or raid. The headline decides: the first short lines, a summary cue (战果,
    一周, 上半年 ...) before a one-case cue (一起…案, 捣毁一, 拘捕N人); an undecided headline
    falls back to a period word anywhere in the text. Only short lines are headlines, not body
    paragraphs (…通报金融机构冻结…).

    >>> periodic_report("某市警方捣毁一电诈窝点\n近年来，电诈高发。近日，民警抓获8人。")
    False
    >>> periodic_report("某市反诈一周战果\n破获一起案件，抓获8人。")
    True
    >>> periodic_report("某市警方开展打击\n今年以来，民警抓获80人。")
    True
    """
    rules = rules or load_rules()
    lines = islice(filter(None, map(str.strip, text.split("\n"))), lead_lines)
    for ln in (ln for ln in lines if len(ln) <= headline_len):
        if rules.lead_summary_scan.search(ln):
            return True
        if rules.lead_case_scan.search(ln):
            return False
    return bool(rules.period_scan.search(text))


def extract_facts(norm: NormText, sentences: list[Sentence]) -> list[Fact]:
    """Every reported figure of the article, in text order (repeats are merged later by dedup)."""
    rules = load_rules()
    text = norm.text
    currency = doc_currency(text, rules)
    regional = rules.regional_words(text, currency)
    scope = _Scope(rules, text)
    facts: list[tuple[Fact, int]] = []
    prev_end = 0
    prev: _Sentence | str | None = None  # the last sentence read (see _Sentence.prev_arrest)
    for sent in sentences:
        a, b = sent.start, sent.end
        s = text[a:b]
        if text.find("\n", prev_end, a) >= 0:
            scope.new_paragraph()
        prev_end = b
        if not s or s.isspace():
            continue
        if not _NUMERAL_CHAR.search(s):
            # no figure and no indefinite 一 (both hold a numeral): only an arrest word may
            # matter, to the next sentence
            prev = s
            scope.skip(s)
            continue
        st = _Sentence(s, rules, _mentions(s, rules), regional, prev)  # (a numeral in it)
        if st.mentions:
            _bind(st)
            _percent(st)
        _indefinite(st)
        prev = st
        st._prev = None  # (read only while the sentence is worked on)
        found = st.found
        if not found:
            scope.skip(s)
            continue
        cues = scope.cues(s)
        for m, f in sorted(found, key=lambda x: (x[1].start, x[0].start)):
            _, cb = st.clause_of(m.start)
            sc, strength = scope.of(cues, max(cb, m.end))
            spec = rules.metrics.get(f.metric, {})
            unit = "%" if f.metric == "case_change_pct" else spec.get("unit", m.unit)
            if f.metric == "victims_dissuaded":
                # dissuaded transactions (劝阻可疑交易N笔) are counted as 人次, like the gold
                unit = {"case": "起", "person": "人", "times": "次"}.get(m.uclass, "人次")
            fact = Fact(metric=f.metric, value=float(m.value), unit=unit, qualifier=m.qualifier,
                        scope=sc, currency=(m.currency or currency) if m.uclass == "money" else None,
                        start=a + f.start, end=a + f.end, sent_start=a, sent_end=b,
                        figure=s[f.start:f.end])
            facts.append((fact, strength))
        scope.seen(scope.explicit(cues))
    _harmonise_scope(facts)
    return [f for f, _ in facts]


def _harmonise_scope(facts: list[tuple[Fact, int]]) -> None:
    """The same figure stated twice (title and body) gets the scope of its most explicit mention."""
    best: dict[tuple, tuple[tuple[int, bool], str]] = {}
    for f, strength in facts:
        key = (f.metric, f.value, f.qualifier)
        rank = (strength, f.scope == "cumulative")
        if key not in best or rank > best[key][0]:
            best[key] = (rank, f.scope)
    for f, _ in facts:
        f.scope = best[(f.metric, f.value, f.qualifier)][1]
