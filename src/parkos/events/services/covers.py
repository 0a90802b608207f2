"""An event's cover image: decoded and written anew through the one upload module, never stored as sent."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile

from parkos.core.uploads import image_reencode

COVER_MAX_SIDE = 1600  # the cover shows full width on a page; the size limit is settings.UPLOAD_MAX_BYTES
COVER_QUALITY = 82


def cover_process(upload: UploadedFile) -> ContentFile[bytes]:
    """Re-encode the uploaded cover as WebP, at most 1600 pixels on its longer side."""
    return image_reencode(upload, field="cover", max_side=COVER_MAX_SIDE, image_format="WEBP",
                          quality=COVER_QUALITY, name="cover")
