"""Files people upload: the one place that checks what a file really is and re-encodes images.

Every domain that takes a file calls ``file_check`` (documents, attachments) or ``image_reencode``
(avatars, covers, post images). A file is judged by its own bytes (``puremagic``, a maintained
pure-Python reading of the magic-number tables), never by its name or the browser's content type, so
a renamed executable is refused; images are decoded and written anew, which drops EXIF (location) and
anything hidden after the pixels. Limits come from settings (``UPLOAD_MAX_BYTES``), written once."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import puremagic
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from parkos.core.errors import ErrorCode, field_error
from parkos.core.text import one_line

# Extension -> content type sent back on download. Domains pass the subset they accept.
FILE_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "zip": "application/zip",
    "txt": "text/plain",
    "csv": "text/csv",
    "json": "application/json",
}
DOCUMENTS = ("pdf", "jpg", "jpeg", "png", "webp", "docx", "xlsx", "zip")

# What the magic tables call a type, where it differs from the extension people use.
_SAME = {"jpg": {"jpg", "jpeg", "jfif", "jpe"}, "jpeg": {"jpg", "jpeg", "jfif", "jpe"},
         "zip": {"zip", "docx", "xlsx", "pptx", "jar", "apk", "odt", "ods", "epub"}}
# Office files are zip archives: they must also hold the part that makes them a document.
_OFFICE_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
# Plain text has no magic number: it must decode as UTF-8 and hold no NUL byte.
_TEXT = {"txt", "csv", "json"}

IMAGE_MAX_PIXELS = 40_000_000  # decompression bombs: a 1 KB PNG can claim 100,000 x 100,000 pixels


@dataclass(frozen=True)
class CheckedFile:
    upload: Any
    name: str
    ext: str
    content_type: str
    size: int


def max_bytes_label(max_bytes: int) -> str:
    return f"{max_bytes / (1024 * 1024):g} MB"


def upload_name(upload: Any, *, limit: int = 150) -> str:
    """A safe display name as the member named the file ("营业执照（副本）.pdf" stays so): one line, no path,
    the end kept (where the extension is)."""
    raw = one_line(str(getattr(upload, "name", "") or "")).replace("/", "_").replace("\\", "_")
    raw = raw.lstrip(".") or "file"
    return raw[-limit:]


def _size(upload: Any) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
        upload.seek(0)
    return int(size or 0)


def _sniffed(upload: Any, ext: str) -> bool:
    upload.seek(0)
    try:
        if ext in _TEXT:
            head = upload.read(64 * 1024)
            if b"\x00" in head:
                return False
            try:
                head.decode("utf-8")
            except UnicodeDecodeError as error:  # a multi-byte character cut at the end of the sample
                return error.start >= len(head) - 3
            return True
        head = upload.read(64 * 1024)
        try:
            found = {m.extension.lstrip(".").lower() for m in puremagic.magic_string(head)}
        except puremagic.PureError:
            return False
        if not found & _SAME.get(ext, {ext}) and not (ext in _OFFICE_PARTS and "zip" in found | _SAME["zip"] & found):
            return False
        if ext in _OFFICE_PARTS:
            upload.seek(0)
            try:
                with zipfile.ZipFile(upload) as archive:  # reads the directory only, never inflates
                    return _OFFICE_PARTS[ext] in archive.namelist()
            except (zipfile.BadZipFile, OSError, ValueError):
                return False
        return True
    finally:
        upload.seek(0)


def file_check(upload: Any, *, field: str, allowed: Iterable[str] = DOCUMENTS,
               max_bytes: int | None = None) -> CheckedFile:
    """Check one uploaded file before anything is written: a name, an accepted extension, a size
    within ``max_bytes`` (default ``settings.UPLOAD_MAX_BYTES``), not empty, and content that really is
    what the extension says. Raises ``Invalid`` on ``field`` with a translated message."""
    allowed = tuple(allowed)
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    name = upload_name(upload)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed or ext not in FILE_TYPES:
        raise field_error(field, _("%(name)s: only these kinds of file are accepted: %(kinds)s.")
                          % {"name": name, "kinds": ", ".join(e.upper() for e in allowed)}, code=ErrorCode.FILE_TYPE)
    size = _size(upload)
    if size > limit:
        raise field_error(field, _("%(name)s is larger than %(limit)s.") % {"name": name, "limit": max_bytes_label(limit)},
                          code=ErrorCode.TOO_LARGE)
    if size == 0:
        raise field_error(field, _("%(name)s is empty.") % {"name": name}, code=ErrorCode.FILE_EMPTY)
    if not _sniffed(upload, ext):
        raise field_error(field, _("%(name)s is not really a .%(ext)s file.") % {"name": name, "ext": ext},
                          code=ErrorCode.FILE_TYPE)
    return CheckedFile(upload=upload, name=name, ext=ext, content_type=FILE_TYPES[ext], size=size)


def image_reencode(upload: Any, *, field: str, max_bytes: int | None = None, max_side: int = 2048,
                   fit: tuple[int, int] | None = None, image_format: str = "WEBP", quality: int = 85,
                   name: str = "image") -> ContentFile[bytes]:
    """Decode an uploaded image and write it anew as ``image_format``: EXIF orientation applied then
    dropped, at most ``max_side`` pixels a side (or cropped to ``fit``). Refuses files over the size
    limit, images of more than 40 megapixels and anything that is not an image."""
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    if _size(upload) > limit:
        raise field_error(field, _("The image is too large: at most %(limit)s.") % {"limit": max_bytes_label(limit)},
                          code=ErrorCode.TOO_LARGE)
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise field_error(field, _("The image is too large: at most %(limit)s.") % {"limit": max_bytes_label(limit)},
                          code=ErrorCode.TOO_LARGE)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > IMAGE_MAX_PIXELS:
                raise field_error(field, _("The image has too many pixels."), code=ErrorCode.TOO_LARGE)
            probe.verify()
        with Image.open(io.BytesIO(data)) as source:
            source.draft("RGB", (max_side, max_side))
            image: Image.Image = ImageOps.exif_transpose(source) or source
            image = image.convert("RGBA" if image_format == "PNG" else "RGB")
            if fit:
                image = ImageOps.fit(image, fit)
            else:
                image.thumbnail((max_side, max_side))
            out = io.BytesIO()
            image.save(out, image_format, quality=quality)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise field_error(field, _("This file is not an image we can read (use JPG, PNG or WebP)."),
                          code=ErrorCode.FILE_TYPE) from None
    ext = {"WEBP": "webp", "JPEG": "jpg", "PNG": "png"}[image_format]
    return ContentFile(out.getvalue(), name=f"{name}.{ext}")
