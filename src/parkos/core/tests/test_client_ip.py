"""The client's address behind N trusted proxies: the N-th X-Forwarded-For entry from the right, else
REMOTE_ADDR; with no proxy configured, X-Forwarded-For is ignored (a client cannot pick its bucket)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from parkos.core import ratelimit
from parkos.core.client_ip import client_address, client_ip, forwarded_client, parse_ip


def _ip(settings: Any, num_proxies: int, forwarded_for: str | None, remote: str | None = "10.0.0.1") -> str:
    settings.NUM_PROXIES = num_proxies
    extra: dict[str, Any] = {}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    request = RequestFactory().get("/", **extra)
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    return client_ip(request)


def test_no_proxy_ignores_x_forwarded_for(settings: Any) -> None:
    assert _ip(settings, 0, None) == "10.0.0.1"
    # Whatever a client writes, with no proxy in front it keys on the address it connects from.
    assert _ip(settings, 0, "203.0.113.9") == "10.0.0.1"
    assert _ip(settings, 0, "203.0.113.9, 198.51.100.2") == "10.0.0.1"


def test_one_proxy_takes_the_entry_it_appended(settings: Any) -> None:
    assert _ip(settings, 1, "203.0.113.9") == "203.0.113.9"
    # The client forged "1.2.3.4"; the proxy appended what it saw, the rightmost entry.
    assert _ip(settings, 1, "1.2.3.4, 203.0.113.9") == "203.0.113.9"
    assert _ip(settings, 1, "1.2.3.4,203.0.113.9") == "203.0.113.9"


def test_two_proxies_take_the_second_entry_from_the_right(settings: Any) -> None:
    # client → CDN (appends the client) → load balancer (appends the CDN) → ParkOS
    assert _ip(settings, 2, "203.0.113.9, 198.51.100.20") == "203.0.113.9"
    assert _ip(settings, 2, "6.6.6.6, 203.0.113.9, 198.51.100.20") == "203.0.113.9"


def test_a_short_or_missing_header_falls_back_to_remote_addr(settings: Any) -> None:
    assert _ip(settings, 1, None) == "10.0.0.1"
    assert _ip(settings, 1, "") == "10.0.0.1"
    assert _ip(settings, 2, "203.0.113.9") == "10.0.0.1"  # fewer entries than proxies
    assert _ip(settings, 3, "203.0.113.9, 198.51.100.20") == "10.0.0.1"


def test_garbage_is_never_a_bucket(settings: Any) -> None:
    assert _ip(settings, 1, "not-an-ip") == "10.0.0.1"
    assert _ip(settings, 1, "203.0.113.9, <script>") == "10.0.0.1"
    assert _ip(settings, 1, "unknown") == "10.0.0.1"
    assert _ip(settings, 1, "999.1.1.1") == "10.0.0.1"
    # Garbage to the left (written by the client) does not move the entry the proxy wrote.
    assert _ip(settings, 1, "garbage, , x y z, 203.0.113.9") == "203.0.113.9"
    assert _ip(settings, 2, "junk, 203.0.113.9, 198.51.100.20") == "203.0.113.9"
    # No valid address anywhere.
    assert _ip(settings, 0, None, remote="") == "unknown"
    assert _ip(settings, 0, None, remote=None) == "unknown"
    assert _ip(settings, 1, "nonsense", remote="also nonsense") == "unknown"


def test_ipv6(settings: Any) -> None:
    assert _ip(settings, 0, None, remote="2001:db8::1") == "2001:db8::1"
    assert _ip(settings, 1, "2001:DB8:0:0::7") == "2001:db8::7"  # normalised: one bucket per address
    assert _ip(settings, 1, "[2001:db8::7]") == "2001:db8::7"
    assert _ip(settings, 1, "[2001:db8::7]:443") == "2001:db8::7"
    assert _ip(settings, 1, "203.0.113.9, 2001:db8::7", remote="::1") == "2001:db8::7"
    assert _ip(settings, 2, "2001:db8::7, 203.0.113.9", remote="::1") == "2001:db8::7"
    # An IPv4 client seen through an IPv6 socket is the same client.
    assert _ip(settings, 0, None, remote="::ffff:203.0.113.9") == "203.0.113.9"


@pytest.mark.parametrize(("raw", "parsed"), [
    ("203.0.113.9", "203.0.113.9"),
    (" 203.0.113.9 ", "203.0.113.9"),
    ("203.0.113.9:51234", "203.0.113.9"),
    ("::1", "::1"),
    ("fe80::1%eth0", "fe80::1%eth0"),
    ("", None),
    (None, None),
    ("1.2.3", None),
    ("1.2.3.4.5", None),
    ("example.com", None),
    ("[::1", None),
    ("1.2.3.4:80:90", None),
])
def test_parse_ip(raw: str | None, parsed: str | None) -> None:
    assert parse_ip(raw) == parsed


def test_forwarded_client_does_not_read_settings() -> None:
    assert forwarded_client("1.1.1.1, 2.2.2.2", "10.0.0.1", num_proxies=0) == "10.0.0.1"
    assert forwarded_client("1.1.1.1, 2.2.2.2", "10.0.0.1", num_proxies=1) == "2.2.2.2"
    assert forwarded_client("1.1.1.1, 2.2.2.2", "10.0.0.1", num_proxies=2) == "1.1.1.1"
    assert forwarded_client("1.1.1.1, 2.2.2.2", "10.0.0.1", num_proxies=3) == "10.0.0.1"
    assert forwarded_client("1.1.1.1", "10.0.0.1", num_proxies=-1) == "10.0.0.1"


def test_the_rate_limiter_keys_on_the_same_function(settings: Any) -> None:
    # Callers in other domains use ratelimit.client_ip: it must be this rule, not REMOTE_ADDR.
    assert ratelimit.client_ip is client_ip
    settings.NUM_PROXIES = 1
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9", REMOTE_ADDR="10.0.0.1")
    assert ratelimit.client_ip(request) == "203.0.113.9"


def test_a_record_gets_none_rather_than_unknown(settings: Any) -> None:
    settings.NUM_PROXIES = 1
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="garbage", REMOTE_ADDR="")
    assert client_ip(request) == "unknown"
    assert client_address(request) is None
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9", REMOTE_ADDR="10.0.0.1")
    assert client_address(request) == "203.0.113.9"
