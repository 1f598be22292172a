"""Fill PostgreSQL with N orders fast, for the page benchmarks: set-based INSERT ... SELECT FROM generate_series.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/load_orders.py --orders 1000000

A third of the orders come from Amazon (each with its Amazon order row), the rest from the admin; 1-4 items each,
states spread like a live store, purchase dates over the last year. Increment ids "B<n>" never clash with real ones.
Every column not named here gets the model field's default, so the loader keeps up with the models. Ends with
`manage.py refresh_sales_statistics` and `refresh_amazon_sales_statistics` (the dashboards' statistics tables) and
VACUUM ANALYZE.

Fast enough for 10,000,000 orders: the secondary indexes, unique and foreign-key constraints of the four tables are
dropped for the load and rebuilt after it (each index built once from sorted rows instead of ~30 B-trees updated at
random for every row: `orders_order` alone has 30), batches run on `--jobs` connections at once, and the orders get
their ids from the loader so the other tables' rows are generated from id ranges. The dropped DDL is kept in the
table `bench_deferred_ddl` until it is rebuilt: a load that died half-way is repaired by the next run.
"""

from __future__ import annotations

import argparse
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from _setup import setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=2, help="connections loading batches and building indexes")
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("The loader needs PostgreSQL: set DATABASE_URL.")
    call_command("migrate", verbosity=0)
    load(args.orders, args.batch, args.jobs)


def _insert_select(model, expressions: dict[str, str], source: str) -> str:
    """INSERT INTO model (every column) SELECT <expression or the field's default> FROM source."""
    from django.db import connection

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.attname not in expressions:
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


TABLES = ("orders_order", "orders_orderitem", "orders_orderaddress", "amazon_channel_amazonorder")
DEFERRED = "bench_deferred_ddl"


def _defer_indexes() -> None:
    """Drop the four tables' secondary indexes, unique and foreign-key constraints, keeping their DDL to rebuild."""
    from django.db import connection, transaction

    tables = "ARRAY[" + ", ".join(f"'{t}'" for t in TABLES) + "]::text[]"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {DEFERRED} (position serial, kind text, drop_sql text, create_sql text)")
        # Foreign keys first (dropped first, rebuilt last), then unique constraints, then plain indexes.
        cursor.execute(
            f"INSERT INTO {DEFERRED} (kind, drop_sql, create_sql) "
            "SELECT CASE c.contype WHEN 'f' THEN 'foreign key' ELSE 'unique' END, "
            "format('ALTER TABLE %I DROP CONSTRAINT %I', c.conrelid::regclass::text, c.conname), "
            "format('ALTER TABLE %I ADD CONSTRAINT %I %s', c.conrelid::regclass::text, c.conname, "
            "pg_get_constraintdef(c.oid)) "
            f"FROM pg_constraint c WHERE c.contype IN ('f', 'u') AND c.conrelid::regclass::text = ANY({tables}) "
            "ORDER BY c.contype = 'u', c.conname"
        )
        cursor.execute(
            f"INSERT INTO {DEFERRED} (kind, drop_sql, create_sql) "
            "SELECT 'index', format('DROP INDEX %I', i.indexname), i.indexdef FROM pg_indexes i "
            f"WHERE i.schemaname = current_schema() AND i.tablename = ANY({tables}) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = "
            "(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass) "
            "ORDER BY i.indexname"
        )
        cursor.execute(f"SELECT drop_sql FROM {DEFERRED} ORDER BY position")
        for (sql,) in cursor.fetchall():
            cursor.execute(sql)


def _rebuild_indexes(jobs: int) -> None:
    """Rebuild what _defer_indexes dropped: indexes and unique constraints `jobs` at a time, then the foreign keys."""
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [DEFERRED])
        if cursor.fetchone()[0] is None:
            return
        cursor.execute(f"SELECT kind, create_sql FROM {DEFERRED} ORDER BY position")
        rows = cursor.fetchall()
    # The Amazon table's trigram indexes are the slowest builds: start them first so the pool ends together.
    builds = sorted((sql for kind, sql in rows if kind != "foreign key"), key=lambda sql: "gin" not in sql)

    def build(sql: str) -> None:
        began = time.perf_counter()
        with connections["default"].cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("SET max_parallel_maintenance_workers = 0")  # the pool is the parallelism
            cursor.execute(sql)
        print(f"  {time.perf_counter() - began:6.1f} s  {sql[:110]}", flush=True)
        connections["default"].close()

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(build, builds))
    with connection.cursor() as cursor:
        for kind, sql in rows:
            if kind == "foreign key":
                began = time.perf_counter()
                cursor.execute(sql)
                print(f"  {time.perf_counter() - began:6.1f} s  {sql[:110]}", flush=True)
        cursor.execute(f"DROP TABLE {DEFERRED}")


def load(total: int, batch: int, jobs: int) -> None:
    from django.db import connection, connections, transaction

    from amazon_channel.models import AmazonOrder, AmazonStore
    from orders.models import Order, OrderAddress, OrderItem, Store

    _rebuild_indexes(jobs)  # a previous load that died half-way
    store, _ = Store.objects.get_or_create(code="default", defaults={"name": "Main Website Store"})
    amazon_store, _ = AmazonStore.objects.get_or_create(
        name="Bench Amazon US", defaults={"seller_id": "A2BENCH", "client_id": "bench", "commerce_store": store}
    )
    last = Order.objects.filter(increment_id__startswith="B").order_by("-increment_id").first()
    start = int(last.increment_id[1:]) + 1 if last else 0
    # Order k gets the id first_id + k - start: the batch's other rows are generated from its id range.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {Order._meta.db_table}")
        first_id = cursor.fetchone()[0]
    names = "ARRAY['Veronica Costello','John Smith','Jane Doe','Pieter de Vries','Mei Lin','Ana Silva','Ali Khan']"
    states = "ARRAY['new','processing','processing','complete','complete','complete','closed','canceled']"
    phase = time.perf_counter()
    print(f"indexes kept: {total:,} orders from B{start:09d}, ids from {first_id}, {jobs} jobs", flush=True)
    _defer_indexes()

    def load_batch(lo: int, hi: int) -> None:
        src = f"(SELECT k, ({states})[1 + (k * 7) % 8] AS st, ({names})[1 + (k * 13) % 7] AS nm, "
        src += f"(1000 + (k * 7919) % 49000) / 100.0 AS amt FROM generate_series({lo}::bigint, {hi}::bigint) AS k) g"
        order_sql = _insert_select(
            Order,
            {
                "id": f"{first_id - start} + k",
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
                # What orders.rules.set_awaiting gives for these items (new: nothing invoiced or shipped; processing:
                # invoiced, not shipped), so the rebuild below finds the flags right and rewrites no order.
                "needs_invoice": "st = 'new'",
                "needs_shipment": "st IN ('new', 'processing')",
            },
            src,
        )
        batch_orders = (
            f"(SELECT o.* FROM {Order._meta.db_table} o "
            f"WHERE o.id BETWEEN {first_id - start + lo} AND {first_id - start + hi}) o"
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
                "tax_total": "o.tax_amount",
                "commerce_order_id": "o.id",
            },
            f"{batch_orders} WHERE o.channel = 'amazon'",
        )
        db = connections["default"]
        with transaction.atomic(using=db.alias), db.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            for sql in (order_sql, item_sql, address_sql, amazon_sql):
                cursor.execute(sql)

    done = 0
    lock = threading.Lock()
    began = time.perf_counter()

    def run(lo: int) -> None:
        nonlocal done
        hi = min(lo + batch, start + total) - 1
        load_batch(lo, hi)
        with lock:
            done += hi - lo + 1
            print(f"{done:>12,} orders loaded ({done / (time.perf_counter() - began):,.0f} orders/s)", flush=True)

    def run_all(los: list[int]) -> None:
        try:
            for lo in los:
                run(lo)
        finally:
            connections["default"].close()

    starts = list(range(start, start + total, batch))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for future in [pool.submit(run_all, starts[j::jobs]) for j in range(jobs)]:
            future.result()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [Order._meta.db_table, first_id + total])
    print(f"rows in: {time.perf_counter() - phase:.0f} s; rebuilding indexes and constraints", flush=True)
    phase = time.perf_counter()
    _rebuild_indexes(jobs)
    print(f"indexes: {time.perf_counter() - phase:.0f} s", flush=True)
    # The rows went in behind the services' back: rebuild the sales statistics from them, as Magento's "Refresh
    # Lifetime Statistics" does, then VACUUM so the dashboard's index-only scans find the pages all-visible.
    from django.core.management import call_command

    phase = time.perf_counter()
    call_command("refresh_sales_statistics")
    call_command("refresh_amazon_sales_statistics")
    print(f"statistics: {time.perf_counter() - phase:.0f} s", flush=True)
    phase = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM as well: what autovacuum does to a live table after bulk inserts (it sets the visibility map, which
        # index-only scans need). This machine's PostgreSQL runs with autovacuum off, so without it every count read
        # the heap and the pages measured slower than they would in production.
        cursor.execute("VACUUM ANALYZE")
    print(f"vacuum analyze: {time.perf_counter() - phase:.0f} s", flush=True)
    print(f"done: {Order.objects.count():,} orders in the database")


if __name__ == "__main__":
    main()
