"""The demo's example gate app: the temperature screening service in examples/temperature_app/, which
`make demo` starts next to ParkOS (``parkos serve --example-apps``).

DEMO ONLY: its token and webhook secret below are published constants so the demo works without
copying secrets around. A real app is registered by an operator (access/services/apps.py) and gets
random ones, shown once."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from parkos.access.models import App, AppScope, Gate
from parkos.core.models import Park

DEMO_APP_NAME = "体温筛查（示例应用）"
DEMO_TOKEN = "app_DEMO-ONLY-temperature-screening-not-a-secret"
DEMO_WEBHOOK_SECRET = "whsec_DEMO-ONLY-temperature-screening-not-a-secret"
SEED = 16


def example_config_path() -> Path:
    return Path(settings.VAR_DIR) / "examples" / "temperature_app.json"


def seed_temperature_app(*, park: Park, owner: Any = None, port: int | None = None) -> App:
    """Register (or bring up to date) the example app for ``park``: every gate of the park, scopes
    passages.read and readings.write, webhook at 127.0.0.1:PORT+3; then write the app's config file.
    Idempotent: the same app, token and secret each time."""
    port = port or int(os.environ.get("PORT", "8000"))
    token_hash = hashlib.sha256(DEMO_TOKEN.encode()).hexdigest()
    # Another park already holding the demo token (token hashes are unique): the demo app lives in one park.
    App.objects.filter(token_hash=token_hash).exclude(park=park).delete()
    with transaction.atomic():
        app, _created = App.objects.update_or_create(park=park, name=DEMO_APP_NAME, defaults={
            "description": "租户企业贡献的体温筛查服务：闸机通行时测温，超过 37.3 °C 提醒园区运营。",
            "owner_enterprise": owner,
            "webhook_url": f"http://127.0.0.1:{port + 3}/webhook",
            "webhook_secret": DEMO_WEBHOOK_SECRET,
            "token_prefix": DEMO_TOKEN[:12], "token_hash": token_hash,
            "scopes": [AppScope.PASSAGES_READ.value, AppScope.READINGS_WRITE.value],
            "is_active": True,
        })
        app.gates.set(Gate.objects.filter(park=park))
    path = example_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "parkos_url": f"http://127.0.0.1:{port}", "token": DEMO_TOKEN, "webhook_secret": DEMO_WEBHOOK_SECRET,
        "host": "127.0.0.1", "port": port + 3, "seed": SEED, "alert_rate": 0.02, "max_age_seconds": 300,
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    return app
