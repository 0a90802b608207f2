"""API schemas of the year report's share poster: the member's choice of figures, and sharing."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Schema


class PosterFieldsIn(Schema):
    fields: list[Annotated[str, Field(max_length=40)]] = Field(
        max_length=50, description="the figures the poster shows (keys of ``choices``): at least one, at most 8")


class PosterChoiceOut(Schema):
    key: str
    label: str = Field(description="in the client's language")
    value: str


class PosterOut(Schema):
    report: int = Field(description="the year report's id")
    year: int
    park: str = Field(description="the park's code")
    fields: list[str] = Field(description="the figures the poster shows (the member's choice, or the default)")
    choices: list[PosterChoiceOut] = Field(description="every figure the member has data for, in display order")
    short: bool = Field(description="too little data: the poster is the warm short version")
    shared: bool
    share_url: str | None = Field(description="the public link of the poster while shared (an absolute URL)")
