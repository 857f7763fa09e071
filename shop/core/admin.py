"""Admin bases for operators: writes go through an app's services, records
that are never edited are shown read-only."""

from collections.abc import Collection
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from shop.core.errors import DomainError


class ServiceAdmin(admin.ModelAdmin):
    """A service refusing at save time (a race the form could not see) leaves
    nothing written: the admin's transaction rolls back and the form comes back
    with the reason."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except DomainError as error:
            for each in error.errors:
                self.message_user(request, str(each.message), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @staticmethod
    def changes(form: forms.BaseForm, fields: Collection[str]) -> dict[str, Any]:
        return {field: form.cleaned_data[field] for field in form.changed_data if field in fields}


class NothingWritten:
    """Nothing is added, changed or deleted here (an admin or an inline)."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyAdmin(NothingWritten, admin.ModelAdmin):
    """Every column shown, nothing added, changed or deleted here."""

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        """Every column, the codes (not editable anywhere) included."""
        return tuple(f.name for f in self.model._meta.concrete_fields if not f.primary_key)

    get_readonly_fields = get_fields
