import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


def new_token_key():
    return secrets.token_urlsafe(16)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, *, phone=None, email=None, password=None, **extra):
        if not phone and not email:
            raise ValueError("A user needs a phone number or an email address")
        user = self.model(phone=phone or None, email=self.normalize_email(email) or None, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, *, phone=None, email=None, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(phone=phone, email=email, password=password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with a mainland mobile number or an email address.

    Operators are staff users; seller and station roles come from memberships
    (see shop.permissions).
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

    def __str__(self):
        return self.name or str(self.phone or self.email)

    def rotate_token_key(self):
        """Invalidate every access and refresh token issued so far."""
        self.token_key = new_token_key()
        self.save(update_fields=["token_key"])
