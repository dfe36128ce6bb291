"""Ingest: files and folders -> one ``RawDoc`` per input file or record.

``read_inputs(paths)`` walks files and folders (recursively, in sorted path order) and yields a
``RawDoc`` for every file it finds, and for every record of a ``.jsonl``/``.csv`` file. Nothing
disappears silently and nothing crashes the build: an input that cannot be used is yielded with
``status="skipped"`` and a reason ``"<kind>: <detail>"``, kind one of

- ``unreadable``        permission denied, broken link, I/O error, missing path, a FIFO/device;
- ``too large``         a .txt/.html file over ``MAX_ARTICLE_BYTES``, any file over ``MAX_BYTES``,
                        or an article (file, page or record) whose text exceeds ``MAX_ARTICLE_CHARS``;
- ``unsupported type``  an extension we do not read (.pdf, .png ...), a linked folder;
- ``empty``             no bytes, only blanks, a page or record without text;
- ``not text``          NUL bytes or bytes that no Chinese text encoding decodes;
- ``bad record``        a .jsonl line that is not a JSON object, a record without a text field;
- ``duplicate``         same text as an earlier input: ``duplicate: same content as <source>``.

Encodings: BOMs first (UTF-8, UTF-16, UTF-32), then every candidate among UTF-8, GB18030, Big5
and charset-normalizer's guesses that decodes the bytes strictly is scored by the share of
common Chinese characters it yields (GB2312 level 1 + Big5 frequent characters, taken from the
codecs themselves), and the best wins. That separates GBK and Big5 even on short texts, where a
statistical detector alone often confuses them.

Damaged text is recovered where the damage is small: a multi-byte character cut off at the end of
the file (an interrupted download) is dropped; stray NUL bytes (at most ``NUL_SHARE`` of the
bytes, e.g. padding) are removed; a file whose lines are in different encodings (pieces pasted
together) is decoded line by line, encoding ``mixed``. Anything else undecodable is ``not text``.

Size policy: no news article is megabytes long, and the pipeline costs about 10 s per MB of text,
so a single-article file over ``MAX_ARTICLE_BYTES`` is skipped unread, and an article whose text
is over ``MAX_ARTICLE_CHARS`` characters after decoding (and HTML extraction) is skipped: never
truncated, since a cut text would give figures without their context.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from .model import RawDoc

FORMATS = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".shtml": "html",
           ".xhtml": "html", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
TEXT_FIELDS = ("text", "content", "body")
URL_FIELDS = ("url", "link", "href")
TITLE_FIELDS = ("title", "headline")
DATE_FIELDS = ("published", "date", "publish_date", "published_at", "pubdate", "publish_time",
               "time")
MAX_BYTES = 200 * 1024 * 1024          # any file (a .jsonl/.csv holds many articles)
MAX_ARTICLE_BYTES = 16 * 1024 * 1024   # a .txt/.html file: one article
MAX_ARTICLE_CHARS = 1_000_000          # the text of one article, after decoding / HTML extraction
NUL_SHARE = 0.01                       # stray NUL bytes tolerated in text (share of the bytes)
UTF8_BONUS = 0.3


class NotText(Exception):
    """The bytes are not text in any encoding we read."""


# ----------------------------------------------------------------------------- encodings

@lru_cache(maxsize=1)
def common_chars() -> frozenset[str]:
    """Frequent Chinese characters, simplified and traditional, derived from the codecs:
    GB2312 level 1 (rows 16-55: the 3755 most used simplified characters) and the Big5
    frequent-character block (0xA440-0xC67E: 5401 traditional characters)."""
    chars = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for hi in range(0xA4, 0xC7):
        for lo in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            if (hi, lo) > (0xC6, 0x7E):
                break
            try:
                chars.add(bytes((hi, lo)).decode("big5"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
# Characters that mark a wrong decoding or binary data: C0/C1 controls (other than blanks),
# private use area, replacement character, unassigned CJK compatibility noise.
_BAD = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")
# Punctuation and symbols that real Chinese text uses (full-width forms, CJK punctuation).
_GOOD_SYMBOLS = re.compile(r"[\u3000-\u303f\uff00-\uffef\u2010-\u2027\u00b7\u00a0-\u00bf]")


def _score(text: str) -> float:
    """Plausibility of a decoding as Chinese text: share of non-ASCII characters that are
    frequent Chinese characters or Chinese punctuation, minus a penalty for bad characters."""
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))   # counted in C
    bad = len(_BAD.findall(text))
    if not non_ascii:
        return 1.0 - bad / max(len(text), 1)
    # frequent Chinese characters + punctuation: the non-ASCII characters less the others
    # (few in Chinese text: finding them is 10x faster than finding the good ones)
    good = non_ascii - len(_other_chars().findall(text))
    return good / non_ascii - 5 * bad / max(len(text), 1)


@lru_cache(maxsize=1)
def _other_chars() -> re.Pattern:
    """The non-ASCII characters other than ``common_chars()`` and ``_GOOD_SYMBOLS``."""
    codes = sorted(map(ord, common_chars()))
    runs: list[list[int]] = []                 # consecutive code points as ranges (faster compile)
    for c in codes:
        if runs and c == runs[-1][1] + 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    good = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                   for a, b in runs)
    return re.compile("[^\\x00-\\x7f" + good + _GOOD_SYMBOLS.pattern[1:-1] + "]")


def _bom(data: bytes) -> tuple[str, str] | None:
    for bom, enc, name in ((b"\xef\xbb\xbf", "utf-8-sig", "utf-8-sig"),
                           (b"\xff\xfe\x00\x00", "utf-32", "utf-32"),
                           (b"\x00\x00\xfe\xff", "utf-32", "utf-32"),
                           (b"\xff\xfe", "utf-16", "utf-16"), (b"\xfe\xff", "utf-16", "utf-16")):
        if data.startswith(bom):
            return enc, name
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM: NUL bytes all on one parity (ASCII in UTF-16)."""
    if len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if even + odd == 0:
        return None
    enc = "utf-16-le" if odd > 9 * even else "utf-16-be" if even > 9 * odd else None
    return enc


def decode(data: bytes) -> tuple[str, str]:
    """Decode ``data`` -> (text, encoding name). Raises ``NotText``.

    >>> decode("电信诈骗".encode("gbk"))
    ('电信诈骗', 'gb18030')
    >>> decode("電信詐騙".encode("big5"))
    ('電信詐騙', 'big5')
    """
    bom = _bom(data)
    if bom:
        try:
            text = data.decode(bom[0])
        except UnicodeDecodeError as e:
            raise NotText(f"bytes invalid for its {bom[1]} byte-order mark ({e.reason})") from None
        _check_text(text)
        return text, bom[1]
    if b"\x00" in data:
        enc = _utf16_without_bom(data)
        if enc:
            try:
                text = data.decode(enc)
                _check_text(text)
                return text, enc
            except (UnicodeDecodeError, NotText):
                pass
        if data.count(0) > NUL_SHARE * len(data):
            raise NotText("NUL bytes (binary file)")
        data = data.replace(b"\x00", b"")  # a few stray NULs in text: padding, not content
    try:
        text = data.decode("utf-8")       # valid as is: no cut tail to drop
    except UnicodeDecodeError:
        data = _drop_cut_tail(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    if text is not None and _score(text) >= 0.5:
        _check_text(text)
        return text, "utf-8"
    best: tuple[float, int, str, str] | None = None
    for rank, enc in enumerate(_OWN_CANDIDATES):
        best = _better(data, rank, enc, best)
    if best is None or best[0] < 1.0:    # else no other reading can win: it scores 1.0 at most
        for rank, enc in enumerate(_guesses(data), start=len(_OWN_CANDIDATES)):
            best = _better(data, rank, enc, best)
    if best is None:
        mixed = _decode_lines(data)
        if mixed is None:
            raise NotText("bytes that no Chinese text encoding decodes")
        best = (0.0, 0, mixed, "mixed")
    _check_text(best[2])
    return best[2], best[3]


def _drop_cut_tail(data: bytes) -> bytes:
    """Drop a multi-byte character cut off at the very end (1-3 bytes) when the rest decodes
    as UTF-8 or GB18030: a download interrupted mid-character."""
    for enc in ("utf-8", "gb18030"):
        try:
            data.decode(enc)
            return data
        except UnicodeDecodeError as e:
            if e.start >= len(data) - 3 and e.start > 0 and e.end == len(data):
                try:
                    data[:e.start].decode(enc)
                    return data[:e.start]
                except UnicodeDecodeError:
                    pass
    return data


def _decode_lines(data: bytes) -> str | None:
    """Text whose lines are in different encodings: each line by the best of UTF-8, GB18030 and
    Big5 that decodes it strictly; None when a line decodes in none of them."""
    out = []
    for line in data.splitlines(keepends=True):
        cands = []
        for enc in ("utf-8", "gb18030", "big5"):
            try:
                t = line.decode(enc)
            except UnicodeDecodeError:
                continue
            cands.append((_score(t) + (UTF8_BONUS if enc == "utf-8" else 0.0), t))
        if not cands:
            return None
        out.append(max(cands, key=lambda c: c[0])[1])
    text = "".join(out)
    return text if _score(text) >= 0.5 else None


_OWN_CANDIDATES = ("utf-8", "gb18030", "big5", "big5hkscs")


def _better(data: bytes, rank: int, enc: str, best: tuple | None) -> tuple | None:
    """``best`` (score, rank, text, encoding) or the reading of ``data`` in ``enc`` if it scores
    higher."""
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return best
    # bytes that are valid UTF-8 are strong evidence of UTF-8: another reading must be
    # clearly more Chinese to win (a short GBK text can happen to be valid UTF-8)
    s = _score(text) + (UTF8_BONUS if enc == "utf-8" else 0.0)
    return (s, rank, text, _canonical(enc)) if best is None or s > best[0] else best


def _guesses(data: bytes) -> list[str]:
    """charset-normalizer's first three guesses that are not among ``_OWN_CANDIDATES``."""
    cands = list(_OWN_CANDIDATES)
    try:
        from charset_normalizer import from_bytes
        for m in list(from_bytes(data[:65536]))[:3]:
            if m.encoding not in cands:
                cands.append(m.encoding)
    except Exception:  # a detector failure is not the input's fault: keep our own candidates
        pass
    return cands[len(_OWN_CANDIDATES):]


def _canonical(enc: str) -> str:
    e = enc.lower().replace("_", "-")
    return {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "cp950": "big5",
            "big5hkscs": "big5-hkscs"}.get(e, e)


def _check_text(text: str) -> None:
    bad = len(_BAD.findall(text))
    if bad and bad > 0.01 * len(text):
        raise NotText(f"{bad} control or undecodable characters (binary file)")


# ----------------------------------------------------------------------------- HTML

_DROP_TAGS = frozenset({"script", "style", "noscript", "template", "nav", "footer", "aside", "form",
                        "iframe", "svg", "button", "select", "input", "textarea", "object", "embed",
                        "canvas", "audio", "video", "map"})
_BLOCK_TAGS = frozenset({"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
                         "h6", "tr", "table", "thead", "tbody", "section", "article", "main",
                         "blockquote", "pre", "figure", "figcaption", "hr", "address", "center",
                         "header", "caption"})
_CELL_TAGS = frozenset({"td", "th"})
# List items, paragraphs and minor headings that are only a link (<li><a>标题</a></li>, <p>👉
# <a>标题</a></p>): the menus, "latest news" columns, 往期推荐 and related-article lists of a site,
# never the article. Their titles carry other stories' figures. Not <h1>/<h2> (a headline may
# link to its own page) nor <div> (a whole card may be one link on a list page).
_LINK_ITEM_TAGS = frozenset({"li", "p", "dt", "dd", "h3", "h4", "h5", "h6"})
_LINK = frozenset({"a"})
# What is compared: letters, digits and CJK; blanks, punctuation, bullets and emoji are not text
_NOT_WORDS = re.compile(r"[\W_]+")
_HEAD_TAGS = frozenset({"meta", "title", "link"})
_HEADER_TAG = frozenset({"header"})
_WS_NL = re.compile(r"\s*\n\s*")
_WS = re.compile(r"[ \t\r\f\v\u00a0]+")
_CJK_EDGE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\uffef]")


@dataclass
class HtmlDoc:
    text: str
    title: str | None = None
    published: str | None = None
    url: str | None = None
    site_name: str | None = None


_META_ATTRS = ("property", "name", "itemprop", "http-equiv")


@lru_cache(maxsize=None)
def _meta_key(key: str) -> re.Pattern:
    """A meta tag's property/name/... value that is ``key`` in any case."""
    return re.compile(rf"^{re.escape(key)}$", re.I)


def _meta(metas: list, *keys: str) -> str | None:
    """Content of the first ``<meta>`` (of the page's ``metas``, their attribute mappings in
    document order) whose property/name/itemprop/http-equiv is one of ``keys`` (in the order of
    ``keys``, then of those attributes): what ``soup.find("meta", attrs={attr: ...})`` finds
    (none of these attributes has several values), without a walk of the page per test."""
    if not metas:
        return None
    having = {attr: [t for t in metas if attr in t] for attr in _META_ATTRS}
    for key in keys:
        rx = _meta_key(key)
        for attr in _META_ATTRS:
            tag = next((t for t in having[attr] if rx.search(t[attr])), None)
            if tag is not None and tag.get("content") and tag["content"].strip():
                return tag["content"].strip()
    return None


def _metas(metas: list) -> tuple[str | None, str | None, str | None, str | None]:
    """Title, site name, publication date and URL of the page's ``metas`` (``_meta``)."""
    return (_meta(metas, "og:title", "twitter:title"),
            _meta(metas, "og:site_name", "application-name"),
            _meta(metas, "article:published_time", "publishdate", "publish_date", "pubdate",
                  "PubDate", "og:release_date", "datePublished", "dc.date", "dcterms.created",
                  "date"),
            _meta(metas, "og:url"))


@lru_cache(maxsize=1)
def _canonical_link():
    from bs4 import SoupStrainer

    return SoupStrainer("link", rel="canonical")


def _page_text(root) -> str:
    """The text of ``root`` (``root.get_text()``) as it reads once line breaks in the HTML source
    are resolved (next to a Chinese character: nothing, else a space; not in <pre>/<textarea>),
    <br> is a line break, block elements stand on their own lines and table cells are followed
    by a space. One walk that writes those breaks and spaces out, instead of inserting them
    into the tree (Beautiful Soup's inserts cost more than the parse).
    """
    from bs4 import NavigableString

    types = root.interesting_string_types or root.MAIN_CONTENT_STRING_TYPES   # as get_text
    out: list[str] = []
    stack: list = list(reversed(root.contents))
    while stack:
        node = stack.pop()
        if type(node) is str:                 # a break or space written after an element
            out.append(node)
        elif isinstance(node, NavigableString):
            if ("\n" in node or "\r" in node) and node.parent.name not in ("pre", "textarea"):
                if NavigableString in types:   # the rewritten string is a plain one
                    out.append(_WS_NL.sub(_join_source_newline, str(node)))
            elif type(node) in types:
                out.append(str(node))
        elif node.name == "br":
            out.append("\n")
        else:
            if node.name in _BLOCK_TAGS:
                out.append("\n")
                stack.append("\n")
            elif node.name in _CELL_TAGS:
                stack.append(" ")
            stack.extend(reversed(node.contents))
    return "".join(out)


def _tags(root, names: frozenset[str]) -> list:
    """The tags under ``root`` named one of ``names``, in document order: ``root.find_all(names)``
    by one plain walk (Beautiful Soup's general matching costs 10x more)."""
    from bs4 import Tag

    return [t for t in root.descendants if isinstance(t, Tag) and t.name in names]


def _join_source_newline(m: re.Match) -> str:
    s, a, b = m.string, m.start(), m.end()
    left = s[a - 1] if a > 0 else ""
    right = s[b] if b < len(s) else ""
    # a line break in HTML source next to a Chinese character is no space at all
    return "" if _CJK_EDGE.match(left or " ") or _CJK_EDGE.match(right or " ") else " "


def html_to_text(html: str) -> HtmlDoc:
    """Page -> text (block elements on their own lines) and its title/date/url/site name.

    The page is read on lxml's own tree (``_page_lxml``, 3x faster); the few pages whose markup
    lxml's tree builder reads otherwise than Beautiful Soup (which takes lxml's parse events) are
    read by Beautiful Soup (``_page_soup``). Both give the same result (tests/test_ingest.py).

    >>> d = html_to_text('<html><head><title>标题_某某网</title><meta property="og:site_name" '
    ...                  'content="某某网"></head><body><nav>首页</nav><p>第一段。</p><p>第二<br>行'
    ...                  '</p><script>x=1</script></body></html>')
    >>> d.text, d.title, d.site_name
    ('第一段。\\n第二\\n行', '标题', '某某网')
    """
    try:
        return _page_lxml(html)
    except (_OddPage, RecursionError):
        return _page_soup(html)


def _html_doc_of(raw_text: str, title, published, url, site) -> HtmlDoc:
    lines = [_WS.sub(" ", line).strip() for line in raw_text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{2,}", "\n", text).strip()
    return HtmlDoc(text=text, title=_clean_title(title, site), published=iso_date(published),
                   url=url, site_name=site)


def _page_soup(html: str) -> HtmlDoc:
    """``html_to_text`` by Beautiful Soup's tree (the reference reading; used for the pages that
    ``_page_lxml`` leaves to it)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    found = _tags(soup, _HEAD_TAGS | _DROP_TAGS)
    title, site, published, url = _metas([t.attrs for t in found if t.name == "meta"])
    first_title = next((t for t in found if t.name == "title"), None)       # soup.title
    if not title and first_title and first_title.get_text(strip=True):
        title = first_title.get_text(strip=True)
    if not url:            # soup.find("link", rel="canonical")
        link = next((t for t in found if t.name == "link" and _canonical_link().match(t)), None)
        url = link.get("href") if link and link.get("href") else None
    for tag in found:
        if tag.name in _DROP_TAGS and not tag.decomposed:
            tag.decompose()
    for tag in _tags(soup, _HEADER_TAG):
        heads = tag.find_all(["h1", "h2"])
        if heads:  # keep an article header's headline, drop the rest of it
            tag.replace_with(*[h.extract() for h in heads])
        else:
            tag.decompose()
    for tag in _tags(soup, _LINK_ITEM_TAGS):
        if tag.decomposed:
            continue
        links = _tags(tag, _LINK)        # (most paragraphs have none: their text is not read)
        if links and _only_links(_page_text(tag), [_page_text(a) for a in links]):
            tag.decompose()
    return _html_doc_of(_page_text(soup.body or soup), title, published, url, site)



def _only_links(text: str, link_texts: list[str]) -> bool:
    """Whether an element's words are all inside its links (and there are some).

    >>> _only_links(" 某地破获案件3起 ", ["某地破获案件3起"]), _only_links("上一篇：标题", ["标题"])
    (True, False)
    >>> _only_links("👉 【推荐】抓获12人", ["抓获12人"]), _only_links("👉", ["👉"])
    (False, False)
    >>> _only_links("👉 抓获12人", ["抓获12人"])
    True
    """
    links = "".join(_NOT_WORDS.sub("", t) for t in link_texts)
    return bool(links) and _NOT_WORDS.sub("", text) == links



# --- the same reading on lxml's tree ------------------------------------------------------------
#
# Beautiful Soup builds its tree from lxml's parse events; what it adds, and ``_page_lxml`` does
# too: a string of ASCII blanks only is one space or one newline (not in <pre>/<textarea>);
# strings in <rt>, <rp>, <style>, <script>, <template> and comments are not text -- unless they
# hold a line break, which ``_page_soup`` resolves by writing a new plain string; a <header> is
# replaced by its <h1>/<h2> headlines. Markup where lxml's tree and its events differ (processing
# instructions, CDATA, a doctype not at the start, a second <html>/<head>/<body>, anything after
# </body> or </html>, nesting near the parser's depth limit), nested headers or headlines, and
# pages without a <body> are left to Beautiful Soup.

class _OddPage(Exception):
    """A page for ``_page_soup``."""


_ASCII_BLANKS = frozenset(" \n\t\f\r")
_CONTAINERS = frozenset({"rt", "rp", "style", "script", "template"})   # their strings are not text
_PRESERVE = frozenset({"pre", "textarea"})
_HEADLINES = frozenset({"h1", "h2"})
_NON_BLANK = re.compile(r"\S+")
_MAX_DEPTH = 128
_ODD_MARKUP = re.compile(r"<[?!](?!--)|<(?:html|head|body)\b", re.I)
_END = re.compile(r"</(?:body|html)\b", re.I)
_TRAILER = re.compile(r"(?:\s|</(?:body|html)\s*>)*", re.I)


def _plain_markup(html: str) -> bool:
    """No markup that lxml's tree builder reads otherwise than its event interface."""
    seen = set()
    for m in _ODD_MARKUP.finditer(html):
        tok = m.group().lower()
        if tok == "<?":
            return False
        if tok == "<!":          # only a doctype, and only as the first markup of the page
            if m.start() != html.find("<") or html[m.start():m.start() + 9].lower() != "<!doctype":
                return False
        elif tok in seen:
            return False
        seen.add(tok)
    end = _END.search(html)      # nothing but blanks and closing tags after </body> or </html>
    return end is None or _TRAILER.fullmatch(html, end.start()) is not None


def _page_lxml(html: str) -> HtmlDoc:
    """``_page_soup`` on lxml's tree; raises ``_OddPage`` for a page it leaves to it."""
    from lxml import etree

    if html[:1] == "\ufeff":    # Beautiful Soup drops a leading byte-order mark
        html = html[1:]
    if not _plain_markup(html):
        raise _OddPage
    parser = etree.HTMLParser(recover=True)                     # as Beautiful Soup
    parser.feed(html)
    root = parser.close()
    if root is None:
        raise _OddPage
    tags, depth = [], {root: 0}
    for e in root.iter():
        if isinstance(e.tag, str):
            tags.append(e)
        elif e.tag is not etree.Comment:
            raise _OddPage                              # an entity or instruction node
        if e is not root:
            depth[e] = depth[e.getparent()] + 1
            if depth[e] > _MAX_DEPTH:
                raise _OddPage
    title, site, published, url = _metas([e.attrib for e in tags if e.tag == "meta"])
    first_title = next((e for e in tags if e.tag == "title"), None)
    if not title and first_title is not None:             # get_text(strip=True)
        title = "".join(t.strip() for t, plain in _strings(first_title) if plain) or title
    if not url:                                           # rel is a list of words
        link = next((e for e in tags if e.tag == "link" and "rel" in e.attrib
                     and "canonical" in _NON_BLANK.findall(e.get("rel"))), None)
        url = link.get("href") if link is not None and link.get("href") else None
    body = next((e for e in tags if e.tag == "body"), None)
    if body is None:
        raise _OddPage
    dropped = {e for e in tags if e.tag in _DROP_TAGS}
    headlines: dict = {}          # kept <header> -> its headlines (outside dropped elements)
    for e in tags:
        if e.tag != "header" or e in dropped or _below(e, dropped, None):
            continue
        if any(x.tag == "header" for x in (*e.iterancestors(), *e.iterdescendants())):
            raise _OddPage                                # nested headers
        heads = [d for d in e.iterdescendants() if d.tag in _HEADLINES and not _below(d, dropped, e)]
        head_set = set(heads)
        if any(_below(h, head_set, e) for h in heads):
            raise _OddPage                                # a headline in a headline
        headlines[e] = heads
    for e in tags:                                        # in document order, as Beautiful Soup
        if e.tag in _LINK_ITEM_TAGS and e not in dropped and not _below(e, dropped, None):
            links = [_text_of(a, dropped, headlines) for a in e.iterdescendants("a")
                     if not _below(a, dropped, e)]
            if links and _only_links(_text_of(e, dropped, headlines), links):
                dropped.add(e)      # (most paragraphs have no link: their text is not read)
    out: list[str] = []
    parent = body.getparent()
    _write_children(body, _context(parent) if parent is not None else (False, True), out,
                    dropped, headlines)
    return _html_doc_of("".join(out), title, published, url, site)


def _text_of(e, dropped, headlines) -> str:
    """The text ``_write_children`` writes for ``e`` (its ``_page_text``)."""
    out: list[str] = []
    _write_children(e, _context(e.getparent()) if e.getparent() is not None else (False, True),
                    out, dropped, headlines)
    return "".join(out)


def _below(e, group, stop) -> bool:
    """Whether an ancestor of ``e`` (below ``stop``, if given) is in ``group``."""
    for a in e.iterancestors():
        if a is stop:
            return False
        if a in group:
            return True
    return False


def _collapse(s: str, preserved: bool) -> str:
    """A string as Beautiful Soup keeps it: ASCII blanks only -> one newline or space."""
    if preserved or any(c not in _ASCII_BLANKS for c in s):
        return s
    return "\n" if "\n" in s else " "


def _context(e) -> tuple[bool, bool]:
    """(in <pre>/<textarea>, plain text: in no string container) of the strings in ``e``."""
    names = {e.tag, *(a.tag for a in e.iterancestors())}
    return bool(names & _PRESERVE), not names & _CONTAINERS


def _strings(e) -> Iterator[tuple[str, bool]]:
    """(string, plain) of ``e``'s subtree (without its tail); comments are not plain."""
    pre, plain = _context(e)
    if e.text:
        yield _collapse(e.text, pre), plain
    for c in e:
        if isinstance(c.tag, str):
            yield from _strings(c)
        else:
            yield _collapse(c.text or "", pre), False
        if c.tail:
            yield _collapse(c.tail, pre), plain


def _write_string(out: list[str], s: str, parent, ctx: tuple[bool, bool], comment: bool) -> None:
    pre, plain = ctx
    s = _collapse(s, pre)
    if ("\n" in s or "\r" in s) and parent.tag not in ("pre", "textarea"):
        out.append(_WS_NL.sub(_join_source_newline, s))     # a new plain string: text
    elif plain and not comment:
        out.append(s)


def _write_children(e, ctx: tuple[bool, bool], out: list[str], dropped, headlines) -> None:
    """The text of ``e``'s content (``ctx``: that of ``e``'s parent), as ``_page_text``."""
    pre, plain = ctx
    ctx = (pre or e.tag in _PRESERVE, plain and e.tag not in _CONTAINERS)
    if e.text:
        _write_string(out, e.text, e, ctx, False)
    for c in e:
        if not isinstance(c.tag, str):                          # a comment
            _write_string(out, c.text or "", e, ctx, True)
        elif c in headlines:
            for h in headlines[c]:
                _write_element(h, _context(h.getparent()), out, dropped, headlines)
        elif c not in dropped:
            _write_element(c, ctx, out, dropped, headlines)
        if c.tail:
            _write_string(out, c.tail, e, ctx, False)


def _write_element(e, ctx: tuple[bool, bool], out: list[str], dropped, headlines) -> None:
    if e.tag == "br":
        out.append("\n")
        return
    block = e.tag in _BLOCK_TAGS
    if block:
        out.append("\n")
    _write_children(e, ctx, out, dropped, headlines)
    if block:
        out.append("\n")
    elif e.tag in _CELL_TAGS:
        out.append(" ")


_TITLE_SEP = re.compile(r"\s*(?:_|\||｜| - | — | -- )\s*")
_SITE_WORD = re.compile(r"(?:网|网站|在线|新闻|频道|日报|晚报|报|首页|门户|官网|客户端|News|\.com|\.cn)$", re.I)


def _clean_title(title: str | None, site: str | None) -> str | None:
    """Drop site-name segments from a page title: 标题_栏目_某某网 -> 标题."""
    if not title:
        return None
    parts = [p for p in _TITLE_SEP.split(title.strip()) if p]
    while len(parts) > 1 and (parts[-1] == site or _SITE_WORD.search(parts[-1])
                              or len(parts[-1]) <= 4):
        parts.pop()
    return " ".join(parts[:1]) if len(parts) > 1 and len(parts[0]) >= 6 else " ".join(parts) or None


_ISO = re.compile(r"((?:19|20)\d{2})\s*(?:[-/.年]\s*)(\d{1,2})\s*(?:[-/.月]\s*)(\d{1,2})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")


def iso_date(value: object) -> str | None:
    """A date in a record or meta tag -> ``YYYY-MM-DD`` (None if there is no valid date).

    >>> iso_date("2022-07-14T07:17:31+08:00"), iso_date("2022年7月4日"), iso_date("20220714")
    ('2022-07-14', '2022-07-04', '2022-07-14')
    >>> iso_date("2022-13-40") is None
    True
    """
    if value is None:
        return None
    s = str(value).strip()
    m = _ISO.search(s) or _COMPACT.search(s)
    if not m:
        return None
    import datetime as dt
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


# ----------------------------------------------------------------------------- walking

def _walk(root: Path) -> Iterator[tuple[Path, str | None]]:
    """Files under ``root`` in sorted order; (path, reason) where reason says why a path
    that is not a regular file is skipped."""
    entries = [(Path(s), reason) for s, reason in _walk_unsorted(root)]
    yield from sorted(entries, key=lambda e: e[0].parts)   # stable: equal paths keep order


def _walk_unsorted(root: Path) -> Iterator[tuple[str, str | None]]:
    """What ``_walk`` yields, as strings, in the order the folders are listed: nothing is held
    in memory, and no ``Path`` is made per file (pathlib interns every name it parses, for good)."""
    errors: list[OSError] = []   # folders that cannot be listed: recorded, not silently left out
    empty = True
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=errors.append):
        d = Path(dirpath)
        keep = []
        for name in dirnames:
            p = d / name
            if FORMATS.get(p.suffix.lower()):  # x.txt that is a folder: say so, still walk it
                empty = False
                yield str(p), "unreadable: a folder, not a file"
            if p.is_symlink():
                empty = False
                yield str(p), "unsupported type: link to a folder (not followed)"
            elif name.startswith("."):
                empty = False
                yield str(p), "unsupported type: hidden folder (not read)"
            else:
                keep.append(name)
        dirnames[:] = sorted(keep)
        prefix = str(d / "x")[:-1]     # str(d / name) == prefix + name
        for name in filenames:
            empty = False
            yield prefix + name, None
    for e in errors:
        p = Path(e.filename) if e.filename else root
        empty = False
        yield str(p), f"unreadable: folder cannot be listed ({e.strerror or e})"
    if empty:
        yield str(root), "empty: folder has no files"


def _expand(paths: Iterable[str]) -> Iterator[tuple[Path, str | None, os.stat_result | None]]:
    """``_expand_str`` (folders walked in order) as Paths (each parsed once), with the stat of
    a path given as a file: ``_read_path`` then does not stat it again (None: not known)."""
    for p in paths:
        path = Path(p)
        try:
            st = path.stat()
        except (OSError, ValueError):
            st = None             # no file: is_dir() in _expand_str says so (or raises) as ever
        if st is not None and not stat.S_ISDIR(st.st_mode):
            yield path, None, st
            continue
        for q, reason in _expand_str([path], _walk):
            yield q, reason, None            # Paths: ``_walk`` makes them


def _expand_str(paths: Iterable[str], walk=None) -> Iterator[tuple[str | Path, str | None]]:
    """The files of ``paths`` (files or folders) as (path, reason); a folder's in the order
    ``walk`` gives (by default as listed, paths as strings: what the build sorts itself)."""
    walk = walk or _walk_unsorted
    for p in paths:
        path = Path(p)
        if not path.is_dir():   # a file (or nothing): one stat, the common case
            yield path, None
        elif not path.is_symlink():
            yield from walk(path)
        else:                   # an explicitly given link to a folder is followed
            real = path.resolve()
            for q, reason in walk(real):
                yield path / Path(q).relative_to(real), reason


def _skipped(source: str, reason: str, fmt: str = "", size: int = 0, **kw) -> RawDoc:
    return RawDoc(source=source, status="skipped", reason=reason, fmt=fmt, size_bytes=size, **kw)


def _content_key(text: str) -> str:
    return hashlib.sha256(text.replace("\r\n", "\n").strip().encode("utf-8")).hexdigest()


def read_inputs(paths: Iterable[str]) -> Iterator[RawDoc]:
    """One ``RawDoc`` per input file or record, in a deterministic order (see module doc)."""
    seen: dict[str, str] = {}   # content key -> source of its first occurrence
    first = None                # (text, source) of the first text while it is the only one:
    for path, reason, st in _expand(paths):  # its key is made when there is one to compare
        source = str(path)
        if reason:
            yield _skipped(source, reason)
            continue
        try:
            docs = list(_read_path(path, st))
        except Exception as e:  # never let one input stop the build
            docs = [_skipped(source, f"unreadable: {type(e).__name__}: {e}")]
        for doc in docs:
            if doc.status == "ok" and len(doc.text) > MAX_ARTICLE_CHARS:
                doc.status, doc.reason, doc.text = "skipped", (
                    f"too large: {len(doc.text)} characters of text "
                    f"(limit {MAX_ARTICLE_CHARS} for one article)"), ""
            if doc.status == "ok" and not seen and first is None:
                first = (doc.text, doc.source)
            elif doc.status == "ok":
                if first is not None:
                    seen[_content_key(first[0])] = first[1]
                    first = None
                key = _content_key(doc.text)
                if key in seen:
                    doc.status, doc.reason = "skipped", f"duplicate: same content as {seen[key]}"
                    doc.text = ""
                else:
                    seen[key] = doc.source
            yield doc


def _read_path(path: Path, st: os.stat_result | None = None) -> Iterator[RawDoc]:
    """The documents of one file (``st``: its stat, if known)."""
    source = str(path)
    fmt = FORMATS.get(path.suffix.lower(), "")
    try:
        st = st or path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            yield _skipped(source, "unreadable: broken link (target missing)", fmt)
        else:
            yield _skipped(source, "unreadable: no such file or folder", fmt)
        return
    except OSError as e:
        yield _skipped(source, f"unreadable: {e.strerror or e}", fmt)
        return
    if not stat.S_ISREG(st.st_mode):
        yield _skipped(source, "unreadable: not a regular file", fmt)
        return
    if not fmt:
        ext = path.suffix.lower() or "no extension"
        yield _skipped(source, f"unsupported type: {ext}", "", st.st_size)
        return
    limit = MAX_BYTES if fmt in ("jsonl", "csv") else MAX_ARTICLE_BYTES
    if st.st_size > limit:
        yield _skipped(source, f"too large: {st.st_size} bytes (limit {limit} for a .{fmt} file)",
                       fmt, st.st_size)
        return
    try:
        data = path.read_bytes()
    except PermissionError:
        yield _skipped(source, "unreadable: permission denied", fmt, st.st_size)
        return
    except IsADirectoryError:
        yield _skipped(source, "unreadable: is a folder", fmt, st.st_size)
        return
    except OSError as e:
        yield _skipped(source, f"unreadable: {e.strerror or e}", fmt, st.st_size)
        return
    base = dict(fmt=fmt, size=len(data), content_hash=hashlib.sha256(data).hexdigest())
    if not data:
        yield _skipped(source, "empty: 0 bytes", **base)
        return
    try:
        text, enc = _decode_file(data, fmt)
    except NotText as e:
        yield _skipped(source, f"not text: {e}", **base)
        return
    base["encoding"] = enc
    if not text.strip():
        yield _skipped(source, "empty: only blank characters", **base)
        return
    if fmt == "txt":
        yield RawDoc(source=source, status="ok", text=text, encoding=enc, fmt=fmt,
                     size_bytes=len(data), content_hash=base["content_hash"])
    elif fmt == "html":
        yield _html_doc(source, text, enc, len(data), base["content_hash"], fmt)
    elif fmt == "jsonl":
        yield from _jsonl_records(source, text, enc)
    else:
        yield from _csv_records(source, text, enc)


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)


def _decode_file(data: bytes, fmt: str) -> tuple[str, str]:
    """HTML: the declared charset if it decodes strictly; otherwise (and for all other
    formats) the detected encoding."""
    if fmt == "html" and not _bom(data):
        m = _CHARSET.search(data[:4096])
        if m:
            declared = m.group(1).decode("ascii", "ignore").lower()
            declared = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "cp950"}.get(declared, declared)
            try:
                text = data.decode(declared)
                _check_text(text)
                return text, _canonical(declared)
            except (UnicodeDecodeError, LookupError, NotText):
                pass
    return decode(data)


def _html_doc(source: str, html: str, enc: str, size: int, chash: str, fmt: str,
              **record) -> RawDoc:
    page = html_to_text(html)
    base = dict(encoding=enc, fmt=fmt, size_bytes=size, content_hash=chash)
    if not page.text.strip():
        return RawDoc(source=source, status="skipped", reason="empty: no text in the page", **base)
    return RawDoc(source=source, status="ok", text=page.text, url=record.get("url") or page.url,
                  title=record.get("title") or page.title,
                  published=record.get("published") or page.published,
                  site_name=page.site_name, **base)


_LOOKS_HTML = re.compile(r"<(?:p|div|br|span|html|body|article|section|h[1-6])\b[^>]*>", re.I)


def _record(source: str, rec: object, enc: str, fmt: str, raw_size: int) -> RawDoc:
    if not isinstance(rec, dict):
        return _skipped(source, f"bad record: not a JSON object ({type(rec).__name__})", fmt,
                        raw_size, encoding=enc)
    fields = {str(k).strip().lower(): v for k, v in rec.items()}
    text_key = next((k for k in TEXT_FIELDS if k in fields), None)
    if text_key is None:
        keys = ", ".join(sorted(fields)) or "none"
        return _skipped(source, f"bad record: no text field (text/content/body; has {keys})", fmt,
                        raw_size, encoding=enc)
    value = fields[text_key]
    if value is None:
        value = ""
    if not isinstance(value, str):
        return _skipped(source, f"bad record: field {text_key!r} is not text", fmt, raw_size,
                        encoding=enc)
    chash = hashlib.sha256(value.encode("utf-8")).hexdigest()
    size = len(value.encode("utf-8"))
    if not value.strip():
        return _skipped(source, f"empty: field {text_key!r} is blank", fmt, size, encoding=enc,
                        content_hash=chash)
    meta = {"url": _field(fields, URL_FIELDS), "title": _field(fields, TITLE_FIELDS),
            "published": iso_date(_field(fields, DATE_FIELDS))}
    if _LOOKS_HTML.search(value):
        return _html_doc(source, value, enc, size, chash, fmt, **meta)
    return RawDoc(source=source, status="ok", text=value, encoding=enc, fmt=fmt, size_bytes=size,
                  content_hash=chash, **meta)


def _field(fields: dict, names: tuple[str, ...]) -> str | None:
    for n in names:
        v = fields.get(n)
        if v is not None and str(v).strip():
            return str(v).strip()
    return None


def _jsonl_records(source: str, text: str, enc: str) -> Iterator[RawDoc]:
    n_records = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        n_records += 1
        src = f"{source}#{lineno}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            yield _skipped(src, f"bad record: not JSON ({e.msg} at column {e.colno})", "jsonl",
                           len(line.encode("utf-8")), encoding=enc)
            continue
        yield _record(src, rec, enc, "jsonl", len(line.encode("utf-8")))
    if not n_records:
        yield _skipped(source, "empty: no records", "jsonl", encoding=enc)


def _csv_records(source: str, text: str, enc: str) -> Iterator[RawDoc]:
    csv.field_size_limit(2**31 - 1)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        header = [str(h).strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as e:
        yield _skipped(source, f"bad record: unreadable CSV header ({e})", "csv", encoding=enc)
        return
    if not any(h in TEXT_FIELDS for h in header):
        cols = ", ".join(header) or "none"
        yield _skipped(source, f"bad record: no text column (text/content/body; has {cols})",
                       "csv", encoding=enc)
        return
    n = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            yield _skipped(f"{source}#{n + 1}", f"bad record: CSV error ({e})", "csv", encoding=enc)
            return
        n += 1
        rec = {k: v for k, v in row.items() if k is not None}
        yield _record(f"{source}#{n}", rec, enc, "csv",
                      sum(len(str(v).encode("utf-8")) for v in rec.values() if v))
    if not n:
        yield _skipped(source, "empty: no records", "csv", encoding=enc)
