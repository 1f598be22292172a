"""Orders in: the import of Amazon orders as Commerce orders.

Modules, in the order a run flows through them: `runs` (the lease, the window and the cursor, retries, *Recover
order*), `paging` (searchOrders pages, prefetched), `pages` (one page written in bulk), `mapping` (Amazon's data as
rows), `set_aside` (orders that can't be read or stored), `placing` (the Commerce orders), `reconciling` (Amazon-side
cancels and shipments), `details` (tax registrations, gifts, customizations, proceeds read from what Amazon
sent), `rules` (which orders are importable), `result`, `schedule` (each store's beat entry, *Sync
now*), `tasks`.
"""

from .details import PROGRAMS, OrderDetails, order_details, program_label, ship_by_condition, ship_by_state
from .fate import (
    FATE_CONDITIONS,
    FATE_LABELS,
    NOT_IMPORTED,
    Fate,
    explain,
    import_now,
    import_skipped_orders,
    skipped_count,
)
from .pages import process_orders
from .placing import build_new_order
from .result import ImportRefused, ImportResult
from .rules import is_importable
from .runs import import_orders, recover_order
from .schedule import request_store_sync, schedule_store_sync

__all__ = [
    "FATE_CONDITIONS",
    "FATE_LABELS",
    "NOT_IMPORTED",
    "PROGRAMS",
    "Fate",
    "ImportRefused",
    "ImportResult",
    "OrderDetails",
    "build_new_order",
    "explain",
    "import_now",
    "import_orders",
    "import_skipped_orders",
    "is_importable",
    "order_details",
    "process_orders",
    "program_label",
    "recover_order",
    "request_store_sync",
    "schedule_store_sync",
    "ship_by_condition",
    "ship_by_state",
    "skipped_count",
]
