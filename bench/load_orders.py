"""Fill PostgreSQL with N orders fast, for the page benchmarks: set-based INSERT ... SELECT FROM generate_series.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/load_orders.py --orders 1000000

A third of the orders come from Amazon (each with its Amazon order row), the rest from the admin; 1-4 items each,
states spread like a live store, purchase dates over the last year. Increment ids "B<n>" never clash with real ones.
Every column not named here gets the model field's default, so the loader keeps up with the models.
"""

from __future__ import annotations

import argparse
import time

from _setup import setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=250_000)
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("The loader needs PostgreSQL: set DATABASE_URL.")
    call_command("migrate", verbosity=0)
    load(args.orders, args.batch)


def _insert_select(model, expressions: dict[str, str], source: str) -> str:
    """INSERT INTO model (every column) SELECT <expression or the field's default> FROM source."""
    from django.db import connection

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in expressions:
            values.append(expressions[field.attname])
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append("now()")
        elif field.has_default():
            default = field.get_default()
            prepared = field.get_db_prep_save(default, connection)
            if prepared is None:
                values.append("NULL")
            elif hasattr(prepared, "obj"):  # JSON
                values.append("'{}'::jsonb" if prepared.obj == {} else "'[]'::jsonb")
            elif isinstance(prepared, bool):
                values.append("true" if prepared else "false")
            elif isinstance(prepared, int | float):
                values.append(str(prepared))
            else:
                values.append("'" + str(prepared).replace("'", "''") + "'")
        elif field.null:
            values.append("NULL")
        else:
            values.append("''")
    return f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"


def load(total: int, batch: int) -> None:
    from django.db import connection, transaction

    from amazon_channel.models import AmazonOrder, AmazonStore
    from orders.models import Order, OrderAddress, OrderItem, Store

    store, _ = Store.objects.get_or_create(code="default", defaults={"name": "Main Website Store"})
    amazon_store, _ = AmazonStore.objects.get_or_create(
        name="Bench Amazon US", defaults={"seller_id": "A2BENCH", "client_id": "bench", "commerce_store": store}
    )
    start = Order.objects.filter(increment_id__startswith="B").count()
    names = "ARRAY['Veronica Costello','John Smith','Jane Doe','Pieter de Vries','Mei Lin','Ana Silva','Ali Khan']"
    states = "ARRAY['new','processing','processing','complete','complete','complete','closed','canceled']"
    began = time.perf_counter()
    done = 0
    while done < total:
        n = min(batch, total - done)
        lo, hi = start + done, start + done + n - 1
        src = f"(SELECT k, ({states})[1 + (k * 7) % 8] AS st, ({names})[1 + (k * 13) % 7] AS nm, "
        src += f"(1000 + (k * 7919) % 49000) / 100.0 AS amt FROM generate_series({lo}::bigint, {hi}::bigint) AS k) g"
        order_sql = _insert_select(
            Order,
            {
                "increment_id": "'B' || lpad(k::text, 9, '0')",
                "store_id": str(store.pk),
                "channel": "CASE WHEN k % 3 = 0 THEN 'amazon' ELSE 'admin' END",
                "external_order_number": "CASE WHEN k % 3 = 0 THEN (100 + k % 900)::text || '-' || "
                "lpad(k::text, 7, '0') || '-' || lpad(((k * 7919) % 10000000)::text, 7, '0') END",
                "state": "st",
                "status": "CASE WHEN st = 'new' THEN 'pending' ELSE st END",
                "customer_email": "lower(split_part(nm, ' ', 1)) || k || '@example.com'",
                "customer_first_name": "split_part(nm, ' ', 1)",
                "customer_last_name": "substr(nm, strpos(nm, ' ') + 1)",
                "billing_name": "nm",
                "shipping_name": "nm",
                "subtotal": "amt",
                "grand_total": "amt",
                "base_grand_total": "amt",
                "total_paid": "CASE WHEN st = 'new' THEN 0 ELSE amt END",
                "total_invoiced": "CASE WHEN st = 'new' THEN 0 ELSE amt END",
                "payment_method": "CASE WHEN k % 3 = 0 THEN 'amazon' ELSE 'checkmo' END",
                "payment_method_title": "CASE WHEN k % 3 = 0 THEN 'Amazon Channel Payment' "
                "ELSE 'Check / Money order' END",
                "created_at": "now() - ((k % 525600) || ' minutes')::interval",
            },
            src,
        )
        batch_orders = (
            f"(SELECT o.* FROM {Order._meta.db_table} o WHERE o.increment_id BETWEEN "
            f"'B' || lpad('{lo}', 9, '0') AND 'B' || lpad('{hi}', 9, '0')) o"
        )
        item_sql = _insert_select(
            OrderItem,
            {
                "order_id": "o.id",
                "sku": "'SKU-' || lpad(((o.id * 31 + line) % 2000)::text, 4, '0')",
                "name": "'Product ' || ((o.id * 31 + line) % 2000)",
                "qty_ordered": "1 + (o.id + line) % 3",
                "qty_invoiced": "CASE WHEN o.state = 'new' THEN 0 ELSE 1 + (o.id + line) % 3 END",
                "price": "(500 + (o.id * 17 + line) % 8500) / 100.0",
                "row_total": "(1 + (o.id + line) % 3) * (500 + (o.id * 17 + line) % 8500) / 100.0",
            },
            f"{batch_orders} CROSS JOIN LATERAL generate_series(1, 1 + o.id % 4) AS line",
        )
        address_sql = _insert_select(
            OrderAddress,
            {
                "order_id": "o.id",
                "address_type": "t",
                "first_name": "o.customer_first_name",
                "last_name": "o.customer_last_name",
                "street": "'1 Main Street'",
                "city": "'Calder'",
                "postcode": "'49628'",
                "country_code": "'US'",
            },
            f"{batch_orders} CROSS JOIN unnest(ARRAY['billing','shipping']) AS t",
        )
        amazon_sql = _insert_select(
            AmazonOrder,
            {
                "store_id": str(amazon_store.pk),
                "amazon_order_id": "o.external_order_number",
                "marketplace_id": "'ATVPDKIKX0DER'",
                "status": "CASE o.state WHEN 'new' THEN 'UNSHIPPED' WHEN 'canceled' THEN 'CANCELLED' "
                "ELSE 'SHIPPED' END",
                "fulfilled_by": "'MERCHANT'",
                "purchase_date": "o.created_at",
                "amazon_updated_at": "o.created_at",
                "buyer_name": "o.billing_name",
                "currency": "'USD'",
                "grand_total": "o.grand_total",
                "commerce_order_id": "o.id",
            },
            f"{batch_orders} WHERE o.channel = 'amazon'",
        )
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in (order_sql, item_sql, address_sql, amazon_sql):
                cursor.execute(sql)
        done += n
        print(f"{done:>10,} orders loaded ({done / (time.perf_counter() - began):,.0f} orders/s)", flush=True)
    with connection.cursor() as cursor:
        # VACUUM as well: what autovacuum does to a live table after bulk inserts (it sets the visibility map, which
        # index-only scans need). This machine's PostgreSQL runs with autovacuum off, so without it every count read
        # the heap and the pages measured slower than they would in production.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"done: {Order.objects.count():,} orders in the database")


if __name__ == "__main__":
    main()
