"""A post's images: re-encoded by core.uploads (WebP, metadata dropped, longest side 2048 px)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile

from parkos.community.models import Post, PostImage
from parkos.core.uploads import image_reencode

IMAGE_MAX_SIDE = 2048


def image_process(upload: Any) -> ContentFile[bytes]:
    """Re-encode an uploaded image to WebP. The type is decided by the content, never by the name."""
    return image_reencode(upload, field="images", max_bytes=settings.UPLOAD_MAX_BYTES, max_side=IMAGE_MAX_SIDE,
                          image_format="WEBP", name=uuid.uuid4().hex)


def images_attach(post: Post, files: Sequence[ContentFile[bytes]], start: int = 0) -> None:
    for i, content in enumerate(files):
        img = PostImage(post=post, position=start + i)
        img.image.save(content.name or f"{uuid.uuid4().hex}.webp", content, save=False)
        img.save()
