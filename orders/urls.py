from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("orders/", views.order_grid, name="order_grid"),
    path("orders/<int:order_id>/", views.order_view, name="order_view"),
    path("invoices/", views.invoice_grid, name="invoice_grid"),
    path("invoices/<int:invoice_id>/", views.invoice_view, name="invoice_view"),
    path("shipments/", views.shipment_grid, name="shipment_grid"),
    path("shipments/<int:shipment_id>/", views.shipment_view, name="shipment_view"),
    path("credit-memos/", views.creditmemo_grid, name="creditmemo_grid"),
    path("credit-memos/<int:credit_memo_id>/", views.creditmemo_view, name="creditmemo_view"),
]
