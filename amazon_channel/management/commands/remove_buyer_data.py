"""Remove the buyer data of Amazon orders past retention: `manage.py remove_buyer_data [--dry-run] [--days N]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from amazon_channel.retention import remove_buyer_data, retention_days


class Command(BaseCommand):
    help = (
        "Remove the buyer's personal data of Amazon orders shipped or canceled more than N days ago "
        "(default AMAZON_BUYER_DATA_RETENTION_DAYS), with their Commerce orders' addresses and sent-email copies."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would be removed, change nothing")
        parser.add_argument("--days", type=int, default=None, help="retention in days (default: the setting)")

    def handle(self, *args, dry_run=False, days=None, **options) -> None:
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more.")
        result = remove_buyer_data(days=days, dry_run=dry_run)
        kept = retention_days() if days is None else days
        self.stdout.write(f"Orders shipped or canceled more than {kept} day(s) ago.")
        self.stdout.write(self.style.SUCCESS(result.summary()))
