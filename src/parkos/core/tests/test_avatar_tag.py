"""``{% avatar %}``: the uploaded picture if there is one, else the name's first character on a colour of the
person's own (stable across processes: by id, not by Python's salted hash)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template import Context, Template

from parkos.core.templatetags.parkos_avatar import avatar_hue


@dataclass
class Picture:
    url: str

    def __bool__(self) -> bool:
        return bool(self.url)


@dataclass
class Person:
    pk: int | None
    display_name: str
    avatar: Any = None


def _render(person: Any, size: str = "sm") -> str:
    return Template('{% load parkos_avatar %}{% avatar person size=size %}').render(
        Context({"person": person, "size": size}))


def test_uploaded_avatar_is_an_image() -> None:
    html = _render(Person(7, "张三", Picture("/media/avatars/7-abc.webp")))
    assert html.startswith('<img class="avatar avatar-sm" src="/media/avatars/7-abc.webp"')
    assert 'width="36"' in html


def test_no_avatar_is_a_coloured_initial() -> None:
    html = _render(Person(7, "张三", Picture("")))
    assert '<span class="avatar avatar-sm"' in html and ">张</span>" in html
    assert f"hsl({avatar_hue(Person(7, 'x'))} " in html
    assert ">A</span>" in _render(Person(8, "alice"))  # Latin initials upper-cased


def test_colour_is_stable_per_id_and_varies_between_people() -> None:
    assert avatar_hue(Person(7, "张三")) == avatar_hue(Person(7, "改名了"))  # a rename keeps the colour
    assert len({avatar_hue(Person(pk, "x")) for pk in range(1, 40)}) > 20


def test_no_name_and_unknown_size_still_render() -> None:
    html = _render(Person(None, ""), size="huge")
    assert 'class="avatar avatar-md"' in html and ">?</span>" in html


def test_escapes_the_initial() -> None:
    assert "&lt;" in _render(Person(3, "<b>"))
