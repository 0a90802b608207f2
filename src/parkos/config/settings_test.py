"""Test settings: the real settings, with a fast password hasher and outgoing mail kept in memory."""

import os

from parkos.config.settings import *  # noqa: F403
from parkos.config.settings import DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
if "sqlite" in DATABASES["default"]["ENGINE"]:
    # A file, not memory: the real servers started by browser and websocket tests open it too.
    # One file per test run, so two runs on one machine never share (and corrupt) a test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-parkos-{os.getpid()}.sqlite3")}
CACHES = {
    **CACHES,  # noqa: F405
}
# Rate limits of a test run never live in the developer's store (var/cache files, or their Redis in
# scale-out): a test's failed log-ins must not lock `make demo` out. No test shares counters across processes.
CACHES["ratelimit"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl-test"}
# The shared cache of the suite and the servers it starts (core/generations.py), outside the developer's
# var/cache (keys carry the database too: see generations.namespace).
if "Disk" in CACHES["shared"]["BACKEND"]:
    CACHES["shared"] = {**CACHES["shared"], "LOCATION": str(VAR_DIR / "test-cache" / "shared")}
# Jobs run inline in tests; the database backend and its worker are exercised by the serve test.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Two-factor authentication is required of nobody here, so the suite's operators and butlers (force_login)
# reach their pages; accounts/tests/test_twofactor*.py switch the requirement on with settings overrides.
TWO_FACTOR_REQUIRED_ROLES = []
TWO_FACTOR_SHOW_CODE = False
