"""Import Amazon orders now: `manage.py amazon_sync [--store ID] [--since 2026-01-01T00:00:00Z]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from tqdm import tqdm

from amazon_channel.models import AmazonStore
from amazon_channel.sync import ImportResult, import_orders


class Command(BaseCommand):
    help = "Import new and changed Amazon orders of one store or of every active store, with a progress bar."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--store", type=int, help="Amazon store id (default: every active store)")
        parser.add_argument("--since", help="backfill: orders changed since this ISO date or time (default: cursor)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")

    def handle(self, *args, store=None, since=None, no_progress=False, **options) -> None:
        since_at = None
        if since:
            since_at = parse_datetime(since)
            if since_at is None and parse_date(since) is not None:
                since_at = parse_datetime(since + "T00:00:00")
            if since_at is None:
                raise CommandError(f"--since {since!r} is not an ISO date or time")
            if timezone.is_naive(since_at):
                since_at = timezone.make_aware(since_at, timezone.get_current_timezone())
        stores = AmazonStore.objects.filter(is_active=True)
        if store is not None:
            stores = AmazonStore.objects.filter(pk=store)
            if not stores.exists():
                raise CommandError(f"There is no Amazon store {store}.")
        failed = False
        for amazon_store in stores:
            with tqdm(desc=amazon_store.name, unit=" orders", disable=no_progress, file=self.stderr) as bar:

                def progress(result: ImportResult, bar=bar) -> None:
                    bar.update(result.orders_seen - bar.n)
                    bar.set_postfix(pages=result.pages, created=result.commerce_orders_created)

                result = import_orders(store=amazon_store, since=since_at, progress=progress)
            style = self.style.SUCCESS if result.ok and not result.failed else self.style.WARNING
            self.stdout.write(style(f"{amazon_store.name}: {result.summary()}"))
            failed = failed or not result.ok
        if failed:
            raise CommandError("Some stores did not finish their sync; see the messages above.")
