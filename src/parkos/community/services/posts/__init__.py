"""Writes of posts and conversation, one module per idea:

- ``rendering``: Markdown subset → sanitised HTML, @mentions linked;
- ``mentions``: who a text names, and telling them;
- ``images``: a post's images, re-encoded;
- ``score``: the hot feed's score;
- ``visibility``: who may read a post (and so hear about it);
- ``crud``: posts (create, edit, delete, status, pin); ``comments``; ``reactions`` (and follows).

Text is rendered once when written; pages show the stored HTML. The names below are re-exported for
the views, the API, the demo and the generator."""

from parkos.community.services.posts.comments import (
    COMMENT_MAX,
    comment_body_correct,
    comment_create,
    comment_delete,
    comment_set_status,
    comment_update,
    comment_url,
)
from parkos.community.services.posts.crud import (
    POST_MAX,
    body_clean,
    body_html,
    post_body_correct,
    post_create,
    post_delete,
    post_pin,
    post_set_status,
    post_update,
    post_url,
)
from parkos.community.services.posts.images import image_process
from parkos.community.services.posts.mentions import Mentions, mentions_find
from parkos.community.services.posts.reactions import follow_toggle, reaction_toggle
from parkos.community.services.posts.rendering import render
from parkos.community.services.posts.score import HOT_TAU_HOURS, hot_score
from parkos.community.services.posts.visibility import can_read, is_group_member

__all__ = [
    "COMMENT_MAX",
    "HOT_TAU_HOURS",
    "POST_MAX",
    "Mentions",
    "body_clean",
    "body_html",
    "can_read",
    "comment_body_correct",
    "comment_create",
    "comment_delete",
    "comment_set_status",
    "comment_update",
    "comment_url",
    "follow_toggle",
    "hot_score",
    "image_process",
    "is_group_member",
    "mentions_find",
    "post_body_correct",
    "post_create",
    "post_delete",
    "post_pin",
    "post_set_status",
    "post_update",
    "post_url",
    "reaction_toggle",
    "render",
]
