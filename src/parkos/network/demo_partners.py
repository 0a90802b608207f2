"""Demo data of the partner network: the bundled reference data, and a contact of the China-Germany
innovation centre who has an account (``partner@demo.parkos``, the demo password) so that the referral view
of landing applications can be shown. Idempotent: a second run adds nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from parkos.network.models import Contact, Organisation
from parkos.network.services.reference import reference_load

PARTNER_LOCAL = "partner"
PARTNER_ORGANISATION = "中德创新合作中心"


def demo_partner_user() -> Any:
    """The demo account of the partner organisation's contact (made once, with a privacy consent)."""
    from parkos.accounts.models import Consent, User
    from parkos.demo.seed import DEMO_PASSWORD, demo_email

    email = demo_email(PARTNER_LOCAL)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create(email=email, display_name="王蕾", password=make_password(DEMO_PASSWORD))
        Consent.objects.create(user=user, kind=Consent.Kind.PRIVACY, version=settings.PRIVACY_POLICY_VERSION)
    return user


def demo_partners(*, stdout: Any = None) -> None:
    with transaction.atomic():
        written = reference_load()
        user = demo_partner_user()
        org = Organisation.objects.get(name_zh=PARTNER_ORGANISATION)
        contact = Contact.objects.filter(organisation=org, user=user).first()
        if contact is None:
            # The bundled primary contact of the centre is the same person: give her the account.
            contact = Contact.objects.filter(organisation=org, name=user.display_name, user__isnull=True).first()
            if contact is not None:
                contact.user = user
                contact.save(update_fields=["user"])
            else:
                Contact.objects.create(organisation=org, name=user.display_name, title="中方主任",
                                       email=user.email, user=user)
    if stdout is not None:
        stdout.write(f"network partners: {written}\n")
