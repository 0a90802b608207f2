"""Users, their global roles, consents and personal access tokens."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.text import normalise_mobile, validate_plain_name, validate_plain_text


class Role(models.TextChoices):
    OPERATOR = policy.OPERATOR, _("Park operator")
    BUTLER = policy.BUTLER, _("Enterprise butler")
    PROVIDER = policy.PROVIDER, _("Service provider")
    MERCHANT = policy.MERCHANT, _("Merchant")
    INVESTOR = policy.INVESTOR, _("Investor")
    JUDGE = policy.JUDGE, _("Judge")


class Education(models.TextChoices):
    UNSPECIFIED = "", _("Prefer not to say")
    HIGH_SCHOOL = "high_school", _("High school or below")
    ASSOCIATE = "associate", _("Associate degree")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        """Log-in name is an e-mail address or a mainland mobile number."""
        login = (username or "").strip()
        if "@" in login:
            return self.get(email=login.lower())
        return self.get(mobile=normalise_mobile(login))

    def create_user(self, email: str | None = None, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=(email or "").lower() or None, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str | None = None, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_superuser", True)
        extra.setdefault("display_name", "admin")
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True, null=True, blank=True)
    mobile = models.CharField(_("mobile number"), max_length=11, unique=True, null=True, blank=True)
    display_name = models.CharField(_("display name"), max_length=40, validators=[validate_plain_name])
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    bio = models.TextField(_("bio"), max_length=500, blank=True, validators=[validate_plain_text])
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    interests = models.JSONField(_("industry interests"), default=list, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    is_public = models.BooleanField(_("profile visible to members"), default=True)
    language = models.CharField(_("interface language"), max_length=10, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now, db_index=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(mobile__isnull=False), name="user_has_login"
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.email or self.mobile or f"#{self.pk}"

    def get_session_auth_hash(self) -> str:
        # A member kept between requests (accounts/backends.py) comes without the password hash and with the
        # session auth hash made from it when kept; once the password is loaded or set, it is the source.
        kept = self.__dict__.get("_kept_session_hash")
        if kept is not None and "password" not in self.__dict__:
            return str(kept)
        return super().get_session_auth_hash()

    @property
    def login(self) -> str:
        return self.email or self.mobile or ""

    @cached_property
    def role_scopes(self) -> dict[str, frozenset[int | None]]:
        """Each role held -> the parks it is granted for (None: every park of the portfolio). One query, or
        none: kept in the shared cache until a grant of this person changes (core/generations.py)."""
        if not self.pk:
            return {}
        from parkos.core.generations import person_fact

        def compute() -> dict[str, frozenset[int | None]]:
            scopes: dict[str, set[int | None]] = {}
            for role, park_id in self.role_grants.values_list("role", "park_id"):
                scopes.setdefault(role, set()).add(park_id)
            return {role: frozenset(parks) for role, parks in scopes.items()}

        return dict(person_fact(self, "roles", compute))

    @property
    def role_codes(self) -> frozenset[str]:
        """The roles held in any park."""
        return frozenset(self.role_scopes)

    @property
    def is_staff(self) -> bool:
        """Django admin's gate: whoever the policy lets into the admin ("admin.access"), and superusers
        (created on the command line, outside the park's roles)."""
        return self.is_active and (self.is_superuser or policy.can(self, "admin.access", policy.PORTFOLIO))

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        # Operators do the park's raw data work in the admin; the domain policy still guards services.
        if policy.can(self, "admin.access", policy.PORTFOLIO):
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if policy.can(self, "admin.access", policy.PORTFOLIO):
            return True
        return super().has_module_perms(app_label)

    def relations_for(self, user: Any) -> set[str]:
        return {policy.SELF} if user is not None and user.pk == self.pk else set()


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("granted by"))
    # The park the role is held in; empty: every park of the operator's portfolio (a portfolio operator).
    park = models.ForeignKey("core.Park", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("park"), help_text=_("Empty: every park of the portfolio."))

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "park"], name="userrole_unique_park"),
            models.UniqueConstraint(fields=["user", "role"], condition=models.Q(park__isnull=True),
                                    name="userrole_unique_portfolio"),
        ]

    def __str__(self) -> str:
        where = self.park.name if self.park_id and self.park else _("all parks")
        return f"{self.user} · {self.get_role_display()} · {where}"


class Consent(models.Model):
    class Kind(models.TextChoices):
        PRIVACY = "privacy", _("Privacy policy")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents", verbose_name=_("user"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    version = models.CharField(_("version"), max_length=20)
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["user", "kind", "version"], name="consent_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind} {self.version}"


class AccessToken(models.Model):
    """A personal access token for scripts. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=60, validators=[validate_plain_name])
    prefix = models.CharField(_("prefix"), max_length=12)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class SmsCode(models.Model):
    """A one-time SMS code for a mobile number and a purpose, stored only as a keyed hash.

    A new code for the same number and purpose closes the previous one; a code is used once, expires
    after ``SMS_CODE_TTL`` seconds and accepts at most ``SMS_CODE_MAX_ATTEMPTS`` wrong guesses."""

    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("Sign up")
        LOGIN = "login", _("Log in")
        RESET = "reset", _("Reset password")

    mobile = models.CharField(max_length=11, db_index=True)
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["mobile", "purpose", "-created_at"], name="smscode_lookup")]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.mobile}"


class SessionRecord(models.Model):
    """One logged-in session of a member, for the sessions page (accounts/sessions.py).

    Written at log-in, its ``last_seen`` touched at most every ``SESSION_TOUCH_SECONDS``, deleted at
    log-out. It keeps the session key itself, not a hash: ending a session from another device must
    delete it through the session engine, and the db and cached_db engines already keep the same key in
    ``django_session``, so the table exposes nothing more. Pages name a record by its id, never its key."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="session_records", verbose_name=_("user"))
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("logged in at"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"
