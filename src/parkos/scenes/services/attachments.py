"""Files attached to a scene: documents and pictures, never anything a browser would run."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.core.errors import Conflict, ErrorCode
from parkos.core.text import require_fits
from parkos.core.uploads import file_check
from parkos.scenes.models import Attachment, Scene
from parkos.scenes.services.scenes import require_on_scene

MAX_ATTACHMENTS = 10
ATTACHMENT_TYPES = ("pdf", "png", "jpg", "jpeg", "docx", "xlsx", "pptx")


def attachment_add(*, actor: User, scene: Scene, upload: UploadedFile) -> Attachment:
    """The type is checked by the file's own bytes (core.uploads); the stored name is random."""
    require_on_scene(actor, "scene.edit", scene)
    checked = file_check(upload, field="file", allowed=ATTACHMENT_TYPES)
    name = require_fits(checked.name, field="file", limit=Attachment._meta.get_field("name").max_length or 120)
    if scene.attachments.count() >= MAX_ATTACHMENTS:
        raise Conflict(_("A scene can have at most 10 attachments."), code=ErrorCode.TOO_MANY)
    attachment = Attachment(scene=scene, name=name, content_type=checked.content_type, size=checked.size,
                            uploaded_by=actor)
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment
