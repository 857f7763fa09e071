"""Admin bases for operators: writes go through an app's services, records
that are never edited are shown read-only."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from shop.core.errors import DomainError


class ServiceAdmin(admin.ModelAdmin):
    """A service refusing at save time (a race the form could not see) leaves
    nothing written: the admin's transaction rolls back and the form comes back
    with the reason."""

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except DomainError as error:
            for each in error.errors:
                self.message_user(request, str(each.message), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @staticmethod
    def changes(form, fields):
        return {field: form.cleaned_data[field] for field in form.changed_data if field in fields}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Every column shown, nothing added, changed or deleted here."""

    def get_fields(self, request, obj=None):
        """Every column, the codes (not editable anywhere) included."""
        return [f.name for f in self.model._meta.concrete_fields if not f.primary_key]

    get_readonly_fields = get_fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
