"""The client's address: the one every per-IP limit and every record of an IP (consents, audit) keys on.

Behind N trusted reverse proxies (``settings.NUM_PROXIES``, the load balancers of scale-out) REMOTE_ADDR is
the nearest proxy, the same for the whole park. Each proxy appends the address it saw to X-Forwarded-For,
so the N-th entry from the right was written by the outermost trusted proxy: that is the client. Anything
further left came from the client itself and can be forged, so it is never used. With no proxy (0, the
embedded default) X-Forwarded-For is ignored altogether: a client must not choose its own bucket.

Written here rather than taken from django-ipware/python-ipware: those look at a list of headers
(X-Real-IP, CF-Connecting-IP, …) that a proxy may pass through unchanged, and prefer public over private
addresses; ParkOS needs exactly the one conventional rule (as Werkzeug's ProxyFix ``x_for=N``)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def parse_ip(value: str | None) -> str | None:
    """``value`` as a normalised IP address, or None when it is not one (garbage, ports, empty)."""
    if not value:
        return None
    text = value.strip()
    if text.startswith("["):  # "[2001:db8::1]" or "[2001:db8::1]:443", as some proxies write IPv6
        text, bracket, _port = text[1:].partition("]")
        if not bracket:
            return None
    elif text.count(":") == 1:  # "203.0.113.7:51234": an IPv4 address with the client's port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # "::ffff:10.0.0.1" is the IPv4 client 10.0.0.1: one bucket, not two
    return str(address)


def forwarded_client(forwarded_for: str | None, remote_addr: str | None, *, num_proxies: int) -> str | None:
    """The client address by the trusted-proxy rule; None when neither source holds a valid address.

    With ``num_proxies`` = N > 0 the N-th entry from the right of ``forwarded_for``; when the header has
    fewer entries (a request that reached us past the proxies, or a proxy that did not append), or that
    entry is not an address, REMOTE_ADDR."""
    if num_proxies > 0 and forwarded_for:
        entries = [entry.strip() for entry in forwarded_for.split(",")]
        if len(entries) >= num_proxies:
            chosen = parse_ip(entries[-num_proxies])
            if chosen is not None:
                return chosen
    return parse_ip(remote_addr)


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent ``request`` (see the module docstring); "unknown" if none."""
    meta = request.META
    address = forwarded_client(meta.get("HTTP_X_FORWARDED_FOR"), meta.get("REMOTE_ADDR"),
                               num_proxies=max(0, settings.NUM_PROXIES))
    return address or UNKNOWN


def client_address(request: HttpRequest) -> str | None:
    """The same address for a record (a consent, an audit line): None rather than "unknown", which an IP
    column (GenericIPAddressField, PostgreSQL's inet) refuses."""
    address = client_ip(request)
    return None if address == UNKNOWN else address
