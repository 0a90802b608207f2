"""An uploaded file keeps the name the member gave it (full-width punctuation included), without a path."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from parkos.core.uploads import upload_name


def test_the_name_is_kept_as_typed() -> None:
    assert upload_name(SimpleUploadedFile("营业执照（副本）：2026.pdf", b"x")) == "营业执照（副本）：2026.pdf"


def test_no_path_no_hidden_file_and_the_extension_survives_a_long_name() -> None:
    name = upload_name(SimpleUploadedFile("a/b\\..c.pdf", b"x"))
    assert "/" not in name and "\\" not in name and name.endswith("..c.pdf")
    assert upload_name(SimpleUploadedFile(".env", b"x")) == "env"
    long = "长" * 200 + ".pdf"
    assert upload_name(SimpleUploadedFile(long, b"x")).endswith(".pdf")
    assert len(upload_name(SimpleUploadedFile(long, b"x"))) == 150
