from django.urls import path

from . import print_views, store_views, views

app_name = "orders"
urlpatterns = [
    path("orders/", views.order_grid, name="order_grid"),
    path("orders/mass-action/", views.order_mass_action, name="order_mass_action"),
    path("orders/<int:order_id>/", views.order_view, name="order_view"),
    path("orders/<int:order_id>/invoice/", views.invoice_new, name="invoice_new"),
    path("orders/<int:order_id>/ship/", views.shipment_new, name="shipment_new"),
    path("orders/<int:order_id>/credit-memo/", views.creditmemo_new, name="creditmemo_new"),
    path("orders/<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<int:order_id>/hold/", views.order_hold, name="order_hold"),
    path("orders/<int:order_id>/unhold/", views.order_unhold, name="order_unhold"),
    path("orders/<int:order_id>/email/", views.order_email, name="order_email"),
    path("orders/<int:order_id>/comment/", views.order_comment, name="order_comment"),
    path("invoices/", views.invoice_grid, name="invoice_grid"),
    path("invoices/<int:invoice_id>/", views.invoice_view, name="invoice_view"),
    path("invoices/<int:invoice_id>/print/", print_views.invoice_print, name="invoice_print"),
    path("shipments/", views.shipment_grid, name="shipment_grid"),
    path("shipments/<int:shipment_id>/", views.shipment_view, name="shipment_view"),
    path("shipments/<int:shipment_id>/print/", print_views.shipment_print, name="shipment_print"),
    path("credit-memos/", views.creditmemo_grid, name="creditmemo_grid"),
    path("credit-memos/<int:credit_memo_id>/", views.creditmemo_view, name="creditmemo_view"),
    path("credit-memos/<int:credit_memo_id>/print/", print_views.creditmemo_print, name="creditmemo_print"),
    path("documents/<str:kind>/print/", print_views.documents_print, name="documents_print"),
    path("stores/information/", store_views.store_information, name="store_information"),
    path("stores/<int:store_id>/information/", store_views.store_information, name="store_information"),
]
