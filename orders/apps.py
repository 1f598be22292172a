from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from admin_ui import menu

        from .schedule import ensure_stock_reservation_schedule

        post_migrate.connect(ensure_stock_reservation_schedule, dispatch_uid="orders.stock_reservation_schedule")

        menu.register("sales", _("Orders"), "orders:order_grid", permission="orders.view_order", order=10)
        menu.register("sales", _("Invoices"), "orders:invoice_grid", permission="orders.view_invoice", order=20)
        menu.register("sales", _("Shipments"), "orders:shipment_grid", permission="orders.view_shipment", order=30)
        menu.register(
            "sales", _("Credit Memos"), "orders:creditmemo_grid", permission="orders.view_creditmemo", order=40
        )
        menu.register(
            "sales", _("Store Information"), "orders:store_information", permission="orders.change_store", order=90
        )
