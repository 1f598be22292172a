"""Raw inspection for superusers. Every change to an order goes through orders.services, so orders are read-only
here: editing a quantity in this form would bypass the rules."""

from django.contrib import admin

from . import models


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ItemInline(ReadOnlyInline):
    model = models.OrderItem


class AddressInline(ReadOnlyInline):
    model = models.OrderAddress


class CommentInline(ReadOnlyInline):
    model = models.OrderComment


@admin.register(models.Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["increment_id", "store", "channel", "external_order_number", "state", "status", "grand_total"]
    list_filter = ["state", "channel", "store"]
    search_fields = ["increment_id", "external_order_number", "customer_email", "billing_name"]
    inlines = [AddressInline, ItemInline, CommentInline]
    list_select_related = ["store"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Invoice, models.Shipment, models.CreditMemo)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["increment_id", "order", "created_at"]
    search_fields = ["increment_id", "order__increment_id"]
    list_select_related = ["order"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.register([models.Store, models.Product, models.Customer, models.OrderStatus])


@admin.register(models.StockReservation)
class StockReservationAdmin(admin.ModelAdmin):
    """Read-only: reservations change only through orders.services (reserve, convert on placing, release)."""

    list_display = ["sku", "qty", "channel", "external_order_number", "expires_at", "converted_at", "released_at"]
    list_filter = ["channel", "release_reason"]
    search_fields = ["sku", "external_order_number"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
