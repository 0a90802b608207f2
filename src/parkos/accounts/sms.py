"""Sending SMS: a small provider interface, a console provider (demo, tests) and Alibaba Cloud SMS.

``PARKOS_SMS_PROVIDER`` picks the provider (config/settings.py). A provider has one method,
``send(mobile, template, params)``: ``template`` is ParkOS's own name for the message ("code" for a
verification code), mapped to the provider's template where it needs one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from django.conf import settings

logger = logging.getLogger("parkos.sms")


class SmsError(Exception):
    """The provider refused or could not be reached; the message was not sent."""


class SmsProvider(Protocol):
    def send(self, mobile: str, template: str, params: dict[str, str]) -> None: ...


@dataclass(frozen=True)
class SentSms:
    mobile: str
    template: str
    params: dict[str, str]
    sent_at: datetime


@dataclass
class ConsoleProvider:
    """Writes each message to the server log and keeps the latest ones in memory (``outbox``), so a demo
    user can read the code in the log and a test can read it from the outbox."""

    outbox: list[SentSms] = field(default_factory=list)
    keep: int = 200
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, mobile: str, template: str, params: dict[str, str]) -> None:
        logger.warning("SMS to %s (%s): %s", mobile, template, json.dumps(params, ensure_ascii=False))
        with self._lock:
            self.outbox.append(SentSms(mobile, template, dict(params), datetime.now(UTC)))
            del self.outbox[:-self.keep]

    def last_to(self, mobile: str) -> SentSms | None:
        with self._lock:
            return next((sms for sms in reversed(self.outbox) if sms.mobile == mobile), None)


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Alibaba Cloud's RPC signature wants it: space %20, '*' %2A, '~' kept."""
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """Alibaba Cloud RPC signature (SignatureVersion 1.0, HMAC-SHA1): sort the parameters, encode
    each name and value, join with '&', sign ``METHOD&%2F&encoded(query)`` with ``secret + '&'``."""
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class AliyunProvider:
    """Alibaba Cloud SMS (Dysmsapi 2017-05-25, action SendSms), signed GET over HTTPS."""

    access_key_id: str
    access_key_secret: str
    sign_name: str
    templates: dict[str, str]
    endpoint: str = "https://dysmsapi.aliyuncs.com/"
    timeout: float = 10.0

    def request_params(self, mobile: str, template: str, params: dict[str, str]) -> dict[str, str]:
        try:
            template_code = self.templates[template]
        except KeyError:
            raise SmsError(f"no Aliyun template configured for {template!r}") from None
        query = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": mobile,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template_code,
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        query["Signature"] = aliyun_signature(query, self.access_key_secret)
        return query

    def send(self, mobile: str, template: str, params: dict[str, str]) -> None:
        query = self.request_params(mobile, template, params)
        url = f"{self.endpoint}?{urllib.parse.urlencode(query, quote_via=urllib.parse.quote)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                body = json.loads(response.read().decode())
        except urllib.error.HTTPError as error:
            try:
                body = json.loads(error.read().decode())
            except ValueError:
                raise SmsError(f"Aliyun SMS HTTP {error.code}") from None
        except (OSError, ValueError) as error:
            raise SmsError(f"Aliyun SMS unreachable: {error}") from None
        if body.get("Code") != "OK":
            raise SmsError(f"Aliyun SMS refused: {body.get('Code')} {body.get('Message')}")


_console = ConsoleProvider()


def console_outbox() -> ConsoleProvider:
    """The process's console provider (its outbox is what a demo or a test reads)."""
    return _console


def get_provider() -> SmsProvider:
    if settings.SMS_PROVIDER == "aliyun":
        return AliyunProvider(
            access_key_id=settings.SMS_ALIYUN_ACCESS_KEY_ID, access_key_secret=settings.SMS_ALIYUN_ACCESS_KEY_SECRET,
            sign_name=settings.SMS_ALIYUN_SIGN_NAME, templates={"code": settings.SMS_ALIYUN_TEMPLATE_CODE},
            endpoint=settings.SMS_ALIYUN_ENDPOINT,
        )
    if settings.SMS_PROVIDER != "console":
        raise SmsError(f"unknown PARKOS_SMS_PROVIDER {settings.SMS_PROVIDER!r}")
    return _console
