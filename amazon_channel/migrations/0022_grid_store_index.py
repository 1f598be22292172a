"""The All Orders grid sorted by store reads each store's orders off a (store, id) index (amazon_orders/grids.py),
which also answers the foreign key's lookups: the foreign key's own index goes, dropped by name rather than through
AlterField, which SQLite carries out by copying the table (losing the indexes Django does not know of)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("amazon_channel", "0021_grid_marketplace_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS amazon_channel_amazonorder_store_id_198ad5c9",
                    "CREATE INDEX IF NOT EXISTS amazon_channel_amazonorder_store_id_198ad5c9 "
                    "ON amazon_channel_amazonorder (store_id)",
                    elidable=False,
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="amazonorder",
                    name="store",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="amazon_orders",
                        to="amazon_channel.amazonstore",
                    ),
                )
            ],
        ),
        migrations.AddIndex(
            model_name="amazonorder", index=models.Index(fields=["store", "id"], name="amazon_order_grid_store")
        ),
    ]
