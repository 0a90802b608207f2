#!/usr/bin/env python3
"""An example gate app for ParkOS: a tenant's temperature screening service.

It receives ParkOS's ``passage.created`` webhooks, checks their signature and timestamp, and for each
entry of a member who consented to screening (``screening_consent: true``) takes a reading (simulated
here: a seeded random temperature around 36.5 °C, rarely above 37.3 °C) and attaches it to the passage
with its app token: ``POST /api/v1/access/app/readings``. Readings above 37.3 °C are logged as alerts
(ParkOS raises the alert to the park's operators itself).

Only the Python standard library is used, so a tenant can read it end to end and run it anywhere.

Configuration (a JSON file given with ``--config`` or ``TEMPERATURE_APP_CONFIG``, then environment
variables, which win):

    parkos_url       TEMPERATURE_APP_PARKOS_URL      http://127.0.0.1:8000
    token            TEMPERATURE_APP_TOKEN           the app token ParkOS showed once (app_…)
    webhook_secret   TEMPERATURE_APP_WEBHOOK_SECRET  the webhook secret ParkOS showed once (whsec_…)
    host             TEMPERATURE_APP_HOST            127.0.0.1
    port             TEMPERATURE_APP_PORT            8003
    seed             TEMPERATURE_APP_SEED            16 (the same seed and passage give the same reading)
    alert_rate       TEMPERATURE_APP_ALERT_RATE      0.01 (share of readings above 37.3 °C)
    max_age_seconds  TEMPERATURE_APP_MAX_AGE         300 (older or newer signatures are refused)
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import os
import queue
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger("temperature_app")

ALERT_ABOVE = Decimal("37.3")
MAX_BODY = 256 * 1024


@dataclass(frozen=True)
class Config:
    parkos_url: str = "http://127.0.0.1:8000"
    token: str = ""
    webhook_secret: str = ""
    host: str = "127.0.0.1"
    port: int = 8003
    seed: int = 16
    alert_rate: float = 0.01
    max_age_seconds: int = 300


ENV = {"parkos_url": "TEMPERATURE_APP_PARKOS_URL", "token": "TEMPERATURE_APP_TOKEN",
       "webhook_secret": "TEMPERATURE_APP_WEBHOOK_SECRET", "host": "TEMPERATURE_APP_HOST",
       "port": "TEMPERATURE_APP_PORT", "seed": "TEMPERATURE_APP_SEED", "alert_rate": "TEMPERATURE_APP_ALERT_RATE",
       "max_age_seconds": "TEMPERATURE_APP_MAX_AGE"}


def load_config(path: str | None) -> Config:
    values: dict[str, Any] = {}
    path = path or os.environ.get("TEMPERATURE_APP_CONFIG")
    if path:
        with open(path, encoding="utf-8") as handle:
            values.update({k: v for k, v in json.load(handle).items() if k in ENV})
    for key, name in ENV.items():
        if os.environ.get(name):
            values[key] = os.environ[name]
    types = {"port": int, "seed": int, "alert_rate": float, "max_age_seconds": int}
    config = Config(**{k: types.get(k, str)(v) for k, v in values.items()})
    if not config.token or not config.webhook_secret:
        raise SystemExit("temperature_app: set token and webhook_secret (config file or environment)")
    return config


# --- the webhook's signature ------------------------------------------------------------------------------

def signature_ok(secret: str, timestamp: str, body: bytes, signature: str, *, max_age: int,
                 now: float | None = None) -> bool:
    """ParkOS signs ``f"{timestamp}.{body}"`` with HMAC-SHA256 and sends ``v1=<hex>``. A timestamp further
    than ``max_age`` seconds from now (either way) is refused, so a captured request cannot be replayed."""
    if not timestamp.isdigit() or not signature.startswith("v1="):
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > max_age:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature[3:])


# --- the (simulated) thermometer ---------------------------------------------------------------------------

def simulated_reading(seed: int, passage_id: int, alert_rate: float) -> Decimal:
    """A forehead thermometer stand-in: the same seed and passage always give the same reading."""
    rng = random.Random(f"{seed}:{passage_id}")
    if rng.random() < alert_rate:
        value = rng.uniform(37.4, 38.6)
    else:
        value = min(37.2, max(35.9, rng.gauss(36.5, 0.22)))
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- calling ParkOS back ----------------------------------------------------------------------------------

def post_reading(config: Config, passage_id: int, value: Decimal) -> tuple[int, str]:
    body = json.dumps({"passage_id": passage_id, "value": str(value),
                       "measured_at": datetime.now(UTC).isoformat()}).encode()
    request = urllib.request.Request(
        config.parkos_url.rstrip("/") + "/api/v1/access/app/readings", data=body, method="POST",
        headers={"Authorization": f"Bearer {config.token}", "Content-Type": "application/json",
                 "User-Agent": "parkos-temperature-app/1"})
    for attempt in range(3):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")
        except OSError as error:  # ParkOS restarting: try again shortly
            log.warning("ParkOS unreachable (%s), attempt %d", error, attempt + 1)
            time.sleep(1 + attempt * 2)
    return 0, "unreachable"


class Screening:
    """Takes readings off the webhook thread: the webhook is answered at once, ParkOS is called after."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.jobs: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: OrderedDict[str, None] = OrderedDict()  # delivery ids: a retried delivery is read once
        self.lock = threading.Lock()
        self.worker = threading.Thread(target=self._run, name="screening", daemon=True)
        self.worker.start()

    def first_time(self, delivery_id: str) -> bool:
        with self.lock:
            if delivery_id in self.seen:
                return False
            self.seen[delivery_id] = None
            while len(self.seen) > 10_000:
                self.seen.popitem(last=False)
            return True

    def submit(self, data: dict[str, Any]) -> None:
        self.jobs.put(data)

    def _run(self) -> None:
        while True:
            data = self.jobs.get()
            if data is None:
                return
            try:
                self.screen(data)
            except Exception:  # one bad passage never stops the service
                log.exception("screening failed for %s", data.get("passage_id"))

    def screen(self, data: dict[str, Any]) -> None:
        passage_id = int(data["passage_id"])
        value = simulated_reading(self.config.seed, passage_id, self.config.alert_rate)
        status, text = post_reading(self.config, passage_id, value)
        if status in (200, 201):
            if value > ALERT_ABOVE:
                log.warning("ALERT passage=%s member=%s %s °C above %s °C", passage_id, data.get("member_ref"),
                            value, ALERT_ABOVE)
            else:
                log.info("reading passage=%s %s °C attached", passage_id, value)
        else:
            log.warning("ParkOS refused the reading of passage %s: %s %s", passage_id, status, text[:200])


def wanted(data: dict[str, Any]) -> bool:
    """Only entries of members who consented: nobody else is measured at all."""
    return (data.get("subject") == "member" and data.get("screening_consent") is True
            and data.get("direction") == "in" and isinstance(data.get("passage_id"), int))


def make_handler(config: Config, screening: Screening) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "temperature-app/1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/health":
                self._answer(200, {"ok": True})
            else:
                self._answer(404, {"error": "not found"})

        def do_POST(self) -> None:
            if self.path != "/webhook":
                self._answer(404, {"error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY:
                self._answer(413 if length > MAX_BODY else 400, {"error": "bad length"})
                return
            body = self.rfile.read(length)
            if not signature_ok(config.webhook_secret, self.headers.get("X-ParkOS-Timestamp", ""), body,
                                self.headers.get("X-ParkOS-Signature", ""), max_age=config.max_age_seconds):
                log.warning("refused a webhook with a bad or old signature")
                self._answer(401, {"error": "bad signature"})
                return
            try:
                envelope = json.loads(body)
            except ValueError:
                self._answer(400, {"error": "not JSON"})
                return
            event = self.headers.get("X-ParkOS-Event", envelope.get("event"))
            delivery = str(self.headers.get("X-ParkOS-Delivery", envelope.get("delivery_id", "")))
            data = envelope.get("data") or {}
            screened = event == "passage.created" and wanted(data) and screening.first_time(delivery)
            if screened:
                screening.submit(data)
            self._answer(202 if screened else 200, {"ok": True, "screening": screened})

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="a JSON file with the settings (see the module's docstring)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="[temperature-app] %(asctime)s %(levelname)s %(message)s", stream=sys.stdout)
    config = load_config(args.config)
    screening = Screening(config)
    server = ThreadingHTTPServer((config.host, config.port), make_handler(config, screening))
    log.info("listening on http://%s:%d/webhook, calling %s", config.host, config.port, config.parkos_url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
