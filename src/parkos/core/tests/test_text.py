"""Plain-text tools: names refuse markup and control characters; mobiles and tags are normalised."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from parkos.core.errors import ErrorCode
from parkos.core.text import (
    clean_text,
    has_control_chars,
    normalise_mobile,
    normalise_plain,
    one_line,
    parse_tags,
    validate_mobile,
    validate_plain_name,
    validate_plain_text,
)


@pytest.mark.parametrize("name", ["王雨桐", "思灵机器人科技（北京）有限公司", "Agile Robots", "A&B Co.", "O'Brien",
                                  "张三 · 产品经理", "1 + 1 = 2"])
def test_plain_names_are_accepted(name: str) -> None:
    validate_plain_name(name)


@pytest.mark.parametrize("name", ["<b>王</b>", "<script>alert(1)</script>", "王<", "a > b", "<img src=x onerror=1>"])
def test_markup_is_refused(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_plain_name(name)
    assert info.value.code == "markup"


@pytest.mark.parametrize("name", ["王\x00雨", "bell\x07", "esc\x1b[31m", "zero\u200bwidth", "rtl\u202eevil",
                                  "del\x7f", "private\ue000"])
def test_control_characters_are_refused(name: str) -> None:
    assert has_control_chars(name)
    with pytest.raises(ValidationError) as info:
        validate_plain_name(name)
    assert info.value.code == "control_chars"


def test_plain_text_allows_line_breaks_but_not_markup() -> None:
    validate_plain_text("第一行\n第二行\t缩进")
    with pytest.raises(ValidationError):
        validate_plain_text("第一行\n<iframe src=x>")


def test_normalise_plain_folds_full_width_and_whitespace() -> None:
    assert normalise_plain("  ＡＢＣ　 科技\t\n有限  ") == "ABC 科技 有限"


@pytest.mark.parametrize(("raw", "expected"), [
    ("13812345678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("0086-138-1234-5678", "13812345678"),
    ("(138)1234-5678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
    ("+86（138）12345678", "13812345678"),
])
def test_mobile_normalisation(raw: str, expected: str) -> None:
    assert normalise_mobile(raw) == expected
    validate_mobile(normalise_mobile(raw))


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "02112345678", "1381234567a",
                                 "+1 415 555 0100", ""])
def test_malformed_mobiles_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_mobile(normalise_mobile(raw))
    assert info.value.code == "mobile"


def test_tags_split_on_chinese_and_ascii_separators_and_deduplicate() -> None:
    assert parse_tags("人工智能，机器人、 #具身智能; AI,ai  新能源") == ["人工智能", "机器人", "具身智能", "AI", "新能源"]
    assert parse_tags(["Python", "python", " ＧＯ "]) == ["Python", "GO"]
    assert parse_tags("") == []
    assert parse_tags(None) == []


def test_tags_refuse_markup_length_and_count() -> None:
    with pytest.raises(ValidationError):
        parse_tags(["<b>x</b>"])
    with pytest.raises(ValidationError) as info:
        parse_tags(["长" * 21])
    assert info.value.code == ErrorCode.TOO_LONG
    with pytest.raises(ValidationError) as info:
        parse_tags([f"t{i}" for i in range(21)])
    assert info.value.code == ErrorCode.TOO_MANY
    assert len(parse_tags([f"t{i}" for i in range(20)])) == 20


def test_clean_text_keeps_what_people_typed() -> None:
    """Issue 15: full-width punctuation and letters are stored as typed; only outer space is trimmed and,
    on one line, inner runs of space made one. Folding is for comparing (normalise_plain), never storing."""
    title = "寻找试点客户：机器人巡检，两周内（北京）"
    assert clean_text(f"  {title}\u3000 ", field="title", limit=100, multiline=False) == title
    assert clean_text("ＡＩ  质检\t伙伴", field="title", limit=100, multiline=False) == "ＡＩ 质检 伙伴"
    assert clean_text(" 第一行：（甲）\r\n第二行， 乙 ", field="body", limit=100) == "第一行：（甲）\n第二行， 乙"
    assert clean_text("5F", field="floor", limit=10, multiline=False) == "5F"
    assert normalise_plain(title) == "寻找试点客户:机器人巡检,两周内(北京)"  # a key to compare by


def test_one_line_only_joins_white_space() -> None:
    assert one_line(" 甲：\n乙（丙）\t ") == "甲： 乙（丙）"
