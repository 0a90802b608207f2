"""Join requests tell the people who must act, removals are confirmed, the butler's name is not doubled
and invitations have a QR code."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.enterprises import services
from parkos.enterprises.models import Membership, butler_display
from parkos.enterprises.tests.factories import InvitationFactory
from parkos.notifications.models import Notification


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_join_request_rings_the_admin_and_the_answer_rings_the_member(
        team: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    enterprise, admin, joiner = team["enterprise"], team["admin"], team["member"]
    invitation = InvitationFactory(enterprise=enterprise, requires_approval=True, max_uses=5)
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.invitation_accept(user=joiner, token=invitation.token)
    assert membership.status == Membership.Status.PENDING
    asked = Notification.objects.get(kind="enterprise", recipient=admin)
    assert asked.url == reverse("enterprises:staff", args=[enterprise.pk]) and joiner.display_name in asked.title
    # Only the admin: the colleague and the outsider hear nothing.
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {admin.pk}
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_approve(actor=admin, enterprise=enterprise, user_id=joiner.pk)
    told = Notification.objects.get(kind="enterprise", recipient=joiner)
    assert told.url == reverse("enterprises:detail", args=[enterprise.pk])


def test_a_declined_request_is_told_and_a_leaver_is_not(
        team: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    enterprise, admin, joiner = team["enterprise"], team["admin"], team["member"]
    invitation = InvitationFactory(enterprise=enterprise, requires_approval=True)
    services.invitation_accept(user=joiner, token=invitation.token)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_remove(actor=admin, enterprise=enterprise, user_id=joiner.pk)
        services.membership_remove(actor=team["staff"], enterprise=enterprise, user_id=team["staff"].pk)
    assert list(Notification.objects.values_list("recipient_id", "url")) == [
        (joiner.pk, reverse("enterprises:join_code"))]


def test_no_request_no_bell_when_the_transaction_rolls_back(
        team: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    invitation = InvitationFactory(enterprise=team["enterprise"], requires_approval=True)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
            services.invitation_accept(user=team["member"], token=invitation.token)
            raise RuntimeError
    assert not Notification.objects.exists()


@pytest.mark.parametrize(("name", "shown"), [
    ("企业管家 · 陈立", "陈立"), ("Enterprise butler · Li Chen", "Li Chen"), ("陈立", "陈立"),
    ("小王 · 财税", "小王 · 财税"),  # a dot in a name that is not a role title stays
])
def test_butler_name_drops_a_role_title(db: None, name: str, shown: str) -> None:
    assert butler_display(UserFactory(display_name=name)) == shown


def test_enterprise_page_shows_the_butler_once(team: dict[str, Any]) -> None:
    team["butler"].display_name = "企业管家 · 陈立"
    team["butler"].save()
    page = _client(team["staff"]).get(reverse("enterprises:detail", args=[team["enterprise"].pk])).content.decode()
    assert "陈立" in page and "企业管家 · 陈立" not in page


def test_removing_a_colleague_asks_first(team: dict[str, Any]) -> None:
    page = _client(team["admin"]).get(reverse("enterprises:staff", args=[team["enterprise"].pk])).content.decode()
    # The remove button is inside a closed <details>: a first tap only opens the question.
    assert f'data-testid="remove-{team["staff"].pk}"' in page and 'data-testid="confirm-remove"' in page


def test_invitation_qr_page_and_download(team: dict[str, Any]) -> None:
    enterprise = team["enterprise"]
    invitation = services.invitation_create(actor=team["admin"], enterprise=enterprise)
    url = reverse("enterprises:invitation_qr", args=[enterprise.pk, invitation.pk])
    page = _client(team["admin"]).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg' in html and 'data-testid="invite-qr"' in html and invitation.token in html
    download = _client(team["admin"]).get(reverse("enterprises:invitation_qr_download",
                                                  args=[enterprise.pk, invitation.pk]))
    assert download["Content-Type"] == "image/svg+xml" and "attachment" in download["Content-Disposition"]
    assert b"<svg" in download.content
    # A colleague who may not invite, an outsider and another park's butler see nothing.
    for who in (team["staff"], team["outsider"], UserFactory(roles=[Role.BUTLER])):
        assert _client(who).get(url).status_code in (403, 404)
