"""Prepare the local demo: a demo login (printed), demo data, and a demo Amazon store connected to the sandbox."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from amazon_channel.demo import connect_demo_store, first_import
from orders.demo import load_demo_orders
from orders.models import Store

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "demo-admin-123"


class Command(BaseCommand):
    help = "Create the demo login and demo data (idempotent)."

    def handle(self, *args, **options) -> None:
        if not settings.DEMO_MODE:
            # The demo login's password is published in the README: never outside the demo.
            raise CommandError("demo_setup runs only in the demo (DJANGO_DEMO=1, as `python3 dev.py demo` sets).")
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        placed = load_demo_orders(actor=user)
        if placed:
            self.stdout.write(f"Placed {placed} demo orders in the Main Website Store.")
        commerce_store = Store.objects.get(code="default")
        amazon_store, created = connect_demo_store(actor=user, commerce_store=commerce_store)
        if created:
            self.stdout.write(f"Connected {amazon_store.name} to the Seller Central sandbox.")
            self.stdout.write(first_import(store=amazon_store, actor=user))
        self.stdout.write(self.style.SUCCESS(f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}"))
