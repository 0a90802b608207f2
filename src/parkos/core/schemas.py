"""Types every Ninja schema shares: bounded integers and the one error body.

Python integers have no size, database columns do: an id of 2**70 in a body used to reach SQLite
("Python int too large to convert to SQLite INTEGER") or PostgreSQL ("bigint out of range") and
answer 500. Every integer a client sends is bounded here, once, by the column it ends up in, so an
out-of-range number is an ordinary 422 before any query runs."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

MAX_BIGINT = 2**63 - 1  # SQLite INTEGER and PostgreSQL bigint (every primary key here)
MAX_INT = 2**31 - 1  # PostgreSQL integer (IntegerField, PositiveIntegerField)
MAX_SMALLINT = 2**15 - 1  # PostgreSQL smallint (SmallIntegerField, PositiveSmallIntegerField)

# A row's id: ids start at 1, so 0 and negatives are refused as well.
Id = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
# Numbers stored in a column of that size. Only the column's range is enforced here: whether a
# value makes sense (a capacity of 0, a negative price) is the domain's question, with its message.
BigInt = Annotated[int, Field(ge=-MAX_BIGINT - 1, le=MAX_BIGINT)]
Int = Annotated[int, Field(ge=-MAX_INT - 1, le=MAX_INT)]
SmallInt = Annotated[int, Field(ge=-MAX_SMALLINT - 1, le=MAX_SMALLINT)]


class ErrorOut(Schema):
    """Every 4xx and 5xx of the API: a stable code, a translated message, messages per field."""

    code: str = Field(description="a stable ErrorCode, e.g. not_found, invalid, rate_limited")
    message: str = Field(description="in the client's language (Accept-Language), zh-Hans by default")
    details: dict[str, Any] = Field(description="field name → list of messages; empty when none")
