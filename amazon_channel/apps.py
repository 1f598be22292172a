from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AmazonChannelConfig(AppConfig):
    name = "amazon_channel"
    verbose_name = _("Amazon sales channel")

    def ready(self) -> None:
        # The channel listens to what orders announces; orders never imports the channel.
        # --- Menu and order view blocks (import session) ---
        from . import (
            blocks,
            listeners,  # noqa: F401
        )

        blocks.register_all()
