"""The sensitive-word filter: Traditional, full-width, case and separators all fold to one word;
block refuses, hold keeps for review; a Latin word does not fire inside longer Latin words."""

from __future__ import annotations

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import ContentStatus, SensitiveWord, WordAction
from parkos.community.services import moderation
from parkos.community.tests.factories_civic import make_suggestion, operator, word
from parkos.core.errors import Forbidden, Invalid

pytestmark = pytest.mark.django_db


@pytest.fixture
def words(db: None) -> None:
    word("傻逼", WordAction.BLOCK)
    word("SB", WordAction.BLOCK)
    word("代开发票", WordAction.HOLD)
    word("賭博", WordAction.HOLD)  # entered in Traditional: matches Simplified text too


@pytest.mark.parametrize("text", ["你是傻逼", "你是傻.逼", "你是傻 逼", "傻\u200b逼", "傻-_-逼!", "傻逼", "你是ＳＢ",
                                  "sb吧", "S B", "s.b.", "Ｓ．Ｂ", "你就是个 sb"])
def test_blocked_variants(words: None, text: str) -> None:
    verdict = moderation.text_check(text)
    assert verdict.action == "block", text


@pytest.mark.parametrize("text", ["专业代開發票，加微信", "代 开 发 票", "網上赌博", "网上賭　博"])
def test_held_variants_traditional_and_fullwidth_space(words: None, text: str) -> None:
    assert moderation.text_check(text).action == "hold", text


@pytest.mark.parametrize("text", ["this is bad", "SBIR 项目申报", "usb 接口坏了", "今天食堂的菜不错", ""])
def test_clean_text_is_allowed(words: None, text: str) -> None:
    assert moderation.text_check(text).action == "allow", text


def test_block_wins_over_hold_and_words_are_listed(words: None) -> None:
    verdict = moderation.text_check("代开发票的傻逼")
    assert verdict.action == "block"
    assert set(verdict.words) == {"傻逼", "代开发票"}


def test_inactive_words_do_not_match(words: None) -> None:
    SensitiveWord.objects.filter(word="傻逼").update(is_active=False)
    assert moderation.text_check("傻逼").action == "allow"


def test_blocked_suggestion_is_refused_and_held_post_waits(words: None) -> None:
    from parkos.community.tests.factories import make_post

    with pytest.raises(Invalid) as err:
        make_suggestion(title="食堂的傻·逼规定")
    assert err.value.code == "blocked"
    post = make_post(body="代 開 發 票 请私聊")
    assert post.status == ContentStatus.HELD


def test_only_operators_edit_the_list() -> None:
    with pytest.raises(Forbidden):
        moderation.sensitive_word_save(actor=UserFactory(), word="垃圾", action=WordAction.HOLD)
    op = operator()
    w = moderation.sensitive_word_save(actor=op, word="　垃圾 ", action=WordAction.HOLD)
    assert w.word == "垃圾"
    with pytest.raises(Invalid):
        moderation.sensitive_word_save(actor=op, word="...", action=WordAction.HOLD)
    with pytest.raises(Invalid):
        moderation.sensitive_word_save(actor=op, word="坏词", action="shout")
    assert moderation.text_check("这是垃圾").action == "hold"
