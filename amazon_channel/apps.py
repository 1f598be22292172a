from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AmazonChannelConfig(AppConfig):
    name = "amazon_channel"
    verbose_name = _("Amazon sales channel")

    def ready(self) -> None:
        # The channel listens to what orders announces (orders never imports the channel) and adds its pages and
        # blocks to the admin shell.
        from django.db.models.signals import post_migrate

        from .amazon_orders import blocks as amazon_order_blocks
        from .push import blocks as push_blocks
        from .push import listeners
        from .retention.schedule import ensure_retention_schedule
        from .sync import fair

        listeners.connect()
        post_migrate.connect(fair.ensure_scheduler_schedule, dispatch_uid="amazon_channel.import_scheduler")
        post_migrate.connect(ensure_retention_schedule, dispatch_uid="amazon_channel.retention_schedule")
        amazon_order_blocks.register()
        push_blocks.register()
