from __future__ import annotations

from parkos.search.text import (
    MAX_QUERY_CHARS,
    fts5_query,
    highlight,
    normalise,
    parse_query,
    segment,
    stem,
    tsquery,
)


def test_normalise_folds_width_case_and_traditional() -> None:
    assert normalise("ＡＢＣ Robots") == "abc robots"
    assert normalise("簽證與財稅") == "签证与财税"


def test_segment_keeps_park_terms_whole_and_adds_bigrams() -> None:
    tokens = segment("企业管家帮你领加班券，报名东升杯").split()
    for term in ("企业管家", "加班券", "东升杯"):
        assert term in tokens
    assert "法务" in segment("提供法务服务").split()


def test_segment_indexes_names_whole_for_prefix_search() -> None:
    assert "思灵机器人" in segment("北京思灵机器人有限公司", whole=["思灵机器人"]).split()


def test_stem_is_light() -> None:
    assert stem("robots") == stem("robot") == "robot"
    assert stem("companies") == "company"
    assert stem("gas") == "gas"
    assert stem("business") == "business"


def test_parse_query_keeps_a_name_cut_into_characters_whole() -> None:
    parsed = parse_query("思灵")
    assert [t.text for t in parsed.terms] == ["思灵"]


def test_parse_query_drops_syntax_and_caps_length() -> None:
    parsed = parse_query('"a" OR NEAR(x* y) -z ; DROP TABLE users; --')
    for term in parsed.terms:
        assert term.text.isalnum()
    assert {"drop", "table", "user"} <= {t.text for t in parsed.terms}
    long = parse_query("法" * 5000)
    assert long.truncated and len(long.raw) == MAX_QUERY_CHARS
    assert parse_query("!!! ？？ ……").empty


def test_engine_queries_quote_every_term() -> None:
    parsed = parse_query("思灵 robots 协作机器人")
    assert fts5_query(parsed).count('"') % 2 == 0
    assert '"robot"*' in fts5_query(parsed)
    assert "'robot':*" in tsquery(parsed)


def test_highlight_escapes_and_marks() -> None:
    html = highlight("<b>思靈</b> Robots & co", ["思灵", "robot"])
    assert "&lt;b&gt;" in html
    assert "<mark>思靈</mark>" in html
    assert "<mark>Robot</mark>s" in html
    assert "&amp;" in html


def test_highlight_windows_long_text_around_the_match() -> None:
    text = "甲" * 300 + "法务" + "乙" * 300
    html = highlight(text, ["法务"], width=60)
    assert "<mark>法务</mark>" in html
    assert html.startswith("…") and html.endswith("…")
