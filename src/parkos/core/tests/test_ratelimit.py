"""A refusal says how long to wait: RateLimited.retry_after is the real time until the window frees."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import RequestFactory
from django_ratelimit.core import get_usage

from parkos.core import ratelimit
from parkos.core.errors import ErrorCode, RateLimited


def _request() -> Any:
    return RequestFactory().post("/", REMOTE_ADDR="10.9.9.9")


def _time_left(group: str, key: str, rate: str) -> int:
    usage = get_usage(_request(), group=group, key=lambda _g, _r: key, rate=rate, increment=False)
    assert usage is not None
    return int(usage["time_left"])


def test_enforce_refuses_over_the_limit_with_the_seconds_until_the_window_frees() -> None:
    for _ in range(3):
        ratelimit.enforce(_request(), group="t-enforce", key="k1", rate="3/h")
    with pytest.raises(RateLimited) as refused:
        ratelimit.enforce(_request(), group="t-enforce", key="k1", rate="3/h")
    error = refused.value
    assert error.code == ErrorCode.RATE_LIMITED and error.status == 429
    left = _time_left("t-enforce", "k1", "3/h")
    assert error.retry_after is not None
    assert 1 <= error.retry_after <= 3600
    assert abs(error.retry_after - left) <= 1  # the window's real end, not a fixed guess
    # Another key has its own window.
    ratelimit.enforce(_request(), group="t-enforce", key="k2", rate="3/h")


def test_enforce_keeps_a_callers_message() -> None:
    ratelimit.enforce(_request(), group="t-message", key="k", rate="1/h")
    with pytest.raises(RateLimited) as refused:
        ratelimit.enforce(_request(), group="t-message", key="k", rate="1/h", message="Slow down.")
    assert refused.value.message == "Slow down."
    assert refused.value.retry_after is not None and refused.value.retry_after >= 1


def test_refuse_if_limited_peeks_and_gives_the_longest_wait() -> None:
    limits = (("t-peek-a", "a", "2/m"), ("t-peek-b", "b", "2/h"))
    ratelimit.refuse_if_limited(_request(), *limits)  # nothing counted yet
    for _ in range(5):
        ratelimit.refuse_if_limited(_request(), *limits)  # peeking counts nothing
    ratelimit.check(_request(), group="t-peek-a", key="a", rate="2/m", increment=True)
    ratelimit.check(_request(), group="t-peek-a", key="a", rate="2/m", increment=True)
    with pytest.raises(RateLimited) as refused:
        ratelimit.refuse_if_limited(_request(), *limits)
    assert refused.value.retry_after is not None and 1 <= refused.value.retry_after <= 60
    for _ in range(2):
        ratelimit.check(_request(), group="t-peek-b", key="b", rate="2/h", increment=True)
    with pytest.raises(RateLimited) as refused:
        ratelimit.refuse_if_limited(_request(), *limits)
    # Both reached: the attempt passes only once both free, so the wait is the longer one.
    left = max(1, _time_left("t-peek-b", "b", "2/h"))  # read after: a second may have ticked in between
    assert refused.value.retry_after is not None and left <= refused.value.retry_after <= left + 1
    assert refused.value.retry_after > 60  # the hour's wait, not the minute's


def test_the_window_frees_when_retry_after_says() -> None:
    rate = "1/2s"
    refused = None
    for _ in range(4):  # the first hits may straddle a window's end; within one window the second is refused
        try:
            ratelimit.enforce(_request(), group="t-window", key="k", rate=rate)
        except RateLimited as error:
            refused = error
            break
    assert refused is not None and refused.retry_after is not None and 1 <= refused.retry_after <= 2
    # A second of slack: on a loaded machine the refused call may have been answered late in its second.
    time.sleep(refused.retry_after + 1.0)
    ratelimit.enforce(_request(), group="t-window", key="k", rate=rate)  # a new window: allowed again


def test_disabled_limits_refuse_nothing(settings: Any) -> None:
    settings.RATELIMIT_ENABLE = False
    for _ in range(5):
        ratelimit.enforce(_request(), group="t-off", key="k", rate="1/h")
        ratelimit.refuse_if_limited(_request(), ("t-off", "k", "1/h"))
    assert not ratelimit.check(_request(), group="t-off", key="k", rate="1/h", increment=True)
