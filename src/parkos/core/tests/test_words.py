"""Issue 15, a reader's pass: one short English word that means two things in Chinese gets a context, and
each place says the Chinese for what it means there (a service order is 已受理, a suggestion 已采纳; a
group has 成员, the park 会员; the gate form's switch reads 启用, a membership 已加入)."""

from __future__ import annotations

import pytest
from django.template import Context
from django.template.loader import get_template
from django.templatetags.i18n import TranslateNode
from django.utils import translation
from django.utils.translation import gettext, pgettext

from parkos.access.forms_gates import AreaForm, GateForm
from parkos.access.forms_visitors import InviteForm
from parkos.access.models import Delivery, Passage
from parkos.catalog.models.orders import OrderEvent, OrderStatus
from parkos.catalog.selectors.orders import STEPS
from parkos.catalog.services.machine import EVENT_LABELS
from parkos.community.forms import GroupForm
from parkos.community.models.groups import GroupMembership
from parkos.community.models.suggestions import SuggestionState
from parkos.enterprises.forms import EnterpriseForm
from parkos.enterprises.models import Membership
from parkos.notifications.models import Notification
from parkos.rewards.forms_packs import ItemForm
from parkos.rewards.models.coupons import CouponTemplate, Redemption
from parkos.rewards.models.merchants import Settlement

# (context, msgid, with the context, without it)
WORDS = [
    ("switch", "Active", "启用", "已加入"),
    ("issuing", "Active", "发放中", "已加入"),
    ("webhook delivery", "Delivered", "已送达", "已交付"),
    ("passage result", "Accepted", "已放行", "已采纳"),
    ("service order", "Accepted", "已受理", "已采纳"),
    ("service order", "In progress", "处理中", "实施中"),
    ("service order", "Rejected", "已驳回", "不成立"),
    ("service order", "Open", "进行中", "待处理"),
    ("credit plan", "Plan", "套餐", "方案"),
    ("button", "Done", "完成", "已完成"),
    ("room booking", "Book", "预订", "预约"),
    ("group", "Members", "成员", "会员"),
    ("group role", "Member", "成员", "会员"),
    ("group", "About", "简介", "企业简介"),
    ("verb", "Post", "发布", "帖子"),
    ("count", "People", "人数", "成员"),
    ("plain average", "Average", "平均", "平均分"),
    ("gift pack item", "What", "类型", "查看内容"),
    ("gift pack item", "Item", "物品", "内容"),
    ("room", "Capacity", "容纳人数", "名额"),
    ("ticket", "Code", "票码", "邀请码"),
    ("settlement", "Period", "结算期", "周期"),
    ("settlement", "Closed", "已结算", "已截止"),
    ("settlement", "Paid", "已付款", "实付"),
    ("merchant", "Staff", "店员", "员工"),
    ("booking", "Started", "已开始", "开始时间"),
    ("booking", "invited", "受邀", "受邀者"),
    ("booking", "To", "结束", "至"),
    ("coupon", "Withdraw", "收回", "撤回"),
    ("visit", "From", "开始时间", "从"),
    ("visit", "Until", "结束时间", "截止"),
    ("column", "Created", "创建时间", "创建于"),
    ("button", "Handled", "标记为已处理", "已处理"),
    ("sender", "from", "发送人", "起始日期"),
    ("state change", "from", "原状态", "起始日期"),
    ("state change", "to", "新状态", "截止日期"),
    ("coupon", "code", "券码", "代码"),
    ("moderation", "where", "发生地点", "地点类型"),
    ("map", "open", "开放", "有效"),
    ("credit plan", "plan", "套餐", "方案"),
    ("room", "capacity", "容纳人数", "名额"),
    ("gift pack", "for", "适用对象", "为"),
]


@pytest.mark.parametrize(("context", "msgid", "with_context", "without"), WORDS)
def test_each_context_reads_its_own_chinese(context: str, msgid: str, with_context: str, without: str) -> None:
    with translation.override("zh-hans"):
        assert pgettext(context, msgid) == with_context
        assert gettext(msgid) == without
        assert with_context != without


# (template, msgid, context or None, the Chinese it must render there)
TEMPLATE_USES = [
    ("rewards/rules/detail.html", "Active", "issuing", "发放中"),
    ("rewards/rules/list.html", "Active", "issuing", "发放中"),
    ("catalog/order_list.html", "Open", "service order", "进行中"),
    ("catalog/report_index.html", "Open", "service order", "进行中"),
    ("bookings/manage/plans.html", "Plan", "credit plan", "套餐"),
    ("bookings/manage/enterprises.html", "Plan", "credit plan", "套餐"),
    ("bookings/desks/editor.html", "Done", "button", "完成"),
    ("bookings/place.html", "Book", "room booking", "预订"),
    ("catalog/appointment_list.html", "Book", None, "预约"),
    ("community/group_members.html", "Members", "group", "成员"),
    ("community/group_detail.html", "Members", "group", "成员"),
    ("accounts/member_list.html", "Members", None, "会员"),
    ("community/_composer.html", "Post", "verb", "发布"),
    ("community/post_detail.html", "Post", None, "帖子"),
    ("access/presence/enterprise.html", "People", "count", "人数"),
    ("access/presence/park.html", "Average", "plain average", "平均"),
    ("catalog/report_index.html", "Average", None, "平均分"),
    ("rewards/packs/detail.html", "Item", "gift pack item", "物品"),
    ("bookings/manage/places.html", "Capacity", "room", "容纳人数"),
    ("events/registrants.html", "Code", "ticket", "票码"),
    ("enterprises/staff.html", "Code", None, "邀请码"),
    ("rewards/merchants/detail.html", "Period", "settlement", "结算期"),
    ("rewards/merchants/detail.html", "Paid", "settlement", "已付款"),
    ("rewards/merchants/statements.html", "Paid", "settlement", "已付款"),
    ("rewards/till/_today.html", "Paid", None, "实付"),
    ("rewards/merchants/detail.html", "Staff", "merchant", "店员"),
    ("enterprises/staff.html", "Staff", None, "员工"),
    ("bookings/manage/approvals.html", "Started", "booking", "已开始"),
    ("rewards/rules/detail.html", "Started", None, "开始时间"),
    ("bookings/mine.html", "invited", "booking", "受邀"),
    ("rewards/wallet/detail.html", "Withdraw", "coupon", "收回"),
    ("access/gates/detail.html", "Created", "column", "创建时间"),
    ("access/screening/alert.html", "Handled", None, "已处理"),
]


def _translate_nodes(template_name: str) -> list[TranslateNode]:
    return get_template(template_name).template.nodelist.get_nodes_by_type(TranslateNode)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("template_name", "msgid", "context", "expected"), TEMPLATE_USES)
def test_each_page_says_the_word_it_means(template_name: str, msgid: str, context: str | None, expected: str) -> None:
    nodes = [n for n in _translate_nodes(template_name) if n.filter_expression.var.literal == msgid]
    assert nodes, f"{template_name} translates {msgid!r}"
    contexts = {n.message_context.var if n.message_context else None for n in nodes}
    assert contexts == {context}, f"{template_name}: every {msgid!r} there means one thing"
    with translation.override("zh-hans"):
        assert {n.render(Context()) for n in nodes} == {expected}


def test_statuses_and_labels_say_what_they_mean_where_they_are() -> None:
    with translation.override("zh-hans"):
        # a service order is taken on and worked on; a suggestion is adopted and carried out
        assert OrderStatus.ACCEPTED.label == "已受理" and SuggestionState.ACCEPTED.label == "已采纳"
        assert OrderStatus.IN_PROGRESS.label == "处理中" and SuggestionState.IN_PROGRESS.label == "实施中"
        assert OrderStatus.REJECTED.label == "已驳回"
        assert dict(STEPS)[OrderStatus.ACCEPTED] == "已受理"
        assert str(EVENT_LABELS["accept"]) == "已受理" and str(EVENT_LABELS["reject"]) == "已驳回"
        # the gate lets one in; a webhook reaches the app
        assert Passage.Result.ACCEPTED.label == "已放行" and Delivery.Status.DELIVERED.label == "已送达"
        # memberships are joined, a coupon template is being issued, a switch is on
        assert Membership.Status.ACTIVE.label == "已加入" and GroupMembership.Status.ACTIVE.label == "已加入"
        assert CouponTemplate.Status.ACTIVE.label == "发放中"
        assert str(GateForm.base_fields["is_active"].label) == "启用"
        assert str(AreaForm.base_fields["is_active"].label) == "启用"
        assert GroupMembership.Role.MEMBER.label == "成员"
        assert str(GroupForm.base_fields["description"].label) == "简介"
        assert str(EnterpriseForm.base_fields["description"].label) == "企业简介"
        assert str(ItemForm.base_fields["kind"].label) == "类型" and str(ItemForm.base_fields["name"].label) == "物品"
        assert str(InviteForm.base_fields["valid_from"].label) == "开始时间"
        assert str(InviteForm.base_fields["valid_until"].label) == "结束时间"
        assert Settlement.Status.CLOSED.label == "已结算" and Settlement.Status.PAID.label == "已付款"
        assert Redemption.Status.DONE.label == "已核销"
        # the admin's columns: a change of state, a sender, a period's dates
        assert str(OrderEvent._meta.get_field("to_status").verbose_name) == "新状态"
        assert str(Notification._meta.get_field("actor").verbose_name) == "发送人"
        assert str(Settlement._meta.get_field("period_start").verbose_name) == "起始日期"
        assert str(Settlement._meta.get_field("period_end").verbose_name) == "截止日期"


def test_the_operator_list_button_says_what_it_does() -> None:
    nodes = [n for n in _translate_nodes("access/screening/operator.html") if n.filter_expression.var.literal == "Handled"]
    with translation.override("zh-hans"):
        assert sorted(n.render(Context()) for n in nodes) == ["已处理", "标记为已处理"]  # the badge, the button


def test_traditional_reads_taiwan_words_not_converted_mainland_ones() -> None:
    with translation.override("zh-hant"):
        words = {m: gettext(m) for m in ("Log in", "Log out", "Settings", "Search", "Save", "Link", "E-mail",
                                         "Mobile number", "Export to Excel", "Choose a file.", "Create a group")}
        assert words == {"Log in": "登入", "Log out": "登出", "Settings": "設定", "Search": "搜尋", "Save": "儲存",
                         "Link": "連結", "E-mail": "電子郵件", "Mobile number": "手機號碼",
                         "Export to Excel": "匯出 Excel", "Choose a file.": "請選擇檔案。", "Create a group": "建立社群"}
        assert pgettext("service order", "Accepted") == "已受理" and gettext("Member") == "會員"
