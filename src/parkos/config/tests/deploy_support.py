"""The shipped deployment files (deploy/ at the repository's root), read and rendered for the tests.

The nginx configuration is a template whose only variables are the ${PARKOS_...} names on its VARIABLES
line; the tests render that very file with their own ports and folders, as an operator renders it with
envsubst, and run it under Debian's nginx with a main configuration of their own (no root paths)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from parkos.conftest import REPO_DIR, free_port, nginx_serving

DEPLOY_DIR = REPO_DIR / "deploy"
NGINX_TEMPLATE = DEPLOY_DIR / "nginx" / "parkos.conf"
NGINX_PATHS = ("/usr/sbin/nginx", "/usr/bin/nginx")
MIME_TYPES = Path("/etc/nginx/mime.types")


def nginx_binary() -> str:
    """Debian's nginx; its absence is a failure with the fix, never a silent skip."""
    found = shutil.which("nginx") or next((path for path in NGINX_PATHS if os.access(path, os.X_OK)), None)
    if not found:
        pytest.fail("nginx is missing (the reverse proxy of deploy/nginx/parkos.conf): run `make browser-deps`")
    return found


def template_variables(text: str | None = None) -> list[str]:
    """The variables the template declares on its VARIABLES line (envsubst's list)."""
    text = NGINX_TEMPLATE.read_text() if text is None else text
    line = next(line for line in text.splitlines() if line.lstrip("# ").startswith("VARIABLES:"))
    return re.findall(r"\$\{(PARKOS_[A-Z0-9_]+)\}", line)


def render_nginx(values: dict[str, str]) -> str:
    """The template with ``values``, as `envsubst "<VARIABLES line>"` renders it: only the declared
    variables are replaced; nginx's own $variables stay."""
    text = NGINX_TEMPLATE.read_text()
    declared = template_variables(text)
    missing = set(declared) - set(values)
    assert not missing, f"no value for {sorted(missing)}"
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    used = set(re.findall(r"\$\{(PARKOS_[A-Z0-9_]+)\}", body))
    assert used <= set(declared), f"used but not on the VARIABLES line (envsubst would leave them): {used - set(declared)}"
    for name in declared:
        text = text.replace("${" + name + "}", values[name])
    return text


def main_conf(prefix: Path, site: Path) -> str:
    """A main nginx.conf that includes the rendered site in its http {} context, as Debian's does with
    conf.d/*.conf, with every path under ``prefix``."""
    mime = f"include {MIME_TYPES};" if MIME_TYPES.exists() else ""
    return f"""
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    {mime}
    default_type application/octet-stream;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {site};
}}
"""


def write_nginx(prefix: Path, values: dict[str, str]) -> Path:
    """The rendered site and a main configuration under ``prefix``; returns the main configuration."""
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / temp).mkdir(parents=True, exist_ok=True)
    site = prefix / "parkos.conf"
    site.write_text(render_nginx(values))
    conf = prefix / "nginx.conf"
    conf.write_text(main_conf(prefix, site))
    return conf


def nginx_test(conf: Path, prefix: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([nginx_binary(), "-t", "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
                          capture_output=True, text=True, timeout=30)


@contextmanager
def nginx_running(prefix: Path, values: dict[str, str], *, port: int | None = None) -> Iterator[int]:
    """nginx with the shipped configuration, listening on ``port`` (or a free one) of 127.0.0.1; yields
    the port."""
    port = port or free_port()
    conf = write_nginx(prefix, {**values, "PARKOS_LISTEN": f"127.0.0.1:{port}"})
    with nginx_serving(nginx_binary(), prefix, conf, port):
        yield port
