"""Ingest: every input file or record is accounted for, with the right status, reason and encoding.

All texts here are invented for the tests.
"""
from __future__ import annotations

import json
import os

import pytest

from pipeline.ingest import decode, html_to_text, iso_date, NotText, read_inputs

BODY_S = "今年以来,某县公安局破获电信网络诈骗案件12起,抓获犯罪嫌疑人8名,冻结涉案资金350万元。"
BODY_T = "今年以來,某縣警察局偵破電信詐騙案件12件,拘捕嫌疑人8名,凍結涉案資金350萬元。"


def _docs(*paths):
    return {os.path.basename(d.source): d for d in read_inputs([str(p) for p in paths])}


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a_utf8.txt").write_text(BODY_S, encoding="utf-8")
    (d / "b_gbk.txt").write_bytes(("标题\n" + BODY_S).encode("gbk"))
    (d / "c_big5.txt").write_bytes(BODY_T.encode("big5"))
    (d / "d_utf16.txt").write_bytes(("警方劝阻潜在受害人三百人次。\n" + BODY_S).encode("utf-16"))
    (d / "e_bom.txt").write_bytes(b"\xef\xbb\xbf" + "反诈中心发出预警线索两千条。".encode("utf-8"))
    (d / "f_empty.txt").write_bytes(b"")
    (d / "g_blank.txt").write_text(" \n\t\n", encoding="utf-8")
    (d / "h_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (d / "i_dup.txt").write_text(BODY_S, encoding="utf-8")
    (d / "j_report.pdf").write_bytes(b"%PDF-1.4 binary")
    (d / "k_photo.png").write_bytes(b"\x89PNG\r\n")
    (d / "l_broken.txt").symlink_to(d / "does_not_exist.txt")
    (d / "m_folder.txt").mkdir()
    sub = d / "sub"
    sub.mkdir()
    (sub / "n_nested.txt").write_text("某市警方打掉诈骗团伙3个。", encoding="utf-8")
    return d


def test_every_file_accounted_for(folder):
    docs = _docs(folder)
    expected = {
        "a_utf8.txt": ("ok", None), "b_gbk.txt": ("ok", None), "c_big5.txt": ("ok", None),
        "d_utf16.txt": ("ok", None), "e_bom.txt": ("ok", None),
        "f_empty.txt": ("skipped", "empty"), "g_blank.txt": ("skipped", "empty"),
        "h_binary.txt": ("skipped", "not text"), "i_dup.txt": ("skipped", "duplicate"),
        "j_report.pdf": ("skipped", "unsupported type"), "k_photo.png": ("skipped", "unsupported type"),
        "l_broken.txt": ("skipped", "unreadable"), "m_folder.txt": ("skipped", "unreadable"),
        "n_nested.txt": ("ok", None),
    }
    assert set(docs) == set(expected)
    for name, (status, kind) in expected.items():
        d = docs[name]
        assert d.status == status, (name, d.reason)
        if kind is None:
            assert d.reason is None and d.text.strip()
        else:
            assert d.reason.split(":")[0] == kind, (name, d.reason)
            assert d.reason.startswith(kind + ": ") and len(d.reason) > len(kind) + 3


def test_encodings_and_text(folder):
    docs = _docs(folder)
    assert docs["a_utf8.txt"].encoding == "utf-8"
    assert docs["b_gbk.txt"].encoding == "gb18030" and docs["b_gbk.txt"].text == "标题\n" + BODY_S
    assert docs["c_big5.txt"].encoding.startswith("big5") and docs["c_big5.txt"].text == BODY_T
    assert docs["d_utf16.txt"].encoding == "utf-16" and docs["d_utf16.txt"].text.endswith(BODY_S)
    assert docs["e_bom.txt"].encoding == "utf-8-sig"
    assert not docs["e_bom.txt"].text.startswith("\ufeff")


def test_duplicate_names_first_source(folder):
    docs = _docs(folder)
    assert docs["i_dup.txt"].reason == f"duplicate: same content as {folder / 'a_utf8.txt'}"


def test_duplicate_across_encodings(tmp_path):
    (tmp_path / "a.txt").write_bytes(BODY_S.encode("gbk"))
    (tmp_path / "b.txt").write_text(BODY_S, encoding="utf-8")
    docs = _docs(tmp_path)
    assert docs["a.txt"].status == "ok"
    assert docs["b.txt"].reason.startswith("duplicate: ")


def test_order_is_sorted_and_deterministic(folder):
    first = [d.source for d in read_inputs([str(folder)])]
    second = [d.source for d in read_inputs([str(folder)])]
    assert first == second
    assert first == sorted(first, key=lambda s: s.split(os.sep))


def test_metadata_of_files(folder):
    d = _docs(folder)["b_gbk.txt"]
    assert d.fmt == "txt" and d.size_bytes == len(("标题\n" + BODY_S).encode("gbk"))
    assert len(d.content_hash) == 64
    assert _docs(folder)["j_report.pdf"].reason == "unsupported type: .pdf"


def test_missing_path_is_reported(tmp_path):
    docs = list(read_inputs([str(tmp_path / "nope.txt")]))
    assert len(docs) == 1 and docs[0].status == "skipped"
    assert docs[0].reason.startswith("unreadable: ")


def test_fifo_is_unreadable_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (d,) = read_inputs([str(tmp_path)])
    assert d.status == "skipped" and d.reason.startswith("unreadable: ")


def test_jsonl_records(tmp_path):
    p = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"text": BODY_S, "url": "http://example.cn/a.html", "title": "某县战果",
                    "published": "2023-03-04T08:00:00+08:00"}, ensure_ascii=False),
        "{not json",
        json.dumps({"headline": "没有正文"}, ensure_ascii=False),
        "",
        json.dumps({"content": "   "}, ensure_ascii=False),
        json.dumps(["a", "list"]),
        json.dumps({"Body": "<p>某市警方止付资金<b>80</b>万元。</p><p>第二段。</p>"}, ensure_ascii=False),
        json.dumps({"text": BODY_S}, ensure_ascii=False),
    ]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs = list(read_inputs([str(p)]))
    by = {d.source.rsplit("#", 1)[1]: d for d in docs}
    assert sorted(by, key=int) == ["1", "2", "3", "5", "6", "7", "8"]
    assert by["1"].status == "ok" and by["1"].title == "某县战果"
    assert by["1"].published == "2023-03-04" and by["1"].url == "http://example.cn/a.html"
    assert by["1"].fmt == "jsonl" and by["1"].encoding == "utf-8"
    assert by["2"].reason.startswith("bad record: not JSON")
    assert by["3"].reason.startswith("bad record: no text field")
    assert by["5"].reason.startswith("empty: ")
    assert by["6"].reason.startswith("bad record: not a JSON object")
    assert by["7"].status == "ok" and by["7"].text == "某市警方止付资金80万元。\n第二段。"
    assert by["8"].reason == f"duplicate: same content as {p}#1"


def test_csv_records(tmp_path):
    p = tmp_path / "feed.csv"
    p.write_bytes(("title,content,date,url\n"
                   "某县战果,\"某县警方破获案件5起,\n抓获8人。\",2021/6/7,http://a.cn/x\n"
                   "空行,,,\n").encode("gb18030"))
    docs = list(read_inputs([str(p)]))
    assert [d.source for d in docs] == [f"{p}#1", f"{p}#2"]
    assert docs[0].status == "ok" and docs[0].text == "某县警方破获案件5起,\n抓获8人。"
    assert docs[0].published == "2021-06-07" and docs[0].encoding == "gb18030"
    assert docs[1].status == "skipped" and docs[1].reason.startswith("empty: ")


def test_csv_without_text_column(tmp_path):
    p = tmp_path / "odd.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    (d,) = read_inputs([str(p)])
    assert d.status == "skipped" and d.reason.startswith("bad record: no text column")


def test_html_page(tmp_path):
    page = ("<html><head><meta charset='gbk'><title>某县警方破获诈骗案_法治某某网</title>"
            "<meta property='og:site_name' content='法治某某网'>"
            "<meta property='article:published_time' content='2022-07-14T07:17:31+08:00'>"
            "<meta property='og:url' content='http://fz.example.cn/a/1.html'>"
            "<script>var x = '不要我';</script><style>p{}</style></head><body>"
            "<nav>首页 国内</nav><header>站点头部</header>"
            "<div><p>某县警方破获诈骗案件\n9起。</p><p>抓获嫌疑人<br>5名。</p></div>"
            "<aside>热门文章</aside><form>用户名</form><footer>版权所有</footer></body></html>")
    (tmp_path / "p.html").write_bytes(page.encode("gbk"))
    (d,) = read_inputs([str(tmp_path / "p.html")])
    assert d.status == "ok" and d.fmt == "html" and d.encoding == "gb18030"
    assert d.text == "某县警方破获诈骗案件9起。\n抓获嫌疑人\n5名。"
    assert d.title == "某县警方破获诈骗案"
    assert d.published == "2022-07-14" and d.url == "http://fz.example.cn/a/1.html"
    assert d.site_name == "法治某某网"
    for gone in ("不要我", "首页", "站点头部", "热门文章", "用户名", "版权所有"):
        assert gone not in d.text


def test_html_without_text_is_empty(tmp_path):
    (tmp_path / "e.htm").write_text("<html><body><script>1</script></body></html>", encoding="utf-8")
    (d,) = read_inputs([str(tmp_path / "e.htm")])
    assert d.status == "skipped" and d.reason.startswith("empty: ")


def test_html_keeps_article_headline():
    d = html_to_text("<body><header><h1>警方打掉团伙2个</h1><span>分享</span></header><p>正文。</p></body>")
    assert d.text.splitlines() == ["警方打掉团伙2个", "正文。"]


def test_html_drops_list_items_that_are_only_links():
    """A site's "latest news" column and related-article lists (<li><a>title</a></li>) are not
    the article: their titles carry other stories' figures. An item with text of its own stays."""
    page = ("<body><div class='left'><h3>最新通报</h3><ul><li><a href='/1'>某区破获盗窃案件356起</a></li>"
            "<li> <a href='/2'>某县警方 抓获嫌疑人3名</a> </li></ul></div>"
            "<div class='article'><p>今年以来破获电诈案件42起。</p><ul><li>冻结资金120万元,"
            "<a href='/3'>详情</a></li></ul><p>上一篇:<a href='/4'>某市打掉团伙5个</a></p></div></body>")
    lines = html_to_text(page).text.splitlines()
    assert lines == ["最新通报", "今年以来破获电诈案件42起。", "冻结资金120万元,详情", "上一篇:某市打掉团伙5个"]
    # a 往期推荐 list of paragraphs, each one link behind a bullet or emoji
    page = ("<body><p>今年以来破获电诈案件42起。</p><p><b>往期推荐</b></p><p>👉 <a href='/1'>某地抓获12人</a></p>"
            "<p>▶<a href='/2'>挽回损失386万元</a></p></body>")
    assert html_to_text(page).text.splitlines() == ["今年以来破获电诈案件42起。", "往期推荐"]


def test_html_text_layout():
    """Cells side by side, <pre> lines kept apart, source line breaks joined (to nothing next to
    a Chinese character), <br> and blocks on their own lines, comments and ruby readings out."""
    d = html_to_text("<body><table><tr><td>破获</td><td>12起</td></tr></table><pre>第一行\n  第二行"
                     "</pre><p>抓获\n嫌疑人 3\nname</p><!-- 注释 --><div>一<br>二<ruby>漢<rt>han</rt>"
                     "</ruby></div></body>")
    assert d.text.splitlines() == ["破获 12起", "第一行", "第二行", "抓获嫌疑人 3 name", "一", "二漢"]
    page = '<head><link rel="canonical" href="http://a.cn/1.html"></head><body><p>正文。</p></body>'
    assert html_to_text(page).url == "http://a.cn/1.html"


_TAGS = ["p", "div", "br", "td", "tr", "table", "pre", "textarea", "header", "h1", "h2", "nav",
         "span", "b", "ruby", "rt", "rp", "script", "style", "title", "meta", "link", "li", "ul",
         "form", "template", "P", "DIV", "svg", "iframe", "noscript", "hr", "img", "a", "section"]
_BITS = ["中文", "破获", "ab", " ", "\n", "\r\n", "  \n  ", "\t", "，", "x\ny", "中\n文", "&nbsp;",
         "&amp;", "&#10;", "\u3000", "\xa0", "<!--c\nd-->", "<!---->", "<!-- x -->"]
_ATTRS = {"meta": [' property="og:title" content="标\n题"', ' name="date" content="2022-01-02"',
                   ' property="og:url" content="http://a/b"', ' name="OG:SITE_NAME" content=" 站 "'],
          "link": [' rel="canonical" href="http://c/d"', ' rel="x canonical" href="u2"',
                   ' rel="stylesheet" href="s"']}


def _random_page(rnd, depth=0) -> str:
    out = []
    for _ in range(rnd.randrange(5)):
        if depth < 6 and rnd.random() < 0.55:
            t = rnd.choice(_TAGS)
            attrs = rnd.choice(_ATTRS.get(t, [""]))
            close = "" if rnd.random() < 0.15 else f"</{t}>"
            out.append(f"<{t}{attrs}>" + _random_page(rnd, depth + 1) + close)
        else:
            out.append(rnd.choice(_BITS))
    return "".join(out)


def test_html_read_on_lxml_tree_as_by_beautiful_soup():
    """The fast reading (lxml's tree) gives what Beautiful Soup's does, on 1,500 random pages of
    tags that matter (blocks, cells, <pre>, <br>, ruby, comments, headers, meta tags, unclosed
    tags); pages it leaves to Beautiful Soup are few."""
    import random

    from pipeline.ingest import _OddPage, _page_lxml, _page_soup

    rnd, fast = random.Random(5), 0
    for i in range(1500):
        page = _random_page(rnd)
        if i % 2:
            page = f"<html><head><title>t</title></head><body>{page}</body></html>"
        try:
            got = _page_lxml(page)
        except _OddPage:
            continue
        fast += 1
        assert got == _page_soup(page), page
    assert fast > 1000
    for page in ("<?php x ?><p>a</p>", "<p>a</p></html><p>b</p>", "<p>a</p><!DOCTYPE html>",
                 "<div>" * 300 + "深" + "</div>" * 300, "<header><header><h1>x</h1></header></header>",
                 "<title>t</title>"):
        with pytest.raises(_OddPage):
            _page_lxml(page)
        assert html_to_text(page) == _page_soup(page)


@pytest.mark.parametrize("text", [
    "诈骗", "电信诈骗案", "冻结资金", "破获案件3起", "派出所民警", "银行卡", "挽回损失",
    "警方提醒市民注意防范", "某市反诈中心",
])
@pytest.mark.parametrize("codec", ["gbk", "big5"])
def test_short_gbk_and_big5_are_not_confused(text, codec):
    import opencc
    if codec == "big5":
        text = opencc.OpenCC("s2t").convert(text)
    decoded, enc = decode(text.encode(codec))
    assert decoded == text
    assert enc == ("gb18030" if codec == "gbk" else "big5")


@pytest.mark.parametrize("text", ["一些", "伟业"])
def test_gbk_bytes_that_are_also_valid_utf8(text):
    data = text.encode("gbk")
    data.decode("utf-8")            # valid UTF-8 (Cyrillic/Latin letters), but not the text
    assert decode(data) == (text, "gb18030")


def test_decode_rejects_binary():
    with pytest.raises(NotText):
        decode(b"\x00\x01\x02\x03binary\x00")
    with pytest.raises(NotText):
        decode(bytes([0x80, 0xFF, 0x81, 0x00]))


def test_utf16_without_bom():
    text, enc = decode("Police 警方 2023".encode("utf-16-le"))
    assert text == "Police 警方 2023" and enc == "utf-16-le"


@pytest.mark.parametrize("value, iso", [
    ("2022-07-14", "2022-07-14"), ("2022/7/4 10:00", "2022-07-04"), ("2022年7月4日", "2022-07-04"),
    ("20230106", "2023-01-06"), ("2022-02-30", None), ("昨天", None), (None, None),
])
def test_iso_date(value, iso):
    assert iso_date(value) == iso


def test_a_given_file_is_stat_once(tmp_path, monkeypatch):
    """read_inputs of a file path stats it once (the build reads one file per call); a folder,
    a missing path and a file in a folder read as before."""
    from pathlib import Path as P

    from pipeline.ingest import read_inputs
    f = tmp_path / "a.txt"
    f.write_text("某县警方抓获犯罪嫌疑人3名。", encoding="utf-8")
    calls = []
    real = P.stat
    monkeypatch.setattr(P, "stat", lambda self, **kw: calls.append(self) or real(self, **kw))
    docs = list(read_inputs([str(f)]))
    assert [d.status for d in docs] == ["ok"] and calls == [f]
    assert [d.source for d in read_inputs([str(tmp_path)])] == [str(f)]
    assert [d.reason for d in read_inputs([str(tmp_path / "none.txt")])] == [
        "unreadable: no such file or folder"]
