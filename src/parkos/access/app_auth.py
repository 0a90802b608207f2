"""Ninja auth for a gate app's own calls: ``Authorization: Bearer app_…``. An app is not a person: this
scheme never sets ``request.user``, and persons' tokens and devices' keys do not pass it (nor does an
app's token pass theirs: a person's token starts with ``pk_``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from parkos.access.models import App


class AppAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> App | None:
        from parkos.access.services.apps import app_authenticate

        app = app_authenticate(token)
        if app is not None:
            request.access_app = app  # type: ignore[attr-defined]
        return app


app_auth = AppAuth()


def app_of(request: HttpRequest) -> App:
    """The app a request authenticated as (only on operations declared with ``auth=app_auth``)."""
    app: Any = request.auth  # type: ignore[attr-defined]
    assert isinstance(app, App)
    return app
