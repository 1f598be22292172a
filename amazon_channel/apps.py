from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AmazonChannelConfig(AppConfig):
    name = "amazon_channel"
    verbose_name = _("Amazon sales channel")

    def ready(self) -> None:
        # The channel listens to what orders announces; orders never imports the channel.
        from admin_ui import menu

        from . import listeners  # noqa: F401

        menu.register("channels", _("Amazon"), "amazon_channel:store_list", order=10)
