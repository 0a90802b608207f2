"""What makes pages cheaper without making them wrong: the shell's cached fragments (menu by role and
language), generations (a cached fragment is drawn again after any write to its data, in every process),
the member list drawn once per page of it, and form widgets drawn from Django's Jinja2 templates."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import Client

from parkos.accounts.tests.factories import UserFactory
from parkos.core import generations

pytestmark = pytest.mark.django_db


def test_a_save_gives_the_set_a_new_token_and_a_log_in_does_not() -> None:
    member = UserFactory()
    before = generations.generation("members")
    assert generations.generation("members") == before  # stable while nothing changes
    member.last_login = member.date_joined
    member.save(update_fields=["last_login"])
    assert generations.generation("members") == before  # a log-in changes nothing the list shows
    member.display_name = "新名字"
    member.save()
    after = generations.generation("members")
    assert after != before
    member.delete()
    assert generations.generation("members") not in (before, after)


def test_a_fragment_is_drawn_again_after_a_write_and_not_before() -> None:
    drawn: list[int] = []

    def draw() -> str:
        drawn.append(1)
        return f"draw {len(drawn)}"

    assert generations.fragment("t", ["members"], draw) == "draw 1"
    assert generations.fragment("t", ["members"], draw) == "draw 1"  # cached
    UserFactory()
    assert generations.fragment("t", ["members"], draw) == "draw 2"


def test_a_bump_in_another_process_reaches_this_one(settings: object, tmp_path: Path) -> None:
    """Embedded mode: web workers are processes; the tokens live in SQLite files they all read (diskcache)."""
    backend = caches["shared"].__class__.__name__
    if backend == "RedisCache":
        pytest.skip("the shared cache is Redis here (scale-out): shared by design")
    before = generations.generation("members")
    code = ("import django; django.setup(); from parkos.core.generations import generation_bump; "
            "generation_bump('members')")
    from django.db import connection

    from parkos.conftest import database_url

    env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict)}  # the same database
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert generations.generation("members") != before


def test_the_member_list_shows_a_changed_profile_at_once(client: Client) -> None:
    viewer = UserFactory()
    member = UserFactory(display_name="王小明")
    client.force_login(viewer)
    assert "王小明" in client.get("/accounts/members/?park=all").content.decode()
    member.display_name = "王大明"
    member.save()
    page = client.get("/accounts/members/?park=all").content.decode()
    assert "王大明" in page and "王小明" not in page
    member.is_public = False
    member.save()
    assert "王大明" not in client.get("/accounts/members/?park=all").content.decode()


def test_the_member_lists_pages_keep_their_own_links(client: Client) -> None:
    """The same park asked by its code and by default: each page keeps the links of its own address."""
    UserFactory.create_batch(30)
    client.force_login(UserFactory())
    everyone = client.get("/accounts/members/?park=all").content.decode()
    assert "park=all" in everyone.split('class="list card"', 1)[1]  # the pagination keeps ?park=all
    default = client.get("/accounts/members/").content.decode()
    assert "park=all&amp;page=2" not in default and "park=all&page=2" not in default


def test_the_menu_follows_the_role_and_the_language(client: Client) -> None:
    member, operator = UserFactory(), UserFactory(roles=["operator"])
    client.force_login(member)
    page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "/accounts/members/" in page and "/audit/" not in page  # the member's menu
    client.force_login(operator)
    page = client.get("/privacy/").content.decode()
    assert "/audit/" in page  # the operator's, not the member's cached one
    client.force_login(member)
    english = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en", HTTP_COOKIE="django_language=en")
    assert "/audit/" not in english.content.decode()


def test_widgets_are_drawn_by_jinja2_and_a_widget_without_a_jinja2_template_still_renders() -> None:
    from django import forms
    from django.forms.renderers import get_default_renderer
    from django.template import TemplateDoesNotExist

    from parkos.core.form_renderer import FastWidgets

    renderer = get_default_renderer()
    assert isinstance(renderer, FastWidgets)
    assert renderer.get_template("django/forms/widgets/select.html").__class__.__module__.endswith("jinja2")

    class Plain(forms.Form):
        choice = forms.ChoiceField(choices=[("a", "甲"), ("b", "乙")], initial="b")
        text = forms.CharField(max_length=5)

    html = str(Plain()["choice"]) + str(Plain()["text"])
    assert '<option value="b" selected>乙</option>' in html and 'maxlength="5"' in html
    # Only a Django-template version (as a third-party widget may have): drawn with the Django engine.
    template = renderer.get_template("core/_pagination.html")
    assert template.__class__.__module__.endswith("django")
    with pytest.raises(TemplateDoesNotExist):
        renderer.get_template("no/such/widget.html")


def test_the_directory_shows_a_new_or_renamed_enterprise_at_once(client: Client) -> None:
    from parkos.enterprises.tests.factories import EnterpriseFactory

    client.force_login(UserFactory())
    first = EnterpriseFactory(name="甲乙科技有限公司")
    assert "甲乙科技有限公司" in client.get("/enterprises/?park=all").content.decode()
    EnterpriseFactory(name="丙丁智能有限公司")
    page = client.get("/enterprises/?park=all").content.decode()
    assert "丙丁智能有限公司" in page
    first.name = "甲乙新能源有限公司"
    first.save()
    page = client.get("/enterprises/?park=all", HTTP_HX_REQUEST="true").content.decode()  # htmx: the results
    assert "甲乙新能源有限公司" in page and "<html" not in page
    assert "甲乙科技有限公司" not in client.get("/enterprises/?park=all").content.decode()


def test_a_revoked_role_is_gone_at_the_next_request_and_a_followed_park_shows_at_once(client: Client) -> None:
    from parkos.accounts.models import User, UserRole
    from parkos.core.models import Park, ParkFollow
    from parkos.core.parks import park_ids_of, parks_changed

    operator = UserFactory(roles=["operator"])
    client.force_login(operator)
    assert client.get("/audit/").status_code == 200
    assert "operator" in User.objects.get(pk=operator.pk).role_scopes  # cached for this person now
    UserRole.objects.filter(user=operator).delete()
    assert "operator" not in User.objects.get(pk=operator.pk).role_scopes
    assert client.get("/audit/").status_code == 403
    other = Park.objects.create(code="yi", name="乙园")
    parks_changed()
    assert other.pk not in park_ids_of(User.objects.get(pk=operator.pk))
    ParkFollow.objects.create(user=operator, park=other)
    assert other.pk in park_ids_of(User.objects.get(pk=operator.pk))


@pytest.mark.django_db(transaction=True)
def test_the_bell_counts_a_new_notice_and_a_read_one_at_once() -> None:
    from parkos.notifications import selectors as notices
    from parkos.notifications import services as notify
    from parkos.notifications.models import Notification

    member = UserFactory()
    assert notices.unread_count(viewer=member) == 0  # now cached
    notify.notification_send(recipients=[member], kind="announcement", title="园区通知")
    assert notices.unread_count(viewer=member) == 1
    notify.notification_send(recipients=[member], kind="announcement", title="第二条")
    assert notices.unread_count(viewer=member) == 2
    notify.notification_mark_read(user=member, notification_id=Notification.objects.filter(recipient=member).first().pk)
    assert notices.unread_count(viewer=member) == 1
    notify.notification_mark_all_read(user=member)
    assert notices.unread_count(viewer=member) == 0


def test_a_members_enterprise_shows_at_once_when_they_join_or_leave() -> None:
    from parkos.accounts.models import User
    from parkos.enterprises.selectors import membership_of
    from parkos.enterprises.tests.factories import MembershipFactory

    member = UserFactory()
    assert membership_of(user=User.objects.get(pk=member.pk)) is None  # "none" is cached too
    joined = MembershipFactory(user=member)
    assert membership_of(user=User.objects.get(pk=member.pk)).pk == joined.pk
    joined.enterprise.name = "改名科技有限公司"
    joined.enterprise.save()
    assert membership_of(user=User.objects.get(pk=member.pk)).enterprise.name == "改名科技有限公司"
    joined.delete()
    assert membership_of(user=User.objects.get(pk=member.pk)) is None
