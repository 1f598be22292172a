"""The order grid filtered by status and channel together (e.g. Processing + Amazon): its capped count scanned the
table and filtered the second column (40 ms at 1,000,000 orders); with both columns in one index it is an
index-only scan (3 ms). Ends with (created_at DESC, id DESC) so the default sort of that filter reads from it too.
Measured in docs/PERFORMANCE.md."""

from django.db import migrations

NAME = "order_grid_status_channel_created"


def create(apps, schema_editor):
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON orders_order (status, channel, created_at DESC, id DESC)"
    )


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_grid_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
