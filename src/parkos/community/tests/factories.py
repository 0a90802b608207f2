"""Factories for the community's posts and groups. Posts and comments are made through the
services, so their rendered HTML, counters and index entries are what production writes."""

from __future__ import annotations

import io
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from parkos.accounts.models import User
from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import Comment, Group, GroupMembership, Post
from parkos.community.services import groups as group_services
from parkos.community.services import posts as post_services


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"测试社群{n}")
    description = "一起玩"
    visibility = Group.Visibility.PUBLIC


def group_with_admin(admin: User | None = None, **kwargs: Any) -> tuple[Group, User]:
    admin = admin or UserFactory()
    data = {"name": kwargs.pop("name", None) or f"社群{Group.objects.count() + 1}-{admin.pk}",
            "description": kwargs.pop("description", "一起玩"),
            "visibility": kwargs.pop("visibility", Group.Visibility.PUBLIC)}
    return group_services.group_create(actor=admin, data=data), admin


def add_member(group: Group, user: User | None = None, *, status: str = GroupMembership.Status.ACTIVE) -> User:
    user = user or UserFactory()
    GroupMembership.objects.create(group=group, user=user, status=status)
    if status == GroupMembership.Status.ACTIVE:
        Group.objects.filter(pk=group.pk).update(member_count=group.member_count + 1)
    return user


def make_post(author: User | None = None, body: str = "园区里的桂花开了", **kwargs: Any) -> Post:
    return post_services.post_create(actor=author or UserFactory(), body=body, **kwargs)


def make_comment(post: Post, author: User | None = None, body: str = "真好", **kwargs: Any) -> Comment:
    return post_services.comment_create(actor=author or UserFactory(), post=post, body=body, **kwargs)


def image_upload(name: str = "photo.jpg", fmt: str = "JPEG", size: tuple[int, int] = (64, 48),
                 exif: bool = False) -> SimpleUploadedFile:
    img = Image.new("RGB", size, (200, 80, 40))
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "SecretCam"  # Make
        ex[0x8825] = {2: (39.0, 54.0, 0.0)}  # GPS info
        kwargs["exif"] = ex.tobytes()
    img.save(buf, fmt, **kwargs)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=f"image/{fmt.lower()}")
