from django.db import migrations, models


def leases_to_their_own_column(apps, schema_editor):
    """A shipment being sent kept its lease's expiry in next_attempt_at; it now has a column of its own."""
    OutboundUpdate = apps.get_model("amazon_channel", "OutboundUpdate")
    for update in OutboundUpdate.objects.filter(state="sending", feed__isnull=True).exclude(lease_token=""):
        update.lease_until = update.next_attempt_at
        update.next_attempt_at = None
        update.save(update_fields=["lease_until", "next_attempt_at"])


def leases_back(apps, schema_editor):
    OutboundUpdate = apps.get_model("amazon_channel", "OutboundUpdate")
    for update in OutboundUpdate.objects.filter(state="sending", feed__isnull=True, lease_until__isnull=False):
        update.next_attempt_at = update.lease_until
        update.save(update_fields=["next_attempt_at"])


class Migration(migrations.Migration):
    dependencies = [("amazon_channel", "0006_grid_indexes")]

    operations = [
        migrations.AddField(
            model_name="outboundupdate",
            name="lease_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(leases_to_their_own_column, leases_back),
    ]
