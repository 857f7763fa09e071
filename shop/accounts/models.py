import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models, router
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


def new_token_key() -> str:
    return secrets.token_urlsafe(16)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        password: str | None = None,
        **extra: Any,
    ) -> "User":
        if not phone and not email:
            raise ValueError("A user needs a phone number or an email address")
        from shop.accounts.selectors import canonical_email

        user = self.model(phone=phone or None, email=canonical_email(email or "") or None, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> "User":
        """By email, in its stored (normalised) form, as createsuperuser looks it up."""
        from shop.accounts.selectors import canonical_email

        return self.get(email=canonical_email(username) if isinstance(username, str) else username)

    def create_superuser(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        password: str | None = None,
        **extra: Any,
    ) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(phone=phone, email=email, password=password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with a mainland mobile number or an email address.

    Operators are staff users; seller and station roles come from memberships
    (see shop.core.roles).
    """

    phone = PhoneNumberField(_("mobile phone"), region="CN", unique=True, null=True, blank=True)
    email = models.EmailField(_("email"), unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    is_staff = models.BooleanField(
        _("operator"), default=False, help_text=_("Operators verify sellers and use the admin.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    token_key = models.CharField(max_length=32, default=new_token_key, editable=False)
    # Where the last successful sign-in came from, for the sign-in throttle
    # (shop/accounts/throttle.py): a keyed hash of (user, client network), never the address.
    last_sign_in_address_hash = models.CharField(max_length=64, blank=True, editable=False)
    last_sign_in_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(phone__isnull=False) | Q(email__isnull=False),
                name="user_has_phone_or_email",
            )
        ]

    def __str__(self) -> str:
        return self.name or str(self.phone or self.email)

    # Set while check_password re-hashes a correct password with a newer hasher:
    # that is not a password change and revokes no token.
    _upgrading_password_hash = False
    # A new token_key that is not saved yet (see save).
    _token_key_unsaved = False

    def rotate_token_key(self) -> None:
        """Invalidate every access and refresh token issued so far."""
        self.token_key = new_token_key()
        self.save(update_fields=["token_key"])

    def _revoke_tokens_on_save(self) -> None:
        self.token_key = new_token_key()
        self._token_key_unsaved = True

    def set_password(self, raw_password: str | None) -> None:
        """Set the password and revoke every token issued so far (saved with the password)."""
        super().set_password(raw_password)
        if not self._upgrading_password_hash:
            self._revoke_tokens_on_save()

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._revoke_tokens_on_save()

    def check_password(self, raw_password: str) -> bool:
        self._upgrading_password_hash = True
        try:
            return super().check_password(raw_password)
        finally:
            self._upgrading_password_hash = False

    async def acheck_password(self, raw_password: str) -> bool:
        self._upgrading_password_hash = True
        try:
            return await super().acheck_password(raw_password)
        finally:
            self._upgrading_password_hash = False

    def clean(self) -> None:
        super().clean()
        self._normalise_email()

    def _normalise_email(self) -> None:
        from shop.accounts.selectors import canonical_email

        if self.email is not None:
            self.email = canonical_email(self.email) or None

    def _is_active_changing(self, using: str | None, update_fields: Iterable[str] | None) -> bool:
        if self.pk is None or (update_fields is not None and "is_active" not in update_fields):
            return False
        stored = (
            type(self)
            ._base_manager.using(using or router.db_for_write(type(self), instance=self))
            .filter(pk=self.pk)
            .values_list("is_active", flat=True)
            .first()
        )
        return stored is not None and stored != self.is_active

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Store the email normalised, and revoke every token issued so far when the
        password changed (set_password) or the user is deactivated or reactivated."""
        self._normalise_email()
        update_fields: Iterable[str] | None = kwargs.get("update_fields")
        if self._is_active_changing(kwargs.get("using"), update_fields):
            self._revoke_tokens_on_save()
        saves_key = update_fields is None or "token_key" in update_fields
        if (
            update_fields is not None
            and not saves_key
            and self._token_key_unsaved
            and {"password", "is_active"} & {*update_fields}
        ):
            kwargs["update_fields"] = [*update_fields, "token_key"]
            saves_key = True
        super().save(*args, **kwargs)
        if saves_key:
            self._token_key_unsaved = False
