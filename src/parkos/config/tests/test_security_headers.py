"""The browser-side security headers on every response (core/security_headers.py, settings.py), no inline
script or on…= handler left in any template (the policy would block it), and `check --deploy` clean with
HTTPS=1 and a strong SECRET_KEY (and failing with a weak one)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from parkos.core.security_headers import content_security_policy

PARKOS = str(Path(sys.executable).with_name("parkos"))
SRC = Path(__file__).resolve().parents[2]


def parse_csp(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            assert words[0] not in directives, f"{words[0]} twice in {header}"
            directives[words[0]] = words[1:]
    return directives


def assert_strict(csp: dict[str, list[str]]) -> None:
    """What "strict" means for ParkOS: scripts from our own origin only, nothing that runs strings."""
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["style-src"] == ["'self'", "'unsafe-inline'"]  # style="" attributes: see security_headers.py
    assert "script-src-attr" not in csp and "script-src-elem" not in csp
    assert csp["connect-src"][0] == "'self'"


@pytest.mark.django_db
def test_every_page_and_the_api_carry_the_strict_policy_and_the_usual_headers(settings: Any) -> None:
    client = Client()
    for url in ("/", "/accounts/login/", "/api/v1/health", "/admin/login/", "/no-such-page/"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        csp = parse_csp(response["Content-Security-Policy"])
        assert_strict(csp)
        # Embedded mode: the websocket servers on PORT+1 and PORT+2 of the page's own host, nothing else.
        assert csp["connect-src"] == ["'self'", f"ws://testserver:{settings.WS_PORT}",
                                      f"ws://testserver:{settings.SPACE_PORT}"], url
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        policy = response["Permissions-Policy"]
        assert "camera=(self)" in policy and "geolocation=()" in policy and "microphone=()" in policy
        assert "Strict-Transport-Security" not in response  # plain HTTP: HTTPS=1 switches it on


@pytest.mark.django_db
def test_behind_a_proxy_the_public_websocket_origins_replace_the_ports(settings: Any) -> None:
    policy = content_security_policy(media_url="https://files.example.cn/media/", static_url="/static/",
                                     ws_public_url="wss://park.example.cn", space_public_url="wss://map.example.cn/x",
                                     report_uri="/csp-report")
    settings.ALLOWED_HOSTS = ["park.example.cn"]
    settings.WS_PUBLIC_URL = "wss://park.example.cn"
    settings.SPACE_PUBLIC_URL = "wss://map.example.cn/x"
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        response = Client().get("/", headers={"host": "park.example.cn"})
    assert response.status_code == 200
    csp = parse_csp(response["Content-Security-Policy"])
    assert csp["connect-src"] == ["'self'", "wss://park.example.cn", "wss://map.example.cn"]
    assert csp["img-src"] == ["'self'", "data:", "blob:", "https://files.example.cn"]
    assert csp["script-src"] == ["'self'"]
    assert csp["report-uri"] == ["/csp-report"]


@pytest.mark.django_db
def test_a_host_outside_allowed_hosts_is_refused_with_the_policy_and_not_echoed_in_it() -> None:
    response = Client().get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    csp = parse_csp(response["Content-Security-Policy"])
    assert_strict(csp)
    assert csp["connect-src"] == ["'self'"]


@pytest.mark.django_db
def test_a_secure_request_gets_wss_sources_and_hsts(settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 3600
    response = Client().get("/", secure=True)
    csp = parse_csp(response["Content-Security-Policy"])
    assert csp["connect-src"][1:] == [f"wss://testserver:{settings.WS_PORT}", f"wss://testserver:{settings.SPACE_PORT}"]
    assert response["Strict-Transport-Security"] == "max-age=3600; includeSubDomains; preload"


# What the policy blocks, so no template may hold it: inline scripts (a JSON data block is not run),
# on…= event handler attributes, javascript: URLs.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=[\"']application/(ld\+)?json)[^>]*>", re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)
JS_URL = re.compile(r"(href|src|action|formaction)\s*=\s*[\"']\s*javascript:", re.I)


def test_no_template_has_an_inline_script_a_handler_attribute_or_a_javascript_url() -> None:
    offenders = []
    templates = [p for p in SRC.rglob("templates/**/*.html") if "/tests/" not in str(p)]
    assert len(templates) > 100
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL):
            offenders += [f"{path.relative_to(SRC)}: {m.group(0)[:80]}" for m in pattern.finditer(text)]
    assert offenders == []


def test_the_template_scan_finds_what_it_looks_for() -> None:
    assert INLINE_SCRIPT.search('<script>alert(1)</script>')
    assert INLINE_SCRIPT.search('<script nonce="x">')
    assert not INLINE_SCRIPT.search('<script src="/static/a.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script type="application/json" id="d">{}</script>')
    assert HANDLER.search('<select id="x" onchange="this.form.submit()">')
    assert HANDLER.search('<form method="post"\n      onsubmit="return confirm(1)">')
    assert not HANDLER.search('<p>Join online=true</p><input data-autosubmit>')
    assert JS_URL.search('<a href="javascript:void(0)">')


def _check_deploy(secret: str, tmp_path: Path) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({"DJANGO_SETTINGS_MODULE": "parkos.config.settings", "HTTPS": "1", "DEBUG": "0",
                "SECRET_KEY": secret, "PARKOS_VAR_DIR": str(tmp_path / secret[:4]),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}"})
    return subprocess.Popen([PARKOS, "check", "--deploy", "--fail-level", "WARNING"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_check_deploy_is_clean_with_https_and_a_strong_key_and_fails_on_a_weak_one(tmp_path: Path) -> None:
    strong = _check_deploy(secrets.token_urlsafe(50), tmp_path)
    weak = _check_deploy("weak-" + "a" * 20, tmp_path)  # both at once: each is a cold Django start
    out, _err = strong.communicate(timeout=120)
    assert strong.returncode == 0, out
    assert "no issues" in out, out
    out, _err = weak.communicate(timeout=120)
    assert weak.returncode != 0
    assert "security.W009" in out  # the SECRET_KEY warning, and nothing lets it pass
