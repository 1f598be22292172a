"""Indexes for the Amazon All Orders grid at a million orders (docs/PERFORMANCE.md section 3).

- Sorts: (status, id), (buyer_name, id), (grand_total, id) replace the single-column status / buyer_name indexes
  (and their unused LIKE twins), so each sort and its id tie-breaker reads a page from the index instead of sorting
  333,000 rows; a status filter is counted index-only.
- Keyword filters (Order Number, Buyer's Name, Order Notes match anywhere in the text: Django's icontains, i.e.
  UPPER(col::text) LIKE UPPER('%x%')): on PostgreSQL, trigram GIN indexes on exactly that expression, so a search
  reads the matching rows instead of scanning the table (an order number: 765 ms -> a few ms). Plain SQL run only on
  PostgreSQL, like orders/0003; SQLite keeps scanning (demo-sized data).
"""

from django.db import migrations, models

TRIGRAM_INDEXES = [
    ("amazon_order_grid_number_trgm", "UPPER(amazon_order_id::text)"),
    ("amazon_order_grid_buyer_trgm", "UPPER(buyer_name::text)"),
    ("amazon_order_grid_notes_trgm", "UPPER(order_notes)"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in TRIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON amazon_channel_amazonorder USING gin ({expression} gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _expression in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('amazon_channel', '0005_amazon_payload_fields'),
        ('orders', '0004_grid_status_channel_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='amazonorder',
            name='buyer_name',
            field=models.CharField(blank=True, max_length=255, verbose_name="Buyer's Name"),
        ),
        migrations.AlterField(
            model_name='amazonorder',
            name='status',
            field=models.CharField(choices=[('PENDING_AVAILABILITY', 'Pending Availability'), ('PENDING', 'Pending'), ('UNSHIPPED', 'Unshipped'), ('PARTIALLY_SHIPPED', 'Partially Shipped'), ('SHIPPED', 'Shipped'), ('CANCELLED', 'Canceled'), ('UNFULFILLABLE', 'Unfulfillable')], max_length=32, verbose_name='Status'),
        ),
        migrations.AddIndex(
            model_name='amazonorder',
            index=models.Index(fields=['status', 'id'], name='amazon_order_grid_status'),
        ),
        migrations.AddIndex(
            model_name='amazonorder',
            index=models.Index(fields=['buyer_name', 'id'], name='amazon_order_grid_buyer'),
        ),
        migrations.AddIndex(
            model_name='amazonorder',
            index=models.Index(fields=['grand_total', 'id'], name='amazon_order_grid_total'),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
