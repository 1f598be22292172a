"""`manage.py update_catalogues`: bring locale/nl and locale/zh_Hant up to date with the product's messages."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from config.catalogues import LOCALES, ROOT, makemessages_options, po_path


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
        for locale in LOCALES:
            # msgmerge stamps the extraction time in the header: a diff (and a merge conflict) on every run.
            path = po_path(locale)
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            path.write_text("".join(line for line in lines if not line.startswith('"POT-Creation-Date:')), "utf-8")
        self.stdout.write("Updated " + ", ".join(f"locale/{code}" for code in makemessages_options()["locale"]))
