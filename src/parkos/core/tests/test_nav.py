"""The shell's navigation: the phone's tab bar, 我的 (Me) with its wallet, the error pages and the back
office's translated task section."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.test import Client, override_settings
from django.urls import path, reverse
from django.utils import translation

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory as _UserFactory
from parkos.accounts.views_me import points_spent, wallet_of
from parkos.config.urls import urlpatterns as site_urls
from parkos.events.models import Registration
from parkos.events.tests.factories import EventFactory as _EventFactory
from parkos.events.tests.factories import register
from parkos.notifications.tests.factories import NotificationFactory
from parkos.rewards.models import Coupon
from parkos.rewards.tests.factories import TemplateFactory as _TemplateFactory
from parkos.rewards.tests.factories import issue

pytestmark = pytest.mark.django_db


def UserFactory(**kwargs: Any) -> Any:  # factory_boy classes are untyped for mypy
    return _UserFactory(**kwargs)


def EventFactory(**kwargs: Any) -> Any:
    return _EventFactory(**kwargs)


def TemplateFactory(**kwargs: Any) -> Any:
    return _TemplateFactory(**kwargs)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_points_count_confirmed_paid_registrations_only() -> None:
    member = UserFactory()
    paid, other_paid, free = EventFactory(price_points=30), EventFactory(price_points=12), EventFactory()
    register(member, paid)
    register(member, free)
    cancelled = register(member, other_paid)
    assert points_spent(viewer=member) == 42
    Registration.objects.filter(pk=cancelled.pk).update(status=Registration.Status.CANCELLED)
    assert points_spent(viewer=member) == 30
    assert points_spent(viewer=UserFactory()) == 0, "another member's points are not mine"


def test_wallet_counts_usable_coupons_of_the_member() -> None:
    member, other = UserFactory(), UserFactory()
    mine, _theirs = issue(TemplateFactory(), member, other)
    assert wallet_of(viewer=member).coupons == 1
    Coupon.objects.filter(pk=mine.pk).update(status=Coupon.Status.USED)
    assert wallet_of(viewer=member).coupons == 0, "a used coupon is no longer in the count"
    assert wallet_of(viewer=other).coupons == 1


def test_me_page_shows_wallet_settings_language_and_log_out(django_assert_max_num_queries: Any) -> None:
    member = UserFactory(display_name="林晓")
    register(member, EventFactory(price_points=25))
    client = _client(member)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("accounts:me"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "林晓" in html
    assert 'data-testid="wallet-points"' in html and ">25<" in html
    for name in ("rewards:wallet", "catalog:order_list", "bookings:mine", "events:mine", "access:my_pass",
                 "notifications:settings", "accounts:tokens", "accounts:profile", "accounts:logout", "set_language"):
        assert f'href="{reverse(name)}"' in html or f'action="{reverse(name)}"' in html, name
    assert f'href="{reverse("community:member_posts", args=[member.pk])}"' in html
    assert 'name="language" value="en"' in html
    # The 我的 tab is the active one, and only it.
    assert html.count('aria-current="page"') == 1
    assert 'class="tab is-active" aria-current="page" data-tab="me"' in html


def test_me_page_shows_role_entry_points_only_to_their_holders() -> None:
    merchant = UserFactory(roles=[Role.MERCHANT])
    investor = UserFactory(roles=[Role.INVESTOR])
    judge = UserFactory(roles=[Role.JUDGE])
    member = UserFactory()
    till = "商户：收银核销与对账单"
    assert till in _client(merchant).get(reverse("accounts:me")).content.decode()
    investor_html = _client(investor).get(reverse("accounts:me")).content.decode()
    assert "投资人：开放场景与合作" in investor_html and till not in investor_html
    assert 'id="me-roles-title"' in _client(judge).get(reverse("accounts:me")).content.decode()
    assert 'id="me-roles-title"' not in _client(member).get(reverse("accounts:me")).content.decode()


def test_me_page_needs_log_in() -> None:
    response = Client().get(reverse("accounts:me"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_tab_bar_marks_the_section_and_counts_unread_messages() -> None:
    member = UserFactory()
    NotificationFactory(recipient=member)
    NotificationFactory(recipient=member)
    client = _client(member)
    html = client.get(reverse("community:feed")).content.decode()
    assert 'class="tab is-active" aria-current="page" data-tab="community"' in html
    assert 'data-tab-count="2"' in html
    html = client.get(reverse("catalog:index")).content.decode()
    assert 'class="tab is-active" aria-current="page" data-tab="services"' in html
    html = client.get(reverse("core:home")).content.decode()
    assert 'class="tab is-active" aria-current="page" data-tab="home"' in html
    # The anonymous have no tab bar (消息 and 我的 need an account): their ☰ menu has everything.
    assert 'class="tabbar"' not in Client().get(reverse("core:home")).content.decode()


@override_settings(DEBUG=False)
def test_404_page_is_translated_and_styled() -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and 'data-testid="error-404"' in html and "parkos.css" in html
    with translation.override("en"):
        response = Client(headers={"cookie": "django_language=en"}).get("/no-such-page/")
    assert "Page not found" in response.content.decode()


def _boom(request: Any) -> Any:
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom), *site_urls]


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_500_page_renders_without_context_or_database() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "出错了" in html and 'data-testid="error-500"' in html
    assert "{%" not in html and "<style>" in html


def test_back_office_names_the_task_section_in_chinese() -> None:
    config = apps.get_app_config("django_tasks_database")
    with translation.override("zh-hans"):
        assert str(config.verbose_name) == "后台任务"
    admin = UserFactory(is_superuser=True)
    html = _client(admin).get(reverse("admin:index")).content.decode()
    assert "后台任务" in html and "Tasks Database Backend" not in html
    assert "任务结果" in html and "Task Results" not in html  # the models too
