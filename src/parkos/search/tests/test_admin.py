from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import RequestFactory

from parkos.accounts.models import User
from parkos.enterprises.models import Enterprise
from parkos.search.selectors import search
from parkos.search.services import index_on_commit
from parkos.search.tests.factories import enterprise, member

pytestmark = pytest.mark.django_db


def _titles(viewer: Any, q: str) -> list[str]:
    return [h.title for h in search(viewer=viewer, q=q).hits]


def test_admin_edits_and_deletes_keep_the_index_in_step(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ent = enterprise(name="北京星河储能科技有限公司", short_name="星河储能")
    viewer = member()
    model_admin = admin.site._registry[Enterprise]
    request = RequestFactory().post("/admin/")
    ent.name, ent.short_name = "北京星河氢能科技有限公司", "星河氢能"
    with django_capture_on_commit_callbacks(execute=True):
        model_admin.save_model(request, ent, None, True)
    assert _titles(viewer, "氢能") == ["北京星河氢能科技有限公司"]
    assert _titles(viewer, "储能") == []
    with django_capture_on_commit_callbacks(execute=True):
        model_admin.delete_queryset(request, Enterprise.objects.filter(pk=ent.pk))
    assert _titles(viewer, "星河") == []


def test_admin_hiding_a_profile_removes_it_from_search(django_capture_on_commit_callbacks: Any) -> None:
    person = member(display_name="欧阳明月")
    with django_capture_on_commit_callbacks(execute=True):
        index_on_commit("person", person.pk)
    viewer = member()
    assert "欧阳明月" in _titles(viewer, "明月")
    person.is_public = False
    with django_capture_on_commit_callbacks(execute=True):
        admin.site._registry[User].save_model(RequestFactory().post("/admin/"), person, None, True)
    assert "欧阳明月" not in _titles(viewer, "明月")
