"""The grand totals sort like 0013's columns: (total, id), in place of the single-column index of each. Orders of
one product at one price share a total, so the page must not depend on sorting them. The old indexes are dropped
by name (0013's note: AlterField would copy the table on SQLite)."""

from decimal import Decimal

from django.db import migrations, models

OLD = [("orders_order_grand_total_f70429aa", "grand_total"), ("orders_order_base_grand_total_d99a073a", "base_grand_total")]


class Migration(migrations.Migration):
    dependencies = [("orders", "0013_grid_sort_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    f"CREATE INDEX IF NOT EXISTS {name} ON orders_order ({column})",
                    elidable=False,
                )
                for name, column in OLD
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name=field,
                    field=models.DecimalField(
                        decimal_places=2, default=Decimal("0.00"), max_digits=14, verbose_name=label
                    ),
                )
                for field, label in (("base_grand_total", "grand total (base)"), ("grand_total", "grand total (purchased)"))
            ],
        ),
        migrations.AddIndex(
            model_name="order", index=models.Index(fields=["grand_total", "id"], name="order_grand_total_sort")
        ),
        migrations.AddIndex(
            model_name="order", index=models.Index(fields=["base_grand_total", "id"], name="order_base_total_sort")
        ),
    ]
