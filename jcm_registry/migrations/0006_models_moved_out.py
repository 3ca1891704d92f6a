"""The audit trail moved to core, documents and notifications to apps of their own: here they leave
jcm_registry's picture of the database; their tables stay as they are (and keep their names)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ('jcm_registry', '0005_notification_channels'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist (made by jcm_registry's migrations); only Django's picture of them moves.
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='document',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='document',
                    name='subject_type',
                ),
                migrations.RemoveField(
                    model_name='document',
                    name='supersedes',
                ),
                migrations.RemoveField(
                    model_name='documentbatch',
                    name='documents',
                ),
                migrations.RemoveField(
                    model_name='documentbatch',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='documentnumber',
                    name='subject_type',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='recipient',
                ),
                migrations.RemoveField(
                    model_name='notificationpreference',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='webhookattempt',
                    name='delivery',
                ),
                migrations.RemoveField(
                    model_name='webhookdelivery',
                    name='endpoint',
                ),
                migrations.RemoveField(
                    model_name='webhookendpoint',
                    name='country',
                ),
                migrations.RemoveField(
                    model_name='webhookendpoint',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='webhookendpoint',
                    name='owner',
                ),
                migrations.DeleteModel(
                    name='AuditEvent',
                ),
                migrations.DeleteModel(
                    name='Document',
                ),
                migrations.DeleteModel(
                    name='DocumentBatch',
                ),
                migrations.DeleteModel(
                    name='DocumentNumber',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='NotificationPreference',
                ),
                migrations.DeleteModel(
                    name='WebhookAttempt',
                ),
                migrations.DeleteModel(
                    name='WebhookDelivery',
                ),
                migrations.DeleteModel(
                    name='WebhookEndpoint',
                ),
            ],
        ),
    ]
