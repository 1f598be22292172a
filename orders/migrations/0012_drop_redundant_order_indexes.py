"""Drop the order table's indexes that no query needs: every import writes each of them (9 of 30 on PostgreSQL).

- channel, status, created_at: each is the leading column of an index that answers the same filters and sorts
  (order_grid_channel_created, order_grid_status_created, order_created_desc, which PostgreSQL and SQLite also read
  backwards).
- the varchar_pattern_ops twins PostgreSQL adds for an indexed CharField (channel, status, increment_id,
  customer_email, billing_name, shipping_name): they answer a case-sensitive LIKE 'x%', which nothing asks; the
  grid's prefix searches are case-insensitive and read the UPPER(...) indexes of 0003, its name searches are
  icontains (no index can answer them).
The plain indexes on customer_email, billing_name and shipping_name stay (the grid sorts by them); they move from
db_index to Meta.indexes under names of our own, renamed in place on PostgreSQL (no rebuild of a big table).

SQLite had lost 0003's two grid indexes to the table rebuilds of later migrations (SQLite alters a table by
copying it, which drops indexes Django does not know of); they are created again here if missing.
"""

from django.db import migrations, models

DROPPED = [
    "orders_order_channel_dc2c61a7",
    "orders_order_channel_dc2c61a7_like",
    "orders_order_status_445594e5",
    "orders_order_status_445594e5_like",
    "orders_order_created_at_20b8d253",
    "orders_order_increment_id_ceea35b2_like",
    "orders_order_customer_email_1db7033c_like",
    "orders_order_billing_name_80add377_like",
    "orders_order_shipping_name_f060b3dc_like",
]
RENAMED = [
    ("orders_order_customer_email_1db7033c", "order_customer_email", "customer_email"),
    ("orders_order_billing_name_80add377", "order_billing_name", "billing_name"),
    ("orders_order_shipping_name_f060b3dc", "order_shipping_name", "shipping_name"),
]
GRID = [
    ("order_grid_status_created", "orders_order (status, created_at DESC, id DESC)"),
    ("order_grid_channel_created", "orders_order (channel, created_at DESC, id DESC)"),
]


def forwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, target in GRID:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
    for name in DROPPED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for old, new, column in RENAMED:
        if postgres:
            schema_editor.execute(f"ALTER INDEX IF EXISTS {old} RENAME TO {new}")
        else:
            schema_editor.execute(f"DROP INDEX IF EXISTS {old}")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {new} ON orders_order ({column})")


def backwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for old, new, column in RENAMED:
        if postgres:
            schema_editor.execute(f"ALTER INDEX IF EXISTS {new} RENAME TO {old}")
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {old}_like ON orders_order ({column} varchar_pattern_ops)")
        else:
            schema_editor.execute(f"DROP INDEX IF EXISTS {new}")
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {old} ON orders_order ({column})")
    for column, name in [("channel", "orders_order_channel_dc2c61a7"), ("status", "orders_order_status_445594e5")]:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON orders_order ({column})")
        if postgres:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name}_like ON orders_order ({column} varchar_pattern_ops)")
    schema_editor.execute("CREATE INDEX IF NOT EXISTS orders_order_created_at_20b8d253 ON orders_order (created_at)")
    if postgres:
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS orders_order_increment_id_ceea35b2_like ON orders_order "
            "(increment_id varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("orders", "0011_stock_reservation")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="channel",
                    field=models.CharField(default="admin", max_length=32, verbose_name="channel"),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="status",
                    field=models.CharField(default="pending", max_length=64, verbose_name="status"),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="created_at",
                    field=models.DateTimeField(verbose_name="purchase date"),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="customer_email",
                    field=models.EmailField(blank=True, max_length=254, verbose_name="customer email"),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="billing_name",
                    field=models.CharField(blank=True, max_length=512, verbose_name="bill-to name"),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="shipping_name",
                    field=models.CharField(blank=True, max_length=512, verbose_name="ship-to name"),
                ),
                migrations.AddIndex(
                    model_name="order", index=models.Index(fields=["customer_email"], name="order_customer_email")
                ),
                migrations.AddIndex(
                    model_name="order", index=models.Index(fields=["billing_name"], name="order_billing_name")
                ),
                migrations.AddIndex(
                    model_name="order", index=models.Index(fields=["shipping_name"], name="order_shipping_name")
                ),
            ],
        )
    ]
