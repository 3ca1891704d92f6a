"""Notifications, moved here from jcm_registry: same tables (jcm_registry_notification...), same content
type ids."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


MODELS = ['notification', 'notificationpreference', 'webhookendpoint', 'webhookdelivery', 'webhookattempt']


def rename_content_types(apps, schema_editor, old="jcm_registry", new='notifications'):
    """Rename the content types in place, so that their ids (which audit events and the audit hash name) stay."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def restore_content_types(apps, schema_editor):
    rename_content_types(apps, schema_editor, old='notifications', new="jcm_registry")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ('committee', '0003_cycle_settings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('jcm_registry', '0006_models_moved_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist (made by jcm_registry's migrations); only Django's picture of them moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='WebhookEndpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('url', models.URLField(max_length=500, verbose_name='URL')),
                        ('secret', models.CharField(editable=False, max_length=100)),
                        ('description', models.CharField(blank=True, max_length=200)),
                        ('event_kinds', models.JSONField(blank=True, default=list, help_text='Event patterns such as credits.* ; empty means every event.', verbose_name='events')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('country', models.ForeignKey(help_text='The government whose events this endpoint receives.', on_delete=django.db.models.deletion.PROTECT, related_name='webhook_endpoints', to='committee.country')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('owner', models.ForeignKey(blank=True, help_text='The ministry user whose own notifications are also sent here.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='webhook_endpoints', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'jcm_registry_webhookendpoint',
                        'ordering': ['country__code', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('delivery_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('event', models.CharField(db_index=True, max_length=100)),
                        ('event_key', models.CharField(help_text='Identifies the event: one delivery per endpoint.', max_length=200)),
                        ('payload', models.JSONField(default=dict)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('delivered', 'Delivered'), ('failed', 'Failed')], default='pending', max_length=10)),
                        ('attempt_count', models.PositiveIntegerField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('last_attempt_at', models.DateTimeField(blank=True, null=True)),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('endpoint', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deliveries', to='notifications.webhookendpoint')),
                    ],
                    options={
                        'verbose_name_plural': 'webhook deliveries',
                        'db_table': 'jcm_registry_webhookdelivery',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=200)),
                        ('kind', models.CharField(max_length=80)),
                        ('subject', models.CharField(max_length=300)),
                        ('body', models.TextField(blank=True)),
                        ('url', models.CharField(blank=True, max_length=500)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('emailed_at', models.DateTimeField(blank=True, null=True)),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'jcm_registry_notification',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['recipient', 'read_at'], name='notification_inbox_idx')],
                        'constraints': [models.UniqueConstraint(fields=('recipient', 'key'), name='notification_once_per_recipient')],
                    },
                ),
                migrations.CreateModel(
                    name='NotificationPreference',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('scope', models.CharField(help_text='A notification kind (credits.issued), a category (credits) or * for all.', max_length=80, verbose_name='kind or category')),
                        ('email', models.BooleanField(default=True, verbose_name='by e-mail')),
                        ('webhook', models.BooleanField(default=True, verbose_name='to my webhooks')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notification_preferences', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'jcm_registry_notificationpreference',
                        'ordering': ['user', 'scope'],
                        'constraints': [models.UniqueConstraint(fields=('user', 'scope'), name='notification_preference_once'), models.CheckConstraint(condition=models.Q(('scope__regex', '^(\\*|[a-z0-9_]+(\\.[a-z0-9_]+)*)$')), name='notification_preference_scope_format')],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField()),
                        ('started_at', models.DateTimeField()),
                        ('duration_ms', models.PositiveIntegerField(default=0)),
                        ('status_code', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('error', models.TextField(blank=True)),
                        ('response_excerpt', models.CharField(blank=True, max_length=500)),
                        ('replay', models.BooleanField(default=False, help_text='Sent because someone asked to replay the delivery.')),
                        ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempts', to='notifications.webhookdelivery')),
                    ],
                    options={
                        'db_table': 'jcm_registry_webhookattempt',
                        'ordering': ['delivery', 'number'],
                        'constraints': [models.UniqueConstraint(fields=('delivery', 'number'), name='webhook_attempt_number_unique')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='webhookendpoint',
                    constraint=models.CheckConstraint(condition=models.Q(('url__startswith', 'https://'), ('url__startswith', 'http://'), _connector='OR'), name='webhook_endpoint_url_http'),
                ),
                migrations.AddIndex(
                    model_name='webhookdelivery',
                    index=models.Index(fields=['status', 'created_at'], name='webhook_delivery_status_idx'),
                ),
                migrations.AddConstraint(
                    model_name='webhookdelivery',
                    constraint=models.UniqueConstraint(fields=('endpoint', 'event_key'), name='webhook_delivery_once_per_event'),
                ),
                migrations.AddConstraint(
                    model_name='webhookdelivery',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'delivered', 'failed'])), name='webhook_delivery_status_valid'),
                ),
            ],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
