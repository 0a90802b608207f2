"""Writes on the catalog: checking a service's request form, materials and eligibility specs, saving a
service (operators) and keeping the search index in step."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.catalog.models import Service
from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid
from parkos.core.text import has_control_chars
from parkos.enterprises.models import Stage

FIELD_TYPES = ("text", "textarea", "number", "date", "choice")
MAX_FIELDS = 20


def fields_validate(value: Any) -> list[dict[str, Any]]:
    """A service's request form: a list of ``{"name", "label", "type", "required", "choices"}``, each
    with an optional ``label_en`` and, for a choice, ``choices_en`` (one English label per choice)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(_("The request form must be a list of fields."), code=ErrorCode.INVALID)
    if len(value) > MAX_FIELDS:
        raise ValidationError(_("At most %(n)d fields.") % {"n": MAX_FIELDS}, code=ErrorCode.INVALID)
    clean: list[dict[str, Any]] = []
    names: set[str] = set()
    for i, spec in enumerate(value, start=1):
        if not isinstance(spec, dict):
            raise ValidationError(_("Field %(i)d is not an object.") % {"i": i}, code=ErrorCode.INVALID)
        name = str(spec.get("name") or "").strip()
        if not name.isidentifier() or len(name) > 40:
            raise ValidationError(_("Field %(i)d needs a name of letters, digits and underscores.") % {"i": i},
                                  code=ErrorCode.INVALID)
        if name in names:
            raise ValidationError(_("Two fields are named %(name)s.") % {"name": name}, code=ErrorCode.INVALID)
        names.add(name)
        kind = str(spec.get("type") or "text")
        if kind not in FIELD_TYPES:
            raise ValidationError(_("Field %(name)s has an unknown type %(type)s.") % {"name": name, "type": kind},
                                  code=ErrorCode.INVALID)
        label = str(spec.get("label") or name).strip()
        if has_control_chars(label) or len(label) > 80:
            raise ValidationError(_("Field %(name)s has an invalid label.") % {"name": name}, code=ErrorCode.INVALID)
        item: dict[str, Any] = {"name": name, "label": label, "type": kind, "required": bool(spec.get("required"))}
        label_en = str(spec.get("label_en") or "").strip()
        if has_control_chars(label_en) or len(label_en) > 120:
            raise ValidationError(_("Field %(name)s has an invalid label.") % {"name": name}, code=ErrorCode.INVALID)
        if label_en:
            item["label_en"] = label_en
        if kind == "choice":
            raw = spec.get("choices") or []
            given = spec.get("choices_en")
            english: list[Any] = given if isinstance(given, list) else []
            pairs = [(str(c).strip(), str(english[i] or "").strip() if i < len(english) else "")
                     for i, c in enumerate(raw) if str(c).strip()]
            if not pairs:
                raise ValidationError(_("Field %(name)s needs at least one choice.") % {"name": name}, code=ErrorCode.INVALID)
            item["choices"] = [c for c, _en in pairs]
            if any(en for _c, en in pairs):
                item["choices_en"] = [en for _c, en in pairs]
        clean.append(item)
    return clean


def eligibility_validate(value: Any) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError(_("Eligibility must be an object."), code=ErrorCode.INVALID)
    unknown = set(value) - {"tenant_only", "stages", "industries"}
    if unknown:
        raise ValidationError(_("Unknown eligibility keys: %(keys)s") % {"keys": ", ".join(sorted(unknown))},
                              code=ErrorCode.INVALID)
    stages = [str(s) for s in value.get("stages") or []]
    bad = [s for s in stages if s not in Stage.values]
    if bad:
        raise ValidationError(_("Unknown stages: %(stages)s") % {"stages": ", ".join(bad)}, code=ErrorCode.INVALID)
    industries = [str(s) for s in value.get("industries") or []]
    if industries:
        from parkos.enterprises.models import Industry

        known = set(Industry.objects.filter(code__in=industries).values_list("code", flat=True))
        missing = [c for c in industries if c not in known]
        if missing:
            raise ValidationError(_("Unknown industries: %(codes)s") % {"codes": ", ".join(missing)},
                                  code=ErrorCode.INVALID)
    spec: dict[str, Any] = {}
    if value.get("tenant_only"):
        spec["tenant_only"] = True
    if stages:
        spec["stages"] = stages
    if industries:
        spec["industries"] = industries
    return spec


def materials_validate(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise ValidationError(_("Materials must be a list of texts."), code=ErrorCode.INVALID)
    return [m.strip() for m in value if m.strip()]


def materials_en_validate(value: Any) -> list[str]:
    """The materials' English, item by item: blanks keep their place (that item shows in Chinese)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise ValidationError(_("Materials must be a list of texts."), code=ErrorCode.INVALID)
    items = [m.strip() for m in value]
    while items and not items[-1]:
        items.pop()
    return items


def service_clean(service: Service) -> None:
    """Normalise and check a service's JSON specs and fields; raises Django's ValidationError."""
    errors: dict[str, list[str]] = {}
    for name, check in (("fields", fields_validate), ("eligibility", eligibility_validate),
                        ("materials", materials_validate), ("materials_en", materials_en_validate)):
        try:
            setattr(service, name, check(getattr(service, name)))
        except ValidationError as error:
            errors[name] = error.messages
    if service.pricing != "fixed":
        service.price = None if service.pricing == "free" else service.price
    try:
        service.full_clean()
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def service_save(*, actor: User, service: Service) -> Service:
    """Create or update a service (operators), then re-index it once the change has committed
    (an inactive service leaves the index). A park's operators manage that park's own services; only
    portfolio operators the portfolio-wide ones (and moving a service between parks needs both sides)."""
    policy.require(actor, "catalog.manage", service)
    if service.pk is not None:
        stored = Service.objects.filter(pk=service.pk).first()
        if stored is not None:
            policy.require(actor, "catalog.manage", stored)
    try:
        service_clean(service)
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None
    with transaction.atomic():
        service.save()
        service_reindex(service_id=service.pk)
    return service


def service_reindex(*, service_id: int) -> None:
    from parkos.search.services import index_on_commit

    index_on_commit("service", service_id)
