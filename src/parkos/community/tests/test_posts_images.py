"""A post's images are served only to those who may read the post (a private group's stay inside it)."""

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import Group
from parkos.community.tests.factories import add_member, group_with_admin, image_upload, make_post

pytestmark = pytest.mark.django_db


def test_private_group_images_do_not_leak_by_url(client):
    group, admin = group_with_admin(visibility=Group.Visibility.PRIVATE)
    member = add_member(group)
    post = make_post(admin, group=group, images=[image_upload()])
    url = post.images.get().image.url
    assert url.startswith(f"/media/community/{post.pk}/")
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert b"".join(response.streaming_content)[:4] == b"RIFF"
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code in (302, 401, 404)
    public = make_post(UserFactory(), images=[image_upload()])
    client.force_login(UserFactory())
    assert client.get(public.images.get().image.url).status_code == 200
    assert client.get(f"/media/community/{public.pk}/not-one-of-its-images.webp").status_code == 404
