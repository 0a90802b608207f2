"""An order's files: checked by the one upload module (``parkos.core.uploads.file_check``: extension,
size, the file's own bytes) before anything is written, then stored on the order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.catalog.models import OrderAttachment, ServiceOrder
from parkos.core.errors import ErrorCode, field_error
from parkos.core.uploads import DOCUMENTS, CheckedFile, file_check

MAX_FILES = 10
ACCEPT = ",".join(f".{ext}" for ext in DOCUMENTS)  # the file input's ``accept`` attribute


def attachments_validate(files: Sequence[UploadedFile], *, existing: int = 0) -> list[CheckedFile]:
    """Check every file before anything is written: how many, then each one's kind, size and content
    (a renamed .exe is refused)."""
    if len(files) + existing > MAX_FILES:
        raise field_error("files", _("At most %(n)d files per order.") % {"n": MAX_FILES}, code=ErrorCode.TOO_MANY)
    return [file_check(upload, field="files", allowed=DOCUMENTS, max_bytes=settings.UPLOAD_MAX_BYTES)
            for upload in files]


def attachments_store(order: ServiceOrder, actor: User, checked: Iterable[CheckedFile]) -> list[OrderAttachment]:
    stored = []
    for file in checked:
        attachment = OrderAttachment(order=order, uploaded_by=actor, name=file.name, content_type=file.content_type,
                                     size=file.size)
        attachment.file.save(file.name, file.upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored
