from django.contrib import admin

from logistics.models import PickupPoint


@admin.register(PickupPoint)
class PickupPointAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "division_code", "is_active"]
    search_fields = ["name", "address", "division_code"]
    filter_horizontal = ["staff"]
