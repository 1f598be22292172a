"""Re-encrypt every stored Amazon credential with the newest key: `manage.py rotate_credentials_key`.

Rotation: put the new key first in CREDENTIALS_ENCRYPTION_KEYS (keep the old one after it) on every web and worker
process, run this command, then remove the old key.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from amazon_channel.crypto import CredentialsUnreadable, rotate_stored_credentials


class Command(BaseCommand):
    help = "Re-encrypt every stored Amazon credential with the newest key of CREDENTIALS_ENCRYPTION_KEYS (atomic)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--skip-unreadable",
            action="store_true",
            help="re-encrypt the rest and leave credentials no key decrypts as they are (they must be re-entered)",
        )

    def handle(self, *args, skip_unreadable=False, **options) -> None:
        try:
            result = rotate_stored_credentials(skip_unreadable=skip_unreadable)
        except CredentialsUnreadable as exc:
            raise CommandError(
                f"Nothing was changed: {len(exc.unreadable)} stored credential(s) can't be decrypted with any "
                f"configured key ({', '.join(exc.unreadable)}). Add the key they were encrypted with to "
                "CREDENTIALS_ENCRYPTION_KEYS, or run again with --skip-unreadable and re-enter them on the store page."
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {result.reencrypted} credential(s) of {result.rows} row(s) with the newest key "
                f"({result.blank} blank)."
            )
        )
        if result.unreadable:
            left = ", ".join(result.unreadable)
            self.stdout.write(
                self.style.WARNING(f"Left {len(result.unreadable)} unreadable credential(s) as they were: {left}.")
            )
