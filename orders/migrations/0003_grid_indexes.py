"""Indexes for the order grid's most used filter + sort pairs, and (PostgreSQL) for its prefix searches.

Plain SQL, not Meta.indexes: orders/models.py belongs to the domain; these serve one page's queries. The grid sorts
newest first with id as tie-breaker, so each filter index ends with (created_at DESC, id DESC).
"""

from django.db import migrations

COMMON = [
    ("order_grid_status_created", "orders_order (status, created_at DESC, id DESC)"),
    ("order_grid_channel_created", "orders_order (channel, created_at DESC, id DESC)"),
]
# Django turns istartswith into UPPER(col::text) LIKE UPPER('x%'); these expression indexes answer it.
POSTGRES = [
    ("order_grid_increment_prefix", "orders_order (UPPER(increment_id::text) text_pattern_ops)"),
    ("order_grid_external_prefix", "orders_order (UPPER(external_order_number::text) text_pattern_ops)"),
    ("order_grid_email_prefix", "orders_order (UPPER(customer_email::text) text_pattern_ops)"),
]


def create(apps, schema_editor):
    indexes = COMMON + (POSTGRES if schema_editor.connection.vendor == "postgresql" else [])
    for name, target in indexes:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    for name, _target in COMMON + POSTGRES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_order_status")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
