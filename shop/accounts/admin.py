from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from shop.accounts.forms import AdminLoginForm
from shop.accounts.models import User

# The admin login goes through the sign-in throttle like every way in; show its refusals.
admin.site.login_form = AdminLoginForm


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["__str__", "phone", "email", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["phone", "email", "name"]
    fieldsets = [
        (None, {"fields": ["phone", "email", "name", "password"]}),
        (_("Roles"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [(None, {"fields": ["phone", "email", "name", "password1", "password2"]})]
    filter_horizontal = ["groups"]
