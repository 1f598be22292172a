"""The permission of every Amazon page, in one place: reading a page needs its model's view permission, a POST the
change permission or the action's own (admin_ui.permissions.page_permission_required)."""

from __future__ import annotations

from admin_ui.permissions import page_permission_required

VIEW_STORE = "amazon_channel.view_amazonstore"
ADD_STORE = "amazon_channel.add_amazonstore"
CHANGE_STORE = "amazon_channel.change_amazonstore"
SYNC_STORE = "amazon_channel.sync_amazonstore"
VIEW_LOG = "amazon_channel.view_communicationlog"
VIEW_ORDER = "amazon_channel.view_amazonorder"
CHANGE_ORDER = "amazon_channel.change_amazonorder"
CANCEL_ORDER = "amazon_channel.cancel_amazonorder"
VIEW_UPDATE = "amazon_channel.view_outboundupdate"
RETRY_UPDATE = "amazon_channel.retry_outboundupdate"

# Decorators, one per kind of page: GET needs the first permission, POST also the second.
store_page = page_permission_required(VIEW_STORE, change=CHANGE_STORE)
store_add_page = page_permission_required(VIEW_STORE, change=ADD_STORE)
store_sync_action = page_permission_required(VIEW_STORE, change=SYNC_STORE)
communication_log_page = page_permission_required(VIEW_LOG)
amazon_order_page = page_permission_required(VIEW_ORDER, change=CHANGE_ORDER)
amazon_order_cancel_action = page_permission_required(VIEW_ORDER, change=CANCEL_ORDER)
update_page = page_permission_required(VIEW_UPDATE, change=RETRY_UPDATE)
