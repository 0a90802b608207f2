"""Posts, comments and public groups in the park's search index.

Only what every member may read is indexed: visible posts outside private groups, their visible
comments, and public groups. Anything else is outside these querysets, so a reindex removes it; the
services also remove it at once when a status or a group's visibility changes."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from parkos.search.models import Visibility
from parkos.search.registry import IndexDoc, register


def _posts() -> QuerySet[Any]:
    from parkos.community.models import ContentStatus, Post

    return Post.objects.filter(status=ContentStatus.VISIBLE, in_park_feed=True).select_related("author", "enterprise")


def _title(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first[:60] + ("…" if len(first) > 60 else "")


def _post_doc(p: Any) -> IndexDoc:
    by = p.enterprise.name if p.enterprise_id else p.author.display_name
    return IndexDoc(title=_title(p.body), url=reverse("community:post", args=[p.pk]), body=p.body,
                    tags=[*p.tags, p.get_topic_display()], keywords=[by], visibility=Visibility.MEMBERS,
                    # Below the entities they talk about: a search for a company's name finds the
                    # company first, then what was said about it.
                    boost=0.8, fresh=True, published_at=p.created_at)


def _comments() -> QuerySet[Any]:
    from parkos.community.models import Comment, ContentStatus

    return Comment.objects.filter(status=ContentStatus.VISIBLE, post__status=ContentStatus.VISIBLE,
                                  post__in_park_feed=True).select_related("author", "post")


def _comment_doc(c: Any) -> IndexDoc:
    return IndexDoc(title=_title(c.body), url=f"{reverse('community:post', args=[c.post_id])}#c{c.pk}", body=c.body,
                    keywords=[c.author.display_name], visibility=Visibility.MEMBERS, boost=0.7, fresh=True,
                    published_at=c.created_at,
                    # A comment is where its post is (None: the post is for every park).
                    park_id=c.post.park_id)


def _groups() -> QuerySet[Any]:
    from parkos.community.models import Group

    return Group.objects.filter(is_active=True, visibility=Group.Visibility.PUBLIC)


def _group_doc(g: Any) -> IndexDoc:
    return IndexDoc(title=g.name, url=reverse("community:group", args=[g.pk]), body=g.description, names=[g.name],
                    visibility=Visibility.MEMBERS, boost=1.2, published_at=g.created_at)


register("post", queryset=_posts, build=_post_doc)
register("comment", queryset=_comments, build=_comment_doc)
register("group", queryset=_groups, build=_group_doc)
