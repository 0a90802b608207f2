#!/usr/bin/env python3
"""The container's health check: `parkos-healthcheck [web|ws|space|worker|scheduler|serve]`.

Without an argument it reads which process the container runs from PID 1's command line. web and serve:
GET /health on PORT must answer 200 (HEALTH_PATH overrides the path); ws and space: their port (PORT+1,
PORT+2) must accept a connection; worker and scheduler have no port: their process is alive while the
container is. Exit status 0 is healthy, 1 unhealthy (as HEALTHCHECK and compose expect). Standard library
only: the slim image has no curl."""

from __future__ import annotations

import os
import socket
import sys
import urllib.request


def detect() -> str:
    try:
        with open("/proc/1/cmdline", "rb") as handle:
            argv = handle.read().split(b"\0")
    except OSError:
        return "serve"
    words = [os.path.basename(a.decode(errors="replace")) for a in argv if a]
    for word in reversed(words):
        if word in {"web", "ws", "space", "worker", "scheduler", "serve"}:
            return word
    return "serve"


def site_host() -> str:
    """The first of ALLOWED_HOSTS (a leading dot or a wildcard made concrete), else 127.0.0.1."""
    for name in os.environ.get("ALLOWED_HOSTS", "").split(","):
        name = name.strip().lstrip(".")
        if name and name != "*":
            return name
    return "127.0.0.1"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect is not health: report it as the status it is


urllib.request.install_opener(urllib.request.build_opener(_NoRedirect))


def main(argv: list[str]) -> int:
    process = argv[1] if len(argv) > 1 else detect()
    port = int(os.environ.get("PORT") or 8000)
    host = os.environ.get("HEALTH_HOST", "127.0.0.1")
    try:
        if process in {"web", "serve"}:
            url = f"http://{host}:{port}{os.environ.get('HEALTH_PATH', '/health')}"
            # As nginx would ask: a host ParkOS serves (ALLOWED_HOSTS), and with HTTPS=1 the scheme nginx
            # reports, so that the answer is the page and not a redirect to https://.
            request = urllib.request.Request(url, headers={"Host": site_host()})
            if os.environ.get("HTTPS", "").strip().lower() in {"1", "true", "yes", "on"}:
                request.add_header("X-Forwarded-Proto", "https")
            with urllib.request.urlopen(request, timeout=4) as response:
                return 0 if response.status == 200 else 1
        if process in {"ws", "space"}:
            with socket.create_connection((host, port + (1 if process == "ws" else 2)), timeout=4):
                return 0
        if process in {"worker", "scheduler"}:
            return 0
    except OSError as error:
        print(f"{process} unhealthy: {error}", file=sys.stderr)
        return 1
    print(f"unknown process {process!r}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
