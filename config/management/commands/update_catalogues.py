"""`manage.py update_catalogues`: bring locale/nl and locale/zh_Hant up to date with the product's messages."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from config.catalogues import ROOT, makemessages_options


class Command(BaseCommand):
    help = (
        "Extract every message of the product into locale/*/LC_MESSAGES/django.po (new ones untranslated, gone ones "
        "removed); translate the new ones, then `python3 dev.py messages` (or any dev.py command) builds the .mo files."
    )

    def handle(self, *args, **options) -> None:
        import os

        cwd = os.getcwd()
        os.chdir(ROOT)  # makemessages walks the current directory
        try:
            call_command("makemessages", **makemessages_options())
        finally:
            os.chdir(cwd)
        self.stdout.write("Updated " + ", ".join(f"locale/{code}" for code in makemessages_options()["locale"]))
