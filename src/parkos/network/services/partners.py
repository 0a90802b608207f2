"""Writes on the partner network: the portfolio's operators (``network.partner.manage`` on
``policy.PORTFOLIO``: the network spans every park, so an operator of one park only may not change it) add,
edit and deactivate organisations, keep their contacts (a contact may be linked to an account, found by
e-mail or mobile, so that they see what their organisation referred) and mark countries and cities as
partners. Every write locks the row it changes; a refused or invalid write changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid, field_error
from parkos.core.text import clean_text
from parkos.network.models import City, Contact, Cooperation, Country, Organisation, OrganisationKind

ORGANISATION_FIELDS = ("name_zh", "name_en", "kind", "country", "city", "cooperation", "description", "website",
                       "provider", "partner_since", "is_active")
CONTACT_FIELDS = ("name", "title", "email", "phone", "user", "is_primary")
FIRST_YEAR, LAST_YEAR = 1980, 2100


def _require(actor: Any) -> None:
    policy.require(actor, "network.partner.manage", policy.PORTFOLIO)


def _full_clean(obj: Any, *, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None


def _year(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise field_error(field, _("Enter a year."), code=ErrorCode.INVALID) from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise field_error(field, _("Enter a year between 1980 and 2100."), code=ErrorCode.OUT_OF_RANGE)
    return year


def _country(value: Any) -> Country:
    if isinstance(value, Country):
        return value
    found = Country.objects.filter(code=str(value or "").upper()[:3]).first() if not str(value).isdigit() \
        else Country.objects.filter(pk=int(value)).first()
    if found is None:
        raise field_error("country", _("Choose a country from the list."), code=ErrorCode.INVALID_CHOICE)
    return found


def _city(value: Any) -> City | None:
    if value in (None, ""):
        return None
    if isinstance(value, City):
        return value
    found = City.objects.filter(pk=int(value)).first() if str(value).isdigit() and len(str(value)) < 18 else None
    if found is None:
        raise field_error("city", _("Choose a city from the list."), code=ErrorCode.INVALID_CHOICE)
    return found


def _provider(value: Any) -> Any:
    if value in (None, ""):
        return None
    from parkos.catalog.selectors.catalog import provider_list

    found = provider_list(active_only=False).filter(pk=int(value)).first() \
        if str(value).isdigit() and len(str(value)) < 18 else None
    if found is None:
        raise field_error("provider", _("Choose a provider from the catalog."), code=ErrorCode.INVALID_CHOICE)
    return found


def _cooperation(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else list(value or [])
    chosen = []
    for item in items:
        if item not in Cooperation.values:
            raise field_error("cooperation", _("Choose the cooperation from the list."),
                              code=ErrorCode.INVALID_CHOICE)
        if item not in chosen:
            chosen.append(item)
    return [c for c in Cooperation.values if c in chosen]  # the list's own order, whatever was sent


def _organisation_fields(org: Organisation, data: dict[str, Any]) -> None:
    if "name_zh" in data:
        org.name_zh = clean_text(data["name_zh"], field="name_zh", limit=100, multiline=False, markup=False)
    if "name_en" in data:
        org.name_en = clean_text(data["name_en"], field="name_en", limit=150, required=False, multiline=False,
                                 markup=False)
    if "kind" in data:
        if data["kind"] not in OrganisationKind.values:
            raise field_error("kind", _("Choose a kind from the list."), code=ErrorCode.INVALID_CHOICE)
        org.kind = data["kind"]
    if "country" in data:
        org.country = _country(data["country"])
    if "city" in data:
        org.city = _city(data["city"])
    if "cooperation" in data:
        org.cooperation = _cooperation(data["cooperation"])
    if "description" in data:
        org.description = clean_text(data["description"], field="description", limit=2000, required=False,
                                     markup=False)
    if "website" in data:
        website = clean_text(data["website"], field="website", limit=200, required=False, multiline=False)
        if website:
            try:
                URLValidator(schemes=["http", "https"])(website)
            except ValidationError:
                raise field_error("website", _("Enter a web address starting with http:// or https://."),
                                  code=ErrorCode.INVALID) from None
        org.website = website
    if "provider" in data:
        org.provider = _provider(data["provider"])
    if "partner_since" in data:
        org.partner_since = _year(data["partner_since"], "partner_since")
    if "is_active" in data and data["is_active"] is not None:
        org.is_active = bool(data["is_active"])


def _name_free(org: Organisation) -> None:
    if Organisation.objects.filter(name_zh=org.name_zh).exclude(pk=org.pk).exists():
        raise field_error("name_zh", _("An organisation of the network already has this name."),
                          code=ErrorCode.TAKEN)


def _city_in_country(org: Organisation) -> None:
    """A city abroad belongs to the organisation's country; a partner country's office may sit in a
    Chinese city (a trade office in Beijing)."""
    if org.city is not None and org.city.country_id not in (org.country.pk, _home_id()):
        raise field_error("city", _("This city is not in the organisation's country."),
                          code=ErrorCode.INVALID_CHOICE)


def _home_id() -> int | None:
    return Country.objects.filter(code="CHN").values_list("pk", flat=True).first()


def organisation_create(*, actor: Any, name_zh: str, kind: str, country: Any, name_en: str = "",
                        city: Any = None, cooperation: Any = (), description: str = "", website: str = "",
                        provider: Any = None, partner_since: Any = None) -> Organisation:
    """A new active organisation of the network (its Chinese name is unique)."""
    _require(actor)
    org = Organisation()
    _organisation_fields(org, {"name_zh": name_zh, "name_en": name_en, "kind": kind, "country": country,
                               "city": city, "cooperation": cooperation, "description": description,
                               "website": website, "provider": provider, "partner_since": partner_since})
    _city_in_country(org)
    _full_clean(org)
    try:
        with transaction.atomic():
            _name_free(org)
            org.save()
    except IntegrityError:  # the same name created at the same moment by another request
        raise field_error("name_zh", _("An organisation of the network already has this name."),
                          code=ErrorCode.TAKEN) from None
    return org


def organisation_update(*, actor: Any, organisation: Organisation, **fields: Any) -> Organisation:
    """Change any of the organisation's fields (``ORGANISATION_FIELDS``); the row is locked while it is
    checked and written."""
    _require(actor)
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    with transaction.atomic():
        row = Organisation.objects.select_for_update(of=("self",)).select_related("country", "city").get(pk=organisation.pk)
        _organisation_fields(row, fields)
        _city_in_country(row)
        _full_clean(row)
        _name_free(row)
        row.save()
    return row


def organisation_deactivate(*, actor: Any, organisation: Organisation) -> Organisation:
    """Members no longer see it; its landing referrals and contacts stay (history is kept)."""
    return organisation_update(actor=actor, organisation=organisation, is_active=False)


# --- contacts ---------------------------------------------------------------------------------------

def _account(value: Any) -> Any:
    """The account a contact is linked to, by e-mail or mobile (None: no link)."""
    if value in (None, ""):
        return None
    if hasattr(value, "pk"):
        return value
    from parkos.accounts.selectors import user_find

    user = user_find(value=str(value))
    if user is None:
        raise field_error("user", _("No member has this mobile number, e-mail or account id."),
                          code=ErrorCode.NOT_FOUND)
    return user


def _contact_fields(contact: Contact, data: dict[str, Any]) -> None:
    if "name" in data:
        contact.name = clean_text(data["name"], field="name", limit=60, multiline=False, markup=False)
    if "title" in data:
        contact.title = clean_text(data["title"], field="title", limit=60, required=False, multiline=False,
                                   markup=False)
    if "email" in data:
        email = clean_text(data["email"], field="email", limit=254, required=False, multiline=False).lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise field_error("email", _("Enter a valid e-mail address."), code=ErrorCode.EMAIL) from None
        contact.email = email
    if "phone" in data:
        contact.phone = clean_text(data["phone"], field="phone", limit=30, required=False, multiline=False,
                                   markup=False)
    if "user" in data:
        contact.user = _account(data["user"])
    if "is_primary" in data and data["is_primary"] is not None:
        contact.is_primary = bool(data["is_primary"])


def _contact_save(contact: Contact) -> None:
    if contact.user_id and Contact.objects.filter(organisation_id=contact.organisation_id, user_id=contact.user_id) \
            .exclude(pk=contact.pk).exists():
        raise field_error("user", _("This account is already a contact of this organisation."),
                          code=ErrorCode.DUPLICATE)
    if contact.is_primary:
        # One primary contact per organisation: naming a new one demotes the old.
        Contact.objects.filter(organisation_id=contact.organisation_id, is_primary=True) \
            .exclude(pk=contact.pk).update(is_primary=False)
    contact.save()


def contact_add(*, actor: Any, organisation: Organisation, name: str, title: str = "", email: str = "",
                phone: str = "", user: Any = None, is_primary: bool = False) -> Contact:
    """A contact of ``organisation``; with ``user`` (an account, or its e-mail or mobile) they see the
    landing applications their organisation referred."""
    _require(actor)
    contact = Contact(organisation=organisation)
    _contact_fields(contact, {"name": name, "title": title, "email": email, "phone": phone, "user": user,
                              "is_primary": is_primary})
    _full_clean(contact, exclude=["organisation", "user"])
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        _contact_save(contact)
    return contact


def contact_update(*, actor: Any, contact: Contact, **fields: Any) -> Contact:
    _require(actor)
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=contact.organisation_id).first()
        row = Contact.objects.select_for_update().get(pk=contact.pk)
        _contact_fields(row, fields)
        _full_clean(row, exclude=["organisation", "user"])
        _contact_save(row)
    return row


def contact_remove(*, actor: Any, contact: Contact) -> None:
    """The contact is gone (idempotent); their account no longer sees the organisation's referrals."""
    _require(actor)
    Contact.objects.filter(pk=contact.pk).delete()


# --- partner countries and cities -------------------------------------------------------------------

def country_mark_partner(*, actor: Any, country: Country, is_partner: bool,
                         partner_since: Any = None) -> Country:
    """Make a country a partner of the network (since a year) or no longer one. China is home, never a
    partner of its own network."""
    _require(actor)
    if country.code == "CHN" and is_partner:
        raise field_error("is_partner", _("China is the park's home, not a partner country."),
                          code=ErrorCode.INVALID_CHOICE)
    since = _year(partner_since, "partner_since")
    with transaction.atomic():
        row = Country.objects.select_for_update().get(pk=country.pk)
        row.is_partner = bool(is_partner)
        row.partner_since = (since or row.partner_since) if is_partner else None
        row.save(update_fields=["is_partner", "partner_since"])
    return row


def city_mark_partner(*, actor: Any, city: City, is_partner: bool, partner_since: Any = None,
                      cooperation: str | None = None) -> City:
    """Make a city a partner (since a year, with what the cooperation is) or no longer one."""
    _require(actor)
    since = _year(partner_since, "partner_since")
    text = None if cooperation is None else clean_text(cooperation, field="cooperation", limit=1000,
                                                       required=False, markup=False)
    with transaction.atomic():
        row = City.objects.select_for_update().get(pk=city.pk)
        row.is_partner = bool(is_partner)
        row.partner_since = (since or row.partner_since) if is_partner else None
        if text is not None:
            row.cooperation = text
        row.save(update_fields=["is_partner", "partner_since", "cooperation"])
    return row
