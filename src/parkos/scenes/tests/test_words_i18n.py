"""Issue 15 words: short msgids that mean different things get their own Chinese."""

from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext, pgettext


def test_date_range_end_reads_zhi_not_sent_to() -> None:
    with translation.override("zh-hans"):
        assert gettext("To") == "至"
        assert pgettext("end of a date range", "To") == "至"


def test_open_appointment_slot_reads_bookable_and_price_stays_free() -> None:
    with translation.override("zh-hans"):
        assert pgettext("appointment slot state", "Free") == "可预约"
        assert gettext("Free") == "免费"
        html = Template('{% load i18n %}{% translate "Free" context "appointment slot state" %}').render(Context())
        assert html == "可预约"


def test_proposal_timeline_reads_progress_and_orders_keep_theirs() -> None:
    with translation.override("zh-hans"):
        assert pgettext("proposal progress", "Timeline") == "进展"
        assert gettext("Timeline") == "办理进度"
